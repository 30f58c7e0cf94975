"""The dev stack: pure logic, the supervisor with stand-in processes, and the real Tansu broker."""

import asyncio
import io
import json
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from crm_shared.devstack.cli import build_parser, options_from_args
from crm_shared.devstack.config import (
    DEV_TOPIC_PARTITIONS,
    SERVICES,
    backoff_delay,
    broker_topic_specs,
    load_or_create_jwt_secret,
    next_restart,
    select_services,
    service_command,
    service_env,
    urls_banner,
)
from crm_shared.devstack.stack import broker_proc
from crm_shared.devstack.supervisor import Output, ProcSpec, Supervisor, format_line
from crm_shared.messaging.tansu import free_port
from crm_shared.topics import TOPICS, liveness_topic

PY = sys.executable

# ---------------------------------------------------------------- pure logic


def test_service_table():
    assert [(s.name, s.package, s.env_prefix, s.port) for s in SERVICES] == [
        ("leads", "leads", "LEADS_", 8001),
        ("sales", "sales", "SALES_", 8002),
        ("service-desk", "service_desk", "SERVICE_DESK_", 8003),
        ("reporting", "reporting", "REPORTING_", 8004),
    ]
    assert service_command(SERVICES[2], python="py") == [
        "py", "-m", "uvicorn", "--factory", "service_desk.main:create_app",
        "--host", "127.0.0.1", "--port", "8003",
    ]  # fmt: skip


def test_each_service_gets_its_own_db_and_the_same_secret(tmp_path):
    envs = {
        s.name: service_env(
            s,
            var_dir=tmp_path / "var",
            bootstrap_servers="127.0.0.1:9999",
            jwt_secret="s3cret",
            base={"PATH": "/bin", "LEADS_PORT": "1"},
        )  # fmt: skip
        for s in SERVICES
    }
    urls = {s.name: envs[s.name][s.env_prefix + "DATABASE_URL"] for s in SERVICES}
    assert len(set(urls.values())) == 4
    for s in SERVICES:
        env = envs[s.name]
        assert urls[s.name] == f"sqlite+aiosqlite:///{(tmp_path / 'var').resolve()}/{s.name}.db"
        assert env[s.env_prefix + "AUTH__JWT_SECRET"] == "s3cret"
        assert env[s.env_prefix + "KAFKA__BOOTSTRAP_SERVERS"] == "127.0.0.1:9999"
        assert env[s.env_prefix + "PORT"] == str(s.port)
        assert env["PATH"] == "/bin"  # the base environment is kept
    assert envs["leads"]["LEADS_PORT"] == "8001"  # the stack's own values win


def test_jwt_secret_is_random_once_then_stable(tmp_path):
    first = load_or_create_jwt_secret(tmp_path / "var")
    assert len(first) >= 32
    assert load_or_create_jwt_secret(tmp_path / "var") == first
    assert (tmp_path / "var" / "jwt-secret").stat().st_mode & 0o777 == 0o600
    assert load_or_create_jwt_secret(tmp_path / "other") != first


