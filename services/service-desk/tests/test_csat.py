"""CSAT: resolving makes a signed link; a small page; a 1-5 rating with a comment, once, no login."""

import pytest

from crm_shared.auth import Principal, Role, issue_token


@pytest.fixture
async def desk(lite_desk):
    """These rules live in HTTP and tokens, not in queries: SQLite is enough."""
    return lite_desk


async def resolved_ticket(desk) -> tuple[str, str]:
    body = {"subject": "Toner <empty>", "contact_id": "c-1"}
    ticket_id = (await desk.client.post("/tickets", json=body, headers=desk.as_("a-1"))).json()["id"]
    unresolved = (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_("a-1"))).json()
    assert unresolved["csat_url"] is None
    resolved = await desk.client.post(
        f"/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=desk.as_("a-1")
    )
    url = resolved.json()["csat_url"]
    assert url.startswith("http://127.0.0.1:8003/csat/")
    return ticket_id, url.rsplit("/", 1)[1]


async def test_rating_once_lands_on_the_ticket_and_in_an_event(desk):
    ticket_id, token = await resolved_ticket(desk)
    page = await desk.client.get(f"/csat/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Toner &lt;empty&gt;" in page.text and page.text.count('type="radio"') == 5
    rated = await desk.client.post(f"/csat/{token}", data={"rating": "4", "comment": "Quick, thanks"})
    assert rated.status_code == 200 and "Thank you" in rated.text
    again = await desk.client.post(f"/csat/{token}", data={"rating": "1"})
    assert again.status_code == 409
    ticket = (await desk.client.get(f"/tickets/{ticket_id}", headers=desk.as_("a-1"))).json()
    assert (ticket["csat_rating"], ticket["csat_comment"], ticket["csat_url"]) == (4, "Quick, thanks", None)
    [event] = await desk.events("service-desk.ticket.csat-rated")
    assert (event["rating"], event["comment"], event["csat_rating"], event["aggregate_id"]) == (
        4,
        "Quick, thanks",
        4,
        ticket_id,
    )
    assert (event["contact_id"], event["account_id"], event["status"]) == ("c-1", "acc-1", "resolved")
    assert "already rated" in (await desk.client.get(f"/csat/{token}")).text


async def test_out_of_range_ratings_are_422(desk):
    _, token = await resolved_ticket(desk)
    for rating in ("0", "6", "great"):
        response = await desk.client.post(f"/csat/{token}", data={"rating": rating})
        assert response.status_code == 422, rating
        assert response.json()["errors"][0]["field"] == "rating"


async def test_forged_foreign_expired_and_reopened_links_are_404(desk):
    ticket_id, token = await resolved_ticket(desk)
    login_token = issue_token(desk.auth, Principal(ticket_id, Role.ADMIN))  # right secret, wrong audience
    for bad in (token[:-3] + "abc", login_token, "not-a-token"):
        assert (await desk.client.get(f"/csat/{bad}")).status_code == 404
        assert (await desk.client.post(f"/csat/{bad}", data={"rating": "5"})).status_code == 404
    desk.clock.advance(days=31)
    assert (await desk.client.get(f"/csat/{token}")).status_code == 404
    desk.clock.advance(days=-31)
    await desk.client.post(
        f"/tickets/{ticket_id}/status", json={"status": "reopened"}, headers=desk.as_("a-1")
    )
    assert (await desk.client.post(f"/csat/{token}", data={"rating": "5"})).status_code == 404
