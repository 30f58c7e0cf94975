"""Service-desk's Kafka handlers: thin translators into directory and customer-replica use cases."""

from crm_shared.events.sales import (
    AccountCreatedV1,
    AccountDeletedV1,
    AccountUpdatedV1,
    ContactCreatedV1,
    ContactDeletedV1,
    ContactUpdatedV1,
    TeamCreatedV1,
    TeamUpdatedV1,
    UserCreatedV1,
    UserUpdatedV1,
)
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from service_desk import directory
from service_desk.customers import service as customers
from service_desk.customers.capture import adopt_sales_contact
from service_desk.tickets import service as tickets

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


@handlers.on(AccountCreatedV1)
async def on_account_created(event: AccountCreatedV1, uow: UnitOfWork) -> None:
    """Adds the account to the customer replica (its phones to the screen-pop index)."""
    await customers.upsert_account(uow=uow, account=event)


@handlers.on(AccountUpdatedV1)
async def on_account_updated(event: AccountUpdatedV1, uow: UnitOfWork) -> None:
    """Replaces the account's replica with the newer snapshot; a new tier re-targets open tickets."""
    if await customers.upsert_account(uow=uow, account=event):
        await tickets.retier_open_tickets(
            uow=uow, account_id=event.aggregate_id, tier=event.tier, now=event.occurred_at
        )


@handlers.on(ContactCreatedV1)
async def on_contact_created(event: ContactCreatedV1, uow: UnitOfWork) -> None:
    """Adds the contact to the customer replica; one made from a desk capture takes over the local record."""
    await customers.upsert_contact(uow=uow, contact=event)
    await adopt_sales_contact(uow=uow, contact=event, now=event.occurred_at)


@handlers.on(ContactUpdatedV1)
async def on_contact_updated(event: ContactUpdatedV1, uow: UnitOfWork) -> None:
    """Replaces the contact's replica with the newer snapshot (an older one is ignored); one that sales
    matched to a desk capture takes over the local record."""
    await customers.upsert_contact(uow=uow, contact=event)
    await adopt_sales_contact(uow=uow, contact=event, now=event.occurred_at)


@handlers.on(ContactDeletedV1)
async def on_contact_deleted(event: ContactDeletedV1, uow: UnitOfWork) -> None:
    """Takes the deleted contact out of the phone and email indexes (its tickets keep pointing at it)."""
    await customers.forget(
        uow=uow, party_type="contact", party_id=event.aggregate_id, occurred_at=event.occurred_at
    )


@handlers.on(AccountDeletedV1)
async def on_account_deleted(event: AccountDeletedV1, uow: UnitOfWork) -> None:
    """Takes the deleted account's switchboard numbers out of the phone index."""
    await customers.forget(
        uow=uow, party_type="account", party_id=event.aggregate_id, occurred_at=event.occurred_at
    )