def test_backoff_doubles_up_to_30s():
    assert [backoff_delay(n) for n in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff_delay(10_000) == 30


def test_backoff_resets_after_a_healthy_minute():
    attempt, delays = 0, []
    for _ in range(4):
        delay, attempt = next_restart(attempt, uptime=0.5)
        delays.append(delay)
    assert delays == [1, 2, 4, 8]
    assert next_restart(attempt, uptime=61.0) == (1, 1)
    assert next_restart(attempt, uptime=59.0) == (16, 5)


def test_select_services_and_cli():
    assert [s.name for s in select_services(["reporting", "leads"])] == ["leads", "reporting"]
    assert len(select_services(None)) == 4
    with pytest.raises(ValueError):
        select_services(["nope"])
    args = build_parser().parse_args(["run", "--only", "sales", "--only", "sales", "--no-broker"])
    opts = options_from_args(args)
    assert opts.only == ["sales"] and not opts.use_broker and opts.broker_port == 9092


def test_topic_specs_skip_the_liveness_markers():
    specs = dict(broker_topic_specs())
    assert all(specs[t.name] == min(t.partitions, DEV_TOPIC_PARTITIONS) and specs[t.dlq] == 1 for t in TOPICS)
    assert not any(liveness_topic(s.name) in specs for s in SERVICES)


def test_prefix_and_banner(tmp_path):
    assert format_line("leads", "hello") == "leads        | hello"
    assert format_line("service-desk", "x") == "service-desk | x"
    assert format_line("sales", "x", color=True).startswith("\033[32msales       \033[0m | ")
    banner = urls_banner(list(SERVICES), "127.0.0.1:9092", tmp_path)
    assert "http://127.0.0.1:8003/asyncapi.json" in banner and "http://127.0.0.1:8004/\n" in banner
    assert "Dashboard" not in urls_banner(select_services(["leads"]), "b:1", tmp_path)


# ---------------------------------------------------------------- supervisor with stand-ins


async def eventually(check, within=15.0, every=0.05):
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(every)


def alive(pid: int) -> bool:
    """True if `pid` runs (a zombie counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


async def test_crashing_child_is_restarted_with_backoff():
    buf = io.StringIO()
    sup = Supervisor(Output(buf, color=False), stop_timeout=2)
    child = sup.start(ProcSpec("crasher", [PY, "-c", "print('boom', flush=True); raise SystemExit(3)"]))
    # restarted after 1s, then after 2s
    await eventually(lambda: buf.getvalue().count("crasher      | boom") >= 3, within=10)
    await sup.stop()
    out = buf.getvalue()
    assert child.starts >= 3
    assert "crasher exited unexpectedly (code 3)" in out
    assert "restarting in 1s" in out and "restarting in 2s" in out


async def test_output_is_prefixed_and_stop_escalates_to_kill():
    buf = io.StringIO()
    script = textwrap.dedent("""
        import signal, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print('to stdout', flush=True)
        print('to stderr', file=sys.stderr, flush=True)
        time.sleep(300)
    """)
    sup = Supervisor(Output(buf, color=False), stop_timeout=1)
    child = sup.start(ProcSpec("stubborn", [PY, "-c", script]))
    await eventually(lambda: "to stderr" in buf.getvalue() and "to stdout" in buf.getvalue())
    started = time.monotonic()
    await sup.stop()
    assert time.monotonic() - started < 5
    assert child.proc.returncode == -signal.SIGKILL and child.starts == 1
    assert "stubborn     | to stdout" in buf.getvalue() and "stubborn     | to stderr" in buf.getvalue()
    assert "killing it" in buf.getvalue()


STANDIN = textwrap.dedent("""
    import http.server, os, subprocess, sys
    prefix, pid_dir = sys.argv[1], sys.argv[2]
    grandchild = subprocess.Popen(["sleep", "300"])
    open(os.path.join(pid_dir, prefix), "w").write(f"{os.getpid()} {grandchild.pid}")
    env = os.environ
    print("standin up", env[prefix + "DATABASE_URL"], env[prefix + "KAFKA__BOOTSTRAP_SERVERS"], flush=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/readyz" else 404)
            self.end_headers()
        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", int(os.environ[prefix + "PORT"])), Handler).serve_forever()
""")

DRIVER = textwrap.dedent("""
    import asyncio, json, sys
    from pathlib import Path
    from crm_shared.devstack.config import ServiceSpec
    from crm_shared.devstack.stack import StackOptions, run_stack
    from crm_shared.devstack.supervisor import Output
    cfg = json.loads(sys.argv[1])
    services = [ServiceSpec(n, n, n.upper() + "_", p) for n, p in cfg["services"].items()]
    opts = StackOptions(var_dir=Path(cfg["var"]), broker_port=cfg["broker_port"], ready_timeout=30)
    cmd = lambda s: [sys.executable, cfg["standin"], s.env_prefix, cfg["pids"]]
    sys.exit(asyncio.run(run_stack(opts, services, cmd, Output(color=False))))
""")


def tansu_pids(port: int) -> list[int]:
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "tansu" in cmdline and f"127.0.0.1:{port} " in cmdline and alive(int(proc.name)):
            pids.append(int(proc.name))
    return pids


async def test_stack_runs_broker_and_services_and_sigterm_leaves_no_orphans(tmp_path):
    (tmp_path / "pids").mkdir()
    (tmp_path / "standin.py").write_text(STANDIN)
    broker_port = free_port()
    cfg = {
        "services": {"alpha": free_port(), "beta": free_port()},
        "var": str(tmp_path / "var"), "broker_port": broker_port,
        "standin": str(tmp_path / "standin.py"), "pids": str(tmp_path / "pids"),
    }  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        PY, "-c", DRIVER, json.dumps(cfg), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("Press Ctrl-C to stop." in line for line in lines):
                raw = await proc.stdout.readline()
                assert raw, "supervisor exited early:\n" + "".join(lines)
                lines.append(raw.decode())
        assert tansu_pids(broker_port), "the broker is not running"
        pids = [int(p) for f in (tmp_path / "pids").iterdir() for p in f.read_text().split()]
        assert len(pids) == 4 and all(alive(p) for p in pids)
        proc.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
    text = "".join(lines) + rest.decode()
    assert proc.returncode == 0, text
    db = f"sqlite+aiosqlite:///{(tmp_path / 'var').resolve()}/alpha.db 127.0.0.1:{broker_port}"
    assert f"alpha        | standin up {db}" in text
    assert "broker       | " in text and f"http://127.0.0.1:{cfg['services']['beta']}/docs" in text
    assert text.index("stopping services") < text.index("stopping broker") < text.index("stopped\n")
    await eventually(lambda: not any(alive(p) for p in pids) and not tansu_pids(broker_port), within=5)
    assert (tmp_path / "var" / "jwt-secret").exists()


# ---------------------------------------------------------------- the real broker


async def describe(bootstrap: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    await admin.start()
    try:
        names = await admin.list_topics()
        return {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics(names)}
    finally:
        await admin.close()


async def test_broker_starts_with_topics_and_is_restarted_with_them():
    port = free_port()
    buf = io.StringIO()
    sup = Supervisor(Output(buf, color=False), stop_timeout=5)
    broker = sup.start(broker_proc(port, sup.out))
    try:
        await asyncio.wait_for(broker.up.wait(), 20)
        expected = dict(broker_topic_specs())
        topics = await describe(f"127.0.0.1:{port}")
        assert {n: topics.get(n) for n in expected} == expected
        assert not any(n.startswith("crm.runtime.") for n in topics)

        os.kill(broker.proc.pid, signal.SIGKILL)  # the broker dies: restarted, topics recreated
        await eventually(lambda: broker.starts == 2 and broker.up.is_set(), within=20)
        topics = await describe(f"127.0.0.1:{port}")
        assert {n: topics.get(n) for n in expected} == expected
        assert "broker exited unexpectedly" in buf.getvalue()
    finally:
        await sup.stop()
    assert broker.proc.returncode is not None and not tansu_pids(port)
