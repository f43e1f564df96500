"""Create what a kaohe database needs: the database, one login role and one schema per
service, each role owning its schema and nothing else (STYLE: one role per service).

When the administrator's URL carries a password (the embedded server always does), each service
role gets a password of its own, derived from it (HMAC-SHA-256, so one service's password tells
nothing about the administrator's or another service's) and set on every provisioning; the
service URLs carry it.
"""

from __future__ import annotations

import hashlib
import hmac

import asyncpg
from sqlalchemy.engine import make_url

DATABASE_SERVICES = ("records", "scoring", "quota")
# Every service with a schema of its own: the domain services and the gateway (users, keys, audit).
SCHEMA_SERVICES = (*DATABASE_SERVICES, "gateway")


def role_for(service: str) -> str:
    return f"kaohe_{service}"


def _plain(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def role_password(admin_url: str, service: str) -> str | None:
    admin_password = make_url(admin_url).password
    if not admin_password:
        return None
    return hmac.new(str(admin_password).encode(), f"kaohe-role:{role_for(service)}".encode(),
                    hashlib.sha256).hexdigest()


def service_url(admin_url: str, database: str, service: str) -> str:
    parsed = make_url(admin_url).set(database=database, username=role_for(service),
                                     password=role_password(admin_url, service))
    return parsed.render_as_string(hide_password=False)


async def create_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(_plain(admin_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}" ENCODING \'UTF8\' TEMPLATE template0')
    finally:
        await conn.close()


async def provision(admin_url: str, database: str,
                    services: tuple[str, ...] = SCHEMA_SERVICES) -> dict[str, str]:
    """Idempotent. Returns each service's connection URL (its own role, with its password if any)."""
    await create_database(admin_url, database)
    target = make_url(_plain(admin_url)).set(database=database).render_as_string(hide_password=False)
    conn = await asyncpg.connect(target)
    try:
        await conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
        for service in services:
            role = role_for(service)
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            if not exists:
                await conn.execute(f'CREATE ROLE "{role}" LOGIN')
            password = role_password(admin_url, service)
            if password is not None:  # hex digits: nothing to escape
                await conn.execute(f"ALTER ROLE \"{role}\" PASSWORD '{password}'")
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{service}" AUTHORIZATION "{role}"')
            await conn.execute(f'ALTER ROLE "{role}" SET search_path TO "{service}"')
    finally:
        await conn.close()
    return {service: service_url(admin_url, database, service) for service in services}


async def drop_database(admin_url: str, database: str) -> None:
    conn = await asyncpg.connect(_plain(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()
