"""Start and stop the local stack as ``make run`` does, from tests and benchmarks."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from kaohe.stack import DEMO_ADMIN, all_ready
from shared.embedded_pg import FREE_PORTS_ENV, free_port

SERVICES = ("gateway", "records", "scoring", "quota")


@dataclass
class LocalStack:
    process: subprocess.Popen[bytes]
    log: Path
    home: Path
    ports: dict[str, int]

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def child_pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", self.output())]

    def pid(self, process: str) -> int:
        """The pid of ``process`` as last started (the launcher restarts one that dies)."""
        return self.pids(process)[-1]

    def pids(self, process: str) -> list[int]:
        return [int(pid) for pid in re.findall(rf"\| {process} started \(pid=(\d+)\)", self.output())]

    def service_secret(self) -> str:
        return (self.home / "service-secret").read_text().strip()

    def database_url(self, database: str = "kaohe") -> str:
        """The embedded server's superuser URL, with the password ``kaohe run`` generated and kept."""
        password = (self.home / "pg-password").read_text().strip()
        return f"postgresql://postgres:{password}@127.0.0.1:{self.ports['pg']}/{database}"

    def admin_client(self, timeout: float) -> httpx.Client:
        """A client of the gateway signed in as the stack's first administrator (close it, or use it in ``with``)."""
        answer = httpx.post(f"{self.gateway}/api/v1/auth/token", timeout=timeout,
                            data=dict(zip(("username", "password"), DEMO_ADMIN, strict=True)))
        return httpx.Client(base_url=self.gateway, timeout=timeout,
                            headers={"authorization": f"Bearer {answer.json()['access_token']}"})

    def wait_ready(self, within: float = 60.0) -> float:
        """Seconds until the gateway's /readyz is green with every service; raises if the stack died or timed
        out."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            if self.process.poll() is not None:
                raise RuntimeError(f"the stack exited early:\n{self.output()[-3000:]}")
            if all_ready(self.gateway):
                return time.monotonic() - started
            time.sleep(0.25)
        raise TimeoutError(f"not ready within {within} s:\n{self.output()[-3000:]}")

    def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C as a terminal sends it; waits for the launcher to finish."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)


STACK_ENV_PREFIXES = ("KAOHE_", "RECORDS_", "SCORING_", "QUOTA_", "GATEWAY_")


def unconfigured_environ() -> dict[str, str]:
    """This process's environment without any of the stack's settings, for a stack or a command that
    must see only what it is given; the range of local ports to draw from is kept."""
    return {k: v for k, v in os.environ.items() if not k.startswith(STACK_ENV_PREFIXES) or k == FREE_PORTS_ENV}


def free_ports() -> dict[str, int]:
    return {name: free_port() for name in (*SERVICES, "pg")}


def start_stack(home: Path, log: Path, ports: dict[str, int] | None = None,
                extra_env: dict[str, str] | None = None, demo_scale: float | None = None) -> LocalStack:
    """``kaohe run`` on the embedded database in ``home``, on free (or given) ports; without the
    demo county unless ``demo_scale`` is given."""
    ports = ports or free_ports()
    env = unconfigured_environ()
    env.update({f"KAOHE_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env["KAOHE_HOME"] = str(home)
    env["KAOHE_DEMO"] = "false" if demo_scale is None else "true"
    # the first administrator given as an operator would, so it is not made to change its password first
    env["KAOHE_ADMIN_USERNAME"], env["KAOHE_ADMIN_PASSWORD"] = DEMO_ADMIN
    if demo_scale is not None:
        env["KAOHE_DEMO_SCALE"] = str(demo_scale)
    env.update(extra_env or {})
    home.parent.mkdir(parents=True, exist_ok=True)
    kaohe = Path(sys.executable).parent / "kaohe"
    with log.open("wb") as out:
        process = subprocess.Popen([str(kaohe), "run"], stdout=out, stderr=subprocess.STDOUT, env=env,
                                   cwd=home.parent)
    return LocalStack(process=process, log=log, home=home, ports=ports)


@contextmanager
def running_stack(home: Path, log: Path, *, within: float = 90.0,
                  extra_env: dict[str, str] | None = None) -> Iterator[LocalStack]:
    """``start_stack`` until every service is ready; Ctrl-C at the end (a kill should that hang)."""
    stack = start_stack(home, log, extra_env=extra_env)
    try:
        stack.wait_ready(within)
        yield stack
    finally:
        try:
            stack.interrupt()
        finally:
            if stack.process.poll() is None:
                stack.process.kill()
