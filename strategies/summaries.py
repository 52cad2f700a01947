"""The financing summary of a strategy's action plan: how much money, from which budgets,
in which years. Summed by the database, in a fixed number of queries."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from municipalities.models import Municipality
from strategies.models import Financing, Strategy

ZERO = Decimal("0.00")
Source = Financing.Source


@dataclass(frozen=True)
class SourceRow:
    """One row of the grid: a source's amounts aligned with ``FinancingSummary.years``."""

    source: str
    label: str
    amounts: list[Decimal]
    total: Decimal


@dataclass(frozen=True)
class MunicipalBudget:
    municipality: Municipality
    total: Decimal


@dataclass(frozen=True)
class FinancingSummary:
    """Thousand roubles. ``grid[source][year]``; rows are sources, columns years, with
    ``by_source`` the row totals, ``by_year`` the column totals and ``total`` the grand
    total. ``by_municipality`` is what each participant's own budget gives."""

    years: list[int]
    grid: dict[str, dict[int, Decimal]]
    by_source: dict[str, Decimal]
    by_year: dict[int, Decimal]
    by_municipality: list[MunicipalBudget]
    total: Decimal

    @property
    def rows(self) -> list[SourceRow]:
        return [
            SourceRow(
                source=source,
                label=str(Source(source).label),
                amounts=[self.grid[source][year] for year in self.years],
                total=self.by_source[source],
            )
            for source in self.grid
        ]

    @property
    def year_totals(self) -> list[Decimal]:
        return [self.by_year[year] for year in self.years]


def financing_summary(*, strategy: Strategy) -> FinancingSummary:
    """Every source appears (zero when it gives nothing), every year of the horizon, and any
    year outside it that still has money (after the horizon was shortened)."""
    financing = Financing.objects.filter(measure__objective__goal__strategy=strategy)
    cells = financing.values("source", "year").annotate(amount=Sum("amount")).order_by()
    municipal = (
        financing.filter(source=Source.MUNICIPAL)
        .values("municipality")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    by_cell = {(c["source"], c["year"]): c["amount"] for c in cells}
    years = sorted(set(strategy.years) | {year for _source, year in by_cell})
    grid = {
        source: {year: by_cell.get((source, year), ZERO) for year in years}
        for source in Source.values
    }
    by_source = {source: sum(row.values(), ZERO) for source, row in grid.items()}
    by_year = {year: sum((grid[source][year] for source in grid), ZERO) for year in years}

    budgets = {row["municipality"]: row["amount"] for row in municipal}
    participant_ids = {p.municipality_id for p in strategy.participations.all()}
    municipalities = Municipality.objects.filter(pk__in=participant_ids | set(budgets))
    ordered = sorted(municipalities, key=lambda m: (m.pk != strategy.lead_id, m.name))
    return FinancingSummary(
        years=years,
        grid=grid,
        by_source=by_source,
        by_year=by_year,
        by_municipality=[MunicipalBudget(m, budgets.get(m.pk, ZERO)) for m in ordered],
        total=sum(by_source.values(), ZERO),
    )
