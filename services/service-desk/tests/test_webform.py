"""The public web-to-ticket form: body cap 413, per-IP rate limit 429 + Retry-After, honeypot, idempotency."""

import httpx
import pytest


@pytest.fixture
async def desk(lite_desk):
    """These rules live in HTTP and tokens, not in queries: SQLite is enough."""
    return lite_desk


FORM = {"name": "Bob Li", "email": "bob@acme.com", "subject": "Broken screen", "message": "It flickers"}


async def tickets(desk) -> list[dict]:
    return (await desk.client.get("/tickets", headers=desk.as_("admin"))).json()


async def test_form_post_opens_a_web_ticket_for_the_known_contact(desk):
    response = await desk.client.post("/forms/ticket", data=FORM)
    assert response.status_code == 201, response.text
    [ticket] = await tickets(desk)
    assert response.json()["reference"] == ticket["id"]
    assert (ticket["channel"], ticket["contact_id"], ticket["requester"], ticket["subject"]) == (
        "web",
        "c-1",
        "bob@acme.com",
        "Broken screen",
    )


async def test_json_posts_work_too_and_bad_fields_are_422(desk):
    assert (
        await desk.client.post("/forms/ticket", json=FORM | {"email": "zed@example.com"})
    ).status_code == 201
    bad = await desk.client.post("/forms/ticket", data=FORM | {"email": "not-an-email", "subject": ""})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "subject"}


async def test_body_over_64_kb_is_413(desk):
    response = await desk.client.post("/forms/ticket", data=FORM | {"message": "x" * 70_000})
    assert response.status_code == 413
    assert await tickets(desk) == []


async def test_honeypot_answers_like_success_but_opens_nothing(desk):
    response = await desk.client.post("/forms/ticket", data=FORM | {"website": "http://spam.example"})
    assert response.status_code == 201 and response.json()["status"] == "received"
    assert await tickets(desk) == []


async def test_idempotency_key_and_identical_retries_make_one_ticket(desk):
    headers = {"Idempotency-Key": "form-123"}
    first = await desk.client.post("/forms/ticket", data=FORM, headers=headers)
    retry = await desk.client.post("/forms/ticket", data=FORM | {"message": "edited"}, headers=headers)
    assert first.json()["reference"] == retry.json()["reference"]
    plain = [await desk.client.post("/forms/ticket", data=FORM | {"subject": "Twice"}) for _ in range(2)]
    assert plain[0].json()["reference"] == plain[1].json()["reference"]
    assert len(await tickets(desk)) == 2


async def test_rate_limit_per_ip_answers_429_with_retry_after(desk):
    statuses = []
    for n in range(11):
        response = await desk.client.post("/forms/ticket", data=FORM | {"subject": f"n{n}"})
        statuses.append(response.status_code)
    assert statuses == [201] * 10 + [429]
    assert int(response.headers["Retry-After"]) >= 1
    other_ip = httpx.ASGITransport(desk.app, client=("203.0.113.9", 5000))
    async with httpx.AsyncClient(transport=other_ip, base_url="http://desk") as client:
        assert (await client.post("/forms/ticket", data=FORM | {"subject": "other"})).status_code == 201


async def test_concurrent_posts_with_one_key_make_one_ticket(desk):
    import asyncio

    headers = {"Idempotency-Key": "double-click"}
    responses = await asyncio.gather(
        *(desk.client.post("/forms/ticket", data=FORM, headers=headers) for _ in range(4))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["reference"] for r in responses}) == 1
    assert len(await tickets(desk)) == 1
