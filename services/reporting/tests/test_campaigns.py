"""Campaign ROI against hand-computed figures, the leads and sales events published to the real broker.

Campaign "expo" cost 1,200 USD, corrected to 1,500 (the stale 900 setting arrives last); "ads" 300 CNY.
Leads L1, L2, L3 came from expo, L4 from ads, L5 from none. L1 became deal D1 (2,000 USD, won on day 20),
L2 became D2 (700 USD, still open), L4 became D4 (800 CNY, won on day 15); D9 (5,000) came from no lead.
As of day 30: expo 3 leads, 2 converted, 1 won deal of 2,000: 500 per lead, 1,500 per won deal, ROI
(2,000 - 1,500) / 1,500 = 0.3333; ads 1 lead, 1 won deal of 800 CNY: ROI (800 - 300) / 300 = 1.6667.
As of day 10 expo had won nothing: ROI -1.
"""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from reporting_support import consuming_reporting

from crm_shared.auth import Principal, Role
from crm_shared.events.leads import (
    ConvertedAccount,
    ConvertedContact,
    LeadCapturedV1,
    LeadConvertedV1,
)
from crm_shared.events.marketing import CampaignCreatedV1, CampaignUpdatedV1
from crm_shared.events.sales import OpportunityOpenedV1, OpportunityWonV1
from crm_shared.testing import bearer, eventually

pytestmark = pytest.mark.timeout(90)
RUN = uuid.uuid4().hex[:8]
DAY0 = datetime(2026, 2, 1, 9, tzinfo=UTC)
NOW = DAY0 + timedelta(days=30)
EXPO, ADS = f"expo-{RUN}", f"ads-{RUN}"
ADMIN = Principal(f"admin-{RUN}", Role.ADMIN, None, "Admin")


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


def campaign(cls, key: str, name: str, cost: int, currency: str, when: float):
    return cls(aggregate_id=f"{key}-{RUN}", name=name, cost=Decimal(cost), currency=currency,
               occurred_at=day(when))


def lead(n: int, campaign_name: str | None) -> LeadCapturedV1:
    return LeadCapturedV1(aggregate_id=f"L{n}-{RUN}", name=f"Lead {n}", source="event",
                          campaign=campaign_name, occurred_at=day(n / 10))


def converted(n: int) -> LeadConvertedV1:
    return LeadConvertedV1(aggregate_id=f"L{n}-{RUN}", account=ConvertedAccount(name="Acme"),
                           contact=ConvertedContact(name="Ann"), occurred_at=day(4 + n / 10))


def deal(cls, n: int, amount: int, currency: str, when: float, lead_n: int | None):
    won = cls is OpportunityWonV1
    fields = {"aggregate_id": f"D{n}-{RUN}", "name": f"Deal {n}", "account_id": "acc", "pipeline_id": "p1",
              "stage_id": "won" if won else "s1", "stage_name": "Won" if won else "Qualify",
              "stage_type": "won" if won else "open", "status": "won" if won else "open",
              "probability": 100 if won else 20, "forecast_category": "closed" if won else "pipeline",
              "amount": Decimal(amount), "currency": currency, "occurred_at": day(when),
              "source_type": "lead" if lead_n else None, "source_id": f"L{lead_n}-{RUN}" if lead_n else None}
    if won:
        fields.update(from_stage_id="s1", from_stage_name="Qualify", to_stage_id="won", to_stage_name="Won",
                      seconds_in_previous_stage=86400.0)
    return cls(**fields)


def events() -> list:
    return [
        campaign(CampaignCreatedV1, "C1", EXPO, 1200, "USD", 0),
        campaign(CampaignCreatedV1, "C2", ADS, 300, "CNY", 0),
        campaign(CampaignUpdatedV1, "C1", EXPO, 1500, "USD", 2),
        lead(1, EXPO), lead(2, EXPO), lead(3, EXPO), lead(4, ADS), lead(5, None),
        converted(1), converted(2), converted(4),
        deal(OpportunityOpenedV1, 1, 2000, "USD", 5, 1),
        deal(OpportunityOpenedV1, 2, 700, "USD", 6, 2),
        deal(OpportunityOpenedV1, 4, 800, "CNY", 6, 4),
        deal(OpportunityWonV1, 4, 800, "CNY", 15, 4),
        deal(OpportunityWonV1, 1, 2000, "USD", 20, 1),
        deal(OpportunityWonV1, 9, 5000, "USD", 21, None),
        campaign(CampaignUpdatedV1, "C1", EXPO, 900, "USD", 1),  # a stale setting, delivered last
    ]


