from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shared.service_auth import Caller
from shared.testing import asgi_client, rolled_back, service_headers

PROVINCE = Caller(subject="user:province-admin", roles=("province_admin",))


@pytest.fixture
async def session(records_app: FastAPI) -> AsyncIterator[AsyncSession]:
    async with rolled_back(records_app) as session:
        yield session


@pytest.fixture
async def region(client: httpx.AsyncClient) -> dict[str, Any]:
    """A new region with a township XC and a department ZZB."""
    from .test_roster import make_region, make_unit

    region = await make_region(client, f"r{uuid.uuid4().hex[:6]}")
    for code, kind in (("XC", "township"), ("ZZB", "department")):
        await make_unit(client, region["id"], code, kind)
    return region


@pytest.fixture
async def client(records_app: FastAPI, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(records_app, headers=service_headers(PROVINCE)) as c:
        yield c


FILE_KEYS = ("skipped", "dry_run", "layout")


def counts(response: httpx.Response) -> dict[str, object]:
    """An import's answer without what it says of the file's layout (asserted where it matters)."""
    return {k: v for k, v in response.json().items() if k not in FILE_KEYS}


def bare(error: dict[str, object]) -> dict[str, object]:
    """A row error without the sheet and heading a file import adds."""
    return {k: v for k, v in error.items() if k not in ("sheet", "heading")}
