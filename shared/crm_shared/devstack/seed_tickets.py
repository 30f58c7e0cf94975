"""The seeder's tickets: opened on every channel, answered, resolved, rated and closed over the year."""

import random
from collections import Counter
from datetime import datetime

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient
from crm_shared.devstack.seed_org import Org
from crm_shared.devstack.seed_time import after, at, days_ago


def ticket_specs(rng: random.Random, plan: demo.Plan, org: Org, now: datetime) -> list[dict]:
    """Tickets of the seeded contacts on every channel, how far each gets, and when."""
    specs = []
    for _ in range(plan.tickets):
        resolved = rng.random() < 0.65
        opened = days_ago(rng, now, 360 if resolved else 14)  # what is still open came in lately
        replied = after(rng, opened, now, 0.1, 8)
        solved = after(rng, replied, now, 2, 96)
        rated = after(rng, solved, now, 0.5, 24)
        specs.append(
            {
                "times": {"opened": opened, "replied": replied, "solved": solved, "rated": rated,
                          "closed": after(rng, rated, now, 24, 120)},
                "contact": rng.choice(org.contacts),
                "channel": demo.weighted(rng, demo.CHANNELS),
                "subject": rng.choice(demo.TICKET_SUBJECTS),
                "queue": rng.choice(org.queues),
                "priority": rng.choice(("low", "normal", "normal", "high", "urgent")),
                "agent": rng.choice(org.agents),
                "replied": rng.random() < 0.85,
                "resolved": resolved,
                "pending": rng.random() < 0.15,
                "closed": rng.random() < 0.3,
                "rating": (rng.choice((5, 5, 4, 4, 4, 3, 2, 1)) if rng.random() < 0.55 else None),
            }
        )
    return specs


async def run_ticket(client: CrmClient, org: Org, spec: dict, counts: Counter) -> None:
    """Open, assign, answer, maybe resolve, close and rate."""
    times = spec["times"]
    ticket = await client.post(
        "desk",
        "/tickets",
        json={
            "subject": spec["subject"],
            "description": f"{spec['subject']} (reported by {spec['contact']['name']})",
            "channel": spec["channel"],
            "priority": spec["priority"],
            "queue_id": spec["queue"],
            "contact_id": spec["contact"]["id"],
        },
        headers=at(times["opened"]),
    )
    counts["tickets"] += 1
    counts[f"tickets on {spec['channel']}"] += 1
    path = f"/tickets/{ticket['id']}"
    if ticket["assignee_id"] is None:
        assignee = {"assignee_id": spec["agent"]["id"]}
        await client.post("desk", f"{path}/assign", json=assignee, headers=at(times["opened"]))
    if spec["replied"]:
        reply = {"body": "Thanks, we are on it."}
        await client.post("desk", f"{path}/replies", json=reply, headers=at(times["replied"]))
        counts["ticket replies"] += 1
    if spec["pending"] and not spec["resolved"]:
        await client.post("desk", f"{path}/status", json={"status": "pending"}, headers=at(times["replied"]))
    if not spec["resolved"]:
        return
    resolved = await client.post(
        "desk", f"{path}/status", json={"status": "resolved"}, headers=at(times["solved"])
    )
    counts["tickets resolved"] += 1
    if spec["rating"] is not None:
        url = resolved.get("csat_url") or (await client.get("desk", path))["csat_url"]
        token = url.rsplit("/csat/", 1)[1]
        rating = {"rating": spec["rating"]}
        await client.post("desk", f"/csat/{token}", data=rating, headers=at(times["rated"]))
        counts["CSAT ratings"] += 1
    if spec["closed"]:
        await client.post("desk", f"{path}/status", json={"status": "closed"}, headers=at(times["closed"]))
        counts["tickets closed"] += 1
