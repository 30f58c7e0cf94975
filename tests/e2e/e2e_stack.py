"""Run CRM services as real processes for end-to-end tests (the dev stack's own commands and env)."""

import asyncio
import contextlib
import dataclasses
import subprocess
import time
from pathlib import Path

import httpx

from crm_shared.devstack.config import SERVICES, service_command, service_env
from crm_shared.messaging.tansu import free_port
from crm_shared.shutdown import die_with_parent

JWT_SECRET = "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


class ServiceProcess:
    """One service process on a free port, logging to a file."""

    def __init__(self, name: str, *, bootstrap: str, var_dir: Path, log_dir: Path, suffix: str = "",
                 extra_env: dict[str, str] | None = None, topic_partitions: int | None = None):
        spec = next(s for s in SERVICES if s.name == name)
        self.spec = dataclasses.replace(spec, port=free_port())
        self.name = name + suffix
        env = service_env(self.spec, var_dir=var_dir, bootstrap_servers=bootstrap, jwt_secret=JWT_SECRET)
        env[f"{spec.env_prefix}KAFKA__WATCHDOG_INTERVAL_S"] = "0.5"
        if topic_partitions is not None:  # else the dev stack's (0: the registry's counts)
            env[f"{spec.env_prefix}KAFKA__TOPIC_PARTITIONS"] = str(topic_partitions)
        env.update(extra_env or {})
        self.env, self.log_path = env, log_dir / f"{self.name}.log"
        self.process = self._start()

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(service_command(self.spec), env=self.env,
                                stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT,
                                preexec_fn=die_with_parent())

    def restart(self, pause_s: float = 0.0) -> None:
        """Stop the process, wait `pause_s`, start it again on the same port and database; returns once it
        is started (not yet ready: `wait_ready`)."""
        self.stop()
        time.sleep(pause_s)
        self.process = self._start()

    @property
    def url(self) -> str:
        """The service's base URL."""
        return self.spec.base_url

    def wait_ready(self, timeout: float = 60.0) -> dict:
        """Block until /readyz answers 200; return its body."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
            try:
                response = httpx.get(self.url + "/readyz", timeout=2)
                if response.status_code == 200:
                    return response.json()
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM, then kill after 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


ADMIN = {"username": "admin@example.com", "password": "admin-change-me"}


@contextlib.asynccontextmanager
async def four_services(var_dir: Path, bootstrap: str, extra_env: dict[str, dict[str, str]] | None = None):
    """leads, sales, service-desk and reporting as processes on `bootstrap`, ready; {name: process}.

    Reporting signs dashboard users in through this sales (REPORTING_SALES_URL)."""
    extra_env = extra_env or {}
    common = {"bootstrap": bootstrap, "var_dir": var_dir, "log_dir": var_dir}
    procs = {name: ServiceProcess(name, extra_env=extra_env.get(name), **common)
             for name in ("leads", "sales", "service-desk")}
    procs["reporting"] = ServiceProcess("reporting", extra_env={
        "REPORTING_SALES_URL": procs["sales"].url, **extra_env.get("reporting", {})}, **common)
    try:
        for proc in procs.values():
            await asyncio.to_thread(proc.wait_ready, 300.0)
        yield procs
    finally:
        for proc in procs.values():
            proc.stop()


def seed_endpoints(procs: dict[str, ServiceProcess]):
    """The dev-stack seeder's endpoints for these processes."""
    from crm_shared.devstack.seed_api import Endpoints

    return Endpoints(leads=procs["leads"].url, sales=procs["sales"].url, desk=procs["service-desk"].url,
                     reporting=procs["reporting"].url)


async def admin_headers(client: httpx.AsyncClient, sales_url: str) -> dict[str, str]:
    """A bearer header for the first admin (sales' bootstrap default)."""
    response = await client.post(sales_url + "/auth/token", data=ADMIN)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
