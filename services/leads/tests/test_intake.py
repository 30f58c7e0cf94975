"""The public intake through the HTTP API on SQLite and PostgreSQL: durable, idempotent, protected."""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from leads_support import create_form, database, leads_settings, new_ip, running, user_headers

from crm_shared.auth import Role
from crm_shared.testing import eventually, read_topic
from crm_shared.topics import LEADS_SUBMISSION


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def app_client(request, broker, tmp_path_factory):
    async with database(request.param, tmp_path_factory.mktemp("intake")) as url:
        async with running(leads_settings(url, broker)) as pair:
            yield pair


@pytest.fixture
def client(app_client):
    return app_client[1]


@pytest.fixture
async def form(client, admin):
    return await create_form(
        client,
        admin,
        allowed_origins=["https://www.example.com"],
        honeypot_field="website_url",
        min_fill_seconds=3,
        thank_you_url="https://www.example.com/thanks",
        source="web_form",
        campaign="spring",
        field_mapping={
            "full_name": "name",
            "mail": "email",
            "tel": "phone",
            "org": "company",
            "budget": "custom.budget",
            "msg": "message",
        },
        required_fields=["mail"],
    )


def post(client, form, data=None, *, ip=None, headers=None, **kwargs):
    headers = {"x-forwarded-for": ip or new_ip(), **(headers or {})}
    return client.post(f"/forms/{form['id']}/submissions", data=data, headers=headers, **kwargs)


def filled_at(seconds_ago: float) -> str:
    return str(int((time.time() - seconds_ago) * 1000))


