"""Scoring use cases: gather a lead's facts, apply the stored rules, record the breakdown."""

from sqlalchemy import func, or_, select

from crm_shared.events.leads import LeadScoredV1, ScorePoint
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.forms.models import Submission
from leads.models import Lead
from leads.processing.cache import per_transaction
from leads.processing.models import PageVisit, ScoringRule
from leads.processing.scoring import DEFAULT_RULES, Facts, Rule, score

FACT_FIELDS = ("name", "email", "phone", "company", "title", "region", "industry", "website")


async def seed_default_rules(*, uow: UnitOfWork) -> None:
    """Store the default scoring rules when none are configured yet."""
    if (await uow.session.execute(select(ScoringRule.id).limit(1))).first():
        return
    for position, rule in enumerate(DEFAULT_RULES):
        uow.session.add(
            ScoringRule(
                id=new_id(),
                position=position,
                kind=rule.kind,
                params=rule.params,
                points=rule.points,
                label=rule.id.removeprefix("default-"),
                active=True,
            )
        )
    await uow.commit()


async def active_rules(uow: UnitOfWork) -> list[Rule]:
    """The active scoring rules, in order (read once per unit of work: a consumer batch scores many)."""

    async def load() -> list[Rule]:
        rows = await uow.session.execute(
            select(ScoringRule)
            .where(ScoringRule.active.is_(True))
            .order_by(ScoringRule.position, ScoringRule.id)
        )
        return [Rule(r.id, r.kind, r.points, r.params or {}, r.label) for r in rows.scalars()]

    return await per_transaction(uow, "scoring-rules", load)


async def facts_of(uow: UnitOfWork, lead: Lead, new: bool = False) -> Facts:
    """The lead's fields and the behaviour of every visitor id it posted from (a `new` lead, not stored
    yet, has one submission at most and only its own visitor id)."""
    visitors = None
    if not new:
        submitted = select(Submission.visitor_id).where(
            Submission.lead_id == lead.id, Submission.visitor_id.is_not(None)
        )
        visitors = PageVisit.visitor_id.in_(submitted)
    if lead.visitor_id:
        mine = PageVisit.visitor_id == lead.visitor_id
        visitors = mine if visitors is None else or_(visitors, mine)
    visits, seconds, posts = 0, 0, 1
    if visitors is not None:
        visits, seconds = (
            await uow.session.execute(
                select(func.count(PageVisit.id), func.coalesce(func.sum(PageVisit.seconds), 0)).where(
                    visitors
                )
            )
        ).one()
    if not new:
        query = select(func.count(Submission.id)).where(Submission.lead_id == lead.id)
        posts = (await uow.session.execute(query)).scalar()
    return lead_facts(lead, int(visits), int(seconds), int(posts or 0))


def lead_facts(lead: Lead, page_visits: int, seconds_on_site: int, submissions: int) -> Facts:
    """The facts scoring looks at: the lead's fields with its visitors' behaviour and its posts."""
    return Facts(
        fields={f: getattr(lead, f) for f in FACT_FIELDS},
        source=lead.source,
        custom_fields=lead.custom_fields or {},
        page_visits=page_visits,
        seconds_on_site=seconds_on_site,
        submissions=max(submissions, 1),
    )


async def rescore(
    *,
    uow: UnitOfWork,
    lead: Lead,
    trigger: str,
    always: bool = False,
    new: bool = False,
    facts: Facts | None = None,
) -> bool:
    """Recompute the score; store it and emit `leads.lead.scored` when it changed (or `always`).

    `facts` known already (a batch gathers them for many leads at once) save the queries."""
    facts = facts if facts is not None else await facts_of(uow, lead, new)
    total, points = score(await active_rules(uow), facts)
    breakdown = [
        {"rule_id": p.rule_id, "kind": p.kind, "points": p.points, "reason": p.reason} for p in points
    ]
    if not always and total == lead.score and breakdown == (lead.score_breakdown or []):
        return False
    previous = lead.score
    lead.score, lead.score_breakdown = total, breakdown
    uow.emit(
        LeadScoredV1(
            aggregate_id=lead.id,
            score=total,
            previous_score=previous,
            trigger=trigger,
            breakdown=[ScorePoint(**line) for line in breakdown],
        )
    )
    return True
