"""Rep deal figures over a period, from the opportunity facts (the counters know no creation or close)."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from reporting.opportunities.funnel import Fact
from reporting.opportunities.queries import active_in, load_facts, visibility
from reporting.period import Period


async def deals_per_rep_in(uow: UnitOfWork, principal: Principal, at: datetime, team_id: str | None,
                           period: Period) -> dict[str | None, dict]:
    """Per owner of each deal's state at `at`: deals created in the period, deals first won in it (and their
    amount), deals lost in it."""
    history: dict[str, list[Fact]] = defaultdict(list)
    for fact in await load_facts(uow, at, ids=active_in(period, at)):
        history[fact.opportunity_id].append(fact)
    visible = visibility(principal, None, team_id)
    reps: dict[str | None, dict] = {}
    for deal in history.values():
        latest = max(deal, key=lambda f: f.version)
        if not visible(latest):
            continue
        rep = reps.setdefault(latest.owner_id, {"deals": 0, "won": 0, "lost": 0, "won_amount": Decimal(0)})
        if period.holds(min(f.occurred_at for f in deal)):
            rep["deals"] += 1
        if latest.status in ("won", "lost"):
            closed = min((f for f in deal if f.status == latest.status), key=lambda f: f.version).occurred_at
            if period.holds(closed):
                rep[latest.status] += 1
                if latest.status == "won":
                    rep["won_amount"] += latest.amount
    return {owner: rep for owner, rep in reps.items() if rep["deals"] or rep["won"] or rep["lost"]}
