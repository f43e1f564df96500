from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shared.service_auth import Caller
from shared.testing import asgi_client, rolled_back, service_headers

PROVINCE = Caller(subject="user:province-admin", roles=("province_admin",))


@pytest.fixture
async def session(quota_app: FastAPI) -> AsyncIterator[AsyncSession]:
    """The one transaction every request of a test runs in; rolled back at the end."""
    async with rolled_back(quota_app) as session:
        yield session


@pytest.fixture
async def client(quota_app: FastAPI, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """The quota service as the gateway calls it."""
    async with asgi_client(quota_app, headers=service_headers(PROVINCE)) as c:
        yield c
