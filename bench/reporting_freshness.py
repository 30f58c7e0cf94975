"""Freshness of the live dashboard: web form POST -> the `dashboard` push that counts it, at a fixed rate.

    .venv/bin/python bench/reporting_freshness.py [--rate 200] [--seconds 5]

Starts a private Tansu broker and leads, sales and reporting as separate processes (as `make run` does),
logs in through reporting's `POST /session`, subscribes to `GET /stream`, creates a web form, then posts
to its public `POST /forms/{id}/submissions` in an open loop at `--rate` per second (the whole path: the
durable submission, leads processing it into a lead, the lead's events, reporting's projection, the push).
A lead's freshness is the time from sending its POST to receiving the first push whose captured count
includes it. Prints p50 and p99 (target p99 <= 200 ms). The intake's rate limits are raised (one address
posts everything). The posts go through a lean keep-alive client (bench/lean_post.py: httpx's ~1 ms CPU a
post took a tenth of the machine from the services at 200/s; `--httpx` to use it anyway).
It prints each process's CPU from the first post to the last push. `--split` also traces the records on
the broker (an extra consumer of both lead topics, so it costs the machine too) and prints p50/p99 per
hop (bench/freshness_hops.py); `--env NAME=VALUE` passes a setting to every service process.

It also splits the path: leads' own part is the POST's answer time; reporting's part is, for each push
that commits caused, the time from the earliest of those commits (reporting's transaction applying the
events) to the push's arrival, read from the SSE comment the stream adds (wall clocks of one machine).
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
from aiokafka import AIOKafkaConsumer

from crm_shared.messaging.tansu import TansuBroker, free_port
from crm_shared.topics import LEADS_LEAD, LEADS_SUBMISSION

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))
from freshness_hops import cpu_seconds, split  # noqa: E402
from lean_post import LeanPoster  # noqa: E402

from e2e_stack import ServiceProcess  # noqa: E402


def processes(procs: dict, tansu: TansuBroker) -> dict:
    """Every process of the stack, by name, each with a `.process.pid`."""
    return {**procs, "tansu": tansu, "bench": SimpleNamespace(process=SimpleNamespace(pid=os.getpid()))}


def print_split(var: Path, stamps: dict, posted_at: dict, answered_at: dict, seen: list) -> None:
    """The path hop by hop."""
    pushes = sorted((captured, wall) for _at, captured, wall in seen)
    ordered = sorted(posted_at, key=posted_at.get)
    leads = {}
    for k, email in enumerate(ordered, start=1):
        s = stamps.get(email, {})
        pushed = next((wall for captured, wall in pushes if captured >= k), None)
        leads[email] = {"posted": posted_at[email], "answered": answered_at.get(email), "pushed": pushed,
                        "sub_id": s.get("submitted_id"), "sub_record": s.get("submitted"),
                        "lead_id": s.get("captured_id"), "lead_record": s.get("captured")}
    print("split (p50/p99 per hop; the k-th post is credited to the first push counting k leads):")
    print("\n".join(split(var, leads)))


async def listen(url: str, token: str, seen: list[tuple[float, int]], ready: asyncio.Event,
                 reporting_side: list[float]) -> None:
    """Record (arrival time, captured count) for every dashboard push, and commit -> push arrival times."""
    async with httpx.AsyncClient(timeout=None) as client:
        made = await client.post(url + "/stream/tickets", headers={"Authorization": f"Bearer {token}"})
        ticket = made.raise_for_status().json()["ticket"]
        async with client.stream("GET", url + "/stream", params={"ticket": ticket}) as response:
            event, committed = None, None
            async for line in response.aiter_lines():
                if line.startswith(": committed="):
                    committed = float(line.split("=")[1].split()[0])
                elif line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "dashboard":
                    captured = json.loads(line[5:])["funnel"]["captured"]
                    seen.append((time.perf_counter(), captured, time.time()))
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
                    if kind and email and kind not in stamps.setdefault(email, {}):
                        stamps[email][kind] = record.timestamp / 1000
                        stamps[email][kind + "_id"] = event["event_id"]
    finally:
        await consumer.stop()


def spread(label: str, values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return f"{label}: none"
    p99 = values[max(0, int(len(values) * 0.99) - 1)]
    return f"{label} p50 {statistics.median(values):.0f} ms, p99 {p99:.0f} ms"


async def main(rate: float, seconds: float, show_split: bool = False, use_httpx: bool = False,
               env: dict[str, str] | None = None) -> None:
    tansu = TansuBroker(free_port()).start()
    var = Path(tempfile.mkdtemp(prefix="freshness-"))
    common = {"bootstrap": tansu.bootstrap_servers, "var_dir": var, "log_dir": var}
    # make run's watchdog interval (the e2e stack's 0.5 s opens an admin client 6 times a second)
    watchdog = {f"{p}_KAFKA__WATCHDOG_INTERVAL_S": "2.0" for p in ("LEADS", "SALES", "REPORTING")}
    limits = {f"LEADS_INTAKE__PER_{scope}_LIMIT": "1000000/second" for scope in ("IP", "FORM")}
    extra = {**watchdog, **limits, **(env or {})}
    procs = {
        "leads": ServiceProcess("leads", extra_env=extra, **common),
        "sales": ServiceProcess("sales", extra_env=extra, **common),
    }
    procs["reporting"] = ServiceProcess(
        "reporting", extra_env={**extra, "REPORTING_SALES_URL": procs["sales"].url}, **common
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
            tracer = asyncio.create_task(trace(tansu.bootstrap_servers, stamps)) if show_split else None
            await asyncio.wait_for(ready.wait(), 30)
            headers = {"Authorization": f"Bearer {token}"}
            form = await client.post(procs["leads"].url + "/forms", json={"name": "Fresh"}, headers=headers)
            submissions = f"{procs['leads'].url}/forms/{form.json()['id']}/submissions"
            poster = LeanPoster(submissions)

            answered: list[float] = []
            answered_at: dict[str, float] = {}

            posted_at: dict[str, float] = {}

            async def post(i: int) -> float:
                sent = time.perf_counter()
                posted_at[f"fresh{i}@example.com"] = time.time()
                body = {"name": f"Fresh {i}", "email": f"fresh{i}@example.com"}
                if use_httpx:
                    (await client.post(submissions, json=body)).raise_for_status()
                else:
                    status, content = await poster.post(body)
                    if status >= 400:
                        raise RuntimeError(f"form POST answered {status}: {content[:300]!r}")
                answered.append((time.perf_counter() - sent) * 1000)
                answered_at[f"fresh{i}@example.com"] = time.time()
                return sent

            count = int(rate * seconds)
            cpu_before = {name: cpu_seconds(p.process.pid) for name, p in processes(procs, tansu).items()}
            started = time.perf_counter()
            tasks = []
            for i in range(count):
                await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(post(i)))
            sent_at = sorted(await asyncio.gather(*tasks))
            load_seconds = time.perf_counter() - started
            deadline = time.perf_counter() + 30
            while (not seen or seen[-1][1] < count) and time.perf_counter() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            cpu = {name: cpu_seconds(p.process.pid) - cpu_before[name]
                   for name, p in processes(procs, tansu).items()}
            await poster.close()
        # the k-th lead (in sending order) is counted by the first push showing at least k leads
        latencies = []
        for k, sent in enumerate(sent_at, start=1):
            arrival = next((at for at, captured, _wall in seen if captured >= k), None)
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
        if tracer is not None:
            tracer.cancel()
            both = [s for s in stamps.values() if "captured" in s and "submitted" in s]
            submitted = [(s["submitted"] - posted_at[e]) * 1000 for e, s in stamps.items()
                         if "submitted" in s]
            processed = [(s["captured"] - s["submitted"]) * 1000 for s in both]
            print(f"path: {spread('POST -> submission published', submitted)}; "
                  f"{spread('submission -> lead.captured published', processed)}")
        print(f"CPU from the first post to the last push ({load_seconds:.1f} s of posting): "
              + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in cpu.items())
              + f"; {sum(cpu.values()) / count * 1000:.2f} ms a lead in all")
        if reporting_side:
            reporting_side.sort()
            print(f"reporting's part (its commit -> push arrival), {len(reporting_side)} pushes: "
                  f"p50 {statistics.median(reporting_side):.0f} ms, "
                  f"p99 {reporting_side[max(0, int(len(reporting_side) * 0.99) - 1)]:.0f} ms")
        if show_split:
            print_split(var, stamps, posted_at, answered_at, seen)
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
    parser.add_argument("--split", action="store_true",
                        help="trace the records on the broker: p50/p99 per hop and CPU per process")
    parser.add_argument("--httpx", action="store_true", help="post with httpx (~1 ms CPU a post) instead")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for every service process, e.g. LEADS_OUTBOX__LINGER_MS=2")
    arguments = parser.parse_args()
    settings = dict(item.split("=", 1) for item in arguments.env)
    asyncio.run(main(arguments.rate, arguments.seconds, arguments.split, arguments.httpx, settings))
