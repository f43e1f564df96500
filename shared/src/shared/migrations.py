"""Alembic plumbing shared by every service's ``migrations/env.py``.

Each service keeps its own history in its own schema (``<schema>.alembic_version``) and
autogenerate looks at that schema only, so no service can migrate another's tables.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import async_url


def _include_name(schema: str):  # type: ignore[no-untyped-def]
    def include(name: str | None, type_: str, parent_names: object) -> bool:
        if type_ == "schema":
            return name == schema
        # the job queue's own tables (pgqueuer's; see ``shared.jobs.table``), created by their library's SQL
        return not (type_ == "table" and name is not None and name.startswith("pgqueuer"))

    return include


def run_env(*, schema: str, target_metadata: MetaData, default_url: str | None) -> None:
    """Body of a service's ``env.py``: offline SQL or online upgrade in the service schema."""
    config = context.config
    url = config.attributes.get("database_url") or default_url
    if not url:
        raise RuntimeError("no database URL: set KAOHE_DATABASE_URL or the service's own")
    options = {
        "target_metadata": target_metadata,
        "version_table_schema": schema,
        "include_schemas": True,
        "include_name": _include_name(schema),
        "compare_type": True,
    }
    if context.is_offline_mode():
        context.configure(url=async_url(url), literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()

    async def online() -> None:
        # Keep the service schema off the search path while migrating (the dialect reads its
        # default schema at connect): reflection then names the schema explicitly, as the models do.
        engine = create_async_engine(async_url(url), poolclass=pool.NullPool,
                                     connect_args={"server_settings": {"search_path": "public"}})
        try:
            async with engine.connect() as connection:
                # Provisioned databases already hold the schema, owned by the service's
                # role, which may not create schemas; create it only where it is missing.
                exists = await connection.scalar(
                    text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema})
                if not exists:
                    await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
                await connection.commit()
                await connection.run_sync(do_run)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(online())


def alembic_config(alembic_ini: Path, database_url: str | None = None) -> Config:
    config = Config(str(alembic_ini))
    config.set_main_option("script_location", str(alembic_ini.parent / "migrations"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade_head(alembic_ini: Path, database_url: str) -> None:
    """Apply every migration of one service. Blocking: call from a thread inside a loop."""
    command.upgrade(alembic_config(alembic_ini, database_url), "head")


def script_heads(alembic_ini: Path) -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config(alembic_ini)).get_heads())
