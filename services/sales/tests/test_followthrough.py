"""Events for every change of activities, relations and custom fields; quota events; overdue invoices
flagged once by the checker; contract renewal (by hand and automatic); handover of contracts, orders and
open invoices."""

import json
from datetime import UTC, datetime

from sales_support import ADMIN_EMAIL, ADMIN_PASSWORD
from sqlalchemy import select

from crm_shared.testing import eventually


async def test_activity_changes_emit_events_with_changed_fields(client, org, events, clock):
    _, rep = org["rep"]
    account = (await client.post("/accounts", json={"name": "Act Co"}, headers=rep)).json()
    task = (
        await client.post(
            "/activities",
            json={
                "kind": "task",
                "subject": "Call back",
                "record_type": "account",
                "record_id": account["id"],
            },
            headers=rep,
        )
    ).json()
    clock.advance(hours=1)
    moved = await client.patch(
        f"/activities/{task['id']}",
        json={"due_at": "2026-03-05T10:00:00Z", "subject": "Call back"},
        headers=rep,
    )
    assert moved.status_code == 200, moved.text
    unchanged = await client.patch(f"/activities/{task['id']}", json={"subject": "Call back"}, headers=rep)
    assert unchanged.status_code == 200
    done = await client.patch(f"/activities/{task['id']}", json={"done": True}, headers=rep)
    assert done.json()["done_at"] is not None
    [created] = await events("sales.activity.created")
    assert created["aggregate_id"] == task["id"] and created["record_id"] == account["id"]
    assert created["account_id"] == account["id"] and created["done_at"] is None
    [updated] = await events("sales.activity.updated")  # the no-op change emits nothing
    assert updated["changed_fields"] == ["due_at"] and updated["due_at"] == "2026-03-05T10:00:00Z"
    [completed] = await events("sales.activity.completed")
    assert completed["changed_fields"] == ["done_at"] and completed["done_at"] == "2026-03-02T10:00:00Z"


