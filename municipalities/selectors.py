"""Reads of the registry. Every list is scoped to the asking user where it matters and built
so that its query count does not grow with the number of rows."""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from municipalities.models import (
    Agreement,
    AgreementParty,
    Indicator,
    IndicatorValue,
    Municipality,
    Region,
    Town,
)
from municipalities.permissions import is_admin, member_municipality_ids


def municipality_list(
    *,
    search: str = "",
    oktmo: str = "",
    kind: str = "",
    region: str = "",
    size_class: str = "",
) -> QuerySet[Municipality]:
    qs = Municipality.objects.select_related("region", "parent", "main_town")
    if search := search.strip():
        if search.isdigit():
            qs = qs.filter(oktmo__startswith=search)
        else:
            qs = qs.filter(Q(name__icontains=search) | Q(name_en__icontains=search))
    if oktmo:
        qs = qs.filter(oktmo=oktmo.strip())
    if kind:
        qs = qs.filter(kind=kind)
    if region:
        qs = qs.filter(region__code=region)
    if size_class:
        qs = qs.filter(main_town__size_class=size_class)
    return qs.order_by("oktmo")


def municipality_get(*, oktmo: str) -> Municipality:
    return get_object_or_404(
        Municipality.objects.select_related("region", "parent", "main_town"), oktmo=oktmo
    )


def municipality_towns(*, municipality: Municipality) -> QuerySet[Town]:
    """Towns on the municipality's territory: its own and those of the formations within it
    (a district's towns are linked to its urban settlements), largest first."""
    return Town.objects.filter(
        Q(municipality=municipality) | Q(municipality__parent=municipality)
    ).order_by("-population", "name")


def region_list() -> QuerySet[Region]:
    return Region.objects.order_by("name")


def town_list(
    *, search: str = "", oktmo: str = "", region: str = "", size_class: str = ""
) -> QuerySet[Town]:
    qs = Town.objects.select_related("region", "municipality")
    if search := search.strip():
        if search.isdigit():
            qs = qs.filter(oktmo__startswith=search)
        else:
            qs = qs.filter(name__icontains=search)
    if oktmo:
        qs = qs.filter(oktmo=oktmo.strip())
    if region:
        qs = qs.filter(region__code=region)
    if size_class:
        qs = qs.filter(size_class=size_class)
    return qs.order_by("name", "oktmo")


def town_counts(*, region: str = "") -> dict[str, Any]:
    """Towns per size class, overall and per region: ``{"total": {class: n},
    "regions": [(region, {class: n})]}``."""
    qs = Town.objects.all()
    if region:
        qs = qs.filter(region__code=region)
    total: dict[str, int] = {}
    per_region: dict[int, dict[str, int]] = {}
    rows = qs.values("region_id", "size_class").annotate(n=Count("id")).order_by()
    for row in rows:
        total[row["size_class"]] = total.get(row["size_class"], 0) + row["n"]
        per_region.setdefault(row["region_id"], {})[row["size_class"]] = row["n"]
    regions = Region.objects.filter(pk__in=per_region).order_by("name")
    return {"total": total, "regions": [(r, per_region[r.pk]) for r in regions]}


def indicator_list() -> QuerySet[Indicator]:
    return Indicator.objects.order_by("position", "code")


def indicator_value_list(
    *,
    oktmo: str = "",
    indicator: str = "",
    year_from: int | None = None,
    year_to: int | None = None,
) -> QuerySet[IndicatorValue]:
    qs = IndicatorValue.objects.select_related("municipality", "indicator")
    if oktmo:
        qs = qs.filter(municipality__oktmo=oktmo.strip())
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    if year_from is not None:
        qs = qs.filter(year__gte=year_from)
    if year_to is not None:
        qs = qs.filter(year__lte=year_to)
    return qs.order_by("municipality__oktmo", "indicator__position", "indicator__code", "year")


@dataclass
class IndicatorSeries:
    """One indicator of one municipality over the years of a table. ``values[i]`` belongs to
    ``years[i]`` of the table and is ``None`` for a gap."""

    indicator: Indicator
    values: list[Decimal | None]
    sources: list[str] = field(default_factory=list)

    @property
    def has_data(self) -> bool:
        return any(v is not None for v in self.values)


@dataclass
class IndicatorTable:
    years: list[int]
    rows: list[IndicatorSeries]


def indicator_table(*, municipalities: list[Municipality]) -> dict[int, IndicatorTable]:
    """Per municipality id, every catalogue indicator with a value in some year, by year; the
    years are the union of the years with data, so a missing year shows as a gap. Two
    queries whatever the number of municipalities, indicators or years."""
    indicators = list(indicator_list())
    ids = [m.pk for m in municipalities]
    values = IndicatorValue.objects.filter(municipality_id__in=ids).values_list(
        "municipality_id", "indicator_id", "year", "value", "source"
    )
    by_key: dict[tuple[int, int], dict[int, tuple[Decimal, str]]] = {}
    years_of: dict[int, set[int]] = {pk: set() for pk in ids}
    for municipality_id, indicator_id, year, value, source in values:
        by_key.setdefault((municipality_id, indicator_id), {})[year] = (value, source)
        years_of[municipality_id].add(year)
    tables: dict[int, IndicatorTable] = {}
    for pk in ids:
        years = sorted(years_of[pk])
        rows = []
        for indicator in indicators:
            series = by_key.get((pk, indicator.pk))
            if not series:
                continue
            rows.append(
                IndicatorSeries(
                    indicator=indicator,
                    values=[series[y][0] if y in series else None for y in years],
                    sources=sorted({s for _v, s in series.values() if s}),
                )
            )
        tables[pk] = IndicatorTable(years=years, rows=rows)
    return tables


def agreement_list(*, user: Any, municipality: Municipality | None = None) -> QuerySet[Agreement]:
    """Agreements ``user`` may see: anything not a draft, and drafts of the user's own
    municipalities (administrators see all)."""
    qs = Agreement.objects.prefetch_related(
        Prefetch(
            "parties",
            queryset=AgreementParty.objects.select_related("municipality").order_by("id"),
        )
    )
    if not is_admin(user):
        qs = qs.filter(
            ~Q(status=Agreement.Status.DRAFT)
            | Q(parties__municipality_id__in=member_municipality_ids(user))
        ).distinct()
    if municipality is not None:
        qs = qs.filter(parties__municipality=municipality)
    return qs.order_by("-signed_on", "-id")


def agreement_get_for(*, user: Any, pk: int) -> Agreement:
    """The agreement, if ``user`` may see it; 404 otherwise (a draft of others is not
    revealed to exist)."""
    return get_object_or_404(agreement_list(user=user), pk=pk)


_LEADING_OKTMO = re.compile(r"^\s*(\d{8})(?!\d)")


def municipality_find(text: str) -> tuple[Municipality | None, str]:
    """The municipality a person typed: an 8-digit OKTMO code at the start of the line, or
    the exact name. Returns it, or ``None`` and the reason in words for the form."""
    if match := _LEADING_OKTMO.match(text):
        code = match.group(1)
        found = list(municipality_list(oktmo=code)[:1])
        if not found:
            return None, _("there is no municipality with the OKTMO code %(code)s.") % {
                "code": code
            }
        return found[0], ""
    named = list(municipality_list(search=text).filter(name__iexact=text)[:2])
    if not named:
        return None, _("no municipality is called “%(name)s”; enter its OKTMO code.") % {
            "name": text
        }
    if len(named) > 1:
        return None, _("several municipalities are called “%(name)s”; enter the OKTMO code.") % {
            "name": text
        }
    return named[0], ""
