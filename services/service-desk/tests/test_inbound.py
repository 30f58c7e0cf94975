"""Email and chat channels: new messages open tickets, replies thread into theirs, duplicates land once."""

from uuid import UUID

from service_desk.testing import make_queue


def mail(message_id: str, **fields) -> dict:
    return {
        "from": "Bob@Acme.com",
        "subject": "VPN down",
        "body": "Cannot connect",
        "message_id": message_id,
    } | fields


async def post_mail(desk, **fields):
    response = await desk.client.post("/inbound/email", json=mail(**fields), headers=desk.as_("admin"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_first_email_opens_a_ticket_for_the_known_sender(desk):
    queue = await make_queue(desk, "IT", ["a-1"])
    result = await post_mail(desk, message_id="<m1@acme.com>", queue_id=queue)
    assert result["created"] is True and result["status"] == "new"
    ticket = (await desk.client.get(f"/tickets/{result['ticket_id']}", headers=desk.as_("a-1"))).json()
    assert (ticket["channel"], ticket["contact_id"], ticket["account_id"], ticket["requester"]) == (
        "email",
        "c-1",
        "acc-1",
        "bob@acme.com",
    )
    assert [e["author_type"] for e in ticket["entries"]] == ["customer"]
    [interaction] = await desk.events("interactions.interaction.recorded")
    assert (interaction["channel"], interaction["kind"], interaction["email"]) == (
        "email",
        "email",
        "bob@acme.com",
    )


async def test_replies_thread_by_in_reply_to_references_and_subject_tag(desk):
    first = await post_mail(desk, message_id="<m1@acme.com>")
    ticket_id = first["ticket_id"]
    by_header = await post_mail(
        desk, message_id="<m2@acme.com>", subject="Re: VPN down", in_reply_to="<m1@acme.com>"
    )
    by_refs = await post_mail(
        desk,
        message_id="<m3@acme.com>",
        subject="Re: Re: VPN",
        references=["<zzz@elsewhere>", "<m2@acme.com>"],
    )
    by_tag = await post_mail(desk, message_id="<m4@acme.com>", subject=f"Any news? [#{ticket_id}]")
    assert {r["ticket_id"] for r in (by_header, by_refs, by_tag)} == {ticket_id}
    assert not any(r["created"] for r in (by_header, by_refs, by_tag))
    reply = await desk.client.post(
        f"/tickets/{ticket_id}/replies", json={"body": "Restart it"}, headers=desk.as_("admin")
    )
    assert reply.status_code == 201
    reply_message_id = f"<{reply.json()['id']}@service-desk.crm>"
    to_agent = await post_mail(
        desk, message_id="<m5@acme.com>", subject="Re: VPN", in_reply_to=reply_message_id
    )
    assert to_agent["ticket_id"] == ticket_id
    # the tag and the Message-ID thread a mail into the ticket: random ids, not time-ordered guessable ones
    assert UUID(ticket_id).version == 4 and UUID(reply.json()["id"]).version == 4
    fresh = await post_mail(desk, message_id="<m6@acme.com>", subject="Another thing")
    assert fresh["created"] is True and fresh["ticket_id"] != ticket_id


async def test_same_message_id_lands_once(desk):
    first = await post_mail(desk, message_id="<dup@acme.com>")
    again = await post_mail(desk, message_id="<dup@acme.com>")
    assert again == {"ticket_id": first["ticket_id"], "created": False, "status": "new"}
    ticket = (await desk.client.get(f"/tickets/{first['ticket_id']}", headers=desk.as_("admin"))).json()
    assert len(ticket["entries"]) == 1


async def test_customer_reply_reopens_pending_and_resolved_tickets(desk):
    ticket_id = (await post_mail(desk, message_id="<a@acme.com>"))["ticket_id"]
    await desk.client.post(
        f"/tickets/{ticket_id}/status", json={"status": "pending"}, headers=desk.as_("admin")
    )
    assert (await post_mail(desk, message_id="<b@acme.com>", in_reply_to="<a@acme.com>"))["status"] == "open"
    await desk.client.post(
        f"/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=desk.as_("admin")
    )
    assert (await post_mail(desk, message_id="<c@acme.com>", in_reply_to="<a@acme.com>"))[
        "status"
    ] == "reopened"
    assert len(await desk.events("service-desk.ticket.reopened", ticket_id)) == 1


async def test_inbound_needs_the_gateway_account_and_valid_fields(desk):
    agent = await desk.client.post("/inbound/email", json=mail("<x@y>"), headers=desk.as_("a-1"))
    assert agent.status_code == 403
    bad = await desk.client.post(
        "/inbound/email", json=mail("<x@y>") | {"from": "nobody"}, headers=desk.as_("admin")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"


async def test_chat_and_wechat_thread_by_sender(desk):
    async def say(sender, text, channel="chat", **extra):
        body = {"channel": channel, "sender_id": sender, "text": text} | extra
        desk.clock.advance(seconds=30)
        response = await desk.client.post("/inbound/chat", json=body, headers=desk.as_("admin"))
        assert response.status_code == 200, response.text
        return response.json()

    first = await say("u-42", "hello", message_id="1")
    second = await say("u-42", "my order is late", message_id="2")
    duplicate = await say("u-42", "my order is late", message_id="2")
    wechat = await say("u-42", "你好", channel="wechat")
    assert first["created"] and not second["created"] and second["ticket_id"] == first["ticket_id"]
    assert duplicate["ticket_id"] == first["ticket_id"] and not duplicate["created"]
    assert wechat["created"] and wechat["ticket_id"] != first["ticket_id"]
    ticket = (await desk.client.get(f"/tickets/{first['ticket_id']}", headers=desk.as_("admin"))).json()
    assert [e["body"] for e in ticket["entries"]] == ["hello", "my order is late"]
    await desk.client.post(
        f"/tickets/{first['ticket_id']}/status", json={"status": "resolved"}, headers=desk.as_("admin")
    )
    later = await say("u-42", "new question")
    assert later["created"] and later["ticket_id"] != first["ticket_id"]
    kinds = [e["kind"] for e in await desk.events("interactions.interaction.recorded")]
    assert kinds.count("chat_message") == 4
