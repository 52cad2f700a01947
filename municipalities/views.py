"""Pages of the registry. Thin: they read through ``selectors``, write through ``services``,
ask ``permissions`` who may do what, and leave the rest to templates."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.charts import ChartBar, ChartSeries, bar_chart, format_number, line_chart
from core.exceptions import ApplicationError
from municipalities import permissions, selectors, services
from municipalities.forms import (
    AgreementForm,
    BasePartyFormSet,
    IndicatorImportForm,
    MunicipalityFilterForm,
    TownFilterForm,
    party_formset,
    party_initial,
)
from municipalities.imports.indicators import indicator_values_import
from municipalities.models import Agreement, AgreementParty, Indicator, Membership, Municipality
from municipalities.size_classes import SizeClass

PAGE_SIZE = 50
# Town.size_class is a generated column: Django gives it no get_size_class_display().
COMPARE_MIN = 2
COMPARE_MAX = 5
# More codes than this in one link are not even looked up: the page refuses above five anyway.
COMPARE_CODES_READ = 20


def _page(request: HttpRequest, queryset: QuerySet) -> Page:
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    # Templates cannot pass arguments; the pagination include reads this list.
    page.elided_range = list(  # type: ignore[attr-defined]
        page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    return page


def _back_url(request: HttpRequest, default: str) -> str:
    """Where "back to the list" leads: the list the user came from, with its search and page,
    if the link carried it (``?back=``); only a path on this site is accepted."""
    back = request.GET.get("back", "")
    if (
        back.startswith("/")
        and not back.startswith("//")
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        return back
    return default


def municipality_list(request: HttpRequest) -> HttpResponse:
    form = MunicipalityFilterForm(request.GET)
    filters = form.filters()
    municipalities = selectors.municipality_list(
        search=filters["q"],
        region=filters["region"],
        kind=filters["kind"],
        size_class=filters["size_class"],
    )
    return render(
        request,
        "municipalities/municipality_list.html",
        {
            "section": "registry",
            "form": form,
            "page_obj": _page(request, municipalities),
            "filtered": any(filters.values()),
        },
    )


@dataclass
class IndicatorRow:
    indicator: Indicator
    cells: list[tuple[int, Decimal | None]]
    sources: list[str]
    chart: str = ""


def _indicator_rows(municipality: Municipality) -> tuple[list[int], list[IndicatorRow]]:
    table = selectors.indicator_table(municipalities=[municipality])[municipality.pk]
    rows = []
    for series in table.rows:
        cells = list(zip(table.years, series.values, strict=True))
        rows.append(
            IndicatorRow(
                indicator=series.indicator,
                cells=cells,
                sources=series.sources
                or ([series.indicator.source] if series.indicator.source else []),
                # Narrower than the default: two charts share a row on a desktop, and the
                # text stays readable when a phone scales the chart down.
                chart=line_chart(
                    title=_chart_title(series.indicator),
                    series=[ChartSeries(label=municipality.name, points=cells)],
                    unit=series.indicator.unit,
                    width=480,
                    height=220,
                ),
            )
        )
    return table.years, rows


def _chart_title(indicator: Indicator) -> str:
    return _("%(indicator)s, %(unit)s") % {"indicator": indicator.name, "unit": indicator.unit}


def municipality_detail(request: HttpRequest, oktmo: str) -> HttpResponse:
    municipality = selectors.municipality_get(oktmo=oktmo)
    # The chain of formations above this one (settlement → district → …), nearest last.
    ancestors: list[Municipality] = []
    parent = municipality.parent
    while parent is not None and len(ancestors) < 5:
        ancestors.insert(0, parent)
        parent = parent.parent
    years, indicator_rows = _indicator_rows(municipality)
    agreements = None
    if request.user.is_authenticated:
        agreements = selectors.agreement_list(user=request.user, municipality=municipality)
    list_url = reverse("municipalities:municipality_list")
    return render(
        request,
        "municipalities/municipality_detail.html",
        {
            "section": "registry",
            "municipality": municipality,
            "ancestors": ancestors,
            # Small related lists of one formation; see the report about moving them into a
            # selector (``municipality_relations``) once another page needs them.
            "children": municipality.children.select_related("main_town").order_by("name"),
            "predecessors": municipality.predecessors.order_by("name"),
            "successors": municipality.successors.order_by("name"),
            "towns": selectors.municipality_towns(municipality=municipality),
            "years": years,
            "indicator_rows": indicator_rows,
            "agreements": agreements,
            "back_url": _back_url(request, list_url),
        },
    )


def town_list(request: HttpRequest) -> HttpResponse:
    form = TownFilterForm(request.GET)
    filters = form.filters()
    towns = selectors.town_list(
        search=filters["q"], region=filters["region"], size_class=filters["size_class"]
    )
    counts = selectors.town_counts(region=filters["region"])
    size_classes = list(SizeClass)
    count_rows = [
        {
            "region": region,
            "counts": [per_class.get(c.value, 0) for c in size_classes],
            "total": sum(per_class.values()),
        }
        for region, per_class in counts["regions"]
    ]
    return render(
        request,
        "municipalities/town_list.html",
        {
            "section": "towns",
            "form": form,
            "page_obj": _page(request, towns),
            "filtered": any(filters.values()),
            "size_classes": size_classes,
            "total_counts": [counts["total"].get(c.value, 0) for c in size_classes],
            "total_towns": sum(counts["total"].values()),
            "count_rows": count_rows,
        },
    )


def _may_create_agreements(user: Any) -> bool:
    """Administrators, and coordinators of any municipality (the parties they choose must then
    include one of theirs, which the service checks)."""
    coordinated = permissions.municipality_ids_with_role(user, Membership.Role.COORDINATOR)
    return permissions.can_create_agreement(user, coordinated)


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = selectors.agreement_list(user=request.user)
    return render(
        request,
        "municipalities/agreement_list.html",
        {
            "section": "agreements",
            "page_obj": _page(request, agreements),
            "can_create": _may_create_agreements(request.user),
        },
    )


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    return render(
        request,
        "municipalities/agreement_detail.html",
        {
            "section": "agreements",
            "agreement": agreement,
            "can_edit": permissions.can_edit_agreement(request.user, agreement),
            "back_url": _back_url(request, reverse("municipalities:agreement_list")),
        },
    )


@dataclass
class Conflict:
    """What the user sees when somebody saved the agreement after they opened it."""

    saved: Agreement
    differences: list[tuple[str, str, str]] = field(default_factory=list)


def _shown(value: Any, choices: dict[str, str] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if choices is not None:
        return str(choices.get(value, value))
    if isinstance(value, date):
        return date_format(value)
    if isinstance(value, Decimal):
        return format_number(value)
    return str(value)


def _conflict(form: AgreementForm, parties: BasePartyFormSet, saved: Agreement) -> Conflict:
    conflict = Conflict(saved=saved)
    for name in AgreementForm.Meta.fields:
        form_field = form.fields[name]
        choices = dict(form_field.choices) if hasattr(form_field, "choices") else None
        mine, theirs = form.cleaned_data.get(name), getattr(saved, name)
        if (mine or None) != (theirs or None):
            conflict.differences.append(
                (str(form_field.label), _shown(theirs, choices), _shown(mine, choices))
            )
    role_names = dict(AgreementParty.Role.choices)
    saved_parties = sorted(
        f"{p.municipality.name} ({role_names[p.role]})" for p in saved.parties.all()
    )
    my_parties = sorted(f"{p.municipality.name} ({role_names[p.role]})" for p in parties.parties())
    if saved_parties != my_parties:
        conflict.differences.append((_("Parties"), "; ".join(saved_parties), "; ".join(my_parties)))
    return conflict


def _show_refusal(error: ApplicationError, form: AgreementForm, party_errors: list[str]) -> None:
    """A service's refusal (400 with field errors, or 403) shown on the form it came from."""
    field_errors: dict[str, list[str]] = error.extra.get("errors") or {}
    for name, errors in field_errors.items():
        if name == "parties":
            party_errors.extend(errors)
        elif name in form.fields:
            form.add_error(name, errors)
        else:
            form.add_error(None, errors)
    if not field_errors:
        form.add_error(None, error.message)


