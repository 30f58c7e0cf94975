"""Use cases of the scoring and routing rule sets (each replaced as a whole, in order)."""

from sqlalchemy import delete, select

from crm_shared.events.base import utcnow
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.forms.models import Submission
from leads.models import Lead
from leads.processing.models import PageVisit, RoutingRule, ScoringRule
from leads.processing.schemas import RoutingRuleIn, ScoringRuleIn, TrackIn
from leads.processing.scorer import rescore


async def list_scoring_rules(*, uow: UnitOfWork) -> list[ScoringRule]:
    """The scoring rules in order."""
    return list((await uow.session.execute(select(ScoringRule).order_by(ScoringRule.position))).scalars())


async def replace_scoring_rules(*, uow: UnitOfWork, rules: list[ScoringRuleIn]) -> list[ScoringRule]:
    """Replace the scoring rules (existing scores are re-evaluated on each lead's next change)."""
    await uow.session.execute(delete(ScoringRule))
    rows = [ScoringRule(id=new_id(), position=i, **rule.model_dump()) for i, rule in enumerate(rules)]
    uow.session.add_all(rows)
    await uow.commit()
    return rows


async def list_routing_rules(*, uow: UnitOfWork) -> list[RoutingRule]:
    """The routing rules in order."""
    return list((await uow.session.execute(select(RoutingRule).order_by(RoutingRule.position))).scalars())


async def replace_routing_rules(*, uow: UnitOfWork, rules: list[RoutingRuleIn]) -> list[RoutingRule]:
    """Replace the routing rules; the first matching one wins."""
    await uow.session.execute(delete(RoutingRule))
    rows = [
        RoutingRule(
            id=new_id(),
            position=i,
            name=r.name,
            team_id=r.team_id,
            strategy=r.strategy,
            active=r.active,
            conditions=r.conditions.model_dump(exclude_none=True),
        )
        for i, r in enumerate(rules)
    ]
    uow.session.add_all(rows)
    await uow.commit()
    return rows


async def track_visit(*, uow: UnitOfWork, data: TrackIn, visitor_id: str) -> None:
    """Record a page view; the leads this visitor became are rescored on the new behaviour."""
    uow.session.add(
        PageVisit(visitor_id=visitor_id, page_url=data.page_url, seconds=data.seconds, visited_at=utcnow())
    )
    await uow.session.flush()
    by_submission = select(Submission.lead_id).where(
        Submission.visitor_id == visitor_id, Submission.lead_id.is_not(None)
    )
    leads = (
        await uow.session.execute(
            select(Lead).where(
                (Lead.visitor_id == visitor_id) | Lead.id.in_(by_submission),
                Lead.merged_into_id.is_(None),
                Lead.locked.is_(False),
            )
        )
    ).scalars()
    for lead in leads:
        await rescore(uow=uow, lead=lead, trigger="behaviour")
    await uow.commit()
