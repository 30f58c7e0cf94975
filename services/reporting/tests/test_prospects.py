"""The prospects block of the lead funnel (a marketing KPI) against hand-computed figures, as of X, over a
period, in CSV, and reproduced by a shuffled, chunked replay.

Day 0 = 2026-03-01 09:00. Prospects from purchased lists:
P1 expo-list / campaign expo / east: imported d0, verified d2 into a new lead
P2 expo-list / campaign expo / east: imported d0, verified d5 into an existing lead
P3 expo-list / campaign expo:        imported d1, not verified
P4 buy-list / no campaign / retail:  imported d3, not verified
P5 old-list / campaign spring:       imported d-10 before prospect events existed; only its verification
                                     (d4, into a new lead) was published, naming when it was imported
As of now: expo 3 imported, 2 verified (1 new lead), 0.6667; spring 1/1/1, 1.0; none 1/0/0, 0.0;
total 5 imported, 3 verified, 2 new leads, 0.6.
"""

import csv
import io
import random

from reporting_scenario import at, history
from reporting_support import ADMIN, dump_projections, record

from crm_shared.auth import Principal, Role
from crm_shared.events.marketing import ProspectImportedV1, ProspectVerifiedV1
from crm_shared.messaging.uow import UnitOfWork
from reporting import bulk
from reporting.handlers import handlers
from reporting.models import messaging
from reporting.rebuild.applier import ChunkApplier

LISTS = {"P1": ("expo-list", "expo", "East", None), "P2": ("expo-list", "expo", "East", None),
         "P3": ("expo-list", "expo", None, None), "P4": ("buy-list", None, None, "Retail"),
         "P5": ("old-list", "spring", None, None)}


def facts(prospect: str) -> dict:
    list_name, campaign, region, industry = LISTS[prospect]
    return {"aggregate_id": prospect, "list_name": list_name, "campaign": campaign, "region": region,
            "industry": industry}


def imported(prospect: str, day: float) -> ProspectImportedV1:
    return ProspectImportedV1(**facts(prospect), occurred_at=at(day), row_number=int(prospect[1:]) + 1)


def verified(prospect: str, day: float, lead: str, new: bool, imported_day: float) -> ProspectVerifiedV1:
    return ProspectVerifiedV1(**facts(prospect), occurred_at=at(day), lead_id=lead, new_lead=new,
                              verified_by="manager-1", imported_at=at(imported_day))


def prospect_history() -> list:
    return [imported("P1", 0), imported("P2", 0), imported("P3", 1), imported("P4", 3),
            verified("P1", 2, "L10", True, 0), verified("P2", 5, "L1", False, 0),
            verified("P5", 4, "L11", True, -10)]


async def prospects(reporting, principal=ADMIN, **params) -> dict:
    response = await reporting.get("/reports/lead-funnel", principal, **params)
    assert response.status_code == 200, response.text
    return response.json()["prospects"]


def counted(block: dict) -> dict:
    return {row["key"]: (row["imported"], row["verified"], row["new_leads"], row["conversion_rate"])
            for row in [*block["rows"], block["total"]]}


async def test_prospects_imported_and_verified_per_campaign_as_of_and_over_a_period(reporting):
    events = prospect_history()
    await reporting.feed(*reversed(events), *events[:3])  # verifications first, and redelivered imports
    await reporting.feed(*history())
    assert counted(await prospects(reporting, group_by="campaign")) == {
        "expo": (3, 2, 1, 0.6667), "spring": (1, 1, 1, 1.0), None: (1, 0, 0, 0.0), "total": (5, 3, 2, 0.6)}
    then = await prospects(reporting, group_by="none", as_of=at(2.5).isoformat())  # P4 not yet imported
    assert counted(then) == {None: (4, 1, 1, 0.25), "total": (4, 1, 1, 0.25)}
    window = await prospects(reporting, group_by="none",
                             **{"from": at(0.5).isoformat(), "to": at(4).isoformat()})
    assert window["total"] == {"key": "total", "imported": 2, "verified": 0, "new_leads": 0,
                               "conversion_rate": 0.0}  # P3 and P4
    first_day = await prospects(reporting, group_by="none", captured_from=at(-1).isoformat(),
                                captured_to=at(1).isoformat())
    assert counted(first_day)["total"] == (2, 2, 1, 1.0)  # P1 and P2
    by_source = await prospects(reporting, group_by="source")
    assert counted(by_source) == {"purchased_list": (5, 3, 2, 0.6), "total": (5, 3, 2, 0.6)}
    by_industry = await prospects(reporting, group_by="industry")
    assert counted(by_industry)["Retail"] == (1, 0, 0, 0.0)


