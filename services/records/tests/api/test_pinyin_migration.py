"""The migration that adds the pinyin columns spells the names already on the roster."""

from __future__ import annotations

import asyncio
import secrets
import uuid

import asyncpg
from alembic import command

from shared.migrations import alembic_config, upgrade_head
from shared.provision import drop_database, provision
from shared.testing import alembic_ini_for


async def test_existing_people_are_spelled(postgres_admin_url: str) -> None:
    name = f"kaohe_pinyin_{secrets.token_hex(3)}"
    urls = await provision(postgres_admin_url, name)
    try:
        config = alembic_config(alembic_ini_for("records"), urls["records"])
        await asyncio.to_thread(command.upgrade, config, "r0e1c0000006")
        dsn = urls["records"].replace("postgresql+asyncpg://", "postgresql://")
        conn = await asyncpg.connect(dsn)
        try:
            await conn.executemany("INSERT INTO records.persons (id, staff_no, name) VALUES ($1, $2, $3)",
                                   [(uuid.uuid4(), f"m{i}", n) for i, n in enumerate(("单田芳", "曾小明", "张伟"))])
            await asyncio.to_thread(upgrade_head, alembic_ini_for("records"), urls["records"])
            rows = await conn.fetch("SELECT name, name_pinyin, name_short FROM records.persons ORDER BY staff_no")
        finally:
            await conn.close()
        assert [tuple(r) for r in rows] == [("单田芳", "shantianfang", "stf shantf"),
                                            ("曾小明", "zengxiaoming", "zxm zengxm"), ("张伟", "zhangwei", "zw zhangw")]
    finally:
        await drop_database(postgres_admin_url, name)
