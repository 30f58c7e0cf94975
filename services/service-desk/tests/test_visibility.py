"""Visibility: agents see their queues, managers their teams, admins all; others get 404 everywhere."""

from service_desk.testing import make_queue


async def setup(desk):
    queue = await make_queue(desk, "Billing", ["a-1"], team_id="t-1")
    response = await desk.client.post(
        "/tickets", json={"subject": "Invoice wrong", "queue_id": queue}, headers=desk.as_("a-1")
    )
    call = await desk.client.post("/calls", json={"caller": "+8613800138000"}, headers=desk.as_("a-1"))
    return queue, response.json()["id"], call.json()["call"]["id"]


def ticket_routes(ticket_id: str):
    return [
        ("GET", f"/tickets/{ticket_id}", None),
        ("PATCH", f"/tickets/{ticket_id}", {"priority": "high"}),
        ("POST", f"/tickets/{ticket_id}/status", {"status": "open"}),
        ("POST", f"/tickets/{ticket_id}/replies", {"body": "hi"}),
        ("POST", f"/tickets/{ticket_id}/notes", {"body": "hm"}),
        ("POST", f"/tickets/{ticket_id}/costs", {"kind": "time", "description": "x", "minutes": 5}),
        ("POST", f"/tickets/{ticket_id}/assign", {"assignee_id": "x-1"}),
    ]


def call_routes(call_id: str):
    return [
        ("GET", f"/calls/{call_id}", None),
        ("POST", f"/calls/{call_id}/answered", None),
        ("POST", f"/calls/{call_id}/hangup", None),
        ("POST", f"/calls/{call_id}/contact", {"contact_id": "c-2"}),
    ]


async def test_outsiders_get_404_on_every_route(desk):
    queue, ticket_id, call_id = await setup(desk)
    routes = (
        ticket_routes(ticket_id)
        + call_routes(call_id)
        + [("GET", f"/queues/{queue}", None), ("PATCH", f"/queues/{queue}", {"name": "Mine now"})]
    )
    for outsider in ("x-1", "m-2"):
        for method, url, body in routes:
            response = await desk.client.request(method, url, json=body, headers=desk.as_(outsider))
            assert response.status_code == 404, (outsider, method, url, response.text)
    for method, url, body in ticket_routes(ticket_id):
        response = await desk.client.request(method, url, json=body, headers=desk.as_("r-1"))
        assert response.status_code == 404, ("rep", method, url)
    unknown = await desk.client.get("/tickets/no-such-ticket", headers=desk.as_("admin"))
    assert unknown.status_code == 404


async def test_lists_show_only_what_each_may_see(desk):
    _, ticket_id, _ = await setup(desk)
    own = await desk.client.post("/tickets", json={"subject": "Mine"}, headers=desk.as_("x-1"))
    seen = {}
    for user in ("a-1", "a-2", "m-1", "x-1", "m-2", "r-1", "admin"):
        response = await desk.client.get("/tickets", headers=desk.as_(user))
        seen[user] = {t["id"] for t in response.json()}
    other = own.json()["id"]
    assert seen == {
        "a-1": {ticket_id},
        "a-2": set(),
        "m-1": {ticket_id},
        "x-1": {other},
        "m-2": {other},  # x-1 is in m-2's team
        "r-1": set(),
        "admin": {ticket_id, other},
    }


async def test_member_manager_and_admin_can_act(desk):
    _, ticket_id, call_id = await setup(desk)
    for user in ("a-1", "m-1", "admin"):
        assert (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_(user))).status_code == 200
        assert (await desk.client.get(f"/calls/{call_id}", headers=desk.as_(user))).status_code == 200
    response = await desk.client.post(
        f"/tickets/{ticket_id}/notes", json={"body": "seen"}, headers=desk.as_("m-1")
    )
    assert response.status_code == 201


async def test_unauthenticated_is_401(desk):
    for method, url in (
        ("GET", "/tickets"),
        ("POST", "/tickets"),
        ("GET", "/agent-queue"),
        ("POST", "/calls"),
        ("POST", "/inbound/email"),
        ("GET", "/queues"),
    ):
        assert (await desk.client.request(method, url, json={})).status_code == 401, url
