"""Service-desk's Kafka handlers: thin translators into directory use cases."""

from crm_shared.events.sales import TeamCreatedV1, TeamUpdatedV1, UserCreatedV1, UserUpdatedV1
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from service_desk import directory

handlers = EventHandlers(consumer="service-desk")


@handlers.on(UserCreatedV1)
async def on_user_created(event: UserCreatedV1, uow: UnitOfWork) -> None:
    """Adds the new user to the agent replica."""
    await directory.upsert_agent(uow=uow, user=event)


@handlers.on(UserUpdatedV1)
async def on_user_updated(event: UserUpdatedV1, uow: UnitOfWork) -> None:
    """Replaces the user's replica with the newer snapshot; an older one is ignored."""
    await directory.upsert_agent(uow=uow, user=event)


@handlers.on(TeamCreatedV1)
async def on_team_created(event: TeamCreatedV1, uow: UnitOfWork) -> None:
    """Adds the new team to the team replica."""
    await directory.upsert_team(uow=uow, team=event)


@handlers.on(TeamUpdatedV1)
async def on_team_updated(event: TeamUpdatedV1, uow: UnitOfWork) -> None:
    """Replaces the team's replica with the newer snapshot; an older one is ignored."""
    await directory.upsert_team(uow=uow, team=event)
