"""The mail gateway and chat webhooks sign their requests: HMAC-SHA256 of f"{timestamp}." + body with the
channel's secret in `X-CRM-Signature`, the timestamp (unix seconds) in `X-CRM-Timestamp`. Anything
unsigned, mis-signed, tampered with or stale is a 401 problem; the same signed post twice is a 409."""

import asyncio
import json

import pytest
from sqlalchemy import func, select

from service_desk.channels.gateway import sign
from service_desk.channels.models import WebhookDelivery
from service_desk.config import InboundSettings
from service_desk.tickets.models import Ticket

MAIL_SECRET, CHAT_SECRET = "mail-gateway-secret-0123456789", "chat-webhook-secret-9876543210"


def with_secrets(desk):
    """The desk with both channel secrets configured (and the default 300 s tolerance)."""
    settings = desk.app.state.settings
    inbound = InboundSettings(email_secret=MAIL_SECRET, chat_secret=CHAT_SECRET)
    desk.app.state.settings = settings.model_copy(update={"inbound": inbound})
    return desk


@pytest.fixture
def gated(lite_desk):
    """On SQLite (HTTP-level rules)."""
    return with_secrets(lite_desk)


@pytest.fixture
def gated_db(desk):
    """On SQLite, then PostgreSQL (the replay guard is a table)."""
    return with_secrets(desk)


def signed(body: dict, secret: str, timestamp: int) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {
        "Content-Type": "application/json",
        "X-CRM-Timestamp": str(timestamp),
        "X-CRM-Signature": sign(secret, raw, timestamp),
    }


def now_s(desk) -> int:
    return int(desk.clock().timestamp())


async def tickets(desk) -> int:
    async with desk.uow_factory() as uow:
        return (await uow.session.execute(select(func.count()).select_from(Ticket))).scalar_one()


MAIL = {"from": "bob@acme.com", "subject": "Printer on fire", "body": "Help", "message_id": "<p1@acme.com>"}
CHAT = {"channel": "wechat", "sender_id": "wx-1", "text": "hello"}


async def test_a_fresh_signed_mail_and_a_signed_chat_are_accepted_without_a_token(gated):
    raw, headers = signed(MAIL, MAIL_SECRET, now_s(gated) - 290)  # in the window, if only just
    response = await gated.client.post("/inbound/email", content=raw, headers=headers)
    assert response.status_code == 200, response.text
    ticket = (
        await gated.client.get(f"/tickets/{response.json()['ticket_id']}", headers=gated.as_("admin"))
    ).json()
    assert (ticket["channel"], ticket["contact_id"]) == ("email", "c-1")
    raw, headers = signed(CHAT, CHAT_SECRET, now_s(gated) + 5)  # the sender's clock a little ahead
    response = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert response.status_code == 200 and response.json()["created"] is True


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "wrong-secret",
        "other-channel-secret",
        "tampered-body",
        "not-hex",
        "no-prefix",
        "other-timestamp",
    ],
)
async def test_a_bad_or_missing_signature_is_a_401_problem(gated, case):
    raw, headers = signed(MAIL, MAIL_SECRET, now_s(gated))
    if case == "missing":
        del headers["X-CRM-Signature"]
    elif case == "wrong-secret":
        headers["X-CRM-Signature"] = sign("not-the-secret", raw, now_s(gated))
    elif case == "other-channel-secret":
        headers["X-CRM-Signature"] = sign(CHAT_SECRET, raw, now_s(gated))
    elif case == "tampered-body":
        raw = raw.replace(b"Help", b"Pwnd")
    elif case == "not-hex":
        headers["X-CRM-Signature"] = "sha256=zz"
    elif case == "no-prefix":
        headers["X-CRM-Signature"] = headers["X-CRM-Signature"].removeprefix("sha256=")
    else:  # a fresh timestamp on a signature made for another one
        headers["X-CRM-Timestamp"] = str(now_s(gated) - 1)
    response = await gated.client.post("/inbound/email", content=raw, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401 and "X-CRM-Signature" in response.json()["detail"]
    assert await gated.events("service-desk.ticket.opened") == []


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        ("old", "stale X-CRM-Timestamp"),
        ("future", "stale X-CRM-Timestamp"),
        (None, "missing X-CRM-Timestamp"),
        ("1.7e9", "X-CRM-Timestamp must be unix seconds"),
        ("", "X-CRM-Timestamp must be unix seconds"),
    ],
)
async def test_a_stale_missing_or_unreadable_timestamp_is_a_401_problem(gated, timestamp, reason):
    moment = {"old": now_s(gated) - 301, "future": now_s(gated) + 301}.get(timestamp, now_s(gated))
    raw, headers = signed(CHAT, CHAT_SECRET, moment)  # correctly signed, for that moment
    if timestamp is None:
        del headers["X-CRM-Timestamp"]
    elif timestamp not in ("old", "future"):
        headers["X-CRM-Timestamp"] = timestamp
    response = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert reason in response.json()["detail"]
    assert await tickets(gated) == 0 and await gated.events("service-desk.ticket.opened") == []


