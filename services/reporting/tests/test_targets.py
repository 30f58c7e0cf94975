"""Targets and forecast against hand-computed figures, the sales events published to the real broker.

Team T: rep A and rep A2; rep B is in another team. As of 2026-03-31 (90 days of 2026 gone):
D1 won 2026-02-10, 1500 (A); D2 won 2026-03-15, 900 (A2); D7 won 2025-12-20, 700 (A); D8 lost;
open: D3 commit 60 % 1000 due 2026-05-20; D4 best case 30 % 2000 due 2026-11-15; D5 pipeline 10 % 500
undated; D6 omitted 10 % 400 due 2026-04-02 (all A).
Quotas: Q1 A 2026 12000 (set 10000 first, corrected to 12000; the stale setting arrives last);
Q2 team T 2026-Q1 3000; Q3 rep B 2026 5000.
"""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from reporting_support import NOW, consuming_reporting

from crm_shared.auth import Principal, Role
from crm_shared.events.sales import (
    OpportunityLostV1,
    OpportunityOpenedV1,
    OpportunityWonV1,
    QuotaSetV1,
    UserCreatedV1,
)
from crm_shared.testing import bearer, eventually

pytestmark = pytest.mark.timeout(90)
RUN = uuid.uuid4().hex[:8]
REP_A, REP_A2, REP_B, TEAM, OTHER = (f"{n}-{RUN}" for n in ("rep-a", "rep-a2", "rep-b", "team-t", "team-o"))
MANAGER = Principal(f"mgr-{RUN}", Role.MANAGER, TEAM, "M")
STAGES = {"open": ("s2", "Demo", "open"), "won": ("won", "Won", "won"), "lost": ("lost", "Lost", "lost")}


def noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def deal(cls, number: str, owner: str, amount: int, day: str, status: str = "open", probability: int = 100,
         category: str = "closed", due: str | None = None):
    stage_id, stage_name, stage_type = STAGES[status]
    fields = {"aggregate_id": f"D{number}-{RUN}", "name": f"Deal {number}", "account_id": f"acc-{number}",
              "owner_id": owner, "team_id": OTHER if owner == REP_B else TEAM, "pipeline_id": "p1",
              "stage_id": stage_id, "stage_name": stage_name, "stage_type": stage_type, "status": status,
              "probability": probability, "forecast_category": category, "amount": Decimal(amount),
              "expected_close_date": date.fromisoformat(due) if due else None, "occurred_at": noon(day)}
    if cls is not OpportunityOpenedV1:
        fields.update(from_stage_id="s2", from_stage_name="Demo", to_stage_id=stage_id,
                      to_stage_name=stage_name, seconds_in_previous_stage=86400.0)
    return cls(**fields)


def quota(number: str, amount: int, period: str, starts: str, ends: str, day: str, **who) -> QuotaSetV1:
    return QuotaSetV1(aggregate_id=f"Q{number}-{RUN}", period=period, starts_on=date.fromisoformat(starts),
                      ends_on=date.fromisoformat(ends), amount=Decimal(amount), occurred_at=noon(day), **who)


def events() -> list:
    return [
        UserCreatedV1(aggregate_id=REP_A, name="Ann", email="ann@example.com", role="rep", team_id=TEAM),
        UserCreatedV1(aggregate_id=REP_A2, name="Abe", email="abe@example.com", role="rep", team_id=TEAM),
        UserCreatedV1(aggregate_id=REP_B, name="Bo", email="bo@example.com", role="rep", team_id=OTHER),
        deal(OpportunityOpenedV1, "1", REP_A, 1500, "2026-01-05", probability=30, category="pipeline"),
        deal(OpportunityWonV1, "1", REP_A, 1500, "2026-02-10", "won"),
        deal(OpportunityWonV1, "2", REP_A2, 900, "2026-03-15", "won"),
        deal(OpportunityWonV1, "7", REP_A, 700, "2025-12-20", "won"),
        deal(OpportunityLostV1, "8", REP_A, 300, "2026-03-01", "lost", 0, "omitted"),
        deal(OpportunityOpenedV1, "3", REP_A, 1000, "2026-03-02", probability=60, category="commit",
             due="2026-05-20"),
        deal(OpportunityOpenedV1, "4", REP_A, 2000, "2026-03-03", probability=30, category="best_case",
             due="2026-11-15"),
        deal(OpportunityOpenedV1, "5", REP_A, 500, "2026-03-04", probability=10, category="pipeline"),
        deal(OpportunityOpenedV1, "6", REP_A, 400, "2026-03-05", probability=10, category="omitted",
             due="2026-04-02"),
        deal(OpportunityWonV1, "9", REP_B, 5000, "2026-03-10", "won"),
        quota("1", 12000, "2026", "2026-01-01", "2026-12-31", "2026-01-03", user_id=REP_A),
        quota("1", 10000, "2026", "2026-01-01", "2026-12-31", "2026-01-02", user_id=REP_A),
        quota("2", 3000, "2026-Q1", "2026-01-01", "2026-03-31", "2026-01-02", team_id=TEAM),
        quota("3", 5000, "2026", "2026-01-01", "2026-12-31", "2026-01-02", user_id=REP_B),
    ]


