"""The deals lead conversions open: sales opens each in the pipeline's first stage when the conversion
reaches it (leads -> Kafka -> sales), and the seeder then tells the rest of its story the way it tells its
own deals' (seed_work.advance_deal): moves through the stages over weeks, then a win (with its contract,
order, invoice and payment) or a loss with a reason, or it is still open, young or stalled.

The stories are drawn up front from an RNG of their own (seed.py derives it from the seed), so they are
the same on every run of a seed and drawing them changed nothing else the seeder makes.
"""

import asyncio
import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from rich.progress import Progress

from crm_shared.devstack import seed_data as demo
from crm_shared.devstack.seed_api import CrmClient, wait_until
from crm_shared.devstack.seed_org import Org
from crm_shared.devstack.seed_time import spread
from crm_shared.devstack.seed_work import advance_deal

# how a converted lead's deal ends once its cycle is over: about the win rate of the other deals, and
# some never close (stalled after a few moves, still open today)
FATES = (("won", 48), ("lost", 34), ("stalled", 18))
CYCLE_DAYS = (14.0, 110.0)  # from the conversion to the close
FIRST_LOOK = 2.0  # seconds: the conversion goes to sales and its deal's id back to leads meanwhile


def converted_deal_specs(rng: random.Random, leads: list[dict], org: Org, now: datetime) -> int:
    """Give each converted lead's spec the story of the deal its conversion opens (`spec["deal"]`), and
    that deal the story's close day as its expected close date; how many deals that is."""
    stages = [s["id"] for s in org.pipeline["stages"] if s["type"] == "open"]
    converted = [spec for spec in leads if spec["outcome"] == "converted"]
    for spec in converted:
        spec["deal"] = deal_story(rng, spec, stages, now)
        spec["close"] = spec["deal"]["close"].isoformat()
    return len(converted)


def deal_story(rng: random.Random, lead: dict, stages: list[str], now: datetime) -> dict:
    """The story of a deal opened (in `stages[0]`) when `lead` was converted: what happens, and when.
    A deal whose close day has not come (a day's margin) is still open, moved as far as it got by now."""
    opened = lead["times"][3]  # the conversion's demo time: sales opens the deal at it
    close = (opened + timedelta(days=rng.uniform(*CYCLE_DAYS))).date()
    fate = demo.weighted(rng, FATES)
    deepest = max(0, len(stages) - (2 if fate == "stalled" else 1))  # a pipeline of fewer stages too
    depth = rng.randint(min(2 if fate == "won" else 0, deepest), deepest)
    closing = datetime.combine(close, time(15), UTC)
    outcome = fate if fate != "stalled" and closing < now - timedelta(days=1) else "open"
    last = opened + (closing - opened) / 2 if fate == "stalled" else closing  # a stalled deal stops midway
    moves = [moved for moved in spread(opened, last, depth) if moved < now - timedelta(minutes=10)]
    company = lead["body"]["company"]
    return {
        "outcome": outcome,
        "stages": stages[1 : len(moves) + 1],
        "close": close,
        "times": {"moves": moves, "closed": closing, "seeded": now},
        "reason": rng.choice(demo.WIN_REASONS if fate == "won" else demo.LOSS_REASONS),
        "competitor": rng.choice(demo.COMPETITORS),
        "name": f"{company}: first order",
        "contract": rng.random() < 0.6,
        "order_status": rng.choice(("confirmed", "confirmed", "fulfilled")),
        "invoice": rng.random() < 0.9,
        "paid": rng.random() < 0.75,
        "pay_after": rng.randint(3, 40),
    }


class ConvertedDeals:
    """Works each converted lead's deal in a task of its own, started once its lead is converted: the
    wait for sales to open the deal holds no place in the leads' line (seed._all)."""

    def __init__(self, client: CrmClient, counts: Counter, today: date, progress: Progress, total: int):
        self.client, self.counts, self.today, self.progress = client, counts, today, progress
        self.bar = progress.add_task("deals of converted leads", total=total)
        self.tasks: list[asyncio.Task] = []

    def follow(self, lead_id: str, deal: dict) -> None:
        """Start working the deal the conversion of `lead_id` opens."""
        self.tasks.append(asyncio.create_task(self._work(lead_id, deal)))

    async def finish(self) -> None:
        """Until every deal followed is worked (the first failure raised, the other deals stopped)."""
        try:
            await asyncio.gather(*self.tasks)
        except BaseException:
            for task in self.tasks:
                task.cancel()
            raise

    async def _work(self, lead_id: str, deal: dict) -> None:
        await run_converted_deal(self.client, lead_id, deal, self.counts, self.today)
        self.progress.advance(self.bar)


async def run_converted_deal(
    client: CrmClient, lead_id: str, deal: dict, counts: Counter, today: date
) -> None:
    """Once sales has opened the converted lead's deal (leads learns its id back), tell its story."""
    await asyncio.sleep(FIRST_LOOK)

    async def opened() -> str | None:
        return (await client.get("leads", f"/leads/{lead_id}"))["opportunity_id"]

    deal_id = await wait_until(opened, "a converted lead's deal to open in sales", timeout=120)
    await advance_deal(client, deal_id, deal, counts, today)
    counts[f"deals of converted leads ending {deal['outcome']}"] += 1
