"""Service figures against hand-computed ones: backlog, response and resolution times, SLA, CSAT, as of X."""

import csv
import io

from customer_scenario import customers
from reporting_scenario import hours, ticket, ticket_history
from reporting_support import ADMIN

from crm_shared.auth import Principal, Role
from crm_shared.events.service_desk import TicketOpenedV1, TicketResolvedV1


async def figures(reporting, principal=ADMIN, **params) -> dict:
    response = await reporting.get("/reports/service", principal, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_totals_match_hand_computed_figures(reporting):
    events = ticket_history()
    await reporting.feed(*events)
    await reporting.feed(*events[:5])  # redelivered: applied once
    total = (await figures(reporting))["total"]
    assert (total["tickets"], total["backlog"]) == (4, 2)
    assert total["first_response_minutes"] == {"count": 3, "average": 63.3, "p90": 150.0}
    assert total["resolution_minutes"] == {"count": 2, "average": 1560.0, "p90": 2880.0}
    assert total["sla"] == {"first_response": {"met": 2, "breached": 1, "compliance": 0.6667},
                            "resolution": {"met": 1, "breached": 1, "compliance": 0.5}}
    assert total["csat"] == {"ratings": 2, "average": 3.5}


async def test_a_ticket_without_an_sla_is_neither_met_nor_breached(reporting):
    no_sla = {"first_response_due_at": None, "resolution_due_at": None}
    answered = {**no_sla, "first_response_at": hours(0.5), "resolved_at": hours(1)}
    await reporting.feed(*ticket_history(), TicketOpenedV1(**ticket("K5", 0, "new", **no_sla)),
                         TicketResolvedV1(**ticket("K5", 1, "resolved", **answered)))
    for period in ({}, {"from": hours(-1).isoformat(), "to": hours(99).isoformat()}):  # counters, facts
        total = (await figures(reporting, **period))["total"]
        assert (total["tickets"], total["first_response_minutes"]["count"]) == (5, 4)
        assert total["sla"] == {"first_response": {"met": 2, "breached": 1, "compliance": 0.6667},
                                "resolution": {"met": 1, "breached": 1, "compliance": 0.5}}


async def test_per_agent_and_as_of(reporting):
    await reporting.feed(*ticket_history())
    rows = {row["key"]: row for row in (await figures(reporting, group_by="agent"))["rows"]}
    assert list(rows) == ["agent-1", "agent-2", None]
    one, two = rows["agent-1"], rows["agent-2"]
    assert (one["tickets"], one["backlog"], one["first_response_minutes"]["average"]) == (2, 1, 90.0)
    assert (one["sla"]["first_response"]["compliance"], one["csat"]["average"]) == (0.5, 5.0)
    assert two["sla"]["resolution"] == {"met": 0, "breached": 1, "compliance": 0.0}
    assert two["csat"]["average"] == 2.0
    then = (await figures(reporting, as_of=hours(3.25).isoformat()))["total"]
    assert (then["tickets"], then["backlog"], then["first_response_minutes"]["average"]) == (4, 4, 20.0)
    assert then["sla"]["first_response"]["compliance"] == 0.6667 and then["resolution_minutes"]["count"] == 0


async def test_an_agent_sees_their_own_tickets_and_csv(sqlite_reporting):
    await sqlite_reporting.feed(*ticket_history())
    mine = await figures(sqlite_reporting, Principal("agent-1", Role.AGENT, None, "Agent"))
    assert mine["total"]["tickets"] == 2
    response = await sqlite_reporting.get("/reports/service", group_by="channel", format="csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["channel", "tickets", "backlog"]
    assert [line[:3] for line in lines[1:]] == [["chat", "1", "1"], ["email", "1", "1"], ["phone", "2", "0"],
                                                ["total", "4", "2"]]


async def test_filtered_by_the_customers_region_industry_and_size(sqlite_reporting):
    await sqlite_reporting.feed(*customers())  # T0-T2 of A (east, retail, large), T3 of C (east, tech)
    assert (await figures(sqlite_reporting, region="east"))["total"]["tickets"] == 4
    tech = (await figures(sqlite_reporting, industry="tech"))["total"]
    assert (tech["tickets"], tech["csat"]) == (1, {"ratings": 1, "average": 5.0})
    large = (await figures(sqlite_reporting, size="large", region="east"))["total"]
    assert (large["tickets"], large["csat"]["ratings"]) == (3, 3)
    assert (await figures(sqlite_reporting, region="west"))["total"]["tickets"] == 0