@pytest.fixture
async def reporting(broker, sqlite_url):
    """The reporting service consuming the broker, its clock at NOW; the scenario published to the broker."""
    async with consuming_reporting(broker.bootstrap_servers, sqlite_url, events(), NOW) as client:
        yield client


async def get(client, path: str, principal: Principal, **params) -> dict:
    response = await client.get(path, params=params, headers=bearer(principal))
    assert response.status_code == 200, response.text
    return response.json()


async def test_attainment_projections_and_forecast(reporting):
    async def all_in():
        body = await get(reporting, "/reports/forecast", MANAGER)
        quotas = await get(reporting, "/reports/targets", MANAGER)
        return (body["total"]["total"]["count"] == 6 and len(quotas["rows"]) == 2
                and quotas["rows"][0]["target"] == "12000.00" and quotas)

    body = await eventually(all_in, timeout=30)
    q1, q2 = body["rows"]
    assert (q1["quota_id"], q1["name"], q1["actual"], q1["attainment"], q1["elapsed"]) == (
        f"Q1-{RUN}", "Ann", "1500.00", 0.125, 0.2466)
    assert (q1["projection"], q1["projected_attainment"]) == ("6083.33", 0.5069)  # 1500 × 365 / 90
    assert (q1["weighted_pipeline"], q1["projection_with_pipeline"], q1["attainment_with_pipeline"]) == (
        "1200.00", "2700.00", 0.225)  # D3 600 + D4 600; D5 undated, D6 omitted
    assert (q2["team_id"], q2["actual"], q2["attainment"], q2["elapsed"], q2["projection"]) == (
        TEAM, "2400.00", 0.8, 1.0, "2400.00")
    assert body["year_end"] == {"year": "2026", "actual": "2400.00", "elapsed": 0.2466,
                                "projection": "9733.33", "weighted_pipeline": "1200.00",
                                "projection_with_pipeline": "3600.00"}
    rep = await get(reporting, "/reports/targets", Principal(REP_A, Role.REP, TEAM, "Ann"))
    assert [row["quota_id"] for row in rep["rows"]] == [f"Q1-{RUN}"]
    then = await get(reporting, "/reports/targets", MANAGER, as_of="2026-02-28T12:00:00Z", period="2026")
    assert [(r["actual"], r["projection"]) for r in then["rows"]] == [("1500.00", "9279.66")]  # × 365 / 59

    forecast = await get(reporting, "/reports/forecast", MANAGER)
    cells = {(row["period"], name): (cell["count"], cell["amount"], cell["weighted"])
             for row in forecast["rows"] for name, cell in row["categories"].items() if cell["count"]}
    assert cells == {("2025-Q4", "closed"): (1, "700.00", "700.00"),
                     ("2026-Q1", "closed"): (2, "2400.00", "2400.00"),
                     ("2026-Q2", "commit"): (1, "1000.00", "600.00"),
                     ("2026-Q2", "omitted"): (1, "400.00", "40.00"),
                     ("2026-Q4", "best_case"): (1, "2000.00", "600.00"),
                     ("unscheduled", "pipeline"): (1, "500.00", "50.00")}
    assert forecast["total"]["total"] == {"count": 6, "amount": "6600.00", "weighted": "4350.00"}
    monthly = await get(reporting, "/reports/forecast", MANAGER, group_by="month", owner_id=REP_A2)
    assert [(row["period"], row["total"]["amount"]) for row in monthly["rows"]] == [("2026-03", "900.00")]
    csv = await reporting.get("/reports/targets", params={"format": "csv"}, headers=bearer(MANAGER))
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith(f"Q1-{RUN},{REP_A},Ann,,2026,2026-01-01,2026-12-31,CNY,12000.00,1500.00,")
    bad = await reporting.get("/reports/forecast", params={"group_by": "week"}, headers=bearer(MANAGER))
    assert bad.status_code == 422
