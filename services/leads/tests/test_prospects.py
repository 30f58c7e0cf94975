"""Prospect list import from the CLI (a real subprocess), verification into leads, campaigns with a cost."""

import asyncio
import csv
import json
import os
import sys
import uuid

import pytest
from leads_support import database, leads_settings, running, user_headers

from crm_shared.auth import Role
from crm_shared.testing import read_topic
from crm_shared.topics import LEADS_LEAD

RUN = uuid.uuid4().hex[:6]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def app_client(request, broker, tmp_path_factory):
    async with database(request.param, tmp_path_factory.mktemp("prospects")) as url:
        async with running(leads_settings(url, broker)) as (app, client):
            yield app, client, url


async def cli(database_url: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "LEADS_DATABASE_URL": database_url, "COLUMNS": "120"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "leads.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode, output.decode()


async def test_csv_import_reports_bad_rows_dedupes_and_verifies_into_leads(app_client, admin, tmp_path):
    _, client, url = app_client
    known = await client.post(
        "/leads", headers=admin, json={"name": "Known", "email": f"known-{RUN}@corp.cn"}
    )
    assert known.status_code == 201
    path = tmp_path / "expo-list.csv"
    rows = [
        ["Name", "E-mail", "Mobile", "Company", "Job Title", "地区"],
        ["ada lovelace", f"Ada-{RUN}@Analytical.io", "13800138001", "Analytical", "cto", "East"],  # 2 good
        ["Bad Mail", "not-an-email", "", "", "", ""],  # 3 error
        ["Bad Phone", "", "12", "", "", ""],  # 4 error
        ["Ada Again", f"ada-{RUN}@analytical.io", "", "", "", ""],  # 5 duplicate of row 2
        ["", "", "", "Nobody Inc", "", ""],  # 6 error: no name, email or phone
        ["Known Again", f"known-{RUN}@corp.cn", "", "", "", ""],  # 7 duplicate of a lead
        ["王芳", "", "139 0000 0001", "", "", "华东"],  # 8 good
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    code, output = await cli(
        url, "import-prospects", str(path), "--list-name", f"expo-{RUN}", "--campaign", f"expo-{RUN}"
    )
    assert code == 0, output
    assert "Imported expo-list.csv" in output
    with (tmp_path / "expo-list.csv.report.csv").open(encoding="utf-8") as handle:
        report = [(int(r["row"]), r["outcome"], r["field"]) for r in csv.DictReader(handle)]
    assert report == [
        (3, "error", "email"),
        (4, "error", "phone"),
        (5, "duplicate", "email"),
        (6, "error", "name"),
        (7, "duplicate", "email"),
    ]
    again, _ = await cli(url, "import-prospects", str(path), "--list-name", f"expo-{RUN}")
    assert again == 0
    listed = (await client.get("/prospects", headers=admin, params={"list_name": f"expo-{RUN}"})).json()
    assert [(p["row_number"], p["name"], p["phone"]) for p in listed] == [
        (2, "Ada Lovelace", "+8613800138001"),
        (8, "王芳", "+8613900000001"),
    ]
    assert listed[0]["email"] == f"ada-{RUN}@analytical.io" and listed[0]["company_domain"] == "analytical.io"
    verified = await client.post(f"/prospects/{listed[0]['id']}/verify", headers=admin)
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    lead = (await client.get(f"/leads/{verified.json()['lead_id']}", headers=admin)).json()
    assert lead["source"] == "purchased_list" and lead["campaign"] == f"expo-{RUN}" and lead["title"] == "Cto"
    assert (await client.post(f"/prospects/{listed[0]['id']}/verify", headers=admin)).status_code == 409
    rep = user_headers("rep-x", Role.REP, "t-x")
    assert (await client.post(f"/prospects/{listed[1]['id']}/verify", headers=rep)).status_code == 403


async def test_campaigns_have_a_cost_and_emit_snapshots(app_client, admin, broker):
    _, client, _ = app_client
    body = {"name": f"Spring fair {RUN}", "channel": "event", "cost": "12000.50", "starts_on": "2026-03-01"}
    created = await client.post("/campaigns", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["cost"] == "12000.50"
    assert (await client.post("/campaigns", json=body, headers=admin)).status_code == 409
    bad = await client.post("/campaigns", json={**body, "name": "x", "cost": "-1"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cost"
    campaign_id = created.json()["id"]
    changed = await client.put(f"/campaigns/{campaign_id}", json={**body, "cost": "15000"}, headers=admin)
    assert changed.status_code == 200 and changed.json()["cost"] == "15000.00"
    records = await read_topic(
        broker.bootstrap_servers,
        LEADS_LEAD.name,
        lambda rs: sum(r.key == campaign_id.encode() for r in rs) >= 2,
    )
    events = [json.loads(r.value) for r in records if r.key == campaign_id.encode()]
    assert [e["event_type"] for e in events] == ["leads.campaign.created", "leads.campaign.updated"]
    assert events[1]["changed_fields"] == ["cost"] and events[1]["cost"] == "15000.00"


async def test_import_and_verify_emit_prospect_events_through_the_outbox(app_client, admin, broker, tmp_path):
    """Each imported row emits leads.prospect.imported and each verification leads.prospect.verified (with
    the lead it became), committed with the change and relayed to the lead topic."""
    _, client, url = app_client
    tag = uuid.uuid4().hex[:6]
    path = tmp_path / "fair.csv"
    rows = [
        ["Name", "E-mail", "Company", "Industry", "Region"],
        ["Grace Hopper", f"grace-{tag}@navy.mil", "Navy", "Defense", "West"],  # 2
        ["Bad Mail", "not-an-email", "", "", ""],  # 3: an error, no event
        ["Alan Turing", f"alan-{tag}@bletchley.uk", "", "", ""],  # 4
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    code, output = await cli(
        url, "import-prospects", str(path), "--list-name", f"fair-{tag}", "--campaign", f"fair-{tag}"
    )
    assert code == 0, output
    listed = (await client.get("/prospects", headers=admin, params={"list_name": f"fair-{tag}"})).json()
    ids = {p["id"]: p["row_number"] for p in listed}
    assert sorted(ids.values()) == [2, 4]
    grace = next(pid for pid, row in ids.items() if row == 2)
    verified = await client.post(f"/prospects/{grace}/verify", headers=admin)
    assert verified.status_code == 200

    def mine(records) -> list[dict]:
        return [json.loads(r.value) for r in records if r.key.decode() in ids]

    records = await read_topic(broker.bootstrap_servers, LEADS_LEAD.name, lambda rs: len(mine(rs)) >= 3)
    events = sorted(mine(records), key=lambda e: (e["event_type"], e.get("row_number") or 0))
    assert [(e["event_type"], e["aggregate_id"]) for e in events] == [
        ("leads.prospect.imported", grace),
        ("leads.prospect.imported", next(pid for pid, row in ids.items() if row == 4)),
        ("leads.prospect.verified", grace),
    ]
    imported, verified_event = events[0], events[2]
    assert (imported["list_name"], imported["campaign"], imported["source"], imported["row_number"]) == (
        f"fair-{tag}",
        f"fair-{tag}",
        "purchased_list",
        2,
    )
    assert (imported["industry"], imported["region"]) == ("Defense", "West")
    assert "email" not in imported and "name" not in imported  # no personal data in the counts' events
    assert (verified_event["lead_id"], verified_event["new_lead"], verified_event["verified_by"]) == (
        verified.json()["lead_id"],
        True,
        "admin-test",
    )
    assert verified_event["producer"] == "leads"
    asyncapi = (await client.get("/asyncapi.json")).text  # documented with the service's other events
    assert "ProspectImportedV1" in asyncapi and "ProspectVerifiedV1" in asyncapi


async def test_a_manager_uploads_a_list_over_http_as_the_cli_imports_it(app_client, admin):
    """`POST /prospects/import`: the CLI's rules (errors and duplicates by row number) for a manager's
    upload; a rep may not import, and a file that is not UTF-8 is refused whole."""
    _, client, _ = app_client
    tag = uuid.uuid4().hex[:6]
    text = (
        "Name,E-mail,Mobile,Region\n"
        f"Ada Upload,ada-{tag}@upload.io,,East\n"  # 2
        "Bad Mail,not-an-email,,\n"  # 3: error
        f"Ada Twice,ADA-{tag}@upload.io,,\n"  # 4: duplicate of row 2
        f"Bo Upload,,13700{int(tag, 16) % 10**6:06d},South\n"  # 5
    )
    manager = user_headers("boss-x", Role.MANAGER, "t-x")
    uploaded = await client.post(
        "/prospects/import",
        params={"list_name": f"upload-{tag}", "campaign": f"fair-{tag}"},
        files={"file": ("list.csv", text.encode(), "text/csv")},
        headers=manager,
    )
    assert uploaded.status_code == 200, uploaded.text
    answer = uploaded.json()
    assert answer["imported"] == 2
    assert [(e["row"], e["field"]) for e in answer["errors"]] == [(3, "email")]
    assert [(d["row"], d["field"]) for d in answer["duplicates"]] == [(4, "email")]
    listed = (await client.get("/prospects", headers=admin, params={"list_name": f"upload-{tag}"})).json()
    assert [(p["row_number"], p["campaign"], p["region"]) for p in listed] == [
        (2, f"fair-{tag}", "East"),
        (5, f"fair-{tag}", "South"),
    ]
    rep = user_headers("rep-x", Role.REP, "t-x")
    files = {"file": ("list.csv", text.encode(), "text/csv")}
    refused = await client.post("/prospects/import", params={"list_name": "x"}, files=files, headers=rep)
    assert refused.status_code == 403
    unreadable = {
        "latin-1": "Name\nJosé\n".encode("latin-1"),
        "NUL": b"Name,Email\nAda\x00,a@x.io\n",
        "a cell over the csv module's limit": b'Name\n"' + b"x" * 200_000 + b'"\n',
        "empty": b"",
        "no known column": b"Colour,Size\nred,L\n",
        "too many rows": b"Name\n" + b"Ada\n" * 10_001,
    }
    for case, data in unreadable.items():  # refused whole, before any row is stored
        refused = await client.post("/prospects/import", params={"list_name": f"bad-{tag}"},
                                    files={"file": ("list.csv", data, "text/csv")}, headers=admin)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "file", case
    assert (await client.get("/prospects", headers=admin, params={"list_name": f"bad-{tag}"})).json() == []
