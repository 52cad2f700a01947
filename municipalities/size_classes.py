"""Size classes of towns after SP 42.13330.2016 (table 5.1). The thresholds live here and only
here: the pure function and the database expression are both built from ``THRESHOLDS``."""

from django.db import models
from django.db.models import Case, Value, When
from django.utils.translation import gettext_lazy as _


class SizeClass(models.TextChoices):
    SMALL = "small", _("small (up to 50 thousand)")
    MEDIUM = "medium", _("medium (50–100 thousand)")
    BIG = "big", _("big (100–250 thousand)")
    LARGE = "large", _("large (250 thousand – 1 million)")
    LARGEST = "largest", _("largest (over 1 million)")


# (upper bound in persons, inclusive; class). A town of exactly 50,000 is small.
THRESHOLDS: tuple[tuple[int, SizeClass], ...] = (
    (50_000, SizeClass.SMALL),
    (100_000, SizeClass.MEDIUM),
    (250_000, SizeClass.BIG),
    (1_000_000, SizeClass.LARGE),
)


def size_class_for(population: int) -> SizeClass:
    """The size class of a town of ``population`` persons."""
    for upper, size_class in THRESHOLDS:
        if population <= upper:
            return size_class
    return SizeClass.LARGEST


def size_class_expression(field: str = "population") -> Case:
    """The same rule as :func:`size_class_for`, as an SQL expression over ``field``."""
    return Case(
        *(When(**{f"{field}__lte": upper}, then=Value(c.value)) for upper, c in THRESHOLDS),
        default=Value(SizeClass.LARGEST.value),
        output_field=models.CharField(max_length=8),
    )
