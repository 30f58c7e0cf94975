"""Contract renewal: by hand (a new contract linked to the old, now renewed), automatic for auto-renew
contracts past their end date, renewals due in "my day", and the chain walk across renewals."""

from datetime import UTC, datetime


async def _contract(client, headers, **fields) -> dict:
    account = (await client.post("/accounts", json={"name": f"Renew {fields}"}, headers=headers)).json()
    body = {"account_id": account["id"], "value": "1200", **fields}
    response = await client.post("/contracts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_renewing_by_hand(client, org, clock, events):
    clock.current = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    _, rep = org["rep"]
    old = await _contract(client, rep, start_date="2026-01-01", end_date="2026-12-31")
    later = await _contract(client, rep, start_date="2026-01-01", end_date="2027-06-30")
    automatic = await _contract(client, rep, start_date="2026-01-01", end_date="2026-12-20", auto_renew=True)
    day = (await client.get("/my-day", headers=rep)).json()
    assert [c["id"] for c in day["renewals_due"]] == [old["id"]]  # auto-renew ones renew by themselves
    assert later["id"] and automatic["id"]

    clock.advance(minutes=5)
    renewed = await client.post(f"/contracts/{old['id']}/renew", json={"value": "1500"}, headers=rep)
    assert renewed.status_code == 201, renewed.text
    new = renewed.json()
    assert (new["start_date"], new["end_date"], new["value"]) == ("2027-01-01", "2027-12-31", "1500.00")
    assert (new["source_type"], new["source_id"], new["status"]) == ("contract", old["id"], "active")
    assert (await client.get(f"/contracts/{old['id']}", headers=rep)).json()["status"] == "renewed"
    assert (await client.get("/my-day", headers=rep)).json()["renewals_due"] == []
    [created] = [e for e in await events("sales.contract.created") if e["aggregate_id"] == new["id"]]
    assert created["source_type"] == "contract" and created["source_id"] == old["id"]
    [updated] = await events("sales.contract.updated")
    assert updated["aggregate_id"] == old["id"] and updated["status"] == "renewed"
    assert updated["changed_fields"] == ["status"]

    # a term of whole months renews to whole months; any other term keeps its length in days
    odd = await _contract(client, rep, start_date="2026-01-05", end_date="2026-01-14")
    odd_new = (await client.post(f"/contracts/{odd['id']}/renew", json={}, headers=rep)).json()
    assert (odd_new["start_date"], odd_new["end_date"]) == ("2026-01-15", "2026-01-24")

    again = await client.post(f"/contracts/{old['id']}/renew", json={}, headers=rep)
    assert again.status_code == 409
    chain = (await client.get(f"/chain/contract/{old['id']}", headers=rep)).json()
    assert chain["contract_ids"] == [old["id"], new["id"]]
    back = (await client.get(f"/chain/contract/{new['id']}", headers=rep)).json()
    assert back["contract_ids"] == [old["id"], new["id"]]
    # someone else's contract is not there; a contract without an end needs the new start
    assert (
        await client.post(f"/contracts/{new['id']}/renew", json={}, headers=org["blue"][1])
    ).status_code == 404
    open_ended = await _contract(client, rep)
    refused = await client.post(f"/contracts/{open_ended['id']}/renew", json={}, headers=rep)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "start_date"
    bad = {"start_date": "2027-02-01", "end_date": "2027-01-01"}
    assert (
        await client.post(f"/contracts/{open_ended['id']}/renew", json=bad, headers=rep)
    ).status_code == 422


async def test_auto_renew_contracts_renew_after_their_end_date(client, org, clock):
    clock.current = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    _, rep = org["rep"]
    admin = org["admin"][1]
    auto = await _contract(client, rep, start_date="2026-01-01", end_date="2026-03-31", auto_renew=True)
    await _contract(client, rep, start_date="2026-01-01", end_date="2026-03-15")  # not auto: stays
    assert (await client.post("/checks/run", headers=admin)).json()["contracts_renewed"] == 0  # ends today
    clock.current = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    assert (await client.post("/checks/run", headers=admin)).json()["contracts_renewed"] == 1
    assert (await client.post("/checks/run", headers=admin)).json()["contracts_renewed"] == 0
    [new] = (await client.get("/contracts", params={"status": "active"}, headers=rep)).json()["items"][-1:]
    assert (new["source_id"], new["start_date"], new["end_date"]) == (auto["id"], "2026-04-01", "2026-06-30")
    assert new["auto_renew"] is True and new["owner_id"] == org["rep"][0]["id"]
    assert (await client.get(f"/contracts/{auto['id']}", headers=rep)).json()["status"] == "renewed"
