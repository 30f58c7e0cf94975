"""The opportunity funnel against hand-computed figures, as of a date, once per event, visible by role."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

from reporting_scenario import DAY1 as T0
from reporting_scenario import opportunity_history
from reporting_support import ADMIN

from crm_shared.auth import Principal, Role
from crm_shared.events.sales import AccountCreatedV1


async def funnel(reporting, principal=ADMIN, **params) -> dict:
    response = await reporting.get("/reports/opportunity-funnel", principal, **params)
    assert response.status_code == 200, response.text
    return response.json()


def by_stage(body: dict) -> dict[str, dict]:
    return {row["stage_id"]: row for row in body["stages"]}


async def test_funnel_matches_hand_computed_figures(reporting):
    events = opportunity_history()
    await reporting.feed(*events)
    await reporting.feed(*events)  # redelivered: applied once
    body = await funnel(reporting)
    assert [row["stage_id"] for row in body["stages"]] == ["s1", "s2", "s3", "won", "lost"]
    stages = by_stage(body)
    s1, s2, s3 = stages["s1"], stages["s2"], stages["s3"]
    assert (s1["count"], s1["entered"], s1["advanced"], s1["lost"]) == (0, 4, 3, 1)
    assert (s1["conversion_rate"], s1["loss_rate"], s1["loss_reasons"]) == (0.75, 0.25, {"no budget": 1})
    assert (s1["avg_days_in_stage"], s1["p90_days_in_stage"]) == (2.0, 4.0)
    assert (s2["count"], Decimal(s2["amount"]), s2["entered"], s2["advanced"]) == (1, 900, 3, 1)
    assert (s2["lost"], s2["conversion_rate"], s2["loss_reasons"]) == (1, 0.3333, {"competitor": 1})
    assert s2["avg_days_in_stage"] == 3.5
    assert (s3["entered"], s3["advanced"], s3["conversion_rate"], s3["p90_days_in_stage"]) == (1, 1, 1.0, 4.0)
    assert (stages["won"]["count"], Decimal(stages["won"]["amount"])) == (1, 1000)
    assert (stages["lost"]["count"], Decimal(stages["lost"]["amount"])) == (2, 2500)
    assert (body["opportunities"], body["open"], body["won"], body["lost"]) == (4, 1, 1, 2)
    assert (body["win_rate"], Decimal(body["won_amount"]), body["avg_cycle_days"]) == (0.3333, 1000, 9.0)
    assert body["bottleneck"]["stage_name"] == "Demo"


async def test_as_of_answers_where_each_deal_stood_then(reporting):
    await reporting.feed(*opportunity_history())
    then = by_stage(await funnel(reporting, as_of=(T0 + timedelta(days=5.5)).isoformat()))
    counts = {stage: (row["count"], Decimal(row["amount"])) for stage, row in then.items()}
    assert counts == {"s1": (1, 800), "s2": (1, 500), "s3": (1, 1000), "lost": (1, 2000)}
    assert (await funnel(reporting, as_of=(T0 + timedelta(days=5.5)).isoformat()))["win_rate"] == 0.0
    assert (await funnel(reporting, as_of=(T0 - timedelta(days=1)).isoformat()))["stages"] == []


async def test_a_rep_sees_their_own_deals(sqlite_reporting):
    await sqlite_reporting.feed(*opportunity_history())
    mine = await funnel(sqlite_reporting, Principal("rep-a", Role.REP, "team-n", "A"))
    assert (mine["opportunities"], mine["won"], mine["lost"], mine["win_rate"]) == (2, 1, 1, 0.5)
    assert by_stage(mine)["s1"]["entered"] == 2
    manager = await funnel(sqlite_reporting, Principal("m", Role.MANAGER, "team-s", "M"), owner_id="rep-a")
    assert manager["opportunities"] == 0


async def test_csv_export(sqlite_reporting):
    await sqlite_reporting.feed(*opportunity_history())
    response = await sqlite_reporting.get("/reports/opportunity-funnel", format="csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0][:6] == ["stage_id", "stage_name", "stage_type", "probability", "count", "amount"]
    assert lines[2][:9] == ["s2", "Demo", "open", "30", "1", "900.00", "3", "1", "1"]



async def test_funnel_filtered_by_the_customers_region_industry_and_size(sqlite_reporting):
    cards = [AccountCreatedV1(aggregate_id="acc-O4", name="Four", region="east", industry="retail",
                              size="large"),
             AccountCreatedV1(aggregate_id="acc-O1", name="One", region="west", industry="retail",
                              size="small")]
    await sqlite_reporting.feed(*opportunity_history(), *cards)
    east = by_stage(await funnel(sqlite_reporting, region="east"))  # O4 only
    assert (list(east), east["s2"]["count"], Decimal(east["s2"]["amount"])) == (["s1", "s2"], 1, 900)
    retail = by_stage(await funnel(sqlite_reporting, industry="retail"))
    assert (retail["s1"]["entered"], retail["won"]["count"], retail["s2"]["count"]) == (2, 1, 1)
    nobody = await funnel(sqlite_reporting, size="small", region="east")
    assert (nobody["stages"], nobody["opportunities"]) == ([], 0)
