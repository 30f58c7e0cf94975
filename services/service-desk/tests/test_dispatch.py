"""Dispatch: round robin, least loaded, skills (availability, capacity), manual; each decision an event."""

from service_desk.testing import make_queue


async def available(desk, agent_id, skills=(), on=True):
    body = {"available": on, "skills": list(skills)}
    response = await desk.client.put(f"/agents/{agent_id}/profile", json=body, headers=desk.as_("admin"))
    assert response.status_code == 200, response.text


async def open_in(desk, queue, subject="help", **extra) -> dict:
    body = {"subject": subject, "queue_id": queue} | extra
    response = await desk.client.post("/tickets", json=body, headers=desk.as_("admin"))
    assert response.status_code == 201, response.text
    return response.json()


async def test_round_robin_skips_unavailable_agents_and_says_why(desk):
    for agent in ("a-1", "a-3"):
        await available(desk, agent)
    await available(desk, "a-2", on=False)
    queue = await make_queue(desk, "RR", ["a-1", "a-2", "a-3"], strategy="round_robin")
    assignees = [(await open_in(desk, queue, f"t{n}"))["assignee_id"] for n in range(3)]
    assert assignees == ["a-1", "a-3", "a-1"]
    decisions = await desk.events("service-desk.ticket.assigned")
    assert [d["strategy"] for d in decisions] == ["round_robin"] * 3
    assert (
        "round robin: next after a-1 among 2 available agents with room (1 skipped)" == decisions[1]["reason"]
    )


async def test_least_loaded_respects_capacity(desk):
    for agent in ("a-1", "a-2", "a-3"):
        await available(desk, agent)
    queue = await make_queue(desk, "LL", ["a-1", "a-2", "a-3"], strategy="least_loaded")
    assignees = [(await open_in(desk, queue, f"t{n}"))["assignee_id"] for n in range(6)]
    assert sorted(assignees) == ["a-1", "a-1", "a-2", "a-2", "a-3", "a-3"]  # everyone at capacity 2
    full = await open_in(desk, queue, "one too many")
    assert full["assignee_id"] is None
    refused = await desk.client.post(f"/tickets/{full['id']}/assign", json={}, headers=desk.as_("admin"))
    assert refused.status_code == 409
    first = (await desk.events("service-desk.ticket.assigned"))[0]
    assert first["reason"].startswith("least loaded: 0 active tickets, capacity 2")


async def test_skills_pick_the_qualified_agent(desk):
    await available(desk, "a-1", skills=["printers"])
    await available(desk, "a-2", skills=["printers", "mandarin"])
    await available(desk, "a-3", skills=["mandarin"])
    queue = await make_queue(desk, "Skilled", ["a-1", "a-2", "a-3"], strategy="skills", skills=["printers"])
    both = await open_in(desk, queue, skills=["printers", "mandarin"])
    default = await open_in(desk, queue)  # the queue's skills apply
    assert (both["assignee_id"], default["assignee_id"]) == ("a-2", "a-1")
    nobody = await open_in(desk, queue, skills=["klingon"])
    assert nobody["assignee_id"] is None
    reason = (await desk.events("service-desk.ticket.assigned"))[0]["reason"]
    assert reason.startswith("skills ['mandarin', 'printers']: 1 of 3 available agents qualify")


async def test_manual_assignment_and_an_explicit_strategy(desk):
    for agent in ("a-1", "a-2"):
        await available(desk, agent)
    queue = await make_queue(desk, "Manual", ["a-1", "a-2"])
    ticket = await open_in(desk, queue)
    assert ticket["assignee_id"] is None
    manual = await desk.client.post(
        f"/tickets/{ticket['id']}/assign", json={"assignee_id": "a-2"}, headers=desk.as_("m-1")
    )
    assert manual.json()["assignee_id"] == "a-2"
    auto = await desk.client.post(
        f"/tickets/{ticket['id']}/assign", json={"strategy": "round_robin"}, headers=desk.as_("m-1")
    )
    assert auto.json()["assignee_id"] == "a-1"
    events = await desk.events("service-desk.ticket.assigned", ticket["id"])
    assert [(e["strategy"], e["previous_assignee_id"]) for e in events] == [
        ("manual", None),
        ("round_robin", "a-2"),
    ]
    assert events[0]["reason"] == "assigned by m-1"
    bad = await desk.client.post(
        f"/tickets/{ticket['id']}/assign", json={"assignee_id": "r-1"}, headers=desk.as_("m-1")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "assignee_id"


async def test_profiles_belong_to_their_agent_or_their_manager(desk):
    own = await desk.client.put("/agents/a-1/profile", json={"available": True}, headers=desk.as_("a-1"))
    assert own.status_code == 200 and own.json()["available"] is True
    assert (await desk.client.put("/agents/a-2/profile", json={}, headers=desk.as_("a-1"))).status_code == 404
    assert (await desk.client.put("/agents/a-2/profile", json={}, headers=desk.as_("m-1"))).status_code == 200
    assert (await desk.client.put("/agents/a-2/profile", json={}, headers=desk.as_("m-2"))).status_code == 404


async def test_queues_listed_by_membership_and_managed_by_team(desk):
    q1 = await make_queue(desk, "One", ["a-1"])
    q2 = await make_queue(desk, "Two", ["x-1"], team_id="t-2")
    seen = {
        u: [q["id"] for q in (await desk.client.get("/queues", headers=desk.as_(u))).json()]
        for u in ("a-1", "x-1", "m-1", "m-2", "admin")
    }
    assert seen == {"a-1": [q1], "x-1": [q2], "m-1": [q1], "m-2": [q2], "admin": [q1, q2]}
    created = await desk.client.post(
        "/queues", json={"name": "Mgr", "team_id": "t-2"}, headers=desk.as_("m-1")
    )
    assert created.json()["team_id"] == "t-1"  # a manager creates queues for their own team
    assert (await desk.client.post("/queues", json={"name": "A"}, headers=desk.as_("a-1"))).status_code == 403
    dup = await desk.client.post("/queues", json={"name": "One"}, headers=desk.as_("admin"))
    assert dup.status_code == 409
    assert (
        await desk.client.patch(f"/queues/{q1}", json={"name": "x"}, headers=desk.as_("a-1"))
    ).status_code == 403
