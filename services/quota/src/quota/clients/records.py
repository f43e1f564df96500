"""Typed calls to the records service: only the fields quota reads."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from pydantic import BaseModel

from shared.errors import UpstreamUnavailable
from shared.http import ServiceClient, ServiceTokens
from shared.pagination import every_item
from shared.service_auth import Caller


class UnitHeadcount(BaseModel):
    unit_id: uuid.UUID
    code: str | None = None
    name: str | None = None
    kind: str
    evaluation_group: str | None
    headcount: int


class RecordsClient:
    def __init__(self, *, base_url: str, secret: str, timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.service = ServiceClient(name="records", base_url=base_url, tokens=ServiceTokens(secret),
                                     timeout=httpx.Timeout(timeout, connect=2.0), transport=transport)

    async def year_end_headcounts(self, region_id: uuid.UUID, year: int, *,
                                  caller: Caller) -> dict[str, UnitHeadcount] | None:
        """Every unit of the region with the people in the year's scope (on its roster for at least the
        share of the year records grades by: shared.periods.in_scope_of), keyed by unit id; None if
        records has no such region."""
        response = await self.service.request("GET", f"/api/v1/records/regions/{region_id}/headcounts",
                                              caller=caller, params={"period": str(year)})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise UpstreamUnavailable(f"records answered {response.status_code} for the headcounts")
        units = [UnitHeadcount.model_validate(u) for u in response.json()["units"]]
        return {str(u.unit_id): u for u in units}

    async def honours(self, region_id: uuid.UUID, year: int, *, caller: Caller) -> list[dict[str, Any]]:
        """The region's honours of the ledger awarded in the year and not voided (every page)."""
        honours = await every_item(self.service, "/api/v1/records/honours", caller=caller, params={
            "region_id": str(region_id), "from": f"{year}-01-01", "to": f"{year}-12-31"})
        if honours is None:
            raise UpstreamUnavailable("records did not answer for the honours")
        return honours

    async def aclose(self) -> None:
        await self.service.aclose()
