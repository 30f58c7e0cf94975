"""The load of `bench/leads_intake.py`: its servers, a cheap HTTP/1.1 client, closed and open loops, and the
measurement of a target in turns with the trivial app."""

import asyncio
import contextlib
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from crm_shared.messaging.tansu import free_port
from crm_shared.shutdown import die_with_parent

ROOT = Path(__file__).resolve().parent.parent
RAW_PATH = "/forms/x/submissions"


class Server:
    """A running server process: its base URL and the CPU time it has used."""

    def __init__(self, url: str, pid: int):
        self.url, self.pid = url, pid

    def cpu_s(self) -> float:
        """User + system CPU seconds of the process so far (all its threads), from /proc."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def server(app: str, env: dict[str, str]):
    """One uvicorn worker in its own process; yields it (`Server`) once it answers /readyz."""
    port = free_port()
    factory = ["--factory"] if app.startswith("leads.") else []
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        app,
        *factory,
        "--no-access-log",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--app-dir",
        str(ROOT / "bench"),
        env={**os.environ, **env},
        cwd=str(ROOT),
        preexec_fn=die_with_parent(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url + "/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"{app} did not become ready")
        yield Server(url, process.pid)
    finally:
        process.terminate()
        await process.wait()


class Connection:
    """A minimal HTTP/1.1 keep-alive client (far cheaper than httpx, so the server is what is measured)."""

    def __init__(self, url: str):
        self.host, self.port = urlsplit(url).hostname, urlsplit(url).port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_form(self, path: str, fields: dict[str, str]) -> int:
        """POST a form-encoded body; the status code. A kept-alive socket the server closed meanwhile
        (idle timeout) is reopened and the post sent again, as HTTP clients do (a resent post is
        answered as the same submission anyway)."""
        if self.writer is not None:
            try:
                return await self._post(path, fields)
            except (asyncio.IncompleteReadError, ConnectionError):
                self.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return await self._post(path, fields)

    async def _post(self, path: str, fields: dict[str, str]) -> int:
        payload = urlencode(fields).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: "
            f"application/x-www-form-urlencoded\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        """Close the socket."""
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


def body(i: int, run: str) -> dict[str, str]:
    return {
        "name": f"Bench {run} {i}",  # unique: one name at one company domain is one person (merged)
        "email": f"b{i}-{run}@bench-corp.cn",
        "company": "Bench Corp",
        "message": "please call me about pricing",
        "utm_source": "bench",
    }


async def measured_loop(target: Server, path: str, seconds: float, concurrency: int):
    """`closed_loop` on the target, with the CPU time its process spent per request meanwhile."""
    before = target.cpu_s()
    rate, latencies = await closed_loop(target.url, path, seconds, concurrency)
    return rate, latencies, (target.cpu_s() - before) / max(1, len(latencies))


class Pooled:
    """One target's rounds of an interleaved measurement, pooled: requests over the time they took."""

    def __init__(self):
        self.count, self.seconds, self.cpu_s, self.latencies, self.rates = 0, 0.0, 0.0, [], []

    def add(self, rate: float, latencies: list[float], cpu_per_request: float) -> None:
        self.count += len(latencies)
        self.seconds += len(latencies) / rate if rate else 0.0
        self.cpu_s += cpu_per_request * len(latencies)
        self.latencies += latencies
        self.rates.append(rate)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def cpu(self) -> float:
        return self.cpu_s / max(1, self.count)


async def interleaved(raw: Server, target: Server, path: str, seconds: float, concurrency: int, rounds: int):
    """The trivial app and the target measured in turns (`rounds` of `seconds / rounds` each, the trivial
    app first in each): the machine's other load, which moves either alone by a factor of two over tens of
    seconds here, weighs on both alike. (trivial, target) pooled, and the ratio of each round."""
    trivial, measured, ratios = Pooled(), Pooled(), []
    await closed_loop(raw.url, RAW_PATH, 1, concurrency)  # warm up
    await closed_loop(target.url, path, 1, concurrency)
    for _ in range(rounds):
        trivial.add(*await measured_loop(raw, RAW_PATH, seconds / rounds, concurrency))
        measured.add(*await measured_loop(target, path, seconds / rounds, concurrency))
        ratios.append(measured.rates[-1] / trivial.rates[-1])
    return trivial, measured, ratios


async def closed_loop(url: str, path: str, seconds: float, concurrency: int) -> tuple[float, list[float]]:
    """Requests/s and latencies with `concurrency` connections posting back to back."""
    latencies, run, counter = [], uuid.uuid4().hex[:8], iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        connection = Connection(url)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                status = await connection.post_form(path, body(next(counter), run))
                if status != 202:
                    raise RuntimeError(f"status {status}")
                latencies.append(time.perf_counter() - started)
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies) / (time.perf_counter() - started), latencies


async def open_loop(url: str, path: str, rate: float, seconds: float) -> tuple[list[float], dict[str, float]]:
    """Latencies of posts sent on a fixed schedule (a free connection from a pool, a new one if none)."""
    latencies, sent_at, run, idle = [], {}, uuid.uuid4().hex[:8], []

    async def one(i: int) -> None:
        connection = idle.pop() if idle else Connection(url)
        data = body(i, run)
        started = time.perf_counter()
        sent_at[data["email"]] = time.time()
        status = await connection.post_form(path, data)
        if status != 202:
            raise RuntimeError(f"status {status}")
        latencies.append(time.perf_counter() - started)
        idle.append(connection)

    tasks, begin = [], time.perf_counter()
    for i in range(int(rate * seconds)):
        delay = begin + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    return latencies, sent_at


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000 if len(values) > 1 else 0.0


def line(label: str, rate: float, latencies: list[float], cpu: float | None = None) -> str:
    p50, p99 = pct(latencies, 50), pct(latencies, 99)
    server_cpu = "" if cpu is None else f"   server CPU {cpu * 1e6:5.0f} us/req"
    return f"{label:<42} {rate:>8,.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms{server_cpu}"