async def test_relation_and_custom_field_events(client, org, events):
    admin = org["admin"][1]
    a = (await client.post("/accounts", json={"name": "Rel A"}, headers=admin)).json()
    b = (await client.post("/accounts", json={"name": "Rel B"}, headers=admin)).json()
    body = {"kind": "partner", "from_type": "account", "from_id": a["id"], "to_id": b["id"]}
    relation = (await client.post("/relations", json=body, headers=admin)).json()
    await client.post(f"/relations/{relation['id']}/end", headers=admin)
    [created] = await events("sales.relation.created")
    [ended] = await events("sales.relation.ended")
    assert (created["aggregate_id"], created["kind"], created["to_id"]) == (
        relation["id"],
        "partner",
        b["id"],
    )
    assert (
        created["ended_at"] is None
        and ended["ended_at"] is not None
        and ended["changed_fields"] == ["ended_at"]
    )

    field = {
        "entity": "account",
        "key": "segment",
        "label": "Segment",
        "type": "select",
        "options": ["a", "b"],
    }
    made = (await client.post("/custom-fields", json=field, headers=admin)).json()
    changed = await client.put(
        f"/custom-fields/{made['id']}", json={"options": ["a", "b", "c"], "label": "Segment"}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["options"] == ["a", "b", "c"]
    [defined] = await events("sales.custom-field.created")
    [update] = await events("sales.custom-field.updated")
    assert defined["key"] == "segment" and update["changed_fields"] == ["options"]
    assert update["options"] == ["a", "b", "c"]
    rep = org["rep"][1]
    assert (
        await client.put(f"/custom-fields/{made['id']}", json={"label": "x"}, headers=rep)
    ).status_code == 403
    assert (await client.put("/custom-fields/nope", json={"label": "x"}, headers=admin)).status_code == 404
    text = (
        await client.post(
            "/custom-fields", json={**field, "key": "note", "type": "text", "options": []}, headers=admin
        )
    ).json()
    bad = await client.put(f"/custom-fields/{text['id']}", json={"options": ["x"]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "options"


async def test_quota_set_and_corrected_emit_quota_set(client, org, events):
    user, _ = org["rep"]
    _, manager = org["manager"]
    quota = (
        await client.post(
            "/quotas", json={"user_id": user["id"], "period": "2026-Q2", "amount": "9000"}, headers=manager
        )
    ).json()
    corrected = await client.put(f"/quotas/{quota['id']}", json={"amount": "12000"}, headers=manager)
    assert corrected.status_code == 200 and corrected.json()["amount"] == "12000.00"
    first, second = await events("sales.quota.set")
    assert first["aggregate_id"] == second["aggregate_id"] == quota["id"]
    assert (first["user_id"], first["period"], first["starts_on"], first["ends_on"], first["amount"]) == (
        user["id"],
        "2026-Q2",
        "2026-04-01",
        "2026-06-30",
        "9000.00",
    )
    assert second["amount"] == "12000.00" and second["changed_fields"] == ["amount"]
    # a manager of another team, a rep, an unknown id, a null amount
    blue_boss_quota = await client.put(f"/quotas/{quota['id']}", json={"amount": "1"}, headers=org["rep"][1])
    assert blue_boss_quota.status_code == 403
    assert (await client.put("/quotas/nope", json={"amount": "1"}, headers=manager)).status_code == 404
    assert (
        await client.put(f"/quotas/{quota['id']}", json={"amount": None}, headers=manager)
    ).status_code == 422


async def _invoice(client, headers, *, due_on: str, amount: str = "1000") -> dict:
    account = (await client.post("/accounts", json={"name": f"Inv Co {due_on}"}, headers=headers)).json()
    order = await client.post(
        "/orders", json={"account_id": account["id"], "amount": amount}, headers=headers
    )
    assert order.status_code == 201, order.text
    order = order.json()
    invoice = await client.post(f"/orders/{order['id']}/invoices", json={"due_on": due_on}, headers=headers)
    assert invoice.status_code == 201, invoice.text
    return invoice.json()


async def test_overdue_invoices_are_flagged_once(client, org, events, clock):
    _, rep = org["rep"]
    admin = org["admin"][1]
    late = await _invoice(client, rep, due_on="2026-03-10")
    paid = await _invoice(client, rep, due_on="2026-03-10", amount="50")
    await client.post(f"/invoices/{paid['id']}/payments", json={"amount": "50"}, headers=rep)
    later = await _invoice(client, rep, due_on="2026-04-30")
    clock.current = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # due today: not overdue yet
    assert (await client.post("/checks/run", headers=admin)).json()["invoices_overdue"] == 0
    clock.current = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)
    assert (await client.post("/checks/run", headers=admin)).json()["invoices_overdue"] == 1
    assert (await client.post("/checks/run", headers=admin)).json()["invoices_overdue"] == 0
    [overdue] = await events("sales.invoice.overdue")
    assert overdue["aggregate_id"] == late["id"] and overdue["days_overdue"] == 3
    assert overdue["status"] == "open" and overdue["due_on"] == "2026-03-10"
    assert (await client.post("/checks/run", headers=rep)).status_code == 403
    assert later["id"] not in {e["aggregate_id"] for e in await events("sales.invoice.overdue")}


async def test_the_periodic_checker_runs_on_its_own(settings, running, clock):
    fast = settings.model_copy(update={"check_interval_s": 0.05})
    async with running(fast) as (app, client):
        token = await client.post("/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        invoice = await _invoice(client, admin, due_on="2026-03-05")
        clock.current = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)

        async def flagged():
            table = app.state.ctx.spec.tables.outbox
            async with app.state.ctx.sessions() as session:
                found = await session.execute(
                    select(table.c.payload).where(table.c.event_type == "sales.invoice.overdue")
                )
                return [json.loads(row.payload) for row in found]

        [event] = await eventually(flagged, timeout=10)
        assert event["aggregate_id"] == invoice["id"] and event["days_overdue"] == 1
