"""The dashboard's server side: page language, login proxy, dashboard JSON, the stream and its wake-ups."""

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from reporting_scenario import deal
from reporting_support import ADMIN, NOW
from test_currency import rate

from crm_shared.auth import STREAM, Principal, Role, decode_ticket, issue_ticket, issue_token
from crm_shared.events.leads import LeadAssignedV1, LeadCapturedV1
from crm_shared.events.sales import OpportunityOpenedV1
from reporting.live.api import STATIC, _updates, get_sales_client
from reporting.live.dashboard import LiveDashboard
from reporting.live.hub import hub, notify_after_commit
from reporting.live.language import page_language

REP = Principal("rep-7", Role.REP, "team-1", "Rita Rep")


def lead(lead_id: str, source: str, hours_ago: float, owner: str | None = None) -> list:
    """A lead captured `hours_ago` before NOW, assigned to `owner` when given."""
    at = NOW - timedelta(hours=hours_ago)
    events = [LeadCapturedV1(aggregate_id=lead_id, name=lead_id, source=source, occurred_at=at)]
    if owner:
        events.append(LeadAssignedV1(aggregate_id=lead_id, owner_id=owner, team_id="team-1", occurred_at=at))
    return events


@pytest.mark.parametrize(("header", "language"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("en-US,en;q=0.9", "en"), ("", "en"), ("fr-FR", "en"),
    ("en;q=0.5, zh-TW;q=0.8", "zh-CN"), ("zh;q=bogus, en", "en"),
])
def test_page_language_follows_accept_language(header, language):
    assert page_language(header) == language


async def test_page_and_assets_are_served(sqlite_reporting):
    page = await sqlite_reporting.client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert page.status_code == 200 and '<html lang="zh-CN">' in page.text
    script = await sqlite_reporting.client.get("/static/dashboard.js")
    assert script.status_code == 200 and "EventSource" in script.text


async def test_dashboard_is_role_aware(sqlite_reporting):
    await sqlite_reporting.feed(*lead("a", "web_form", 1, REP.user_id), *lead("b", "web_form", 30),
                                *lead("c", "referral", 50, "rep-8"))
    admin_view = (await sqlite_reporting.get("/reports/dashboard")).json()
    assert admin_view["leads_by_source"] == {"referral": 1, "web_form": 2}
    assert admin_view["funnel"]["captured"] == 3
    assert [d["captured"] for d in admin_view["trend"][-3:]] == [1, 1, 1]
    assert len(admin_view["trend"]) == 14 and admin_view["trend"][-1]["day"] == "2026-03-31"
    assert admin_view["pipeline"] == {"stages": [], "win_rate": None, "won_amount": "0", "bottleneck": None,
                                      "currency": "CNY"}
    assert admin_view["service"]["tickets"] == 0 and admin_view["service"]["csat"] is None
    rep_view = (await sqlite_reporting.get("/reports/dashboard", REP)).json()
    assert rep_view["leads_by_source"] == {"web_form": 1}
    assert rep_view["viewer"] == {"user_id": "rep-7", "role": "rep", "name": "Rita Rep"}
    assert [(row["owner_id"], row["leads"]) for row in rep_view["reps"]] == [("rep-7", 1)]


async def test_dashboard_money_is_labelled_with_the_answers_base_currency(make_reporting, sqlite_url):
    async with make_reporting(sqlite_url, base_currency="EUR") as reporting:  # REPORTING_BASE_CURRENCY
        await reporting.feed(OpportunityOpenedV1(**{**deal("O4", "s1", 1, 800), "currency": "EUR"}))
        view = (await reporting.get("/reports/dashboard")).json()
        assert (view["currency"], view["pipeline"]["currency"]) == ("EUR", "EUR")
        assert (view["pipeline"]["stages"][0]["amount"], view["reps"][0]["owner_id"]) == ("800.00", "rep-b")
        board = LiveDashboard(ADMIN, days=14, base="EUR")
        assert (await board.refresh(reporting.app.state.ctx.uow(), NOW))["currency"] == "EUR"
        await reporting.feed(rate("EUR", "7.8", 0))  # sales' base is CNY: 800 EUR x 7.8
        view = (await reporting.get("/reports/dashboard")).json()
        assert (view["currency"], view["pipeline"]["stages"][0]["amount"]) == ("CNY", "6240.00")
    script = (STATIC / "dashboard.js").read_text(encoding="utf-8")
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    assert "latest.currency" in script and "extras.revenue.currency" in script and "CNY" not in script
    assert html.count('data-money="dashboard"') == 3 and 'data-money="revenue"' in html


