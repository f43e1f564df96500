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
async def session(records_app: FastAPI) -> AsyncIterator[AsyncSession]:
    async with rolled_back(records_app) as session:
        yield session


@pytest.fixture
async def client(records_app: FastAPI, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(records_app, headers=service_headers(PROVINCE)) as c:
        yield c