def _agreement_form_page(
    request: HttpRequest,
    *,
    form: AgreementForm,
    parties: BasePartyFormSet,
    agreement: Agreement | None,
    party_errors: list[str] | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> HttpResponse:
    party_errors = list(party_errors or [])
    if parties.is_bound:
        party_errors.extend(str(error) for error in parties.non_form_errors())
    # For the error summary at the top: every problem of the party rows, named by row.
    summary = list(party_errors)
    for number, party_form in enumerate(parties.forms if parties.is_bound else [], start=1):
        for error in party_form.errors.get("municipality", []):
            summary.append(_("Party %(number)s: %(error)s") % {"number": number, "error": error})
    return render(
        request,
        "municipalities/agreement_form.html",
        {
            "section": "agreements",
            "form": form,
            "parties": parties,
            "party_errors": party_errors,
            "summary_errors": summary,
            "agreement": agreement,
            "conflict": conflict,
        },
        status=status,
    )


@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    if not _may_create_agreements(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return _agreement_form_page(
            request, form=AgreementForm(), parties=party_formset(), agreement=None
        )
    form = AgreementForm(request.POST)
    parties = party_formset(request.POST)
    party_errors: list[str] = []
    if form.is_valid() and parties.is_valid():
        try:
            agreement = services.agreement_create(
                actor=request.user, parties=parties.parties(), **form.service_fields()
            )
        except ApplicationError as error:
            _show_refusal(error, form, party_errors)
            return _agreement_form_page(
                request,
                form=form,
                parties=parties,
                agreement=None,
                party_errors=party_errors,
                status=error.status,
            )
        messages.success(request, _("The agreement is registered."))
        return redirect("municipalities:agreement_detail", pk=agreement.pk)
    return _agreement_form_page(request, form=form, parties=parties, agreement=None)


@login_required
def agreement_update(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    if not permissions.can_edit_agreement(request.user, agreement):
        raise PermissionDenied
    if request.method != "POST":
        return _agreement_form_page(
            request,
            form=AgreementForm(instance=agreement),
            parties=party_formset(initial=party_initial(agreement)),
            agreement=agreement,
        )
    # The form works on a copy: a ModelForm writes the submitted values into its instance
    # while validating, and the page still shows the stored agreement's title.
    form = AgreementForm(
        request.POST, instance=selectors.agreement_get_for(user=request.user, pk=pk)
    )
    parties = party_formset(request.POST)
    party_errors: list[str] = []
    if not (form.is_valid() and parties.is_valid()):
        return _agreement_form_page(request, form=form, parties=parties, agreement=agreement)
    try:
        services.agreement_update(
            actor=request.user,
            agreement_id=agreement.pk,
            version=form.cleaned_data["version"],
            parties=parties.parties(),
            **form.service_fields(),
        )
    except ApplicationError as error:
        if error.status != 412:
            _show_refusal(error, form, party_errors)
            return _agreement_form_page(
                request,
                form=form,
                parties=parties,
                agreement=agreement,
                party_errors=party_errors,
                status=error.status,
            )
        # Somebody saved meanwhile. Keep everything the user typed, show what differs, and
        # move the hidden version on: saving again is now a deliberate choice to replace the
        # other version with this one, made after seeing both.
        saved = selectors.agreement_get_for(user=request.user, pk=pk)
        conflict = _conflict(form, parties, saved)
        data = request.POST.copy()
        data["version"] = str(saved.version)
        form = AgreementForm(data, instance=selectors.agreement_get_for(user=request.user, pk=pk))
        form.is_valid()
        return _agreement_form_page(
            request,
            form=form,
            parties=parties,
            agreement=saved,
            conflict=conflict,
            status=error.status,
        )
    messages.success(request, _("The agreement is saved."))
    return redirect("municipalities:agreement_detail", pk=agreement.pk)


@dataclass
class CompareCell:
    year: int | None = None
    value: Decimal | None = None


@dataclass
class CompareRow:
    indicator: Indicator
    cells: list[CompareCell]
    total: Decimal | None = None
    total_years: tuple[int, int] | None = None
    total_complete: bool = True


def _selected_codes(request: HttpRequest) -> list[str]:
    codes: list[str] = []
    for raw in request.GET.getlist("oktmo"):
        code = raw.strip()
        if len(code) == 8 and code.isdigit() and code not in codes:
            codes.append(code)
    return codes[:COMPARE_CODES_READ]


def _compare_rows(
    selected: list[Municipality],
) -> tuple[list[CompareRow], dict[int, dict[int, dict[int, Decimal]]]]:
    """Per indicator, each municipality's latest known value and its year; additive indicators
    also get the total. Also returns ``{indicator id: {municipality id: {year: value}}}``
    for the charts."""
    tables = selectors.indicator_table(municipalities=selected)
    indicators: dict[int, Indicator] = {}
    values: dict[int, dict[int, dict[int, Decimal]]] = {}
    for municipality in selected:
        table = tables[municipality.pk]
        for series in table.rows:
            indicators.setdefault(series.indicator.pk, series.indicator)
            known = {y: v for y, v in zip(table.years, series.values, strict=True) if v is not None}
            values.setdefault(series.indicator.pk, {})[municipality.pk] = known
    rows = []
    for indicator in sorted(indicators.values(), key=lambda i: (i.position, i.code)):
        cells = []
        for municipality in selected:
            known = values[indicator.pk].get(municipality.pk, {})
            if known:
                year = max(known)
                cells.append(CompareCell(year=year, value=known[year]))
            else:
                cells.append(CompareCell())
        row = CompareRow(indicator=indicator, cells=cells)
        with_data = [c for c in cells if c.value is not None]
        if indicator.additive and with_data:
            row.total = sum((c.value for c in with_data if c.value is not None), Decimal(0))
            years = [c.year for c in with_data if c.year is not None]
            row.total_years = (min(years), max(years))
            row.total_complete = len(with_data) == len(cells)
        rows.append(row)
    return rows, values


def compare(request: HttpRequest) -> HttpResponse:
    codes = _selected_codes(request)
    found = {m.oktmo: m for m in selectors.municipality_list().filter(oktmo__in=codes)}
    selected = [found[c] for c in codes if c in found]
    query = request.GET.get("q", "").strip()[:255]
    results: list[Municipality] = []
    if query:
        results = list(selectors.municipality_list(search=query).exclude(oktmo__in=codes)[:20])
    context: dict[str, Any] = {
        "section": "compare",
        "selected": selected,
        "query": query,
        "results": results,
        "searched": bool(query),
        "compare_min": COMPARE_MIN,
        "compare_max": COMPARE_MAX,
        "too_few": len(selected) < COMPARE_MIN,
        "too_many": len(selected) > COMPARE_MAX,
        "unknown_codes": [c for c in codes if c not in found],
    }
    # Each chosen municipality with the link that compares the others without it.
    context["selected_items"] = [
        (municipality, "?" + urlencode([("oktmo", m.oktmo) for m in selected if m != municipality]))
        for municipality in selected
    ]
    if COMPARE_MIN <= len(selected) <= COMPARE_MAX:
        rows, values = _compare_rows(selected)
        context["rows"] = rows
        chart_row = _chart_row(rows, request.GET.get("indicator", ""))
        context["chart_indicator"] = chart_row.indicator if chart_row else None
        if chart_row is not None:
            context.update(_compare_charts(chart_row, selected, values))
    return render(request, "municipalities/compare.html", context)


def _chart_row(rows: list[CompareRow], code: str) -> CompareRow | None:
    """The indicator the charts show: the one asked for, else population, else the first."""
    by_code = {row.indicator.code: row for row in rows}
    return by_code.get(code) or by_code.get("population") or (rows[0] if rows else None)


def _compare_charts(
    row: CompareRow,
    selected: list[Municipality],
    values: dict[int, dict[int, dict[int, Decimal]]],
) -> dict[str, Any]:
    per_municipality = values[row.indicator.pk]
    years = sorted({y for known in per_municipality.values() for y in known})
    title = _chart_title(row.indicator)
    series = [
        ChartSeries(
            label=m.name,
            points=[(y, per_municipality.get(m.pk, {}).get(y)) for y in years],
        )
        for m in selected
    ]
    bars = [
        ChartBar(label=m.name, value=cell.value, note=str(cell.year) if cell.year else "")
        for m, cell in zip(selected, row.cells, strict=True)
    ]
    return {
        "line_chart": line_chart(title=title, series=series, unit=row.indicator.unit),
        "bar_chart": bar_chart(
            title=_("%(title)s: latest year") % {"title": title},
            bars=bars,
            unit=row.indicator.unit,
        ),
    }


@login_required
def indicator_import(request: HttpRequest) -> HttpResponse:
    if not permissions.can_import_indicators(request.user):
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = IndicatorImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = indicator_values_import(
                    file=upload,
                    filename=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                    actor=request.user,
                )
            except ApplicationError as error:
                # The file as a whole cannot be read (type, encoding, no header): nothing
                # was written, and there are no rows to report on.
                form.add_error("file", error.message)
    else:
        form = IndicatorImportForm()
    return render(
        request,
        "municipalities/indicator_import.html",
        {"section": "import", "form": form, "report": report},
    )
