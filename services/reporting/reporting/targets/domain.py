"""Target and forecast rules, no I/O: attainment, period-end projections, weighted forecast by category."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reporting.revenue.domain import Sale

CATEGORIES = ("closed", "commit", "best_case", "pipeline", "omitted")
UNSCHEDULED = "unscheduled"


@dataclass(frozen=True)
class Quota:
    """A target of one user (user_id) or one team (team_id) over [starts_on, ends_on]."""

    quota_id: str
    user_id: str | None
    team_id: str | None
    period: str
    starts_on: date
    ends_on: date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Deal:
    """An opportunity's latest state at the answer's date."""

    opportunity_id: str
    owner_id: str | None
    team_id: str | None
    status: str
    probability: int
    forecast_category: str
    amount: Decimal
    expected_close_date: date | None

    @property
    def in_pipeline(self) -> bool:
        """Still open and not left out of the forecast."""
        return self.status == "open" and self.forecast_category != "omitted"

    @property
    def weighted(self) -> Decimal:
        """The amount weighted by the stage probability."""
        return self.amount * self.probability / 100


def _covers(quota: Quota, owner_id: str | None, team_id: str | None) -> bool:
    return owner_id == quota.user_id if quota.user_id else team_id == quota.team_id


def projection(actual: Decimal, starts_on: date, ends_on: date, today: date) -> tuple[float, Decimal | None]:
    """The share of the period gone by `today` (whole days, today included) and the run-rate projection
    to the period's end (what was sold so far, scaled to the whole period; None before it starts)."""
    total = (ends_on - starts_on).days + 1
    elapsed = max(0, min(total, (today - starts_on).days + 1))
    if not elapsed:
        return 0.0, None
    return round(elapsed / total, 4), (actual * total / elapsed).quantize(Decimal("0.01"))


def attainment(quota: Quota, sales: Iterable[Sale], deals: Iterable[Deal], today: date) -> dict:
    """What the quota's user or team sold in its period, against the target; where it is heading at the
    current pace, and with the weighted open pipeline (not "omitted") expected to close in the period."""
    actual = sum((s.amount for s in sales if _covers(quota, s.owner_id, s.team_id)
                  and quota.starts_on <= s.at.date() <= quota.ends_on), Decimal(0))
    pipeline = sum((d.weighted for d in deals
                    if d.in_pipeline and _covers(quota, d.owner_id, d.team_id) and d.expected_close_date
                    and quota.starts_on <= d.expected_close_date <= quota.ends_on), Decimal(0))
    elapsed, run_rate = projection(actual, quota.starts_on, quota.ends_on, today)
    with_pipeline = actual + pipeline
    return {"quota_id": quota.quota_id, "user_id": quota.user_id, "team_id": quota.team_id,
            "period": quota.period, "starts_on": quota.starts_on.isoformat(),
            "ends_on": quota.ends_on.isoformat(),
            "currency": quota.currency, "target": str(quota.amount), "actual": str(actual),
            "attainment": _share(actual, quota.amount), "elapsed": elapsed,
            "projection": None if run_rate is None else str(run_rate),
            "projected_attainment": None if run_rate is None else _share(run_rate, quota.amount),
            "weighted_pipeline": str(pipeline.quantize(Decimal("0.01"))),
            "projection_with_pipeline": str(with_pipeline.quantize(Decimal("0.01"))),
            "attainment_with_pipeline": _share(with_pipeline, quota.amount)}


def year_end(sales: Sequence[Sale], deals: Sequence[Deal], today: date) -> dict:
    """This year so far, and where it ends at the current pace and with the weighted open pipeline."""
    starts, ends = date(today.year, 1, 1), date(today.year, 12, 31)
    actual = sum((s.amount for s in sales if starts <= s.at.date() <= ends), Decimal(0))
    pipeline = sum((d.weighted for d in deals if d.in_pipeline and d.expected_close_date
                    and today <= d.expected_close_date <= ends), Decimal(0))
    elapsed, run_rate = projection(actual, starts, ends, today)
    return {"year": str(today.year), "actual": str(actual), "elapsed": elapsed,
            "projection": None if run_rate is None else str(run_rate),
            "weighted_pipeline": str(pipeline.quantize(Decimal("0.01"))),
            "projection_with_pipeline": str((actual + pipeline).quantize(Decimal("0.01")))}


def forecast(deals: Iterable[Deal], won: Iterable[Sale], group_by: str,
             visible: Callable[[str | None, str | None], bool]) -> dict:
    """Per period (of the expected close date; won deals by when they were won) and forecast category:
    count, amount and probability-weighted amount. Won deals are "closed" at full weight; open deals
    count in their own category; the total leaves out "omitted"."""
    cells: dict[str, dict[str, list]] = defaultdict(
        lambda: {c: [0, Decimal(0), Decimal(0)] for c in CATEGORIES})
    for sale in won:
        if visible(sale.owner_id, sale.team_id):
            _add(cells[period_of(sale.at.date(), group_by)]["closed"], sale.amount, sale.amount)
    for deal in deals:
        if deal.status == "open" and visible(deal.owner_id, deal.team_id):
            category = deal.forecast_category if deal.forecast_category in CATEGORIES else "pipeline"
            _add(cells[period_of(deal.expected_close_date, group_by)][category], deal.amount, deal.weighted)
    rows = [{"period": period, "categories": {c: _cell(v) for c, v in categories.items()},
             "total": _total(categories)}
            for period, categories in sorted(cells.items(), key=lambda i: (i[0] == UNSCHEDULED, i[0]))]
    everything = {c: [sum(r[c][i] for r in cells.values()) for i in range(3)] for c in CATEGORIES}
    return {"group_by": group_by, "rows": rows,
            "total": {"categories": {c: _cell(v) for c, v in everything.items()},
                      "total": _total(everything)}}


def period_of(day: date | None, group_by: str) -> str:
    """The month ("2026-04"), quarter ("2026-Q2") or year ("2026") of a day."""
    if day is None:
        return UNSCHEDULED
    if group_by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if group_by == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def _add(cell: list, amount: Decimal, weighted: Decimal) -> None:
    cell[0] += 1
    cell[1] += amount
    cell[2] += weighted


def _cell(cell: list) -> dict:
    return {"count": cell[0], "amount": str(Decimal(cell[1]).quantize(Decimal("0.01"))),
            "weighted": str(Decimal(cell[2]).quantize(Decimal("0.01")))}


def _total(categories: dict[str, list]) -> dict:
    kept = [v for c, v in categories.items() if c != "omitted"]
    return _cell([sum(v[0] for v in kept), sum((v[1] for v in kept), Decimal(0)),
                  sum((v[2] for v in kept), Decimal(0))])


def _share(part: Decimal, whole: Decimal) -> float | None:
    return round(float(part / whole), 4) if whole else None
