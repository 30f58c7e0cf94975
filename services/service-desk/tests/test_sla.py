"""SLAs through the API on a business calendar with a holiday: warning, breach, escalation, pause, resume."""

import asyncio
import contextlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crm_shared.events.sales import AccountUpdatedV1
from crm_shared.testing import eventually
from service_desk.handlers import on_account_updated
from service_desk.sla.checker import run_checker
from service_desk.testing import FakeClock, apply, make_queue

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(UTC)


def utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def configure(desk, **policy) -> str:
    calendar = await desk.client.post(
        "/sla/calendars",
        headers=desk.as_("admin"),
        json={
            "name": "Shanghai office",
            "timezone": "Asia/Shanghai",
            "holidays": ["2026-12-25"],
            "hours": {str(d): [["09:00", "12:00"], ["13:00", "18:00"]] for d in range(5)},
        },
    )
    assert calendar.status_code == 201, calendar.text
    body = {
        "name": "High for tier A",
        "priority": "high",
        "tier": "A",
        "first_response_minutes": 120,
        "next_update_minutes": 60,
        "resolution_minutes": 600,
        "warning_share": 0.5,
        "calendar_id": calendar.json()["id"],
    } | policy
    response = await desk.client.post("/sla/policies", json=body, headers=desk.as_("admin"))
    assert response.status_code == 201, response.text
    return await make_queue(desk, "Support", ["a-1"], manager_id="m-1")


