"""The seeder's service desk: its queues, office hours and SLA policies, set up before any ticket opens
(a ticket takes its policy, and its due times, when it is opened)."""

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient, SeedError

if TYPE_CHECKING:
    from crm_shared.devstack.seed_org import Org


async def build_desk(client: CrmClient, org: "Org", counts: Counter) -> None:
    """The Support and Billing queues of the customer-care team, the office hours, the SLA policies."""
    members = [a["id"] for a in org.agents]
    for name, strategy, skills in (
        ("Support", "least_loaded", ["product"]),
        ("Billing", "round_robin", ["billing"]),
    ):
        queue = await client.post(
            "desk",
            "/queues",
            json={
                "name": name,
                "team_id": org.teams["Customer care"],
                "manager_id": org.managers[-1]["id"],  # a ticket that breaches its SLA goes to them
                "skills": skills,
                "strategy": strategy,
                "members": members,
            },
        )
        org.queues.append(queue["id"])
        counts["queues"] += 1
    calendar_id = await office_hours(client, date.today().year)
    counts["business-hours calendars"] += 1
    for priority, first_response, next_update, resolution in demo.SLA_POLICIES:
        await client.post(
            "desk",
            "/sla/policies",
            json={
                "name": f"{priority.capitalize()} priority",
                "priority": priority,
                "first_response_minutes": first_response,
                "next_update_minutes": next_update,
                "resolution_minutes": resolution,
                "calendar_id": calendar_id,
            },
        )
        counts["SLA policies"] += 1


async def office_hours(client: CrmClient, year: int) -> str:
    """The desk's working week (Monday to Friday, 09:00-18:00 in Shanghai, public holidays off) over the
    year of history and this one; its id. A desk whose machine lacks the time zone database gets the
    same hours in UTC."""
    holidays = [f"{y}-{day}" for y in (year - 1, year) for day in demo.HOLIDAYS]
    for hours in (demo.OFFICE_HOURS, demo.OFFICE_HOURS_UTC):
        body = {"name": "Office hours", **hours, "holidays": holidays}
        created = await client.post("desk", "/sla/calendars", json=body, expect=(201, 422))
        if "id" in created:
            return created["id"]
    raise SeedError(f"the service desk refused the office hours: {created}")
