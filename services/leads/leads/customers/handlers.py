"""Kafka handlers that keep the customer replica up to date (full snapshots; deletes drop the row)."""

from crm_shared.events.sales import (
    AccountCreatedV1,
    AccountDeletedV1,
    AccountUpdatedV1,
    ContactCreatedV1,
    ContactDeletedV1,
    ContactUpdatedV1,
)
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from leads.config import LeadsSettings
from leads.customers import service


def register(handlers: EventHandlers, settings: LeadsSettings) -> None:
    """Add the customer replica handlers."""

    @handlers.on(AccountCreatedV1)
    @handlers.on(AccountUpdatedV1)
    async def on_account_changed(event: AccountCreatedV1, uow: UnitOfWork) -> None:
        """Upsert the account into the customer replica (dedupe by company domain and name)."""
        await service.upsert_account(uow=uow, event=event)

    @handlers.on(AccountDeletedV1)
    async def on_account_deleted(event: AccountDeletedV1, uow: UnitOfWork) -> None:
        """Drop the account from the customer replica."""
        await service.drop_account(uow=uow, event=event)

    @handlers.on(ContactCreatedV1)
    @handlers.on(ContactUpdatedV1)
    async def on_contact_changed(event: ContactCreatedV1, uow: UnitOfWork) -> None:
        """Upsert the contact into the customer replica (dedupe by email and phone)."""
        await service.upsert_contact(uow=uow, event=event, region=settings.default_region)

    @handlers.on(ContactDeletedV1)
    async def on_contact_deleted(event: ContactDeletedV1, uow: UnitOfWork) -> None:
        """Drop the contact from the customer replica."""
        await service.drop_contact(uow=uow, event=event)