@pytest.fixture
async def reporting(broker, sqlite_url):
    """The reporting service consuming the broker, its clock at NOW; the scenario published to the broker."""
    async with consuming_reporting(broker.bootstrap_servers, sqlite_url, events(), NOW) as client:
        yield client


async def roi(client, **params) -> dict:
    response = await client.get("/reports/campaigns", params=params, headers=bearer(ADMIN))
    assert response.status_code == 200, response.text
    return {row["campaign"]: row for row in response.json()["rows"] if row["campaign"] in (EXPO, ADS)}


async def test_campaign_roi_as_of_now_and_before_the_win(reporting):
    async def settled():
        rows = await roi(reporting)
        # every event applied (they come on several topics and partitions, in no set order)
        return (len(rows) == 2 and rows[EXPO]["won_deals"] == 1 and rows[ADS]["won_deals"] == 1
                and rows[EXPO]["cost"] == "1500.00" and rows[EXPO]["leads"] == 3
                and rows[EXPO]["converted"] == 2 and rows[ADS]["converted"] == 1 and rows)

    rows = await eventually(settled, timeout=30)
    assert rows[EXPO] == {
        "campaign": EXPO, "channel": None, "cost": "1500.00", "currency": "USD", "leads": 3, "converted": 2,
        "conversion_rate": 0.6667, "won_deals": 1, "won_amount": "2000.00", "won_in_other_currencies": 0,
        "cost_per_lead": "500.00", "cost_per_won_deal": "1500.00", "roi": "0.3333",
    }
    assert (rows[ADS]["cost"], rows[ADS]["currency"], rows[ADS]["leads"], rows[ADS]["won_amount"],
            rows[ADS]["cost_per_lead"], rows[ADS]["cost_per_won_deal"], rows[ADS]["roi"]) == (
        "300.00", "CNY", 1, "800.00", "300.00", "300.00", "1.6667")

    before = await roi(reporting, as_of=day(10).isoformat())
    assert (before[EXPO]["won_deals"], before[EXPO]["won_amount"], before[EXPO]["cost_per_won_deal"],
            before[EXPO]["roi"]) == (0, "0", None, "-1.0000")

    csv = await reporting.get("/reports/campaigns", params={"format": "csv"}, headers=bearer(ADMIN))
    assert csv.status_code == 200
    assert f"{EXPO},,1500.00,USD,3,2,0.6667,1,2000.00,0,500.00,1500.00,0.3333" in csv.text
    rep = await reporting.get("/reports/campaigns", headers=bearer(Principal("r", Role.REP, "t", "R")))
    assert rep.status_code == 403 and rep.headers["content-type"] == "application/problem+json"


async def test_a_filter_a_report_does_not_take_is_refused_not_ignored(reporting):
    """`?period=` or `?owner=` on a report that takes neither would answer unfiltered totals."""
    for path, params, field in (("/reports/revenue", {"period": "2026-03"}, "period"),
                                ("/reports/lead-funnel", {"group_by": "none", "owner": "x"}, "owner"),
                                ("/reports/campaigns", {"as_of": NOW.isoformat(), "team": "t"}, "team"),
                                ("/reports/dashboard", {"days": "7"}, "days")):
        refused = await reporting.get(path, params=params, headers=bearer(ADMIN))
        assert refused.status_code == 422, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == field
        assert "owner_id" in refused.json()["detail"] or path != "/reports/lead-funnel"
    allowed = await reporting.get("/reports/lead-funnel", params={"group_by": "owner", "owner_id": "x"},
                                  headers=bearer(ADMIN))
    assert allowed.status_code == 200
