"""The seeder's later stories, without a stack: the deals lead conversions open (seed_converted) and the
purchased prospect lists (seed_prospects). tests/e2e/test_seed_demo.py runs them against the services."""

import csv
import io
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from rich.progress import Progress

from crm_shared.devstack import seed_converted
from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_converted import converted_deal_specs, run_converted_deal
from crm_shared.devstack.seed_org import Org
from crm_shared.devstack.seed_prospects import prospect_specs, run_prospect_lists
from crm_shared.devstack.seed_time import HEADER

NOW = datetime.now(UTC).replace(microsecond=0)
STAGES = ["s-qualification", "s-needs", "s-demo", "s-proposal", "s-negotiation"]


class FakeClient:
    """Records every request; answers from `answer(method, path, kwargs)`."""

    def __init__(self, answer):
        self.answer, self.calls = answer, []

    async def post(self, service, path, **kwargs):
        self.calls.append(("POST", path, kwargs))
        return self.answer("POST", path, kwargs)

    async def get(self, service, path, **kwargs):
        self.calls.append(("GET", path, kwargs))
        return self.answer("GET", path, kwargs)


def pipeline_org() -> Org:
    stages = [{"id": s, "type": "open"} for s in STAGES] + [{"id": "won", "type": "won"}]
    return Org(reporting_url="", pipeline={"stages": [*stages, {"id": "lost", "type": "lost"}]})


def converted_leads(count: int) -> list[dict]:
    """Converted lead specs, one converted every few days over the past year (and a lead that was not)."""
    leads = [{"outcome": "new", "times": [NOW] * 4, "body": {"company": "Not Converted"}}]
    for i in range(count):
        converted = NOW - timedelta(days=360 * i / count, hours=3)
        leads.append({"outcome": "converted", "times": [converted] * 4, "body": {"company": f"Firm {i}"}})
    return leads


def test_converted_leads_deals_move_over_weeks_then_close_or_stay_open():
    leads = converted_leads(200)
    assert converted_deal_specs(random.Random(5), leads, pipeline_org(), NOW) == 200
    assert "deal" not in leads[0]
    outcomes = Counter()
    for lead in leads[1:]:
        deal, converted = lead["deal"], lead["times"][3]
        moves, outcome = deal["times"]["moves"], deal["outcome"]
        outcomes[outcome] += 1
        assert lead["close"] == deal["close"].isoformat()  # the deal expects to close when its story does
        assert deal["stages"] == STAGES[1 : len(moves) + 1]  # from the first stage onwards, in order
        assert moves == sorted(moves) and all(converted < moved < NOW for moved in moves)
        if outcome != "open":
            assert moves[-1:] < [deal["times"]["closed"]] and deal["times"]["closed"] < NOW - timedelta(
                days=1
            )
            assert deal["times"]["closed"] - converted >= timedelta(days=13)  # weeks, not minutes
        if outcome == "won":
            assert len(moves) >= 2 and deal["reason"] in demo.WIN_REASONS
        if outcome == "lost":
            assert deal["reason"] in demo.LOSS_REASONS
        if NOW - converted < timedelta(days=14):
            assert outcome == "open"  # too young to have closed
    assert outcomes["won"] > outcomes["lost"] > 0 and outcomes["open"] > 0
    assert 0.5 < outcomes["won"] / (outcomes["won"] + outcomes["lost"]) < 0.7
    moved_open = [lead for lead in leads[1:] if lead["deal"]["outcome"] == "open" and lead["deal"]["stages"]]
    assert moved_open  # some open deals are past their first stage
    again = converted_leads(200)
    converted_deal_specs(random.Random(5), again, pipeline_org(), NOW)
    assert [lead.get("deal") for lead in again] == [lead.get("deal") for lead in leads]  # deterministic


