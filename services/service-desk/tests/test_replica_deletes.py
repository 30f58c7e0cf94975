"""Sales deleting a contact or an account takes it out of the screen-pop and email lookups."""

from datetime import timedelta

from crm_shared.events.sales import AccountDeletedV1, ContactDeletedV1, ContactUpdatedV1
from service_desk.handlers import on_account_deleted, on_contact_deleted, on_contact_updated
from service_desk.testing import apply


async def lookup(desk, phone: str) -> dict:
    response = await desk.client.get("/customers/lookup", params={"phone": phone}, headers=desk.as_("a-1"))
    return response.json()


async def test_deleted_contact_and_account_no_longer_pop(desk):
    later = desk.clock.now + timedelta(days=400)
    await apply(desk.uow_factory, on_contact_deleted, ContactDeletedV1(aggregate_id="c-1", occurred_at=later))
    await apply(
        desk.uow_factory,
        on_account_deleted,
        AccountDeletedV1(aggregate_id="acc-1", name="Acme", occurred_at=later),
    )
    assert (await lookup(desk, "+8613800138000"))["known"] is False
    assert (await lookup(desk, "+862161234567"))["known"] is False
    mail = {"from": "bob@acme.com", "subject": "Hi", "message_id": "<d1@acme.com>"}
    opened = await desk.client.post("/inbound/email", json=mail, headers=desk.as_("admin"))
    ticket = (
        await desk.client.get(f"/tickets/{opened.json()['ticket_id']}", headers=desk.as_("admin"))
    ).json()
    assert ticket["contact_id"] is None  # the address no longer finds Bob
    card = (await desk.client.get("/customers/contacts/c-1/card", headers=desk.as_("a-1"))).json()
    assert card["contact"]["name"] == "Bob Li"  # old tickets still show who it was


async def test_an_update_older_than_the_delete_does_not_bring_it_back(desk):
    deleted_at = desk.clock.now + timedelta(days=400)
    await apply(
        desk.uow_factory, on_contact_deleted, ContactDeletedV1(aggregate_id="c-2", occurred_at=deleted_at)
    )
    stale = ContactUpdatedV1(
        aggregate_id="c-2", name="Zed", phones=["+8613900000000"], occurred_at=deleted_at - timedelta(days=1)
    )
    await apply(desk.uow_factory, on_contact_updated, stale)
    assert (await lookup(desk, "+8613900000000"))["known"] is False
