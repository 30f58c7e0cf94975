"""The opportunity funnel as of X from the counters: the totals minus the changes after X."""

import json
import math
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Table

from crm_shared.auth import Principal, Role, visible_to
from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_sums import sums_as_of
from reporting.opportunities.counters import SPEC
from reporting.opportunities.funnel import DAY_S, _bottleneck, _days, _ratio

Sums = dict[tuple[str, str | None, str | None, float | None], list[int]]
_ORDER = {"open": 0, "won": 1, "lost": 2}


async def funnel_from_counters(*, uow: UnitOfWork, principal: Principal, at: datetime,
                               owner_id: str | None, team_id: str | None) -> dict:
    """The same answer as `opportunity_funnel` over the facts known at `at` (naive UTC)."""
    sums = await sums_as_of(uow, SPEC, at, on_groups=owned(principal, owner_id, team_id),
                            on_key=lambda table: [table.c.measure != "ordered"])
    return _answer({key[1:]: value for key, value in sums.items()})


def owned(principal: Principal, owner_id: str | None, team_id: str | None) -> Callable[[Table], list]:
    """Conditions on a counter table's owner and team: what the caller may see, and the filters."""

    def conditions(table: Table) -> list:
        found = [] if principal.role is Role.ADMIN else [
            visible_to(principal, table.c.owner_id, table.c.team_id)]
        if owner_id is not None:
            found.append(table.c.owner_id == owner_id)
        if team_id is not None:
            found.append(table.c.team_id == team_id)
        return found

    return conditions


def _answer(sums: Sums) -> dict:
    stages: dict[str, dict] = {}

    def stage(stage_id: str) -> dict:
        return stages.setdefault(stage_id, {"labels": {}, "probability": 0, "entered": 0, "advanced": 0,
                                            "losses": {}, "seconds": {}, "count": 0, "cents": 0})

    outcome = {"won": [0, 0, 0], "lost": [0, 0, 0]}
    for (measure, stage_id, label, value), (n, cents, micros) in sums.items():
        if measure in outcome:
            outcome[measure] = [a + b for a, b in zip(outcome[measure], (n, cents, micros), strict=True)]
        elif measure == "entered" and n:
            row = stage(stage_id)
            row["entered"] += n
            row["labels"][label] = row["labels"].get(label, 0) + n
            row["probability"] = max(row["probability"], int(value or 0))
        elif measure == "advanced" and n:
            stage(stage_id)["advanced"] += n
        elif measure == "loss" and n:
            stage(stage_id)["losses"][label] = n
        elif measure == "seconds" and n:
            stage(stage_id)["seconds"][value] = n
        elif measure == "current" and n:
            row = stage(stage_id)
            row["count"] += n
            row["cents"] += cents
    rows = [_row(stage_id, row) for stage_id, row in stages.items()]
    rows.sort(key=lambda r: (_ORDER.get(r["stage_type"], 0), r["probability"], r["stage_name"]))
    opportunities = sum(row["count"] for row in stages.values())
    (won, won_cents, micros), lost = outcome["won"], outcome["lost"][0]
    return {"stages": rows, "opportunities": opportunities, "open": opportunities - won - lost,
            "won": won, "lost": lost, "win_rate": _ratio(won, won + lost),
            "won_amount": _amount(won_cents) if won else "0", "won_unconverted": {},
            "avg_cycle_days": _days(micros / 1e6 / won) if won else None, "bottleneck": _bottleneck(rows)}


def _row(stage_id: str, stage: dict) -> dict:
    labels = [label for label, n in stage["labels"].items() if n]
    name, kind = json.loads(min(labels)) if labels else (stage_id, "open")
    entered, advanced, lost = stage["entered"], stage["advanced"], sum(stage["losses"].values())
    seconds = stage["seconds"]
    return {
        "stage_id": stage_id, "stage_name": name, "stage_type": kind, "probability": stage["probability"],
        "count": stage["count"], "amount": _amount(stage["cents"]) if stage["count"] else "0",
        "unconverted": {},
        "entered": entered, "advanced": advanced, "lost": lost,
        "conversion_rate": _ratio(advanced, entered) if kind == "open" else None,
        "loss_rate": _ratio(lost, entered) if kind == "open" else None,
        "loss_reasons": dict(sorted(stage["losses"].items())),
        "avg_days_in_stage": _days(_average(seconds)) if seconds else None,
        "p90_days_in_stage": round(_p90(seconds) / DAY_S, 2) if seconds else None,
    }


def _amount(cents: int) -> str:
    return str(Decimal(cents).scaleb(-2))


def _average(histogram: dict[float, int]) -> float:
    return sum(value * n for value, n in histogram.items()) / sum(histogram.values())


def _p90(histogram: dict[float, int]) -> float:
    rank = max(0, math.ceil(90 / 100 * sum(histogram.values())) - 1)  # nearest rank, as `percentile`
    for value, n in sorted(histogram.items()):
        if rank < n:
            return value
        rank -= n
    raise IndexError(rank)