async def test_a_converted_leads_deal_is_worked_once_sales_has_opened_it(monkeypatch):
    monkeypatch.setattr(seed_converted, "FIRST_LOOK", 0)
    leads = converted_leads(1)
    leads[1]["times"] = [NOW - timedelta(days=200)] * 4
    converted_deal_specs(random.Random(1), leads, pipeline_org(), NOW)
    deal = {**leads[1]["deal"], "outcome": "won", "contract": True, "invoice": True, "paid": True}
    closed = deal["times"]["closed"]
    deal["stages"], deal["times"]["moves"] = (
        STAGES[1:3],
        [closed - timedelta(days=20), closed - timedelta(days=9)],
    )
    looks = iter([None, None, "deal-1"])  # the conversion reaches sales, and its deal's id leads, later

    def answer(method, path, kwargs):
        if path == "/leads/lead-1":
            return {"opportunity_id": next(looks)}
        return {"id": path.strip("/").replace("/", "-"), "amount": "1000.00"}

    client, counts = FakeClient(answer), Counter()
    await run_converted_deal(client, "lead-1", deal, counts, NOW.date())
    posts = [(path, kw["headers"][HEADER]) for method, path, kw in client.calls if method == "POST"]
    assert [path for path, _ in posts] == [
        "/opportunities/deal-1/stage",
        "/opportunities/deal-1/stage",
        "/opportunities/deal-1/win",
        "/contracts",
        "/orders",
        "/orders/orders/invoices",
        "/invoices/orders-orders-invoices/payments",
    ]
    times = [datetime.fromisoformat(when) for _, when in posts]
    assert times[:3] == [*deal["times"]["moves"], deal["times"]["closed"]] and max(times) < NOW
    assert counts["opportunities won"] == counts["deals of converted leads ending won"] == 1
    assert counts["stage moves"] == 2 and counts["orders"] == 1


@pytest.mark.parametrize("scale", [0.02, 1.0])
def test_prospect_lists_are_bought_over_the_year_and_partly_verified(scale):
    lists = prospect_specs(random.Random(3), demo.Plan.at(scale), NOW)
    assert [spec["name"] for spec in lists] == [name for name, *_ in demo.PROSPECT_LISTS]
    rows = [row for spec in lists for row in spec["rows"]]
    assert len(rows) >= demo.Plan.at(scale).prospects
    for key in ("Name", "E-mail"):
        assert len({row[key] for row in rows}) == len(rows)  # each row a person of their own
    phones = [row["Mobile"] for row in rows if row["Mobile"]]
    assert len(set(phones)) == len(phones) and all(p.startswith("+86139") for p in phones)
    assert all(row["E-mail"].endswith(".example.net") and row["Region"] in demo.REGIONS for row in rows)
    ages = [NOW - spec["imported"] for spec in lists]
    assert (
        ages == sorted(ages, reverse=True) and ages[0] > timedelta(days=300) and ages[-1] > timedelta(days=30)
    )
    verified = 0
    for spec in lists:
        assert spec["verify"] and set(spec["verify"]) <= set(range(2, len(spec["rows"]) + 2))
        for confirmed, contacted in spec["verify"].values():
            assert spec["imported"] < confirmed < NOW and (contacted is None or confirmed < contacted < NOW)
        verified += len(spec["verify"])
    if scale == 1.0:
        assert 0.2 < verified / len(rows) < 0.4


async def test_lists_are_uploaded_at_their_import_times_then_prospects_verified_in_time_order():
    lists = prospect_specs(random.Random(3), demo.Plan.at(0.02), NOW)[1:3]

    def answer(method, path, kwargs):
        name = kwargs.get("params", {}).get("list_name")
        size = len(next(spec for spec in lists if spec["name"] == name)["rows"]) if name else 0
        if path == "/prospects/import":
            return {"imported": size, "errors": [], "duplicates": []}
        if path == "/prospects":
            return [{"row_number": n + 2, "id": f"{name}-{n + 2}"} for n in range(size)]
        if path.endswith("/verify"):
            return {"status": "verified", "lead_id": "lead-of-" + path.split("/")[2]}
        return {}

    client, counts = FakeClient(answer), Counter()
    await run_prospect_lists(client, lists, counts, Progress(disable=True))
    uploads = [kw for method, path, kw in client.calls if path == "/prospects/import"]
    assert [kw["params"] for kw in uploads] == [
        {"list_name": "Spring expo visitors", "campaign": "Spring expo"},
        {"list_name": "Industry list, batch 1", "campaign": "Industry list"},
    ]
    for spec, upload in zip(lists, uploads, strict=True):
        assert upload["headers"][HEADER] == spec["imported"].isoformat()
        assert list(csv.DictReader(io.StringIO(upload["files"]["file"][1].decode()))) == spec["rows"]
    verified = [
        (path.split("/")[2], kw["headers"][HEADER]) for _, path, kw in client.calls if "/verify" in path
    ]
    wanted = sorted(
        (times[0], f"{spec['name']}-{row}") for spec in lists for row, times in spec["verify"].items()
    )
    assert verified == [(pid, when.isoformat()) for when, pid in wanted]
    contacted = [path for _, path, _ in client.calls if path.endswith("/status")]
    assert len(contacted) == counts["leads from prospects contacted"]
    assert len(contacted) == sum(times[1] is not None for spec in lists for times in spec["verify"].values())
    assert counts["prospects imported"] == sum(len(spec["rows"]) for spec in lists)
    assert counts["prospects verified (new leads)"] == len(wanted)