async def test_browser_post_redirects_to_thank_you_and_becomes_a_lead(app_client, form, admin):
    _, client = app_client
    response = await post(
        client,
        form,
        {"full_name": "ann lee", "mail": "Ann.Browser@Acme.cn", "_ts": filled_at(30)},
        headers={"accept": "text/html,application/xhtml+xml", "origin": "https://www.example.com"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "https://www.example.com/thanks"

    async def lead():
        found = await client.get("/leads", params={"q": "ann.browser@acme.cn"}, headers=admin)
        return found.json()["items"]

    [found] = await eventually(lead)
    assert found["name"] == "Ann Lee" and found["source"] == "web_form" and found["campaign"] == "spring"
    assert found["company_domain"] == "acme.cn" and found["email"] == "ann.browser@acme.cn"


async def test_api_posts_in_every_encoding_keep_tracking_data(client, form, admin, broker):
    cookies = {"crm_vid": "visitor-42"}
    client.cookies.update(cookies)
    try:
        urlencoded = await post(
            client,
            form,
            {
                "mail": "a1@acme.com",
                "utm_source": "google",
                "utm_campaign": "q4",
                "referrer": "https://google.com/",
                "budget": "10k",
            },
            headers={"referer": "https://www.example.com/contact"},
        )
    finally:
        client.cookies.clear()
    multipart = await post(client, form, files={"mail": (None, "a2@acme.com"), "tel": (None, "13800138000")})
    as_json = await post(
        client, form, json={"mail": "a3@acme.com", "full_name": "Jay", "page_url": "https://x.example/p"}
    )
    for response in (urlencoded, multipart, as_json):
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "accepted" and not response.json()["duplicate"]
    stored = (await client.get(f"/submissions/{urlencoded.json()['id']}", headers=admin)).json()
    assert stored["utm"] == {"utm_source": "google", "utm_campaign": "q4"}
    assert stored["referrer"] == "https://google.com/"
    assert stored["page_url"] == "https://www.example.com/contact"
    assert stored["visitor_id"] == "visitor-42"
    assert stored["fields"] == {"email": "a1@acme.com"} and stored["custom_fields"] == {"budget": "10k"}
    assert (await client.get(f"/submissions/{multipart.json()['id']}", headers=admin)).json()["fields"] == {
        "email": "a2@acme.com",
        "phone": "13800138000",
    }
    ids = {r.json()["id"] for r in (urlencoded, multipart, as_json)}
    records = await read_topic(
        broker.bootstrap_servers, LEADS_SUBMISSION.name, lambda rs: ids <= {r.key.decode() for r in rs}
    )
    events = {r.key.decode(): json.loads(r.value) for r in records if r.key.decode() in ids}
    event = events[urlencoded.json()["id"]]
    assert event["event_type"] == "leads.submission.received" and event["campaign"] == "q4"
    assert event["visitor_id"] == "visitor-42" and event["utm"]["utm_source"] == "google"


async def test_retries_never_make_a_second_submission(client, form):
    first = await post(client, form, {"mail": "retry@acme.com"}, headers={"idempotency-key": "k-1"})
    again = await post(
        client, form, {"mail": "retry@acme.com", "msg": "changed"}, headers={"idempotency-key": "k-1"}
    )
    assert again.status_code == 202 and again.json() == {**first.json(), "duplicate": True}
    same = await post(client, form, {"mail": " RETRY2@acme.com ", "full_name": "Bo"})
    same_again = await post(client, form, {"mail": "retry2@acme.com", "full_name": "bo"})
    assert same_again.json()["id"] == same.json()["id"] and same_again.json()["duplicate"]
    other = await post(
        client, form, {"mail": "retry2@acme.com", "full_name": "Bo", "msg": "another question"}
    )
    assert other.json()["id"] != same.json()["id"]


async def test_body_over_64kb_is_413_declared_or_streamed(client, form):
    big = {"mail": "big@acme.com", "msg": "x" * 70_000}
    declared = await post(client, form, big)
    assert declared.status_code == 413
    assert declared.json()["title"] == "Content too large" and "65536" in declared.json()["detail"]

    async def chunks():
        for _ in range(20):
            yield b"msg=" + b"y" * 5000 + b"&"

    streamed = await post(
        client, form, content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert streamed.status_code == 413 and streamed.headers["content-type"] == "application/problem+json"


async def test_rate_limits_answer_429_with_retry_after(client, form, admin):
    ip = new_ip()
    answers = [(await post(client, form, {"mail": f"r{i}@acme.com"}, ip=ip)).status_code for i in range(21)]
    assert answers[:20] == [202] * 20 and answers[20] == 429
    limited = await post(client, form, {"mail": "r99@acme.com"}, ip=ip)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["status"] == 429
    small = await create_form(client, admin, rate_limit="2/minute")
    statuses = [(await post(client, small, {"email": f"f{i}@acme.com"})).status_code for i in range(3)]
    assert statuses == [202, 202, 429]


async def test_validation_errors_are_422_per_field_in_english_or_chinese(client, form):
    en = await post(
        client, form, {"mail": "not-an-email", "tel": "12"}, headers={"accept-language": "en-US,en"}
    )
    assert en.status_code == 422
    body = en.json()
    assert body["status"] == 422 and en.headers["content-language"] == "en"
    assert {(e["field"], e["code"]) for e in body["errors"]} == {("mail", "email"), ("tel", "phone")}
    assert "valid email" in next(e["reason"] for e in body["errors"] if e["field"] == "mail")
    zh = await post(client, form, {"full_name": "王伟"}, headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert zh.status_code == 422 and zh.headers["content-language"] == "zh-CN"
    assert zh.json()["errors"] == [{"field": "mail", "code": "required", "reason": "此项为必填项。"}]


async def test_bad_bodies_never_500(client, form):
    assert (
        await post(client, form, content=b"{not json", headers={"content-type": "application/json"})
    ).status_code == 422
    assert (
        await post(client, form, content=b"[1, 2]", headers={"content-type": "application/json"})
    ).status_code == 422
    assert (
        await post(
            client, form, content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
        )
    ).status_code == 422
    broken = await post(
        client, form, content=b"--zz\r\nbroken", headers={"content-type": "multipart/form-data; boundary=zz"}
    )
    assert broken.status_code in (202, 422)
    nested = await post(client, form, json={"name": {"a": 1}, "email": "n@example.cn"})
    assert nested.status_code == 422 and nested.json()["errors"][0]["field"] == "body"
    assert "plain fields" in nested.json()["errors"][0]["reason"]
    assert (
        await post(client, form, content=b"<x/>", headers={"content-type": "text/xml"})
    ).status_code == 415
    assert (await client.post("/forms/nope/submissions", data={"email": "a@b.cn"})).status_code == 404


async def test_origin_must_be_allowed(client, form):
    refused = await post(client, form, {"mail": "o@acme.com"}, headers={"origin": "https://evil.example"})
    assert refused.status_code == 403 and refused.json()["title"] == "Forbidden"
    assert (
        await post(client, form, {"mail": "o@acme.com"}, headers={"origin": "https://www.example.com"})
    ).status_code == 202


async def test_spam_is_answered_like_success_but_quarantined_and_can_be_released(client, form, admin):
    honeypot = await post(
        client, form, {"mail": "bot@spam.cn", "website_url": "http://spam"}, headers={"accept": "text/html"}
    )
    assert honeypot.status_code == 303 and honeypot.headers["location"] == "https://www.example.com/thanks"
    fast = await post(client, form, {"mail": "fast@spam.cn", "_ts": filled_at(0.5)})
    assert fast.status_code == 202 and fast.json()["status"] == "accepted"
    listed = (await client.get("/quarantine", headers=admin, params={"form_id": form["id"]})).json()
    reasons = {s["fields"]["email"]: s["quarantine_reason"] for s in listed}
    assert "honeypot" in reasons["bot@spam.cn"]
    assert "under the minimum 3s" in reasons["fast@spam.cn"]
    released = await client.post(f"/quarantine/{fast.json()['id']}/release", headers=admin)
    assert released.status_code == 200 and released.json()["status"] == "released"
    again = await client.post(f"/quarantine/{fast.json()['id']}/release", headers=admin)
    assert again.status_code == 409
    rep = user_headers("rep-1", Role.REP, "t-1")
    assert (await client.get("/quarantine", headers=rep)).status_code == 403


async def test_forms_are_configured_by_admins_and_managers_only(client, admin):
    bad = await client.post("/forms", json={"name": "x", "field_mapping": {"a": "salary"}}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("field_mapping")
    manager = user_headers("m-1", Role.MANAGER, "t-1")
    form = await create_form(client, manager, name="Demo request", allowed_origins=["https://a.example"])
    rep = user_headers("rep-1", Role.REP, "t-1")
    assert (await client.post("/forms", json={"name": "x"}, headers=rep)).status_code == 403
    assert (await client.get(f"/forms/{form['id']}", headers=rep)).status_code == 403
    updated = await client.put(
        f"/forms/{form['id']}", json={"name": "Demo", "min_fill_seconds": 2}, headers=admin
    )
    assert updated.status_code == 200 and updated.json()["min_fill_seconds"] == 2
    assert (await client.delete(f"/forms/{form['id']}", headers=admin)).status_code == 204
    assert (
        await client.post(f"/forms/{form['id']}/submissions", json={"email": "a@b.cn"})
    ).status_code == 404


async def test_concurrent_posts_share_commits_and_stay_idempotent(client, form, admin):
    same = await asyncio.gather(
        *(
            post(client, form, {"mail": "burst@acme.com"}, headers={"idempotency-key": "b-1"})
            for _ in range(15)
        )
    )
    assert {r.status_code for r in same} == {202} and len({r.json()["id"] for r in same}) == 1
    assert sum(not r.json()["duplicate"] for r in same) == 1
    many = await asyncio.gather(*(post(client, form, {"mail": f"burst{i}@acme.com"}) for i in range(15)))
    ids = {r.json()["id"] for r in many}
    assert len(ids) == 15
    for submission_id in ids:  # answered 202 only once committed
        assert (await client.get(f"/submissions/{submission_id}", headers=admin)).status_code == 200


async def test_one_group_commit_dedupes_each_post_within_its_own_window(app_client, form):
    """A post of a year ago (a backdated demo post) and a live one with the same fields, in one commit:
    two submissions, each a duplicate only of what came within ten minutes of it."""
    from leads.forms import service as forms
    from leads.forms.batch import Post
    from leads.forms.domain import Posted

    app = app_client[0]
    async with app.state.ctx.uow() as uow:
        view = await forms.active_form_view(uow=uow, form_id=form["id"])
    fields = {"email": f"twice-{uuid.uuid4().hex[:6]}@acme.com", "name": "Twice"}
    now = datetime.now(UTC)

    def at(moment):
        return Post(form=view, posted=Posted(fields=dict(fields)), idempotency_key=None,
                    quarantine_reason=None, client_ip="127.0.0.1", now=moment)

    store = app.state.intake.write_batch
    first = await store([at(now - timedelta(days=365)), at(now)])
    assert [duplicate for _, duplicate in first] == [False, False] and first[0][0] != first[1][0]
    again = await store([at(now + timedelta(minutes=1))])
    assert again == [(first[1][0], True)]  # the live one, not the one of a year ago


async def test_two_workers_on_one_database_store_a_retried_post_once(app_client, form, broker):
    """Another worker process on the same database takes the same post at the same time (a client
    retrying through a load balancer): whichever commits first stores it, the other answers with its id.
    On SQLite the intake's own connection waits for the other's write lock; on PostgreSQL both batches
    may insert, one hits the unique key and is retried post by post. Either way one submission."""
    first_app, first = app_client
    settings = first_app.state.settings
    async with running(leads_settings(settings.database_url, broker, consume=False)) as (_, second):
        key = {"idempotency-key": f"twice-{uuid.uuid4().hex[:8]}"}
        answers = await asyncio.gather(
            *(post(c, form, {"mail": "lb@acme.com"}, headers=key) for c in [first, second] * 10)
        )
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(not a.json()["duplicate"] for a in answers) == 1