async def test_filters_visibility_and_csv(sqlite_reporting):
    await sqlite_reporting.feed(*prospect_history(), *history())
    east = await prospects(sqlite_reporting, group_by="none", region="East")
    assert counted(east)["total"] == (2, 2, 1, 1.0)
    assert counted(await prospects(sqlite_reporting, campaign="expo"))["total"] == (3, 2, 1, 0.6667)
    for nobody in ({"source": "web_form"}, {"owner_id": "rep-a"}, {"team_id": "team-north"}):
        assert counted(await prospects(sqlite_reporting, **nobody))["total"] == (0, 0, 0, None)
    rep = Principal("rep-a", Role.REP, "team-north", "A")  # prospects are nobody's: only admins see them
    assert counted(await prospects(sqlite_reporting, rep))["total"] == (0, 0, 0, None)
    response = await sqlite_reporting.get("/reports/lead-funnel", group_by="campaign", format="csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][-4:] == ["prospects_imported", "prospects_verified", "prospects_new_leads",
                             "prospects_conversion_rate"]
    assert [[line[0], *line[-4:]] for line in lines[1:]] == [
        ["expo", "3", "2", "1", "0.6667"], ["spring", "1", "1", "1", "1.0000"], ["", "1", "0", "0", "0.0000"],
        ["total", "5", "3", "2", "0.6000"]]
    by_source = await sqlite_reporting.get("/reports/lead-funnel", format="csv")
    rows = {line[0]: line for line in csv.reader(io.StringIO(by_source.content.decode("utf-8-sig")))}
    assert rows["purchased_list"][1:6] == ["0", "0", "0", "0", "0"]  # no lead of that source in the history
    assert rows["purchased_list"][-4:] == ["5", "3", "2", "0.6000"]


async def test_a_shuffled_chunked_replay_reproduces_the_prospects(make_reporting, tmp_path, database_url,
                                                                  monkeypatch):
    events = history() + prospect_history()
    async with make_reporting(f"sqlite+aiosqlite:///{tmp_path}/live.db") as live:
        await live.feed(*events)
        expected = await dump_projections(live.app)
        answer = await prospects(live, group_by="campaign")
    assert len(expected["prospect_fact"]) == 5
    monkeypatch.setattr(bulk, "MIN_ROWS", 1)
    async with make_reporting(database_url) as rebuilt:
        ctx = rebuilt.app.state.ctx
        applier = ChunkApplier(handlers, lambda: UnitOfWork(ctx.sessions, messaging, "reporting"))
        shuffled = [record(e, offset) for offset, e in enumerate(events + events[-7:-5])]  # P1, P2 again
        random.Random(7).shuffle(shuffled)
        for start in range(0, len(shuffled), 3):
            await applier.apply(shuffled[start:start + 3])
        assert await dump_projections(rebuilt.app) == expected
        assert await prospects(rebuilt, group_by="campaign") == answer


async def test_the_dashboard_shows_the_prospects_to_admins(sqlite_reporting):
    await sqlite_reporting.feed(*prospect_history())
    board = (await sqlite_reporting.get("/reports/dashboard")).json()
    assert board["prospects"] == {"key": "total", "imported": 5, "verified": 3, "new_leads": 2,
                                  "conversion_rate": 0.6}
    rep = Principal("rep-a", Role.REP, "team-north", "A")
    assert (await sqlite_reporting.get("/reports/dashboard", rep)).json()["prospects"]["imported"] == 0
    script = (await sqlite_reporting.client.get("/static/dashboard.js")).text
    assert "total-prospects" in script