async def open_high(desk, queue) -> str:
    body = {
        "subject": "Line down",
        "priority": "high",
        "contact_id": "c-1",
        "queue_id": queue,
        "assignee_id": "a-1",
    }
    response = await desk.client.post("/tickets", json=body, headers=desk.as_("a-1"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def check(desk, at: datetime) -> int:
    desk.clock.set(at)
    response = await desk.client.post("/sla/check", headers=desk.as_("admin"))
    assert response.status_code == 200, response.text
    return response.json()["signals"]


async def sla_of(desk, ticket_id) -> dict:
    ticket = (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_("admin"))).json()
    return {c["target"]: c for c in ticket["sla"]}


async def test_warning_then_breach_over_a_holiday_escalates_to_the_queue_manager(desk):
    queue = await configure(desk)
    desk.clock.set(sh(2026, 12, 24, 17, 0))  # Thursday 17:00; Friday 25 is a holiday
    ticket_id = await open_high(desk, queue)
    clocks = await sla_of(desk, ticket_id)
    assert utc(clocks["first_response"]["due_at"]) == sh(2026, 12, 28, 10, 0)
    assert utc(clocks["first_response"]["warn_at"]) == sh(2026, 12, 24, 18, 0)
    [opened] = await desk.events("service-desk.ticket.opened")
    assert utc(opened["first_response_due_at"]) == sh(2026, 12, 28, 10, 0)
    assert (opened["first_response_target_minutes"], opened["resolution_target_minutes"]) == (120, 600)

    assert await check(desk, sh(2026, 12, 24, 17, 59)) == 0
    assert await check(desk, sh(2026, 12, 24, 18, 0)) == 1
    [warning] = await desk.events("service-desk.ticket.sla-warning")
    assert (warning["sla_target"], warning["aggregate_id"]) == ("first_response", ticket_id)
    assert await check(desk, sh(2026, 12, 28, 9, 59)) == 0  # the holiday and the weekend did not count
    assert await check(desk, sh(2026, 12, 28, 10, 0)) == 1
    [breach] = await desk.events("service-desk.ticket.sla-breached")
    assert (breach["sla_target"], breach["escalated_to"], breach["target_minutes"]) == (
        "first_response",
        "m-1",
        120,
    )
    escalation = (await desk.events("service-desk.ticket.assigned", ticket_id))[-1]
    assert (escalation["strategy"], escalation["assignee_id"], escalation["previous_assignee_id"]) == (
        "escalation",
        "m-1",
        "a-1",
    )
    assert "first_response SLA breached" in escalation["reason"]
    assert await check(desk, sh(2026, 12, 28, 10, 5)) == 0  # each line is crossed once


async def test_pending_on_customer_pauses_and_a_reply_resumes(desk):
    queue = await configure(desk)
    desk.clock.set(sh(2026, 12, 21, 10, 0))  # Monday
    ticket_id = await open_high(desk, queue)
    desk.clock.set(sh(2026, 12, 21, 10, 20))
    pending = await desk.client.post(
        f"/tickets/{ticket_id}/status", json={"status": "pending"}, headers=desk.as_("a-1")
    )
    assert pending.json()["sla_due_at"] is None
    assert (await desk.events("service-desk.ticket.updated", ticket_id))[-1]["sla_paused"] is True
    assert await check(desk, sh(2026, 12, 23, 15, 0)) == 0  # two days later: paused, nothing fires
    mail = {
        "from": "bob@acme.com",
        "subject": f"Re: Line down [#{ticket_id}]",
        "body": "Here you go",
        "message_id": "<resume@acme.com>",
    }
    resumed = await desk.client.post("/inbound/email", json=mail, headers=desk.as_("admin"))
    assert resumed.json() == {"ticket_id": ticket_id, "created": False, "status": "open"}
    clocks = await sla_of(desk, ticket_id)
    assert clocks["first_response"]["paused_at"] is None
    assert utc(clocks["first_response"]["due_at"]) == sh(2026, 12, 23, 16, 40)  # 100 minutes were left
    assert utc(clocks["first_response"]["warn_at"]) == sh(2026, 12, 23, 15, 40)
    assert await check(desk, sh(2026, 12, 23, 15, 40)) == 1
    assert await check(desk, sh(2026, 12, 23, 16, 40)) == 1
    breach = (await desk.events("service-desk.ticket.sla-breached"))[-1]
    assert utc(breach["due_at"]) == sh(2026, 12, 23, 16, 40)


async def test_met_targets_stop_and_next_update_runs_after_the_customer_writes(desk):
    queue = await configure(desk)
    desk.clock.set(sh(2026, 12, 21, 10, 0))
    ticket_id = await open_high(desk, queue)
    desk.clock.set(sh(2026, 12, 21, 10, 30))
    await desk.client.post(f"/tickets/{ticket_id}/replies", json={"body": "On it"}, headers=desk.as_("a-1"))
    clocks = await sla_of(desk, ticket_id)
    assert utc(clocks["first_response"]["stopped_at"]) == sh(2026, 12, 21, 10, 30)
    desk.clock.set(sh(2026, 12, 21, 11, 30))
    mail = {"from": "bob@acme.com", "subject": f"[#{ticket_id}] still down", "message_id": "<nu@acme.com>"}
    await desk.client.post("/inbound/email", json=mail, headers=desk.as_("admin"))
    assert utc((await sla_of(desk, ticket_id))["next_update"]["due_at"]) == sh(2026, 12, 21, 13, 30)  # lunch
    desk.clock.set(sh(2026, 12, 21, 11, 40))
    await desk.client.post(
        f"/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=desk.as_("a-1")
    )
    assert all(c["stopped_at"] for c in (await sla_of(desk, ticket_id)).values())
    assert await check(desk, sh(2027, 1, 30, 10, 0)) == 0


async def test_agent_queue_is_sorted_by_sla_urgency(desk):
    queue = await configure(desk, priority="urgent", tier=None, name="Urgent", first_response_minutes=30)
    low = await desk.client.post(
        "/sla/policies",
        headers=desk.as_("admin"),
        json={"name": "Low", "priority": "low", "first_response_minutes": 600},
    )
    assert low.status_code == 201
    ids = {}
    for priority in ("normal", "low", "urgent"):
        body = {"subject": priority, "priority": priority, "queue_id": queue}
        ids[priority] = (await desk.client.post("/tickets", json=body, headers=desk.as_("a-1"))).json()["id"]
    taken = await desk.client.post(
        "/tickets",
        json={"subject": "theirs", "priority": "urgent", "queue_id": queue, "assignee_id": "a-2"},
        headers=desk.as_("admin"),
    )
    assert taken.status_code == 201
    response = await desk.client.get("/agent-queue", headers=desk.as_("a-1"))
    assert [t["id"] for t in response.json()] == [ids["urgent"], ids["low"], ids["normal"]]
    assert (await desk.client.get("/agent-queue", headers=desk.as_("r-1"))).status_code == 403


async def test_stored_timers_fire_from_a_fresh_periodic_checker(desk):
    queue = await configure(desk)
    desk.clock.set(sh(2026, 12, 21, 10, 0))
    ticket_id = await open_high(desk, queue)
    later = FakeClock(sh(2026, 12, 22, 10, 0))  # a new process, a day later: only the database remembers
    checker = asyncio.create_task(run_checker(desk.uow_factory, later, interval_s=0.01))
    try:

        async def breached():
            return await desk.events("service-desk.ticket.sla-breached", ticket_id)

        [breach] = await eventually(breached, timeout=10)
        assert breach["sla_target"] == "first_response"
    finally:
        checker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await checker


async def test_sla_configuration_is_validated_and_admin_only(desk):
    bad = await desk.client.post(
        "/sla/calendars",
        headers=desk.as_("admin"),
        json={"name": "Bad", "timezone": "Nowhere/City", "hours": {"0": [["09:00", "17:00"]]}},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "hours"
    share = await desk.client.post(
        "/sla/policies", headers=desk.as_("admin"), json={"name": "x", "warning_share": 2}
    )
    assert share.status_code == 422
    assert (
        await desk.client.post("/sla/policies", headers=desk.as_("m-1"), json={"name": "y"})
    ).status_code == 403
    assert (await desk.client.post("/sla/check", headers=desk.as_("a-1"))).status_code == 403


async def test_a_priority_change_retargets_with_the_time_already_used(desk):
    queue = await configure(desk, priority="urgent", tier=None, name="Urgent", first_response_minutes=30)
    normal = await desk.client.post(
        "/sla/policies",
        headers=desk.as_("admin"),
        json={
            "name": "Normal",
            "priority": "normal",
            "first_response_minutes": 240,
            "calendar_id": (await desk.client.get("/sla/calendars", headers=desk.as_("admin"))).json()[0][
                "id"
            ],
        },
    )
    assert normal.status_code == 201
    desk.clock.set(sh(2026, 12, 21, 10, 0))
    body = {"subject": "Slow", "queue_id": queue}
    ticket_id = (await desk.client.post("/tickets", json=body, headers=desk.as_("a-1"))).json()["id"]
    assert utc((await sla_of(desk, ticket_id))["first_response"]["due_at"]) == sh(2026, 12, 21, 15, 0)
    desk.clock.set(sh(2026, 12, 21, 11, 0))  # 60 business minutes used
    await desk.client.patch(f"/tickets/{ticket_id}", json={"priority": "urgent"}, headers=desk.as_("a-1"))
    clock = (await sla_of(desk, ticket_id))["first_response"]
    assert (clock["target_minutes"], utc(clock["due_at"])) == (30, sh(2026, 12, 21, 11, 0))  # used up
    assert await check(desk, sh(2026, 12, 21, 11, 0)) == 2  # warning and breach at once
    await desk.client.patch(f"/tickets/{ticket_id}", json={"priority": "normal"}, headers=desk.as_("a-1"))
    clock = (await sla_of(desk, ticket_id))["first_response"]
    assert (clock["target_minutes"], utc(clock["due_at"])) == (240, sh(2026, 12, 21, 15, 0))
    update = (await desk.events("service-desk.ticket.updated", ticket_id))[-1]
    assert (update["first_response_target_minutes"], utc(update["first_response_due_at"])) == (
        240,
        sh(2026, 12, 21, 15, 0),
    )


async def test_breach_without_a_queue_manager_goes_to_the_teams_manager(desk):
    await configure(desk)
    queue = (
        await desk.client.post(
            "/queues",
            json={"name": "No manager", "team_id": "t-1", "members": ["a-1"]},
            headers=desk.as_("admin"),
        )
    ).json()["id"]
    desk.clock.set(sh(2026, 12, 21, 10, 0))
    ticket_id = await open_high(desk, queue)
    assert await check(desk, sh(2026, 12, 21, 12, 0)) == 2  # warning (11:00) and breach (12:00) at once
    breach = (await desk.events("service-desk.ticket.sla-breached", ticket_id))[0]
    assert breach["escalated_to"] == "m-1"
    ticket = (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_("m-1"))).json()
    assert ticket["assignee_id"] == "m-1"


async def test_a_new_account_tier_from_sales_retargets_open_tickets(desk):
    queue = await configure(desk)
    calendar_id = (await desk.client.get("/sla/calendars", headers=desk.as_("admin"))).json()[0]["id"]
    generic = {"name": "High", "priority": "high", "first_response_minutes": 480, "calendar_id": calendar_id}
    assert (
        await desk.client.post("/sla/policies", json=generic, headers=desk.as_("admin"))
    ).status_code == 201
    desk.clock.set(sh(2026, 12, 21, 10, 0))
    ticket_id = await open_high(desk, queue)
    assert utc((await sla_of(desk, ticket_id))["first_response"]["due_at"]) == sh(2026, 12, 21, 12, 0)
    downgraded = AccountUpdatedV1(
        aggregate_id="acc-1",
        name="Acme",
        tier="B",
        owner_id="r-1",
        changed_fields=["tier"],
        occurred_at=sh(2026, 12, 21, 11, 0),
    )
    await apply(desk.uow_factory, on_account_updated, downgraded)
    clock = (await sla_of(desk, ticket_id))["first_response"]
    assert (clock["target_minutes"], utc(clock["due_at"])) == (
        480,
        sh(2026, 12, 22, 10, 0),
    )  # 60 used, 420 left
    update = (await desk.events("service-desk.ticket.updated", ticket_id))[-1]
    assert (update["changed_fields"], update["customer_tier"], update["first_response_target_minutes"]) == (
        ["customer_tier"],
        "B",
        480,
    )
