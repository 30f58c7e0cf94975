"""Opportunity funnel rules, no I/O: from the facts known at a date to stage figures and the bottleneck."""

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from reporting.rates import DEFAULT_BASE, Money, Rates

WON, LOST = "sales.opportunity.won", "sales.opportunity.lost"
DAY_S = 86400.0


@dataclass(frozen=True)
class Fact:
    """One opportunity snapshot as the projection stored it."""

    opportunity_id: str
    version: str
    occurred_at: datetime
    event_type: str
    owner_id: str | None
    team_id: str | None
    stage_id: str
    stage_name: str
    stage_type: str
    status: str
    probability: int
    amount: Decimal
    from_stage_id: str | None = None
    seconds_in_previous_stage: float | None = None
    close_reason: str | None = None
    account_id: str | None = None
    event_id: str | None = None
    currency: str | None = None


@dataclass
class _Stage:
    name: str
    type: str
    probability: int = 0
    entered: set[str] = field(default_factory=set)
    advanced: set[str] = field(default_factory=set)
    losses: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    count: int = 0
    amount: Money | None = None


def opportunity_funnel(facts: Iterable[Fact], visible: Callable[[Fact], bool],
                       rates: Rates | None = None) -> dict:
    """Per stage: opportunities in it now and their amount, entered, advanced, lost (with reasons),
    conversion and loss rates, average and p90 days in stage; overall win rate, cycle length and
    the bottleneck stage. Only opportunities whose latest snapshot `visible` accepts are counted.

    Amounts are in the base currency of `rates`: a deal's current amount at the rate in effect at its
    latest snapshot, a won amount at the rate in effect when first won; amounts without a rate then are
    left out and listed per currency (`unconverted` of a stage, `won_unconverted`)."""
    rates = rates or Rates(DEFAULT_BASE, {})
    history: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        history[fact.opportunity_id].append(fact)
    latest = {opp: max(fs, key=lambda f: f.version) for opp, fs in history.items()}
    kept = {opp for opp, fact in latest.items() if visible(fact)}
    stages: dict[str, _Stage] = {}
    for opp in sorted(kept):
        for fact in history[opp]:
            stage = stages.setdefault(fact.stage_id,
                                      _Stage(fact.stage_name, fact.stage_type, amount=rates.converter()))
            stage.entered.add(opp)
            stage.probability = max(stage.probability, fact.probability)
            if fact.from_stage_id is None:
                continue
            origin = stages.setdefault(fact.from_stage_id,
                                       _Stage(fact.from_stage_id, "open", amount=rates.converter()))
            if fact.seconds_in_previous_stage is not None:
                origin.seconds.append(fact.seconds_in_previous_stage)
            if fact.event_type == LOST:
                origin.losses[fact.close_reason or "unknown"] += 1
            else:
                origin.advanced.add(opp)
        now = latest[opp]
        stages[now.stage_id].count += 1
        stages[now.stage_id].amount.add(now.amount, now.currency, now.occurred_at)
    rows = [_row(stage_id, stage) for stage_id, stage in _ordered(stages)]
    return {"stages": rows, **_outcomes(kept, latest, history, rates), "bottleneck": _bottleneck(rows)}


def _ordered(stages: dict[str, _Stage]) -> list[tuple[str, _Stage]]:
    order = {"open": 0, "won": 1, "lost": 2}
    return sorted(stages.items(),
                  key=lambda item: (order.get(item[1].type, 0), item[1].probability, item[1].name))


def _row(stage_id: str, stage: _Stage) -> dict:
    entered, advanced, lost = len(stage.entered), len(stage.advanced), sum(stage.losses.values())
    return {
        "stage_id": stage_id, "stage_name": stage.name, "stage_type": stage.type,
        "probability": stage.probability, "count": stage.count, "amount": str(stage.amount.total()),
        "unconverted": {c: str(a) for c, a in stage.amount.unconverted().items()},
        "entered": entered, "advanced": advanced, "lost": lost,
        "conversion_rate": _ratio(advanced, entered) if stage.type == "open" else None,
        "loss_rate": _ratio(lost, entered) if stage.type == "open" else None,
        "loss_reasons": dict(sorted(stage.losses.items())),
        "avg_days_in_stage": _days(sum(stage.seconds) / len(stage.seconds)) if stage.seconds else None,
        "p90_days_in_stage": _days(percentile(stage.seconds, 90)) if stage.seconds else None,
    }


def _outcomes(kept: set[str], latest: dict[str, Fact], history: dict[str, list[Fact]], rates: Rates) -> dict:
    won = [opp for opp in kept if latest[opp].status == "won"]
    won_money = rates.converter()
    for opp in won:
        won_at = min((f for f in history[opp] if f.status == "won"), key=lambda f: f.version).occurred_at
        won_money.add(latest[opp].amount, latest[opp].currency, won_at)
    lost = [opp for opp in kept if latest[opp].status == "lost"]
    cycles = [(latest[opp].occurred_at - min(f.occurred_at for f in history[opp])).total_seconds()
              for opp in won]
    return {
        "opportunities": len(kept), "open": len(kept) - len(won) - len(lost),
        "won": len(won), "lost": len(lost),
        "win_rate": _ratio(len(won), len(won) + len(lost)),
        "won_amount": str(won_money.total()),
        "won_unconverted": {c: str(a) for c, a in won_money.unconverted().items()},
        "avg_cycle_days": _days(sum(cycles) / len(cycles)) if cycles else None,
    }


def _bottleneck(rows: list[dict]) -> dict | None:
    """The open stage that lets the fewest through (ties: the one deals sit in longest)."""
    candidates = [r for r in rows if r["stage_type"] == "open" and r["conversion_rate"] is not None]
    if not candidates:
        return None
    worst = min(candidates, key=lambda r: (r["conversion_rate"], -(r["avg_days_in_stage"] or 0)))
    return {"stage_id": worst["stage_id"], "stage_name": worst["stage_name"],
            "conversion_rate": worst["conversion_rate"], "avg_days_in_stage": worst["avg_days_in_stage"]}


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(seconds: float) -> float:
    return round(seconds / DAY_S, 2)
