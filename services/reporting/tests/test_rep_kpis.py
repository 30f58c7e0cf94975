"""The rep KPI table against hand-computed figures, visible by role, as CSV."""

from datetime import date, timedelta
from decimal import Decimal

from reporting_scenario import DAY1, history, opportunity_history

from crm_shared.auth import Principal, Role
from crm_shared.events.sales import OrderCreatedV1, QuotaSetV1, UserCreatedV1, UserUpdatedV1


def an_order() -> OrderCreatedV1:
    return OrderCreatedV1(aggregate_id="R9", account_id="acc-9", owner_id="rep-b", team_id="team-south",
                          amount=Decimal(250), occurred_at=DAY1 + timedelta(days=3))


def directory() -> list:
    """Rep A's record, then a rename that is older by event time (it arrives last and loses)."""
    created = UserCreatedV1(aggregate_id="rep-a", name="Ann Rep", email="ann@example.com", role="rep",
                            occurred_at=DAY1 + timedelta(days=2))
    stale = UserUpdatedV1(aggregate_id="rep-a", name="Ann (old)", email="ann@example.com", role="rep",
                          occurred_at=DAY1 + timedelta(days=1))
    return [created, stale]


async def test_rep_kpis_match_hand_computed_figures(reporting):
    quotas = [QuotaSetV1(aggregate_id="q-a", user_id="rep-a", period="2026", starts_on=date(2026, 1, 1),
                         ends_on=date(2026, 12, 31), amount=Decimal(4000)),
              QuotaSetV1(aggregate_id="q-a-q1", user_id="rep-a", period="2026-Q1", starts_on=date(2026, 1, 1),
                         ends_on=date(2026, 3, 31), amount=Decimal(1000))]
    await reporting.feed(*history(), *opportunity_history(), an_order(), *directory(), *quotas)
    response = await reporting.get("/reports/rep-kpis")
    assert response.status_code == 200, response.text
    rows = {row["owner_id"]: row for row in response.json()["rows"]}
    assert rows["rep-a"] == {"owner_id": "rep-a", "name": "Ann Rep", "leads": 3, "contacted": 3,
                             "converted": 2, "speed_to_lead_hours": 36.0, "deals": 2, "won": 1, "lost": 1,
                             "win_rate": 0.5, "won_amount": "1000.00", "ordered_amount": "0",
                             "target": "4000.00", "target_attainment": 0.25}  # O1 won in 2026 for 1000
    assert rows["rep-b"] == {"owner_id": "rep-b", "name": None, "leads": 2, "contacted": 1, "converted": 0,
                             "speed_to_lead_hours": 12.0, "deals": 2, "won": 0, "lost": 1, "win_rate": 0.0,
                             "won_amount": "0", "ordered_amount": "250.00", "target": None,
                             "target_attainment": None}


async def test_a_rep_sees_only_their_row_and_csv(sqlite_reporting):
    await sqlite_reporting.feed(*history(), *opportunity_history())
    mine = await sqlite_reporting.get("/reports/rep-kpis", Principal("rep-a", Role.REP, "team-north", "A"))
    assert [row["owner_id"] for row in mine.json()["rows"]] == ["rep-a"]
    response = await sqlite_reporting.get("/reports/rep-kpis", format="csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("owner_id,name,leads,contacted,converted,speed_to_lead_hours,deals,won,lost")
    assert lines[1] == "rep-a,,3,3,2,36.0,2,1,1,0.5,1000.00,0,,"
