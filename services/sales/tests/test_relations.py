"""Relations between contacts and between accounts, and the history of a contact's company and role."""


async def test_relations_and_contact_history(client, org, clock):
    _, rep = org["rep"]
    acme = (await client.post("/accounts", json={"name": "Acme"}, headers=rep)).json()
    rival = (await client.post("/accounts", json={"name": "Rival"}, headers=rep)).json()
    boss = (
        await client.post(
            "/contacts", json={"name": "Boss", "account_id": acme["id"], "title": "CEO"}, headers=rep
        )
    ).json()
    aide = (
        await client.post(
            "/contacts", json={"name": "Aide", "account_id": acme["id"], "title": "Buyer"}, headers=rep
        )
    ).json()

    reports = await client.post(
        "/relations",
        headers=rep,
        json={"kind": "reports_to", "from_type": "contact", "from_id": aide["id"], "to_id": boss["id"]},
    )
    assert reports.status_code == 201, reports.text
    competitor = await client.post(
        "/relations",
        headers=rep,
        json={"kind": "competitor", "from_type": "account", "from_id": acme["id"], "to_id": rival["id"]},
    )
    assert competitor.status_code == 201
    wrong = await client.post(
        "/relations",
        headers=rep,
        json={"kind": "reports_to", "from_type": "account", "from_id": acme["id"], "to_id": rival["id"]},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "kind"
    boss_relations = (await client.get(f"/contacts/{boss['id']}/relations", headers=rep)).json()
    assert [(r["kind"], r["from_id"]) for r in boss_relations] == [("reports_to", aide["id"])]
    clock.advance(days=3)
    ended = await client.post(f"/relations/{competitor.json()['id']}/end", headers=rep)
    assert ended.json()["ended_at"] is not None
    [kept] = (await client.get(f"/accounts/{rival['id']}/relations", headers=rep)).json()
    assert kept["kind"] == "competitor" and kept["ended_at"] is not None

    clock.advance(days=30)  # 2026-03-05 + 30 days
    await client.patch(f"/contacts/{aide['id']}", json={"title": "Head of purchasing"}, headers=rep)
    clock.advance(days=60)
    await client.patch(f"/contacts/{aide['id']}", json={"account_id": rival["id"]}, headers=rep)
    history = (await client.get(f"/contacts/{aide['id']}/history", headers=rep)).json()
    assert [(h["account_id"], h["title"]) for h in history] == [
        (acme["id"], "Buyer"),
        (acme["id"], "Head of purchasing"),
        (rival["id"], "Head of purchasing"),
    ]
    assert history[0]["ended_at"] == history[1]["started_at"] and history[2]["ended_at"] is None
    assert history[1]["started_at"].startswith("2026-04-04") and history[2]["started_at"].startswith(
        "2026-06-03"
    )

    outsider = org["blue"][1]
    assert (await client.get(f"/contacts/{aide['id']}/history", headers=outsider)).status_code == 404
    assert (await client.get(f"/accounts/{acme['id']}/relations", headers=outsider)).status_code == 404
    assert (await client.post(f"/relations/{reports.json()['id']}/end", headers=outsider)).status_code == 404
    hidden = await client.post(
        "/relations",
        headers=outsider,
        json={"kind": "referred_by", "from_type": "contact", "from_id": aide["id"], "to_id": boss["id"]},
    )
    assert hidden.status_code == 422
