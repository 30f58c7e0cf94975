"""The dev stack: the Tansu broker and its topics first, then the services, then the URLs; stop in reverse."""

import asyncio
import contextlib
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from crm_shared.devstack.config import (
    HOST,
    ServiceSpec,
    broker_topic_specs,
    load_or_create_jwt_secret,
    select_services,
    service_command,
    service_env,
    urls_banner,
)
from crm_shared.devstack.supervisor import Output, ProcSpec, Supervisor
from crm_shared.messaging.admin import ensure_topics
from crm_shared.messaging.tansu import TansuBroker, wait_for_port


@dataclass
class StackOptions:
    """Everything `run` can be told."""

    var_dir: Path = Path("var")
    broker_port: int = 9092
    use_broker: bool = True
    bootstrap_servers: str = "127.0.0.1:9092"  # only used with use_broker=False
    only: list[str] = field(default_factory=list)
    ready_timeout: float = 90.0
    stop_timeout: float = 10.0
    color: bool | None = None


async def create_topics(bootstrap_servers: str, within: float = 20.0) -> list[str]:
    """Create the registry's topics, retrying while the broker is still coming up."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await ensure_topics(bootstrap_servers, broker_topic_specs())
        except Exception:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.5)


def broker_proc(port: int, out: Output) -> ProcSpec:
    """The broker as a supervised process; after every (re)start its topics are (re)created."""
    broker = TansuBroker(port=port)

    async def after_start() -> None:
        await asyncio.to_thread(wait_for_port, HOST, port, 15.0)
        created = await create_topics(broker.bootstrap_servers)
        out.note(f"broker ready on {broker.bootstrap_servers}; created {len(created)} topics")

    return ProcSpec("broker", broker.command(), after_start=after_start)


def busy_ports(ports: list[int]) -> list[int]:
    """Those of `ports` something already listens on (or that cannot be bound) on 127.0.0.1."""
    busy = []
    for port in ports:
        with socket.socket() as sock:
            # SO_REUSEADDR: a port left in TIME_WAIT by a stopped stack is free; a listener is not.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, port))
            except OSError:
                busy.append(port)
    return busy


async def wait_ready(services: list[ServiceSpec], within: float, stop: asyncio.Event) -> list[str]:
    """Poll GET /readyz until every service answers 200; return the names still not ready."""
    pending = {s.name: s for s in services}
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        while pending and not stop.is_set() and time.monotonic() < deadline:
            for name, spec in list(pending.items()):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{spec.base_url}/readyz")).status_code == 200:
                        del pending[name]
            if pending:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
    return sorted(pending)


async def _until_first(*aws) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()


async def run_stack(
    opts: StackOptions,
    services: list[ServiceSpec] | None = None,
    command: Callable[[ServiceSpec], list[str]] = service_command,
    out: Output | None = None,
) -> int:
    """Run until SIGINT/SIGTERM, then stop the services, then the broker. Returns the exit status."""
    out = out or Output(color=opts.color)
    services = select_services(opts.only) if services is None else services
    var_dir = opts.var_dir.resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    busy = busy_ports(([opts.broker_port] if opts.use_broker else []) + [s.port for s in services])
    if busy:
        out.note(f"port(s) already in use on {HOST}: {', '.join(map(str, busy))}; is another stack running?")
        return 1

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        out.note(f"{sig.name}: stopping" if not stop.is_set() else f"{sig.name}: already stopping")
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    sup = Supervisor(out, stop_timeout=opts.stop_timeout)
    try:
        if opts.use_broker:
            bootstrap = f"{HOST}:{opts.broker_port}"
            broker = sup.start(broker_proc(opts.broker_port, out))
            await _until_first(broker.up.wait(), stop.wait())
        else:
            bootstrap = opts.bootstrap_servers
            try:
                created = await create_topics(bootstrap, within=30.0)
                out.note(f"external broker {bootstrap}: created {len(created)} topics")
            except Exception as exc:  # noqa: BLE001 - the services create topics too; go on
                out.note(f"could not create topics on {bootstrap}: {exc!r}")
        if not stop.is_set():
            secret = load_or_create_jwt_secret(var_dir)
            for spec in services:
                env = service_env(spec, var_dir=var_dir, bootstrap_servers=bootstrap, jwt_secret=secret)
                sup.start(ProcSpec(spec.name, command(spec), env=env))
            missing = await wait_ready(services, opts.ready_timeout, stop)
            if not stop.is_set():
                if missing:
                    out.note(f"not ready after {opts.ready_timeout:g}s: {', '.join(missing)} (see above);"
                             " still waiting")
                    await wait_ready(services, float("inf"), stop)
            if not stop.is_set():
                out.stream.write("\n" + urls_banner(services, bootstrap, var_dir) + "\n\n")
                out.stream.flush()
        await stop.wait()
    finally:
        out.note("stopping services")
        await sup.stop([s.name for s in services])
        if "broker" in sup.children:
            out.note("stopping broker")
            await sup.stop(["broker"])
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        out.note("stopped")
    return 0
