"""``kaohe backup`` and ``kaohe restore``: which URL reads or writes each service's schema.

The embedded stack (running or not) is read through its superuser, every schema in one snapshot,
and restored through each service's own role into a database provisioned for them. One shared URL
reads and restores every schema through itself (each restored under the role that owned it). With
a URL per service, each schema goes through its own.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from kaohe.config import StackSettings
from kaohe.stack import Database
from shared import backup as pg
from shared.provision import create_database, provision


@dataclass(frozen=True)
class Done:
    manifest: pg.Manifest
    seconds: float
    size: int


def _renamed(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def backup(settings: StackSettings, database: Database, path: Path) -> Done:
    if not path.parent.is_dir():
        raise pg.BackupError(f"no folder {path.parent} to write the backup in")
    if database.embedded is not None:
        admin = database.embedded.url(settings.database_name)
        urls = dict.fromkeys(database.urls, admin)
    else:
        urls = database.urls
    started = time.monotonic()
    manifest = pg.backup(urls, path)
    return Done(manifest, time.monotonic() - started, path.stat().st_size)


def restore_targets(settings: StackSettings, database: Database, into: str | None) -> dict[str, str]:
    """Each schema's URL in the database restored into: ``into`` (created where kaohe may create it:
    the embedded server, one shared URL) or the configured one."""
    if database.embedded is not None:
        if into is None:
            return database.urls
        return asyncio.run(provision(database.embedded.url(), into))
    if into is None:
        return database.urls
    if settings.database_url:
        asyncio.run(create_database(settings.database_url, into))
    return {service: _renamed(url, into) for service, url in database.urls.items()}


def restore(settings: StackSettings, database: Database, path: Path, into: str | None) -> Done:
    if not path.is_file():
        raise pg.BackupError(f"no backup file at {path}")
    targets = restore_targets(settings, database, into)
    started = time.monotonic()
    manifest = pg.restore(targets, path)
    return Done(manifest, time.monotonic() - started, path.stat().st_size)
