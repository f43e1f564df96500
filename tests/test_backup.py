"""A populated database goes through pg_dump and pg_restore and comes back row for row."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from pathlib import Path

import asyncpg
from fastapi import FastAPI

from shared.backup import dump, restore
from shared.provision import create_database, drop_database
from shared.testing import asgi_client, service_headers

TABLES = """SELECT n.nspname AS schema, c.relname AS name
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname IN ('records', 'scoring', 'quota', 'gateway') ORDER BY 1, 2"""


async def counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(TABLES)
        return {f"{t['schema']}.{t['name']}":
                await conn.fetchval(f'SELECT count(*) FROM "{t["schema"]}"."{t["name"]}"')  # noqa: S608
                for t in tables}
    finally:
        await conn.close()


async def test_round_trip(records_app: FastAPI, database_urls: dict[str, str], postgres_admin_url: str,
                          tmp_path: Path) -> None:
    async with asgi_client(records_app, headers=service_headers()) as client:
        region = (await client.post("/api/v1/records/regions", json={"code": f"b{uuid.uuid4().hex[:6]}",
                                                                      "name": "备份"})).json()
        unit = (await client.post("/api/v1/records/units", json={"region_id": region["id"], "code": "U", "name": "单位",
                                                                  "kind": "township"})).json()
        person = (await client.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": f"b{uuid.uuid4().hex[:6]}", "name": "张三", "staff_category": "staff",
            "active_from": "2025-01-01"})).json()
        rows = [{"staff_no": person["staff_no"], "day": f"2025-02-{d:02d}", "status": "出勤"} for d in range(1, 21)]
        assert (await client.put("/api/v1/records/attendance", json={"rows": rows})).status_code == 200
    source = database_urls["records"].rsplit("@", 1)[1].split("/", 1)[1]
    admin = postgres_admin_url.rsplit("/", 1)[0]
    backup = tmp_path / "kaohe.dump"
    await asyncio.to_thread(dump, f"{admin}/{source}", backup)
    copy = f"kaohe_restored_{secrets.token_hex(3)}"
    await create_database(postgres_admin_url, copy)
    try:
        await asyncio.to_thread(restore, f"{admin}/{copy}", backup)
        before, after = await counts(f"{admin}/{source}"), await counts(f"{admin}/{copy}")
        assert after == before
        assert before["records.attendance"] >= 20
    finally:
        await drop_database(postgres_admin_url, copy)
