"""Every read route that names a record by id, taken from the OpenAPI document so a new route cannot
be forgotten: a rep of another team gets 404 for a red rep's records (or 403 on admin-only routes),
the owner and their manager get 200."""

from test_orders import won_deal

# What each path parameter names, filled from the records the red rep makes below.
RECORD_OF = {
    "account_id": "account",
    "contact_id": "contact",
    "opportunity_id": "opportunity",
    "contract_id": "contract",
    "order_id": "order",
    "invoice_id": "invoice",
    "activity_id": "activity",
}
# Routes whose record type is itself a parameter: one call per type the route accepts.
TYPED = {
    "/chain/{record_type}/{record_id}": ("opportunity", "contract", "order"),
    "/{record_type}/{record_id}/relations": ("accounts", "contacts"),
}
# Directory records (users, teams, pipelines) have their own rules, tested in test_visibility.py.
DIRECTORY = {"user_id", "team_id", "pipeline_id"}


async def red_records(client, rep, app) -> dict[str, str]:
    deal = await won_deal(client, rep, app)
    contact = await client.post("/contacts", json={"name": "Red Buyer", "account_id": deal["account_id"]},
                                headers=rep)
    contract = await client.post("/contracts", json={"opportunity_id": deal["id"]}, headers=rep)
    order = await client.post("/orders", json={"contract_id": contract.json()["id"]}, headers=rep)
    invoice = await client.post(f"/orders/{order.json()['id']}/invoices", json={"due_on": "2030-01-01"},
                                headers=rep)
    activity = await client.post(
        "/activities",
        json={"kind": "task", "subject": "Call back", "record_type": "opportunity", "record_id": deal["id"]},
        headers=rep,
    )
    for made in (contact, contract, order, invoice, activity):
        assert made.status_code == 201, made.text
    return {
        "account": deal["account_id"],
        "opportunity": deal["id"],
        "contact": contact.json()["id"],
        "contract": contract.json()["id"],
        "order": order.json()["id"],
        "invoice": invoice.json()["id"],
        "activity": activity.json()["id"],
    }


def record_paths(openapi: dict, ids: dict[str, str]) -> list[str]:
    """Every GET path with a record id, filled in; fails on a parameter this test does not know."""
    paths = []
    for template, operations in openapi["paths"].items():
        if "get" not in operations or "{" not in template:
            continue
        if template in TYPED:
            singular = {"accounts": "account", "contacts": "contact"}
            for kind in TYPED[template]:
                record_id = ids[singular.get(kind, kind)]
                paths.append(template.replace("{record_type}", kind).replace("{record_id}", record_id))
            continue
        names = [p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "path"]
        if set(names) & DIRECTORY:
            continue
        unknown = [n for n in names if n not in RECORD_OF]
        assert not unknown, f"{template}: teach this test what {unknown} names"
        path = template
        for name in names:
            path = path.replace("{" + name + "}", ids[RECORD_OF[name]])
        paths.append(path)
    return paths


async def test_every_read_route_hides_other_teams_records(client, org, app):
    _, rep = org["rep"]
    ids = await red_records(client, rep, app)
    paths = record_paths(app.openapi(), ids)
    assert len(paths) >= 14  # accounts, contacts, deals, contracts, orders, invoices, activities, cards...
    for path in paths:
        owner_view = await client.get(path, headers=rep)
        assert owner_view.status_code == 200, (path, owner_view.text)
        manager_view = await client.get(path, headers=org["manager"][1])
        assert manager_view.status_code in (200, 403), (path, manager_view.text)
        outsider = await client.get(path, headers=org["blue"][1])
        assert outsider.status_code in (403, 404), (path, outsider.status_code, outsider.text)
        assert outsider.headers["content-type"].startswith("application/problem+json"), path
        for record_id in ids.values():  # nothing of the chain leaks but the id that was asked for
            assert record_id in path or record_id not in outsider.text, (path, outsider.text)
