"""Opportunity counters: what each deal adds to the funnel, revenue and rep KPIs over time (counter_store.py).

At any time a deal adds, in the group of its latest snapshot then (owner, team): one entry per stage it
had reached (with that stage's name, type and its highest probability seen), one advance per stage it
left other than by a loss, a loss (with its reason) and the seconds spent per stage it left, one deal
(with its amount) at its current stage, and a win (with its amount, cycle and the month it was first
won) or a loss of the deal.
"""

import json
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache

from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_store import Spec, refresh
from reporting.models import OpportunityFact, SaleDay, SaleDelta, SaleTotal
from reporting.opportunities.funnel import LOST
from reporting.versions import month_text

DIMENSIONS = ("owner_id", "team_id")
KEY = ("measure", "stage_id", "label", "value")
SUMS = ("n", "cents", "micros")
FACT_COLUMNS = ("version", "occurred_at", "event_type", "owner_id", "team_id", "stage_id", "stage_name",
                "stage_type", "status", "probability", "amount", "from_stage_id", "seconds_in_previous_stage",
                "close_reason")
_MICROSECOND = timedelta(microseconds=1)


@lru_cache(maxsize=4096)
def stage_label(name: str, kind: str) -> str:
    """The label of an "entered" measure: the stage's name and type as JSON (a pipeline has few stages)."""
    return json.dumps([name, kind])


def measures(known: list[dict]) -> dict[tuple, list[int]]:
    """What a deal adds given the facts known of it: {key: [n, cents, micros]}."""
    latest = max(known, key=lambda f: f["version"])
    dims = (latest["owner_id"], latest["team_id"])
    found: dict[tuple, list[int]] = {}

    def add(measure: str, stage: str | None, label: str | None = None, value: float | None = None,
            cents: int = 0, micros: int = 0) -> None:
        sums = found.setdefault((*dims, measure, stage, label, value), [0, 0, 0])
        sums[0], sums[1], sums[2] = sums[0] + 1, sums[1] + cents, sums[2] + micros

    entered: dict[str, list[dict]] = {}
    advanced: set[str] = set()
    for fact in known:
        entered.setdefault(fact["stage_id"], []).append(fact)
        origin = fact["from_stage_id"]
        if origin is None:
            continue
        if fact["seconds_in_previous_stage"] is not None:
            # + 0.0: an event's -0.0 is 0.0, one key (Python holds them equal, their digests differ)
            add("seconds", origin, value=float(fact["seconds_in_previous_stage"]) + 0.0)
        if fact["event_type"] == LOST:
            add("loss", origin, label=fact["close_reason"] or "unknown")
        else:
            advanced.add(origin)
    for stage, facts in entered.items():
        first = min(facts, key=lambda f: f["version"])
        add("entered", stage, label=stage_label(first["stage_name"], first["stage_type"]),
            value=float(max(f["probability"] for f in facts)))
    for stage in advanced:
        add("advanced", stage)
    cents = int(Decimal(latest["amount"]) * 100)
    add("current", latest["stage_id"], cents=cents)
    if latest["status"] == "won":  # labelled with the month it was first won (revenue per period)
        cycle = latest["occurred_at"] - min(f["occurred_at"] for f in known)
        won_at = min((f for f in known if f["status"] == "won"), key=lambda f: f["version"])["occurred_at"]
        add("won", None, label=month_text(won_at), cents=cents, micros=cycle // _MICROSECOND)
    elif latest["status"] == "lost":
        add("lost", None)
    return found


SPEC = Spec(kind="opportunity", facts=OpportunityFact.__table__, id_column="opportunity_id",
            fact_columns=FACT_COLUMNS, measures=measures, dims=DIMENSIONS, key=KEY, sums=SUMS,
            delta=SaleDelta.__table__, total=SaleTotal.__table__, day=SaleDay.__table__)


async def refresh_opportunities(uow: UnitOfWork, opportunity_ids: set[str]) -> None:
    """Recompute the changes of these deals from all their facts."""
    await refresh(uow, SPEC, opportunity_ids)
