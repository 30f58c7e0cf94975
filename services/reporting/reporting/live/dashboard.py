"""The dashboard's data: what one caller may see, in one payload (the page and the stream share it)."""

from datetime import datetime

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from reporting.kpis.queries import rep_kpis_as_of
from reporting.leads.queries import FunnelQuery, captured_per_day, lead_funnel
from reporting.opportunities.queries import opportunity_funnel_as_of
from reporting.service.queries import service_figures_as_of

MAX_REPS = 25


async def dashboard(*, uow: UnitOfWork, principal: Principal, now: datetime, days: int = 14) -> dict:
    """Leads by source, the lead funnel, the capture trend, the deal pipeline, SLA health, the reps."""
    async with uow:
        funnel = await lead_funnel(uow=uow, principal=principal, query=FunnelQuery(as_of=now))
        trend = await captured_per_day(uow=uow, principal=principal, as_of=now, days=days)
        deals = await opportunity_funnel_as_of(uow=uow, principal=principal, as_of=now)
        service = (await service_figures_as_of(uow=uow, principal=principal, as_of=now))["total"]
        reps = (await rep_kpis_as_of(uow=uow, principal=principal, as_of=now))["rows"]
    return {
        "viewer": {"user_id": principal.user_id, "role": principal.role.value, "name": principal.name},
        "leads_by_source": {row["key"] or "unknown": row["captured"] for row in funnel["rows"]},
        "funnel": funnel["total"],
        "trend": trend,
        "pipeline": {
            "stages": [{"stage_name": s["stage_name"], "stage_type": s["stage_type"], "count": s["count"],
                        "amount": s["amount"]} for s in deals["stages"]],
            "win_rate": deals["win_rate"], "won_amount": deals["won_amount"],
            "bottleneck": (deals["bottleneck"] or {}).get("stage_name"),
        },
        "service": {"tickets": service["tickets"], "backlog": service["backlog"],
                    "first_response_sla": service["sla"]["first_response"]["compliance"],
                    "resolution_sla": service["sla"]["resolution"]["compliance"],
                    "csat": service["csat"]["average"]},
        "reps": reps[:MAX_REPS],
    }
