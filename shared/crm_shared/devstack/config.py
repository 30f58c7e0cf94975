"""The pure part of the dev stack: the service table, per-service environment, backoff, URLs.

Nothing here starts a process, so unit tests can call every function directly.
"""

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from crm_shared.topics import SERVICES as SERVICE_NAMES
from crm_shared.topics import all_topic_specs, liveness_topic

HOST = "127.0.0.1"
JWT_SECRET_FILE = "jwt-secret"
BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 30.0
BACKOFF_RESET_AFTER_S = 60.0
# Partitions per topic on the embedded broker. The registry's counts (up to 6) are for scaling out on
# Kafka; here each service runs one process, which reads every partition of its topics anyway, and each
# partition costs Tansu and the consumer on every fetch (every 10 ms: Tansu answers a waiting fetch late,
# so consumers poll). Measured idle, four services: 90% of a core at the registry's counts (Tansu 52%),
# 41% at one partition a topic (Tansu 17%).
DEV_TOPIC_PARTITIONS = 1


@dataclass(frozen=True)
class ServiceSpec:
    """One CRM service as the dev stack runs it."""

    name: str  # "service-desk": the name in logs, the DB file and --only
    package: str  # "service_desk": the Python package holding main:create_app
    env_prefix: str  # "SERVICE_DESK_": the prefix of its settings environment variables
    port: int

    @property
    def factory(self) -> str:
        """The uvicorn app factory."""
        return f"{self.package}.main:create_app"

    @property
    def base_url(self) -> str:
        """Where the service answers HTTP."""
        return f"http://{HOST}:{self.port}"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("leads", "leads", "LEADS_", 8001),
    ServiceSpec("sales", "sales", "SALES_", 8002),
    ServiceSpec("service-desk", "service_desk", "SERVICE_DESK_", 8003),
    ServiceSpec("reporting", "reporting", "REPORTING_", 8004),
)
assert tuple(s.name for s in SERVICES) == SERVICE_NAMES, "service table out of step with crm_shared.topics"


def select_services(only: list[str] | None = None) -> list[ServiceSpec]:
    """The services to run: all of them, or those named in `only` (in table order)."""
    if not only:
        return list(SERVICES)
    unknown = sorted(set(only) - set(SERVICE_NAMES))
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(unknown)}; known: {', '.join(SERVICE_NAMES)}")
    return [s for s in SERVICES if s.name in only]


def database_url(spec: ServiceSpec, var_dir: Path) -> str:
    """The service's own SQLite file under `var_dir` (absolute, so the child's cwd does not matter)."""
    return f"sqlite+aiosqlite:///{Path(var_dir).resolve() / (spec.name + '.db')}"


def service_env(
    spec: ServiceSpec,
    *,
    var_dir: Path,
    bootstrap_servers: str,
    jwt_secret: str,
    base: dict[str, str] | None = None,
) -> dict[str, str]:
    """The full environment of one service process: `base` (default os.environ) plus its settings."""
    env = dict(os.environ if base is None else base)
    p = spec.env_prefix
    env.update(
        {
            f"{p}DATABASE_URL": database_url(spec, var_dir),
            f"{p}KAFKA__BOOTSTRAP_SERVERS": bootstrap_servers,
            f"{p}KAFKA__TOPIC_PARTITIONS": str(DEV_TOPIC_PARTITIONS),  # if it recreates them
            f"{p}AUTH__JWT_SECRET": jwt_secret,
            f"{p}HOST": HOST,
            f"{p}PORT": str(spec.port),
            "PYTHONUNBUFFERED": "1",  # log lines reach the supervisor as they are written
        }
    )
    if env.get(f"{p}MODE", "development") != "production":  # `make seed` backdates its requests to
        env.setdefault(f"{p}DEMO_CLOCK", "true")  # build a year of history (crm_shared.democlock)
    return env


def service_command(spec: ServiceSpec, python: str | None = None) -> list[str]:
    """The command line that runs one service."""
    return [
        python or sys.executable, "-m", "uvicorn", "--factory", spec.factory,
        "--host", HOST, "--port", str(spec.port),
    ]  # fmt: skip


def load_or_create_jwt_secret(var_dir: Path) -> str:
    """The dev stack's JWT secret: random once, then read back from `var_dir/jwt-secret` on every run."""
    path = Path(var_dir) / JWT_SECRET_FILE
    if path.exists():
        secret = path.read_text().strip()
        if secret:
            return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(secret + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)
    return secret


def backoff_delay(attempt: int, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_CAP_S) -> float:
    """Seconds to wait before restart number `attempt` (0-based): 1, 2, 4, 8, 16, 30, 30, …"""
    return min(cap, base * 2 ** min(attempt, 32))


def next_restart(
    attempt: int, uptime: float, reset_after: float = BACKOFF_RESET_AFTER_S
) -> tuple[float, int]:
    """After a crash: (delay before the restart, the attempt counter to carry on with).

    A process that ran at least `reset_after` seconds counts as healthy, so the backoff starts over.
    """
    if uptime >= reset_after:
        attempt = 0
    return backoff_delay(attempt), attempt + 1


def broker_topic_specs() -> list[tuple[str, int]]:
    """The topics the dev stack creates: the registry without the services' liveness markers, with at
    most `DEV_TOPIC_PARTITIONS` partitions each.

    A liveness marker must be created by its service only: its absence after a broker restart is how
    the service notices the reset, so the supervisor must not recreate it behind the service's back.
    """
    markers = {liveness_topic(s) for s in SERVICE_NAMES}
    return [(name, parts) for name, parts in all_topic_specs(DEV_TOPIC_PARTITIONS) if name not in markers]


def urls_banner(services: list[ServiceSpec], bootstrap_servers: str, var_dir: Path) -> str:
    """The block printed once every service is ready."""
    names = {s.name for s in services}
    rule = "=" * 72
    lines = [rule, f"  CRM dev stack is up   broker {bootstrap_servers}   data {Path(var_dir).resolve()}", ""]
    for s in services:
        lines.append(f"  {s.name:<13} API docs   {s.base_url}/docs")
        lines.append(f"  {'':<13} AsyncAPI   {s.base_url}/asyncapi.json")
    if "reporting" in names:
        reporting = next(s for s in services if s.name == "reporting")
        lines += ["", f"  Dashboard     {reporting.base_url}/"]
    lines += ["", "  Press Ctrl-C to stop.", rule]
    return "\n".join(lines)
