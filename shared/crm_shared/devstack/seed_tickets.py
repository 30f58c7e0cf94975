"""The seeder's tickets: opened on every channel, answered, resolved, rated and closed over the year.

Each ticket takes the SLA policy of its priority when it opens (seed_desk). The desk's SLA checker runs
on the real clock, to which every backdated clock is long overdue, so the seeder plays the checker's
part on the demo clock: it tells one ticket's story at a time, oldest first, and runs the checker
(`POST /sla/check` at that demo time) when the story passes the due time of a clock still running, and
at the end for what stays running up to now. A target a story misses is breached, and the ticket
escalated, when it was due; one it meets is not. Told one at a time, a check finds no other ticket
mid-story.

The desk's own checker still runs every 30 s on the real clock: a ticket it finds mid-story is breached
(or warned) now, and reporting, which takes a ticket's latest event by event time, would keep that
snapshot over the rest of the (earlier dated) story. Such tickets get an internal note at the end, whose
event carries their final state (`settle`); there are a few at most, one per run of that checker.
"""

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from rich.progress import Progress

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient
from crm_shared.devstack.seed_org import Org
from crm_shared.devstack.seed_time import after, at, days_ago

CHECK_EVERY = timedelta(seconds=30)  # the desk's checker period (SERVICE_DESK_SLA_CHECK_INTERVAL_S)
STOPPED_BY_REPLY = ("first_response", "next_update")  # the clocks an agent's public reply stops
# the SLA clocks reporting shows: their name, and the ticket's field stamped when one is met (reporting
# counts a clock met when it stopped without a breach, so a ticket resolved unanswered meets neither)
SLA_CLOCKS = {
    "first_response": ("first response", "first_response_at"),
    "resolution": ("resolution", "resolved_at"),
}


def ticket_specs(rng: random.Random, plan: demo.Plan, org: Org, now: datetime) -> list[dict]:
    """Tickets of the seeded contacts on every channel, how far each gets, and when."""
    specs = []
    for _ in range(plan.tickets):
        priority = rng.choice(demo.PRIORITIES)
        (reply_low, reply_high), (solve_low, solve_high) = demo.TICKET_PACE[priority]
        resolved = rng.random() < 0.65
        opened = days_ago(rng, now, 360 if resolved else 14)  # what is still open came in lately
        replied = after(rng, opened, now, reply_low, reply_high)
        solved = after(rng, replied, now, solve_low, solve_high)
        rated = after(rng, solved, now, 0.5, 24)
        specs.append(
            {
                "times": {
                    "opened": opened,
                    "replied": replied,
                    "solved": solved,
                    "rated": rated,
                    "closed": after(rng, rated, now, 24, 120),
                },
                "contact": rng.choice(org.contacts),
                "channel": demo.weighted(rng, demo.CHANNELS),
                "subject": rng.choice(demo.TICKET_SUBJECTS),
                "queue": rng.choice(org.queues),
                "priority": priority,
                "agent": rng.choice(org.agents),
                "replied": rng.random() < 0.85,
                "resolved": resolved,
                "pending": rng.random() < 0.15,
                "closed": rng.random() < 0.3,
                "rating": (rng.choice((5, 5, 4, 4, 4, 3, 2, 1)) if rng.random() < 0.55 else None),
            }
        )
    return specs


def story(spec: dict) -> list[tuple[datetime, str]]:
    """One ticket's steps and when each happens: open (and assign), reply, wait on the customer,
    resolve, rate, close."""
    times = spec["times"]
    steps = [(times["opened"], "open")]
    if spec["replied"]:
        steps.append((times["replied"], "reply"))
    if spec["pending"] and not spec["resolved"]:
        steps.append((times["replied"], "pending"))
    if spec["resolved"]:
        steps.append((times["solved"], "resolve"))
        if spec["rating"] is not None:
            steps.append((times["rated"], "rate"))
        if spec["closed"]:
            steps.append((times["closed"], "close"))
    return steps


def running_dues(detail: dict) -> dict[str, datetime]:
    """The due time of each of a ticket's SLA clocks that still counts (not stopped, paused or breached)."""
    return {
        clock["target"]: datetime.fromisoformat(clock["due_at"])
        for clock in detail.get("sla", ())
        if clock["stopped_at"] is None and clock["paused_at"] is None and clock["breached_at"] is None
    }


