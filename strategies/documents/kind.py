"""The registration of the ``strategy`` kind: the fingerprint of what the PDF prints, the
file's name and the ``DocumentKind`` that ties them to the context and the template."""

import hashlib
import json
import re
import unicodedata

from django.urls import reverse
from django.utils.translation import gettext_lazy

from core.documents.registry import DocumentKind
from strategies import content
from strategies.documents.constants import KIND, TEMPLATE, TEMPLATE_VERSION
from strategies.documents.context import build_context
from strategies.documents.parts import _iso
from strategies.documents.reads import _approval, _base_round, _strategy
from strategies.models import Strategy
from strategies.permissions import can_view_strategy

# --- fingerprint, name, registration ---------------------------------------------------------


def content_hash(strategy: Strategy) -> str:
    """sha256 of everything the PDF prints: the signed snapshot (text, plan, targets), the
    summary, names of the participants, status, adoption date, the approval sheet and the
    date of the snapshot. Actual values of targets are monitoring data and not printed, so
    recording them reuses the file. A draft has no frozen snapshot: it prints the day it was
    rendered, which is not hashed (an unchanged draft keeps its file and its date: the text
    was so on that day and still is)."""
    strategy = _strategy(strategy)
    approval = _approval(strategy)
    base = _base_round(strategy, approval)
    state = {
        "snapshot": content.snapshot_hash(content.strategy_snapshot(strategy)),
        "summary": strategy.summary,
        "status": strategy.status,
        "adopted": _iso(strategy.adopted_at),
        "participants": sorted(
            [p.municipality_id, p.municipality.name] for p in strategy.participations.all()
        ),
        "approval": approval.state(),
        "redline_base": base.snapshot_hash if base else None,
    }
    canonical = json.dumps(state, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# The transliteration of Russian passports (ICAO Doc 9303), the one officials know.
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        (
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o",
            "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e",
            "iu", "ia",
        ),
        strict=True,
    )
)  # fmt: skip
FILENAME_LENGTH = 80


def ascii_slug(text: str) -> str:
    """``Стратегия развития`` → ``strategiya-razvitiya``: lower-case ASCII letters, digits
    and hyphens only, safe in any file system and Content-Disposition header."""
    lowered = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def filename(strategy: Strategy, format: str) -> str:
    slug = ascii_slug(strategy.title)[:FILENAME_LENGTH].rstrip("-") or "strategy"
    return f"{slug}-{strategy.pk}.{format}"


def subject_url(strategy: Strategy) -> str:
    return reverse("strategies:strategy_detail", args=[strategy.pk])


def strategy_document_kind() -> DocumentKind:
    return DocumentKind(
        name=KIND,
        label=gettext_lazy("Strategy"),
        model=Strategy,
        template_version=TEMPLATE_VERSION,
        content_hash=content_hash,
        can_view=can_view_strategy,
        filename=filename,
        template=TEMPLATE,
        build_context=build_context,
        subject_url=subject_url,
    )
