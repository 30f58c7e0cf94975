"""Kafka handlers that keep the org directory replica up to date (each a full-snapshot upsert)."""

from crm_shared.events.sales import TeamCreatedV1, TeamUpdatedV1, UserCreatedV1, UserUpdatedV1
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from leads.directory import service


def register(handlers: EventHandlers) -> None:
    """Add the directory handlers to the service's handlers."""

    @handlers.on(UserCreatedV1)
    @handlers.on(UserUpdatedV1)
    async def on_user_changed(event: UserCreatedV1, uow: UnitOfWork) -> None:
        """Upsert the user into the routing directory."""
        await service.upsert_user(uow=uow, event=event)

    @handlers.on(TeamCreatedV1)
    @handlers.on(TeamUpdatedV1)
    async def on_team_changed(event: TeamCreatedV1, uow: UnitOfWork) -> None:
        """Upsert the team into the routing directory."""
        await service.upsert_team(uow=uow, event=event)
