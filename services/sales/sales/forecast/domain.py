"""Forecast arithmetic without I/O: periods, weighted pipeline per forecast category, attainment and
the year-end projection."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pydantic_core import PydanticCustomError

OPEN_CATEGORIES = ("pipeline", "best_case", "commit")
CENT = Decimal("0.01")


def period_range(period: str) -> tuple[date, date]:
    """`2026` -> the year, `2026-Q2` -> the quarter, `2026-05` -> the month: (first day, last day)."""
    if m := re.fullmatch(r"(\d{4})", period):
        year = int(m[1])
        return date(year, 1, 1), date(year, 12, 31)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        year, quarter = int(m[1]), int(m[2])
        return date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
    if (m := re.fullmatch(r"(\d{4})-(\d{2})", period)) and 1 <= int(m[2]) <= 12:
        year, month = int(m[1]), int(m[2])
        return date(year, month, 1), _month_end(year, month)
    raise PydanticCustomError(
        "period", "a period is YYYY, YYYY-Qn or YYYY-MM, not {period}", {"period": period}
    )


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


@dataclass(frozen=True)
class Deal:
    """What the forecast needs of an opportunity."""

    group: str | None
    status: str
    forecast_category: str
    probability: int
    amount: Decimal
    expected_close_date: date | None
    closed_on: date | None


@dataclass
class Line:
    """One row of the forecast: a group's figures."""

    group: str | None
    categories: dict[str, dict[str, Decimal]] = field(
        default_factory=lambda: {
            c: {"amount": Decimal(0), "weighted": Decimal(0), "count": Decimal(0)} for c in OPEN_CATEGORIES
        }
    )
    won: Decimal = Decimal(0)
    weighted_pipeline: Decimal = Decimal(0)
    quota: Decimal = Decimal(0)
    attainment: Decimal | None = None
    projection: Decimal = Decimal(0)


def weighted(deal: Deal) -> Decimal:
    """The deal's amount times the probability it entered its stage with."""
    return (deal.amount * deal.probability / 100).quantize(CENT)


def forecast(
    deals: list[Deal], quotas: dict[str | None, Decimal], start: date, end: date, today: date
) -> list[Line]:
    """Per group: open deals closing in the period by category (amount and weighted), won in the period,
    attainment against the quota, and the year-end projection (won so far this year plus the weighted
    open deals expected to close by year end)."""
    lines: dict[str | None, Line] = {}
    year_start, year_end = date(start.year, 1, 1), date(start.year, 12, 31)
    for deal in deals:
        line = lines.setdefault(deal.group, Line(deal.group))
        if deal.status == "open" and deal.forecast_category in OPEN_CATEGORIES and deal.expected_close_date:
            if start <= deal.expected_close_date <= end:
                bucket = line.categories[deal.forecast_category]
                bucket["amount"] += deal.amount
                bucket["weighted"] += weighted(deal)
                bucket["count"] += 1
                line.weighted_pipeline += weighted(deal)
            if deal.expected_close_date <= year_end:
                line.projection += weighted(deal)
        elif deal.status == "won" and deal.closed_on:
            if start <= deal.closed_on <= end:
                line.won += deal.amount
            if year_start <= deal.closed_on <= min(today, year_end):
                line.projection += deal.amount
    for group, amount in quotas.items():
        lines.setdefault(group, Line(group)).quota = amount
    for line in lines.values():
        line.attainment = (line.won / line.quota).quantize(Decimal("0.0001")) if line.quota else None
    return sorted(lines.values(), key=lambda line: line.group or "")
