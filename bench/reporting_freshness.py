"""Freshness of the live dashboard: web form POST -> the `dashboard` push that counts it, at a fixed rate.

    .venv/bin/python bench/reporting_freshness.py [--rate 200] [--seconds 5]

Starts a private Tansu broker and leads, sales and reporting as separate processes (as `make run` does),
logs in through reporting's `POST /session`, subscribes to `GET /stream`, creates a web form, then posts
to its public `POST /forms/{id}/submissions` in an open loop at `--rate` per second (the whole path: the
durable submission, leads processing it into a lead, the lead's events, reporting's projection, the push).
A lead's freshness is the time from sending its POST to receiving the first push whose captured count
includes it. Prints p50 and p99 (target p99 <= 200 ms). The intake's rate limits are raised (one address
posts everything).

It also splits the path: leads' own part is the POST's answer time; reporting's part is, for each push
that commits caused, the time from the earliest of those commits (reporting's transaction applying the
events) to the push's arrival, read from the SSE comment the stream adds (wall clocks of one machine).
"""

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer

from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.topics import LEADS_LEAD, LEADS_SUBMISSION

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))
from e2e_stack import ServiceProcess  # noqa: E402


async def listen(url: str, token: str, seen: list[tuple[float, int]], ready: asyncio.Event,
                 reporting_side: list[float]) -> None:
    """Record (arrival time, captured count) for every dashboard push, and commit -> push arrival times."""
    async with httpx.AsyncClient(timeout=None) as client:
        async with client.stream("GET", url + "/stream", params={"token": token}) as response:
            event, committed = None, None
            async for line in response.aiter_lines():
                if line.startswith(": committed="):
                    committed = float(line.split("=")[1].split()[0])
                elif line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "dashboard":
                    seen.append((time.perf_counter(), json.loads(line[5:])["funnel"]["captured"]))
                    if committed is not None:
                        reporting_side.append((time.time() - committed) * 1000)
                    committed = None
                    ready.set()


async def trace(bootstrap: str, stamps: dict[str, dict[str, float]]) -> None:
    """When each lead's submission and its `leads.lead.captured` were published (the records' producer
    timestamps), by email: the path split into intake + relay, and processing + relay."""
    consumer = AIOKafkaConsumer(LEADS_SUBMISSION.name, LEADS_LEAD.name, bootstrap_servers=bootstrap,
                                group_id=None, auto_offset_reset="earliest", fetch_max_wait_ms=10)
    await consumer.start()
    try:
        while True:
            for records in (await consumer.getmany(timeout_ms=100)).values():
                for record in records:
                    event = json.loads(record.value)
                    kind = {"leads.submission.received": "submitted", "leads.lead.captured": "captured"}.get(
                        event["event_type"])
                    email = (event.get("fields") or {}).get("email") or event.get("email")
                    if kind and email:
                        stamps.setdefault(email, {})[kind] = record.timestamp / 1000
    finally:
        await consumer.stop()


def spread(label: str, values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return f"{label}: none"
    p99 = values[max(0, int(len(values) * 0.99) - 1)]
    return f"{label} p50 {statistics.median(values):.0f} ms, p99 {p99:.0f} ms"


async def main(rate: float, seconds: float) -> None:
    tansu = TansuBroker(free_port()).start()
    var = Path(tempfile.mkdtemp(prefix="freshness-"))
    common = {"bootstrap": tansu.bootstrap_servers, "var_dir": var, "log_dir": var}
    limits = {f"LEADS_INTAKE__PER_{scope}_LIMIT": "1000000/second" for scope in ("IP", "FORM")}
    procs = {
        "leads": ServiceProcess("leads", extra_env=limits, **common),
        "sales": ServiceProcess("sales", **common),
    }
    procs["reporting"] = ServiceProcess(
        "reporting", extra_env={"REPORTING_SALES_URL": procs["sales"].url}, **common
    )
    listener = None
    try:
        for proc in procs.values():
            await asyncio.to_thread(proc.wait_ready, 240)  # a loaded machine starts services slowly
        async with httpx.AsyncClient(timeout=30) as client:
            session = await client.post(
                procs["reporting"].url + "/session",
                json={"username": "admin@example.com", "password": "admin-change-me"},
            )
            token = session.json()["access_token"]
            seen: list[tuple[float, int]] = []
            reporting_side: list[float] = []
            ready = asyncio.Event()
            listener = asyncio.create_task(listen(procs["reporting"].url, token, seen, ready, reporting_side))
            stamps: dict[str, dict[str, float]] = {}
            tracer = asyncio.create_task(trace(tansu.bootstrap_servers, stamps))
            await asyncio.wait_for(ready.wait(), 30)
            headers = {"Authorization": f"Bearer {token}"}
            form = await client.post(procs["leads"].url + "/forms", json={"name": "Fresh"}, headers=headers)
            submissions = f"{procs['leads'].url}/forms/{form.json()['id']}/submissions"

            answered: list[float] = []

            posted_at: dict[str, float] = {}

            async def post(i: int) -> float:
                sent = time.perf_counter()
                posted_at[f"fresh{i}@example.com"] = time.time()
                response = await client.post(
                    submissions, json={"name": f"Fresh {i}", "email": f"fresh{i}@example.com"}
                )
                response.raise_for_status()
                answered.append((time.perf_counter() - sent) * 1000)
                return sent

            count = int(rate * seconds)
            started = time.perf_counter()
            tasks = []
            for i in range(count):
                await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(post(i)))
            sent_at = sorted(await asyncio.gather(*tasks))
            deadline = time.perf_counter() + 30
            while (not seen or seen[-1][1] < count) and time.perf_counter() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        # the k-th lead (in sending order) is counted by the first push showing at least k leads
        latencies = []
        for k, sent in enumerate(sent_at, start=1):
            arrival = next((at for at, captured in seen if captured >= k), None)
            if arrival is not None:
                latencies.append((arrival - sent) * 1000)
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
        answered.sort()
        post_p99 = answered[int(len(answered) * 0.99) - 1]
        print(
            f"{len(latencies)}/{count} leads seen on the dashboard; {len(seen)} pushes; form POST answered "
            f"in p50 {statistics.median(answered):.0f} ms, p99 {post_p99:.0f} ms"
        )
        print(f"freshness at {rate:.0f} leads/s: p50 {p50:.0f} ms, p99 {p99:.0f} ms (target p99 <= 200 ms)")
        tracer.cancel()
        submitted = [(s["submitted"] - posted_at[e]) * 1000 for e, s in stamps.items() if "submitted" in s]
        processed = [(s["captured"] - s["submitted"]) * 1000 for s in stamps.values() if len(s) == 2]
        print(f"path: {spread('POST -> submission published', submitted)}; "
              f"{spread('submission -> lead.captured published', processed)}")
        if reporting_side:
            reporting_side.sort()
            print(f"reporting's part (its commit -> push arrival), {len(reporting_side)} pushes: "
                  f"p50 {statistics.median(reporting_side):.0f} ms, "
                  f"p99 {reporting_side[max(0, int(len(reporting_side) * 0.99) - 1)]:.0f} ms")
    finally:
        if listener:
            listener.cancel()
        for proc in procs.values():
            proc.stop()
        tansu.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rate, arguments.seconds))
