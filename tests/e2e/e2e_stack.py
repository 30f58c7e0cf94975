"""Run CRM services as real processes for end-to-end tests (the dev stack's own commands and env)."""

import dataclasses
import subprocess
import time
from pathlib import Path

import httpx

from crm_shared.devstack.config import SERVICES, service_command, service_env
from crm_shared.messaging.tansu import free_port

JWT_SECRET = "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


class ServiceProcess:
    """One service process on a free port, logging to a file."""

    def __init__(self, name: str, *, bootstrap: str, var_dir: Path, log_dir: Path, suffix: str = "",
                 extra_env: dict[str, str] | None = None):
        spec = next(s for s in SERVICES if s.name == name)
        self.spec = dataclasses.replace(spec, port=free_port())
        self.name = name + suffix
        env = service_env(self.spec, var_dir=var_dir, bootstrap_servers=bootstrap, jwt_secret=JWT_SECRET)
        env[f"{spec.env_prefix}KAFKA__WATCHDOG_INTERVAL_S"] = "0.5"
        env.update(extra_env or {})
        self.log_path = log_dir / f"{self.name}.log"
        self.process = subprocess.Popen(service_command(self.spec), env=env,
                                        stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT)

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
