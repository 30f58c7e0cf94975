"""The lead funnel against hand-computed figures: by source and campaign, as of a date, once per event."""

import csv
import io
import uuid

from reporting_scenario import REP_A, TEAM_S, at, captured, history
from reporting_support import ADMIN

from crm_shared.auth import Principal, Role
from crm_shared.events.leads import LeadMergedV1, LeadSnapshot

STAGE_COLUMNS = ("captured", "contacted", "qualified", "converted", "disqualified")


def counts(row: dict) -> tuple[int, ...]:
    return tuple(row[stage] for stage in STAGE_COLUMNS)


async def funnel(reporting, principal=ADMIN, **params) -> dict:
    response = await reporting.get("/reports/lead-funnel", principal, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_funnel_by_source_matches_hand_computed_figures(reporting):
    await reporting.feed(*history())
    body = await funnel(reporting)
    rows = {row["key"]: row for row in body["rows"]}
    assert counts(rows["web_form"]) == (3, 2, 1, 1, 1)
    assert counts(rows["trade_fair"]) == (2, 2, 2, 1, 0)
    assert counts(body["total"]) == (5, 4, 3, 2, 1)
    assert rows["web_form"]["rates"] == {"contacted": 0.6667, "qualified": 0.5, "converted": 1.0,
                                         "overall": 0.3333}
    assert body["total"]["rates"] == {"contacted": 0.8, "qualified": 0.75, "converted": 0.6667,
                                      "overall": 0.4}
    # speed to lead: L1 24 h, L2 60 h (web form); L4 12 h, L5 24 h (contacted at its conversion)
    assert rows["web_form"]["speed_to_lead_hours"] == {"count": 2, "average": 42.0, "median": 42.0}
    assert rows["trade_fair"]["speed_to_lead_hours"] == {"count": 2, "average": 18.0, "median": 18.0}
    assert body["total"]["speed_to_lead_hours"] == {"count": 4, "average": 30.0, "median": 24.0}


async def test_funnel_by_campaign_and_filters(reporting):
    await reporting.feed(*history())
    by_campaign = await funnel(reporting, group_by="campaign")
    assert [(row["key"], counts(row)) for row in by_campaign["rows"]] == [
        ("expo", (2, 2, 2, 1, 0)), ("spring", (2, 2, 1, 1, 0)), (None, (1, 0, 0, 0, 1)),
    ]
    window = await funnel(reporting, group_by="none", captured_from=at(1).isoformat(),
                          captured_to=at(3).isoformat())
    assert counts(window["total"]) == (2, 1, 1, 0, 1)  # L3 and L4
    only_spring = await funnel(reporting, campaign="spring", source="web_form")
    assert counts(only_spring["total"]) == (2, 2, 1, 1, 0)


async def test_as_of_answers_what_the_funnel_was_then(reporting):
    await reporting.feed(*history())
    then = await funnel(reporting, as_of=at(3.5).isoformat())
    assert counts(then["total"]) == (4, 3, 1, 0, 1)
    boundary = await funnel(reporting, as_of=at(2).isoformat())  # facts at exactly X count
    assert counts(boundary["total"]) == (4, 1, 1, 0, 1)
    before_anything = await funnel(reporting, as_of=at(-1).isoformat())
    assert before_anything["rows"] == [] and counts(before_anything["total"]) == (0, 0, 0, 0, 0)
    assert before_anything["total"]["rates"]["overall"] is None


async def test_duplicates_are_applied_once(reporting):
    events = history()
    await reporting.feed(*events)
    await reporting.feed(*events)  # redelivered: the inbox drops every one
    await reporting.feed(events[0], events[0])
    assert counts((await funnel(reporting))["total"]) == (5, 4, 3, 2, 1)
    by_source = await reporting.get("/reports/leads-by-source")
    assert by_source.json() == {"trade_fair": 2, "web_form": 3}


async def test_a_rep_sees_their_own_leads_and_a_manager_their_team(reporting):
    await reporting.feed(*history())
    rep = Principal(REP_A, Role.REP, "team-north", "Rep A")
    assert counts((await funnel(reporting, rep))["total"]) == (3, 3, 2, 2, 0)  # L1, L2, L5
    manager = Principal("mgr-s", Role.MANAGER, TEAM_S, "Manager South")
    assert counts((await funnel(reporting, manager))["total"]) == (2, 1, 1, 0, 1)  # L3, L4
    stranger = Principal("rep-z", Role.REP, None, "Nobody")
    assert (await funnel(reporting, stranger, owner_id=REP_A))["rows"] == []


async def test_csv_export(sqlite_reporting):
    await sqlite_reporting.feed(*history())
    response = await sqlite_reporting.get("/reports/lead-funnel", format="csv", as_of=at(3.5).isoformat())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ["source", *STAGE_COLUMNS, "rate_contacted", "rate_qualified", "rate_converted",
                        "rate_overall", "prospects_imported", "prospects_verified", "prospects_new_leads",
                        "prospects_conversion_rate"]
    assert lines[1:] == [  # no prospects in this history
        ["trade_fair", "1", "1", "0", "0", "0", "1.0000", "0.0000", "", "0.0000", "0", "0", "0", ""],
        ["web_form", "3", "2", "1", "0", "1", "0.6667", "0.5000", "0.0000", "0.0000", "0", "0", "0", ""],
        ["total", "4", "3", "1", "0", "1", "0.7500", "0.3333", "0.0000", "0.0000", "0", "0", "0", ""],
    ]


async def test_bad_queries_are_problems_not_errors(sqlite_reporting):
    bad_group = await sqlite_reporting.get("/reports/lead-funnel", group_by="planet")
    assert bad_group.status_code == 422 and bad_group.headers["content-type"] == "application/problem+json"
    bad_date = await sqlite_reporting.get("/reports/lead-funnel", as_of="last tuesday")
    assert bad_date.status_code == 422
    anonymous = await sqlite_reporting.client.get("/reports/lead-funnel")
    assert anonymous.status_code == 401


async def test_a_later_capture_event_never_moves_a_stage_later(sqlite_reporting):
    first = captured("L9", "web_form", None, 3)
    again = captured("L9", "web_form", None, 1)  # a different event (merge or re-import) with an earlier time
    await sqlite_reporting.feed(first, again)
    assert counts((await funnel(sqlite_reporting, as_of=at(2).isoformat()))["total"])[0] == 1


async def test_a_merged_duplicate_leaves_the_counts_from_its_merge_on(reporting):
    merge = LeadMergedV1(aggregate_id="L1", merged_lead_id="L2", occurred_at=at(4))
    await reporting.feed(*history(), merge)
    rows = {row["key"]: row for row in (await funnel(reporting))["rows"]}
    assert counts(rows["web_form"]) == (2, 1, 1, 1, 1)  # L2 folded into L1
    assert counts((await funnel(reporting, as_of=at(3.5).isoformat()))["total"]) == (4, 3, 1, 0, 1)


async def test_funnel_by_region_and_industry_from_the_latest_lead_snapshot(sqlite_reporting):
    """L1's snapshots say east/retail, L4's west then (later) east/tech; the other leads name none."""
    regions = {("L1", "east", "retail"), ("L4", "west", "retail")}
    events = []
    for event in history():
        for lead, region, industry in regions:
            if event.aggregate_id == lead and isinstance(event, LeadSnapshot):
                event = event.model_copy(update={"region": region, "industry": industry})
        events.append(event)
    l4 = next(e for e in reversed(events) if e.aggregate_id == "L4" and isinstance(e, LeadSnapshot))
    moved = l4.model_copy(update={"region": "east", "industry": "tech", "event_id": uuid.uuid4(),
                                  "occurred_at": at(4.5)})
    await sqlite_reporting.feed(moved, *events)  # the later snapshot arrives first: it still wins
    body = await funnel(sqlite_reporting, group_by="region")
    by_region = {row["key"]: counts(row) for row in body["rows"]}
    assert by_region == {"east": (2, 2, 2, 1, 0), None: (3, 2, 1, 1, 1)}
    retail = await funnel(sqlite_reporting, group_by="none", industry="retail")
    assert counts(retail["total"]) == (1, 1, 1, 1, 0)  # L1
    east_tech = await funnel(sqlite_reporting, group_by="source", region="east", industry="tech")
    assert [(row["key"], counts(row)) for row in east_tech["rows"]] == [("trade_fair", (1, 1, 1, 0, 0))]