async def test_a_signed_post_goes_stale_once_the_window_has_passed(gated):
    raw, headers = signed(CHAT, CHAT_SECRET, now_s(gated))
    gated.clock.advance(seconds=301)  # captured now, posted later
    response = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert response.status_code == 401 and "stale" in response.json()["detail"]
    assert await tickets(gated) == 0


async def test_a_replayed_post_is_refused_and_creates_nothing(gated_db):
    gated = gated_db
    raw, headers = signed(CHAT, CHAT_SECRET, now_s(gated))
    first = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert first.status_code == 200 and first.json()["created"] is True
    opened = await gated.events("service-desk.ticket.opened")
    gated.clock.advance(seconds=120)  # still inside the window
    replayed = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert replayed.status_code == 409, replayed.text
    assert replayed.headers["content-type"] == "application/problem+json"
    assert "already received" in replayed.json()["detail"]
    assert await tickets(gated) == 1 and await gated.events("service-desk.ticket.opened") == opened
    ticket = await gated.client.get(f"/tickets/{first.json()['ticket_id']}", headers=gated.as_("admin"))
    assert [e["body"] for e in ticket.json()["entries"]] == ["hello"]  # the message landed once
    # the same message re-signed at a new time is a new delivery: accepted (threads into the ticket)
    raw, headers = signed(CHAT, CHAT_SECRET, now_s(gated))
    again = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert again.status_code == 200 and again.json()["ticket_id"] == first.json()["ticket_id"]


async def test_a_post_that_fails_is_not_remembered_and_old_signatures_are_pruned(gated_db):
    gated = gated_db
    invalid = {"channel": "wechat", "sender_id": "wx-2"}  # no text: a 422 problem
    raw, headers = signed(invalid, CHAT_SECRET, now_s(gated))
    for _ in range(2):  # a sender may retry a post the desk did not take
        response = await gated.client.post("/inbound/chat", content=raw, headers=headers)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "text"
    raw, headers = signed(CHAT, CHAT_SECRET, now_s(gated))
    assert (await gated.client.post("/inbound/chat", content=raw, headers=headers)).status_code == 200
    gated.clock.advance(seconds=601)  # past twice the tolerance
    raw, headers = signed(CHAT | {"text": "later"}, CHAT_SECRET, now_s(gated))
    assert (await gated.client.post("/inbound/chat", content=raw, headers=headers)).status_code == 200
    async with gated.uow_factory() as uow:
        kept = (await uow.session.execute(select(WebhookDelivery.signed_at))).scalars().all()
    assert [int(moment.timestamp()) for moment in kept] == [now_s(gated)]


async def test_a_chat_signed_with_the_mail_secret_is_refused(gated):
    raw, headers = signed({"sender_id": "u-1", "text": "hi"}, MAIL_SECRET, now_s(gated))
    response = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert response.status_code == 401


async def test_without_a_configured_secret_only_an_admin_token_gets_in(lite_desk):
    raw, headers = signed(MAIL, MAIL_SECRET, now_s(lite_desk))
    unsigned = await lite_desk.client.post("/inbound/email", content=raw, headers=headers)
    assert unsigned.status_code == 401 and "no email gateway secret" in unsigned.json()["detail"]
    agent = await lite_desk.client.post("/inbound/email", json=MAIL, headers=lite_desk.as_("a-1"))
    assert agent.status_code == 403
    admin = await lite_desk.client.post("/inbound/email", json=MAIL, headers=lite_desk.as_("admin"))
    assert admin.status_code == 200


async def test_the_same_post_twice_at_once_lands_once(gated_db):
    raw, headers = signed(CHAT, CHAT_SECRET, now_s(gated_db))
    posts = [gated_db.client.post("/inbound/chat", content=raw, headers=headers) for _ in range(2)]
    statuses = sorted(response.status_code for response in await asyncio.gather(*posts))
    assert statuses == [200, 409]
    assert await tickets(gated_db) == 1
