"""The dashboard's data: what one caller may see, in one payload (the page and the stream share it).

The payload is made of sections, each fed by some event families (topics). A stream keeps its last
sections and, after a commit, recomputes only those the committed families feed; the rep table (the
costliest: it reads leads, deals and orders) at most every `REPS_EVERY_S`, so a burst of leads moves the
funnel at once and the rep table shortly after.

Money is in the base currency the answers carry (`currency`: the latest rate event's base, else
REPORTING_BASE_CURRENCY); the payload names it so the page labels money with it.
"""

import math
import time
from datetime import datetime
from typing import Any

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from crm_shared.topics import (
    INTERACTIONS,
    LEADS_LEAD,
    SALES_OPPORTUNITY,
    SALES_ORDER,
    SALES_USER,
    SERVICE_DESK_TICKET,
)
from reporting.kpis.queries import rep_kpis_as_of
from reporting.leads.queries import FunnelQuery, captured_per_day, lead_funnel
from reporting.live.hub import EVERYTHING
from reporting.opportunities.queries import opportunity_funnel_as_of
from reporting.prospects.queries import prospect_counts
from reporting.rates import DEFAULT_BASE
from reporting.service.queries import service_figures_as_of

MAX_REPS = 25
REPS_EVERY_S = 1.0
SECTIONS = frozenset({"leads", "trend", "pipeline", "service", "reps"})
# which sections each family of events feeds; a family not listed here refreshes every section
_FEEDS: dict[str, frozenset[str]] = {
    LEADS_LEAD.name: frozenset({"leads", "trend", "reps"}),
    SALES_OPPORTUNITY.name: frozenset({"pipeline", "reps"}),
    SALES_ORDER.name: frozenset({"reps"}),
    SALES_USER.name: frozenset({"reps"}),
    SERVICE_DESK_TICKET.name: frozenset({"service"}),
    INTERACTIONS.name: frozenset(),
}


def sections_fed_by(families: set[str]) -> set[str]:
    """The sections a change of these families may move."""
    sections: set[str] = set()
    for name in families:
        sections |= SECTIONS if name == EVERYTHING else _FEEDS.get(name, SECTIONS)
    return sections


async def compute_sections(*, uow: UnitOfWork, principal: Principal, now: datetime, days: int,
                           sections: set[str], base: str = DEFAULT_BASE) -> dict[str, Any]:
    """The named sections as the caller sees them at `now`; `base`: the base currency until a rate event
    names one."""
    parts: dict[str, Any] = {}
    async with uow:
        if "leads" in sections:
            funnel = await lead_funnel(uow=uow, principal=principal, query=FunnelQuery(as_of=now))
            prospects = await prospect_counts(uow, principal, FunnelQuery(as_of=now, group_by="none"), now)
            parts["leads"] = {"leads_by_source": {row["key"] or "unknown": row["captured"]
                                                  for row in funnel["rows"]},
                              "funnel": funnel["total"], "prospects": prospects["total"]}
        if "trend" in sections:
            parts["trend"] = await captured_per_day(uow=uow, principal=principal, as_of=now, days=days)
        if "pipeline" in sections:
            deals = await opportunity_funnel_as_of(uow=uow, principal=principal, as_of=now, default_base=base)
            parts["pipeline"] = {
                "stages": [{"stage_name": s["stage_name"], "stage_type": s["stage_type"], "count": s["count"],
                            "amount": s["amount"]} for s in deals["stages"]],
                "win_rate": deals["win_rate"], "won_amount": deals["won_amount"],
                "bottleneck": (deals["bottleneck"] or {}).get("stage_name"), "currency": deals["currency"],
            }
        if "service" in sections:
            service = (await service_figures_as_of(uow=uow, principal=principal, as_of=now))["total"]
            parts["service"] = {"tickets": service["tickets"], "backlog": service["backlog"],
                                "first_response_sla": service["sla"]["first_response"]["compliance"],
                                "resolution_sla": service["sla"]["resolution"]["compliance"],
                                "csat": service["csat"]["average"]}
        if "reps" in sections:
            reps = await rep_kpis_as_of(uow=uow, principal=principal, as_of=now, default_base=base)
            parts["reps"] = reps["rows"][:MAX_REPS]
    return parts


def assemble(principal: Principal, parts: dict[str, Any]) -> dict:
    """The payload the page draws, from its sections; `currency`: the base currency of its money (rate
    events refresh every section, so the rep table's is the pipeline's)."""
    return {
        "viewer": {"user_id": principal.user_id, "role": principal.role.value, "name": principal.name},
        "currency": parts["pipeline"]["currency"],
        **parts["leads"],
        "trend": parts["trend"],
        "pipeline": parts["pipeline"],
        "service": parts["service"],
        "reps": parts["reps"],
    }


async def dashboard(*, uow: UnitOfWork, principal: Principal, now: datetime, days: int = 14,
                    base: str = DEFAULT_BASE) -> dict:
    """Leads by source, the lead funnel, the capture trend, the deal pipeline, SLA health, the reps."""
    parts = await compute_sections(uow=uow, principal=principal, now=now, days=days, sections=set(SECTIONS),
                                   base=base)
    return assemble(principal, parts)


class LiveDashboard:
    """One stream's dashboard: its sections, which of them are stale, when the rep table may be redone."""

    def __init__(self, principal: Principal, days: int, reps_every_s: float = REPS_EVERY_S,
                 base: str = DEFAULT_BASE):
        self.principal, self.days, self.reps_every_s, self.base = principal, days, reps_every_s, base
        self.parts: dict[str, Any] = {}
        self.stale: set[str] = set(SECTIONS)
        self._reps_at = -math.inf

    def invalidate(self, families: set[str]) -> None:
        """Mark the sections these families feed as stale."""
        self.stale |= sections_fed_by(families)

    def reps_due_in(self) -> float | None:
        """Seconds until a stale rep table may be recomputed (None when it is fresh)."""
        if "reps" not in self.stale:
            return None
        return max(0.0, self._reps_at + self.reps_every_s - time.monotonic())

    async def refresh(self, uow: UnitOfWork, now: datetime) -> dict:
        """Recompute the stale sections (the rep table only when due, or when it was never computed)."""
        wanted = set(self.stale)
        if "reps" in wanted and "reps" in self.parts and self.reps_due_in():
            wanted.discard("reps")
        if wanted:
            self.parts.update(await compute_sections(uow=uow, principal=self.principal, now=now,
                                                     days=self.days, sections=wanted, base=self.base))
            if "reps" in wanted:
                self._reps_at = time.monotonic()
            self.stale -= wanted
        return assemble(self.principal, self.parts)