class TicketStories:
    """Tells the tickets' stories one at a time, oldest first, with the SLA checker run on the demo clock;
    then settles: resyncs what the desk's own checker caught mid-story, tallies each SLA's outcome."""

    def __init__(self, client: CrmClient, counts: Counter):
        self.client, self.counts = client, counts
        self.checks: set[datetime] = set()  # the demo times the seeder ran the checker at
        self.told: dict[str, datetime] = {}  # ticket id -> the real time its story was told by
        self.csat_urls: dict[str, str | None] = {}  # ticket path -> its rating link, once resolved

    async def run(self, specs: list[dict], progress: Progress) -> None:
        task = progress.add_task("tickets", total=len(specs))
        for spec in sorted(specs, key=lambda s: s["times"]["opened"]):
            await self.tell(spec)
            progress.advance(task)
        await self.settle()

    async def tell(self, spec: dict) -> None:
        """Open (and assign), then each step, each after the checker has run at the due times passed."""
        detail = await self.client.post(
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
            headers=at(spec["times"]["opened"]),
        )
        path, dues = f"/tickets/{detail['id']}", running_dues(detail)
        self.counts["tickets"] += 1
        self.counts[f"tickets on {spec['channel']}"] += 1
        if detail["assignee_id"] is None:
            assignee = {"assignee_id": spec["agent"]["id"]}
            await self.client.post(
                "desk", f"{path}/assign", json=assignee, headers=at(spec["times"]["opened"])
            )
        for when, step in story(spec)[1:]:
            dues = await getattr(self, step)(path, spec, await self.check_until(dues, when), when)
        await self.check_until(dues, datetime.now(UTC) - timedelta(seconds=1))
        self.told[detail["id"]] = datetime.now(UTC)

    async def check_until(self, dues: dict[str, datetime], moment: datetime) -> dict[str, datetime]:
        """Run the checker, as often as its period allows, at the due times up to `moment` of the clocks
        still running; the clocks not due by then."""
        while due := [d for d in dues.values() if d <= moment]:
            checked = min(min(due) + CHECK_EVERY, moment)
            await self.client.post("desk", "/sla/check", headers=at(checked))
            self.checks.add(checked)
            dues = {target: d for target, d in dues.items() if d > checked}
        return dues

    async def reply(self, path: str, spec: dict, dues: dict, when: datetime) -> dict[str, datetime]:
        await self.client.post(
            "desk", f"{path}/replies", json={"body": "Thanks, we are on it."}, headers=at(when)
        )
        self.counts["ticket replies"] += 1
        return {target: d for target, d in dues.items() if target not in STOPPED_BY_REPLY}

    async def pending(self, path: str, spec: dict, dues: dict, when: datetime) -> dict[str, datetime]:
        return running_dues(await self._status(path, "pending", when))

    async def resolve(self, path: str, spec: dict, dues: dict, when: datetime) -> dict[str, datetime]:
        detail = await self._status(path, "resolved", when)
        self.counts["tickets resolved"] += 1
        self.csat_urls[path] = detail.get("csat_url")
        return running_dues(detail)

    async def rate(self, path: str, spec: dict, dues: dict, when: datetime) -> dict[str, datetime]:
        url = self.csat_urls.get(path) or (await self.client.get("desk", path))["csat_url"]
        token = url.rsplit("/csat/", 1)[1]
        await self.client.post("desk", f"/csat/{token}", data={"rating": spec["rating"]}, headers=at(when))
        self.counts["CSAT ratings"] += 1
        return dues

    async def close(self, path: str, spec: dict, dues: dict, when: datetime) -> dict[str, datetime]:
        detail = await self._status(path, "closed", when)
        self.counts["tickets closed"] += 1
        return running_dues(detail)

    async def _status(self, path: str, status: str, when: datetime) -> dict:
        return await self.client.post("desk", f"{path}/status", json={"status": status}, headers=at(when))

    async def settle(self) -> None:
        """Resync each ticket the desk's own checker warned or breached while its story was being told
        (a note, now: an event with the ticket's final state), and count each SLA clock met or breached."""
        details = await asyncio.gather(*(self.client.get("desk", f"/tickets/{t}") for t in self.told))
        for detail in details:
            stamps = [
                datetime.fromisoformat(stamp)
                for clock in detail["sla"]
                for stamp in (clock["warned_at"], clock["breached_at"])
                if stamp is not None
            ]
            if any(s not in self.checks and s < self.told[detail["id"]] for s in stamps):
                note = {"body": "Demo data: the SLA checker ran while this ticket's history was seeded."}
                await self.client.post("desk", f"/tickets/{detail['id']}/notes", json=note)
                self.counts["tickets the desk's own SLA checker caught mid-story"] += 1
            for clock in detail["sla"]:
                if clock["target"] in SLA_CLOCKS:
                    label, met_when = SLA_CLOCKS[clock["target"]]
                    if clock["breached_at"] is not None:
                        self.counts[f"tickets breaching the {label} SLA"] += 1
                    elif detail[met_when] is not None:
                        self.counts[f"tickets meeting the {label} SLA"] += 1
