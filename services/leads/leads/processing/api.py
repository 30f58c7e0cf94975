"""HTTP routes of scoring rules, routing rules (admin/manager) and public behaviour tracking."""

from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from crm_shared.auth import Principal, Role, require_roles
from crm_shared.service import UowDep
from leads.forms.public import client_ip
from leads.processing import rules
from leads.processing.schemas import RoutingRuleIn, RoutingRuleRead, ScoringRuleIn, ScoringRuleRead, TrackIn

Manager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.MANAGER))]
router = APIRouter(tags=["scoring and routing"])


@router.get("/scoring-rules")
async def list_scoring_rules(uow: UowDep, _: Manager) -> list[ScoringRuleRead]:
    """The scoring rules in order."""
    async with uow:
        return [ScoringRuleRead.model_validate(r) for r in await rules.list_scoring_rules(uow=uow)]


@router.put("/scoring-rules")
async def replace_scoring_rules(data: list[ScoringRuleIn], uow: UowDep, _: Manager) -> list[ScoringRuleRead]:
    """Replace the scoring rules."""
    async with uow:
        return [
            ScoringRuleRead.model_validate(r) for r in await rules.replace_scoring_rules(uow=uow, rules=data)
        ]


@router.get("/routing-rules")
async def list_routing_rules(uow: UowDep, _: Manager) -> list[RoutingRuleRead]:
    """The routing rules in order (first match wins)."""
    async with uow:
        return [RoutingRuleRead.model_validate(r) for r in await rules.list_routing_rules(uow=uow)]


@router.put("/routing-rules")
async def replace_routing_rules(data: list[RoutingRuleIn], uow: UowDep, _: Manager) -> list[RoutingRuleRead]:
    """Replace the routing rules."""
    async with uow:
        return [
            RoutingRuleRead.model_validate(r) for r in await rules.replace_routing_rules(uow=uow, rules=data)
        ]


@router.post("/track", status_code=204, tags=["public intake"])
async def track(data: TrackIn, request: Request, uow: UowDep) -> Response:
    """Public: a page view of a visitor (id from the body or the visitor cookie); sets the cookie if new."""
    settings = request.app.state.settings
    ip = client_ip(request, settings.intake.trust_forwarded_for)
    if wait := await request.app.state.limiter.retry_after(request.app.state.limiter.track, "track", ip):
        raise HTTPException(429, f"Too many requests; retry in {wait}s.", headers={"Retry-After": str(wait)})
    cookie = settings.intake.visitor_cookie
    visitor_id = data.visitor_id or (request.cookies.get(cookie) or "")[:100] or None
    new_visitor = visitor_id is None
    visitor_id = visitor_id or str(uuid4())
    async with uow:
        await rules.track_visit(uow=uow, data=data, visitor_id=visitor_id)
    response = Response(status_code=204)
    if new_visitor:
        response.set_cookie(cookie, visitor_id, max_age=365 * 86400, samesite="lax")
    return response