async def test_stream_pushes_the_callers_figures_after_each_commit(sqlite_reporting):
    ctx = sqlite_reporting.app.state.ctx
    updates = _updates(ctx, REP, lambda: NOW, poll_s=30, days=14)
    first = json.loads((await anext(updates))["data"])
    assert first["funnel"]["captured"] == 0
    next_update = asyncio.ensure_future(anext(updates))
    await sqlite_reporting.feed(*lead("x", "hotline", 0.1, "someone-else"))  # not the rep's: no push
    await asyncio.sleep(0.2)
    assert not next_update.done()
    await sqlite_reporting.feed(*lead("y", "hotline", 0.1, REP.user_id))
    pushed = json.loads((await asyncio.wait_for(next_update, 5))["data"])  # woken by the commit, not the tick
    while pushed["leads_by_source"] != {"hotline": 1}:  # a push may land between the capture and assignment
        pushed = json.loads((await asyncio.wait_for(anext(updates), 5))["data"])
    assert pushed["funnel"]["captured"] == 1 and pushed["viewer"]["user_id"] == REP.user_id
    await updates.aclose()
    assert hub.subscriber_count == 0


async def test_hub_hears_commits_only(sqlite_reporting):
    before = hub.published
    async with sqlite_reporting.app.state.ctx.uow() as uow:
        notify_after_commit(uow, lead("r", "web_form", 1)[0])
        await uow.rollback()
    assert hub.published == before
    await sqlite_reporting.feed(*lead("s", "web_form", 1))
    assert hub.published == before + 1


async def test_the_stream_opens_with_a_short_lived_ticket_never_an_access_token(sqlite_reporting):
    """EventSource cannot send headers, so `/stream` takes a ticket in its URL (which proxies log): one
    made for the stream, for a logged-in caller, that expires within a minute and opens nothing else."""
    client, settings = sqlite_reporting.client, sqlite_reporting.app.state.settings
    access = issue_token(settings.auth, REP)
    made = await client.post("/stream/tickets", headers={"Authorization": f"Bearer {access}"})
    assert made.status_code == 201 and made.json()["expires_in"] == settings.stream_ticket_ttl_s == 60
    assert made.headers["cache-control"] == "no-store"
    ticket = made.json()["ticket"]
    assert decode_ticket(settings.auth, ticket, STREAM) == REP
    assert (await client.post("/stream/tickets")).status_code == 401  # logged in only

    async def refused(path: str, **kwargs) -> str:
        answer = await client.get(path, **kwargs)
        assert answer.status_code == 401, answer.text
        return answer.json()["detail"]

    assert "another use" in await refused("/reports/dashboard", headers={"Authorization": f"Bearer {ticket}"})
    assert "lacks a required claim" in await refused("/stream", params={"ticket": access})
    expired = issue_ticket(settings.auth, REP, STREAM, ttl_s=-1)
    assert "expired" in await refused("/stream", params={"ticket": expired})
    assert "another use" in await refused("/stream", params={"ticket": issue_ticket(settings.auth, REP, "x")})
    assert "malformed" in await refused("/stream", params={"ticket": "forged"})
    missing = await client.get("/stream")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "ticket"
    assert "?token=" not in (STATIC / "dashboard.js").read_text(encoding="utf-8")


def sales_stub(app, answer) -> None:
    """Point /session at a fake sales whose /auth/token answers with `answer(request)`."""
    transport = httpx.MockTransport(answer)
    app.dependency_overrides[get_sales_client] = lambda: httpx.AsyncClient(transport=transport)


async def test_session_forwards_the_login_to_sales(sqlite_reporting):
    auth = sqlite_reporting.app.state.settings.auth
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.content.decode()))
        if b"password=right" not in request.content:
            return httpx.Response(401, json={"detail": "bad credentials"})
        return httpx.Response(200, json={"access_token": issue_token(auth, REP), "token_type": "bearer"})

    sales_stub(sqlite_reporting.app, answer)
    login = sqlite_reporting.client.post
    ok = await login("/session", json={"username": "rita@example.com", "password": "right"})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["role"], ok.json()["user_id"]) == ("rep", "rep-7")
    assert seen[0][0] == "http://127.0.0.1:8002/auth/token" and "username=rita%40example.com" in seen[0][1]
    wrong = await login("/session", json={"username": "rita@example.com", "password": "x"})
    assert wrong.status_code == 401 and wrong.headers["content-type"] == "application/problem+json"
    extra = await login("/session", json={"username": "a", "password": "b", "role": "admin"})
    assert extra.status_code == 422


async def test_session_reports_an_unreachable_or_foreign_sales(sqlite_reporting):
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sales_stub(sqlite_reporting.app, down)
    unreachable = await sqlite_reporting.client.post("/session", json={"username": "a", "password": "b"})
    assert unreachable.status_code == 502
    sales_stub(sqlite_reporting.app, lambda request: httpx.Response(200, json={"access_token": "not-ours"}))
    foreign = await sqlite_reporting.client.post("/session", json={"username": "a", "password": "b"})
    assert foreign.status_code == 502 and "JWT" in foreign.json()["detail"]
