"""OKTMO codes (Russian classifier of municipal territories): 8 digits for a municipal
formation, 11 for a locality; the first two digits are the region's."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MUNICIPALITY_LENGTH = 8
LOCALITY_LENGTH = 11

_DIGITS = re.compile(r"\d+")


def validate_municipality_oktmo(value: str) -> None:
    if not (len(value) == MUNICIPALITY_LENGTH and _DIGITS.fullmatch(value)):
        raise ValidationError(
            _("An OKTMO code of a municipality has exactly 8 digits."), code="oktmo"
        )


def validate_locality_oktmo(value: str) -> None:
    if not (len(value) == LOCALITY_LENGTH and _DIGITS.fullmatch(value)):
        raise ValidationError(_("An OKTMO code of a town has exactly 11 digits."), code="oktmo")


def restore_leading_zero(raw: str, length: int) -> tuple[str, bool]:
    """Codes of regions 01–09 lose their leading zero when a spreadsheet took them for
    numbers (``1703000001`` for ``01703000001``). Returns the code and whether it was
    repaired. Only a single lost zero is restored: anything shorter is not guessed at."""
    code = raw.strip()
    if code.endswith(".0"):  # a number that went through a float
        code = code[:-2]
    if _DIGITS.fullmatch(code) and len(code) == length - 1:
        return "0" + code, True
    return code, False
