"""The phones/emails index of accounts and contacts: kept in step with the records, used for search
and dedupe."""

from sqlalchemy import delete, select

from crm_shared.messaging.uow import UnitOfWork
from sales.customers.models import ContactPoint


async def set_points(
    uow: UnitOfWork,
    *,
    account_id: str | None = None,
    contact_id: str | None = None,
    phones: list[str] = (),
    emails: list[str] = (),
) -> None:
    """Replace the indexed phones and emails of one account or contact."""
    column = ContactPoint.account_id if account_id else ContactPoint.contact_id
    await uow.session.execute(delete(ContactPoint).where(column == (account_id or contact_id)))
    for kind, values in (("phone", phones), ("email", emails)):
        for value in values:
            uow.session.add(
                ContactPoint(kind=kind, value=value, account_id=account_id, contact_id=contact_id)
            )


def holders(kind: str, value: str, column):
    """A subquery of the account or contact ids holding this phone or email (`value` may use `%`)."""
    match = ContactPoint.value.like(value) if "%" in value else ContactPoint.value == value
    return select(column).where(ContactPoint.kind == kind, match, column.is_not(None))
