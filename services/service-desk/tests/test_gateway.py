"""The mail gateway and chat webhooks sign their requests: HMAC-SHA256 of the body with the channel's
secret in `X-CRM-Signature`; anything unsigned, mis-signed or tampered with is a 401 problem."""

import json

import pytest

from service_desk.channels.gateway import sign
from service_desk.config import InboundSettings

MAIL_SECRET, CHAT_SECRET = "mail-gateway-secret-0123456789", "chat-webhook-secret-9876543210"


@pytest.fixture
def gated(lite_desk):
    """The desk with both channel secrets configured."""
    settings = lite_desk.app.state.settings
    inbound = InboundSettings(email_secret=MAIL_SECRET, chat_secret=CHAT_SECRET)
    lite_desk.app.state.settings = settings.model_copy(update={"inbound": inbound})
    return lite_desk


def signed(body: dict, secret: str) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", "X-CRM-Signature": sign(secret, raw)}


MAIL = {"from": "bob@acme.com", "subject": "Printer on fire", "body": "Help", "message_id": "<p1@acme.com>"}


async def test_a_signed_mail_and_a_signed_chat_are_accepted_without_a_token(gated):
    raw, headers = signed(MAIL, MAIL_SECRET)
    response = await gated.client.post("/inbound/email", content=raw, headers=headers)
    assert response.status_code == 200, response.text
    ticket = (
        await gated.client.get(f"/tickets/{response.json()['ticket_id']}", headers=gated.as_("admin"))
    ).json()
    assert (ticket["channel"], ticket["contact_id"]) == ("email", "c-1")
    raw, headers = signed({"channel": "wechat", "sender_id": "wx-1", "text": "hello"}, CHAT_SECRET)
    response = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert response.status_code == 200 and response.json()["created"] is True


@pytest.mark.parametrize(
    "case",
    ["missing", "wrong-secret", "other-channel-secret", "tampered-body", "not-hex", "no-prefix"],
)
async def test_a_bad_or_missing_signature_is_a_401_problem(gated, case):
    raw, headers = signed(MAIL, MAIL_SECRET)
    if case == "missing":
        del headers["X-CRM-Signature"]
    elif case == "wrong-secret":
        headers["X-CRM-Signature"] = sign("not-the-secret", raw)
    elif case == "other-channel-secret":
        headers["X-CRM-Signature"] = sign(CHAT_SECRET, raw)
    elif case == "tampered-body":
        raw = raw.replace(b"Help", b"Pwnd")
    elif case == "not-hex":
        headers["X-CRM-Signature"] = "sha256=zz"
    else:
        headers["X-CRM-Signature"] = headers["X-CRM-Signature"].removeprefix("sha256=")
    response = await gated.client.post("/inbound/email", content=raw, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401 and "X-CRM-Signature" in response.json()["detail"]
    assert await gated.events("service-desk.ticket.opened") == []


async def test_a_chat_signed_with_the_mail_secret_is_refused(gated):
    raw, headers = signed({"sender_id": "u-1", "text": "hi"}, MAIL_SECRET)
    response = await gated.client.post("/inbound/chat", content=raw, headers=headers)
    assert response.status_code == 401


async def test_without_a_configured_secret_only_an_admin_token_gets_in(lite_desk):
    raw, headers = signed(MAIL, MAIL_SECRET)
    unsigned = await lite_desk.client.post("/inbound/email", content=raw, headers=headers)
    assert unsigned.status_code == 401 and "no email gateway secret" in unsigned.json()["detail"]
    agent = await lite_desk.client.post("/inbound/email", json=MAIL, headers=lite_desk.as_("a-1"))
    assert agent.status_code == 403
    admin = await lite_desk.client.post("/inbound/email", json=MAIL, headers=lite_desk.as_("admin"))
    assert admin.status_code == 200
