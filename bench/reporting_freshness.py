"""Freshness of the live dashboard: lead POST -> the `dashboard` push that counts it, at a fixed rate.

    .venv/bin/python bench/reporting_freshness.py [--rate 200] [--seconds 5]

Starts a private Tansu broker and leads, sales and reporting as separate processes (as `make run` does),
logs in through reporting's `POST /session`, subscribes to `GET /stream`, then posts leads to leads'
`POST /leads` in an open loop at `--rate` per second. A lead's freshness is the time from sending its POST
to receiving the first push whose captured count includes it. Prints p50 and p99 (target p99 <= 200 ms).

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

from crm_shared.messaging.tansu import TansuBroker, free_port

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


async def main(rate: float, seconds: float) -> None:
    tansu = TansuBroker(free_port()).start()
    var = Path(tempfile.mkdtemp(prefix="freshness-"))
    common = {"bootstrap": tansu.bootstrap_servers, "var_dir": var, "log_dir": var}
    procs = {name: ServiceProcess(name, **common) for name in ("leads", "sales")}
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
            await asyncio.wait_for(ready.wait(), 30)
            headers = {"Authorization": f"Bearer {token}"}

            answered: list[float] = []

            async def post(i: int) -> float:
                sent = time.perf_counter()
                response = await client.post(
                    procs["leads"].url + "/leads",
                    headers=headers,
                    json={"name": f"Fresh {i}", "email": f"fresh{i}@example.com", "source": "web_form"},
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
            f"{len(latencies)}/{count} leads seen on the dashboard; {len(seen)} pushes; POST /leads answered "
            f"in p50 {statistics.median(answered):.0f} ms, p99 {post_p99:.0f} ms"
        )
        print(f"freshness at {rate:.0f} leads/s: p50 {p50:.0f} ms, p99 {p99:.0f} ms (target p99 <= 200 ms)")
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
