"""Routing use cases: pick a team by the first matching rule, then a rep, and say why in an event."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from crm_shared.db import dialect_insert
from crm_shared.events.leads import LeadAssignedV1, RoutingCandidate
from crm_shared.messaging.uow import UnitOfWork
from leads.directory.models import DirectoryUser
from leads.lifecycle.models import TeamPolicy
from leads.models import OPEN_STATUSES, Lead
from leads.processing.cache import per_transaction
from leads.processing.models import RoutingCursor, RoutingRule
from leads.processing.routing import Candidate, Route, choose, first_match


def routing_inputs(lead: Lead) -> dict:
    """What routing rules look at."""
    return {
        "region": lead.region,
        "industry": lead.industry,
        "source": lead.source,
        "campaign": lead.campaign,
        "score": lead.score,
        "custom_fields": dict(lead.custom_fields or {}),
    }


@dataclass
class TeamState:
    """A team's reps with their open-lead loads and its round-robin cursor, as assignments change them."""

    reps: list[tuple[str, int]]  # (user id, capacity)
    loads: dict[str, int]
    cursor: RoutingCursor

    def candidates(self) -> list[Candidate]:
        """The reps as routing weighs them now."""
        return [Candidate(user_id, self.loads.get(user_id, 0), capacity) for user_id, capacity in self.reps]


class TeamBook:
    """Teams read once and kept current as leads are assigned, so a run of submissions routes many leads
    exactly as one by one, without reading the team again for each (only new leads are assigned here)."""

    def __init__(self, uow: UnitOfWork):
        self.uow, self._teams = uow, {}

    async def team(self, team_id: str) -> TeamState:
        """The team's reps, loads and cursor (read the first time; a team's first routing makes its cursor
        row, empty, with an insert that yields to one another routing made meanwhile: two routings of a
        team's first leads at once, e.g. two verifications, both added it and the second failed on the
        key)."""
        if team_id not in self._teams:
            candidates = await team_candidates(self.uow, team_id)
            cursor = await self.uow.session.get(RoutingCursor, team_id)
            if cursor is None:
                create = dialect_insert(self.uow.session)(RoutingCursor).values(team_id=team_id)
                create = create.on_conflict_do_nothing(index_elements=[RoutingCursor.__table__.c.team_id])
                await self.uow.session.execute(create)
                # read again by a statement of its own: under READ COMMITTED (the services' isolation)
                # it sees the row the other routing committed while this insert waited for it
                cursor = await self.uow.session.get(RoutingCursor, team_id)
            reps = [(c.user_id, c.capacity) for c in candidates]
            self._teams[team_id] = TeamState(reps, {c.user_id: c.load for c in candidates}, cursor)
        return self._teams[team_id]

    def assign(self, team_id: str, user_id: str, round_robin: bool) -> None:
        """Count a new open lead on the rep and, for round robin, move the team's cursor to them."""
        team = self._teams[team_id]
        team.loads[user_id] = team.loads.get(user_id, 0) + 1
        if round_robin:
            team.cursor.last_user_id = user_id


async def route_lead(
    *,
    uow: UnitOfWork,
    lead: Lead,
    default_team_id: str | None,
    default_minutes: int,
    teams: TeamBook | None = None,
) -> None:
    """Assign the lead by the rules (form's default team as the last resort) and emit the decision."""
    inputs = routing_inputs(lead)
    route = first_match(await active_routes(uow), inputs)
    if route is None and default_team_id:
        route = Route("", "form default team", default_team_id, "round_robin")
    if route is None:
        uow.emit(LeadAssignedV1(aggregate_id=lead.id, inputs=inputs, reason="no routing rule matched"))
        return
    teams = teams or TeamBook(uow)
    team = await teams.team(route.team_id)
    candidates = team.candidates()
    chosen = choose(route.strategy, candidates, team.cursor.last_user_id)
    if chosen:
        teams.assign(route.team_id, chosen.user_id, round_robin=route.strategy == "round_robin")
    lead.team_id, lead.owner_id = route.team_id, chosen.user_id if chosen else None
    lead.first_contact_due_at = lead.created_at + timedelta(
        minutes=await target_minutes(uow, lead.team_id, default_minutes)
    )
    matched = f"rule {route.name!r}" if route.id else "no rule matched; the form's default team"
    picked = f"{route.strategy} picked {chosen.user_id}" if chosen else "no rep of the team has capacity"
    uow.emit(
        LeadAssignedV1(
            aggregate_id=lead.id,
            owner_id=lead.owner_id,
            team_id=lead.team_id,
            rule_id=route.id or None,
            rule_name=route.name,
            strategy=route.strategy,
            inputs=inputs,
            reason=f"{matched}; {picked}",
            candidates=[
                RoutingCandidate(
                    user_id=c.user_id,
                    load=c.load,
                    capacity=c.capacity,
                    eligible=c.has_room,
                    reason="" if c.has_room else "at capacity",
                )
                for c in candidates
            ],
        )
    )


async def active_routes(uow: UnitOfWork) -> list[Route]:
    """The active routing rules, in order (read once per unit of work)."""

    async def load() -> list[Route]:
        rows = await uow.session.execute(
            select(RoutingRule)
            .where(RoutingRule.active.is_(True))
            .order_by(RoutingRule.position, RoutingRule.id)
        )
        return [Route(r.id, r.name, r.team_id, r.strategy, r.conditions or {}) for r in rows.scalars()]

    return await per_transaction(uow, "routing-rules", load)


async def team_candidates(uow: UnitOfWork, team_id: str) -> list[Candidate]:
    """The team's active reps with their open-lead load."""
    users = list(
        (
            await uow.session.execute(
                select(DirectoryUser)
                .where(
                    DirectoryUser.team_id == team_id,
                    DirectoryUser.active.is_(True),
                    DirectoryUser.role == "rep",
                )
                .order_by(DirectoryUser.id)
            )
        ).scalars()
    )
    loads = dict(
        (
            await uow.session.execute(
                select(Lead.owner_id, func.count(Lead.id))
                .where(
                    Lead.owner_id.in_([u.id for u in users]),
                    Lead.status.in_(OPEN_STATUSES),
                    Lead.merged_into_id.is_(None),
                )
                .group_by(Lead.owner_id)
            )
        ).all()
    )
    return [Candidate(u.id, int(loads.get(u.id, 0)), u.capacity) for u in users]


async def target_minutes(uow: UnitOfWork, team_id: str | None, default_minutes: int) -> int:
    """The team's first-contact target, or the default."""
    if not team_id:
        return default_minutes

    async def load() -> int:
        policy = await uow.session.get(TeamPolicy, team_id)
        return policy.first_contact_minutes if policy else default_minutes

    return await per_transaction(uow, f"first-contact-target:{team_id}", load)
