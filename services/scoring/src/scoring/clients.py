"""Typed calls to the neighbours: the records summary of a scheme's people, quota's published slots."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import httpx
import orjson

from shared.errors import NotFound, UpstreamTimeout, UpstreamUnavailable
from shared.http import NDJSON, ServiceClient, ServiceTokens, lines
from shared.pagination import every_item
from shared.service_auth import SYSTEM_CALLER, Caller

UNITS_KEPT_SECONDS = 60.0
#: people named per call to records (its batch's most)
NAMES_PER_CALL = 1000


class Neighbours:
    def __init__(self, *, records_url: str, quota_url: str, secret: str, timeout: float,
                 records_transport: httpx.AsyncBaseTransport | None = None,
                 quota_transport: httpx.AsyncBaseTransport | None = None) -> None:
        tokens = ServiceTokens(secret)
        limits = httpx.Timeout(timeout, connect=2.0)
        self.records = ServiceClient(name="records", base_url=records_url, tokens=tokens, timeout=limits,
                                     transport=records_transport)
        self.quota = ServiceClient(name="quota", base_url=quota_url, tokens=tokens, timeout=limits,
                                   transport=quota_transport)
        # unit → region: a unit never changes region (records lets a unit be renamed, re-kinded or
        # regrouped, not moved), so what records once said is kept for the life of the process
        self._unit_regions: dict[str, str] = {}
        self._units_today: dict[str, tuple[float, list[str]]] = {}
        # a caller's own units as records gave them (region, evaluation group), kept a minute (scoring.scope)
        self.units_kept: dict[str, tuple[float, dict[str, Any]]] = {}

    async def unit_region(self, unit_id: object, *, caller: Caller = SYSTEM_CALLER) -> str | None:
        """The region of a unit as records knows it; None if records knows no such unit (or, asked
        with an end caller's identity, if that caller may not see it: the call is then also the
        permission check)."""
        key = str(unit_id)
        if caller is SYSTEM_CALLER and key in self._unit_regions:
            return self._unit_regions[key]
        response = await self.records.request("GET", f"/api/v1/records/units/{key}", caller=caller)
        if response.status_code in (403, 404, 422):
            return None
        if response.status_code != 200:
            raise UpstreamUnavailable(f"records answered {response.status_code} for unit {key}")
        region = str(orjson.loads(response.content)["region_id"])
        if len(self._unit_regions) < 100_000:
            self._unit_regions[key] = region
        return region

    async def region_exists(self, region_id: uuid.UUID, *, caller: Caller) -> bool:
        """Whether records has the region, asked with the caller's identity (a region the caller may
        not see is not there for them either)."""
        response = await self.records.request("GET", f"/api/v1/records/regions/{region_id}", caller=caller)
        if response.status_code in (403, 404):
            return False
        if response.status_code != 200:
            raise UpstreamUnavailable(f"records answered {response.status_code} for region {region_id}")
        return True

    async def person_units(self, person_id: object) -> list[str] | None:
        """The units a person has ever been placed in (their roster history); None if records knows
        no such person. A lookup made after the caller was authorised (as the system)."""
        history = await self.placements(person_id)
        return None if history is None else sorted({str(a["unit_id"]) for a in history})

    async def placements(self, person_id: object) -> list[dict[str, Any]] | None:
        """A person's roster history (unit, section, staff category, dates), oldest first; None if
        records knows no such person. Asked as the system, after the caller was authorised."""
        response = await self.records.request("GET", f"/api/v1/records/persons/{person_id}", caller=SYSTEM_CALLER)
        if response.status_code in (404, 422):
            return None
        if response.status_code != 200:
            raise UpstreamUnavailable(f"records answered {response.status_code} for person {person_id}")
        history: list[dict[str, Any]] = orjson.loads(response.content)["history"]
        return history

    async def units_today(self, person_id: str, today: date) -> list[str]:
        """The units a person is placed in today, kept a minute: a feed polled every few seconds
        asks records once a minute, and a move shows within one."""
        now = time.monotonic()
        kept = self._units_today.get(person_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        day = today.isoformat()
        units = sorted({str(a["unit_id"]) for a in await self.placements(person_id) or []
                        if a["active_from"] <= day and (a["active_to"] is None or a["active_to"] >= day)})
        if len(self._units_today) >= 100_000:
            self._units_today.clear()
        self._units_today[person_id] = (now + UNITS_KEPT_SECONDS, units)
        return units

    async def summary(self, *, region_id: uuid.UUID, unit_id: uuid.UUID | None, group: str | None, period: str,
                      caller: Caller, fields: Sequence[str] | None = None,
                      deadlines: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
        """The records summary of a unit or an evaluation group for a period: one call per scheme;
        only ``fields`` of each person (and person_id) if given: records then computes only those;
        on time by the scheme's ``deadlines`` (log_deadline_days, report_deadline_day) if given.
        The people come in person-id order, the order a close works them in (each person's objects
        are then made one after the other in memory, as they are later read)."""
        path = (f"/api/v1/records/units/{unit_id}/summary" if unit_id is not None
                else f"/api/v1/records/regions/{region_id}/groups/{group}/summary")
        params: dict[str, str | int] = {"period": period, "order": "person_id"}
        if fields is not None:
            params["fields"] = ",".join(fields)
        params.update(deadlines or {})
        people: list[dict[str, Any]] = []
        async with self.records.stream("GET", path, caller=caller, params=params, accept=NDJSON) as response:
            if response.status_code == 404:
                raise NotFound(f"records knows no {'unit ' + str(unit_id) if unit_id else 'group ' + str(group)}",
                               code="scope_not_found")
            if response.status_code != 200:
                raise UpstreamUnavailable(f"records answered {response.status_code} for the summary")
            # each person decoded as it comes, while records makes the rest (a province: 200,000 lines)
            async for some in lines(response):
                people.extend(map(orjson.loads, some))
        return people

    async def honours(self, *, region_id: uuid.UUID, first: date, last: date) -> list[dict[str, Any]]:
        """The region's honours of the ledger awarded from ``first`` to ``last`` and not voided, in
        award order (every page). Asked as the system, after the caller was authorised."""
        honours = await every_item(self.records, "/api/v1/records/honours", caller=SYSTEM_CALLER, params={
            "region_id": str(region_id), "from": first.isoformat(), "to": last.isoformat()})
        if honours is None:
            raise UpstreamUnavailable("records did not answer for the honours")
        return honours

    async def records_written(self, *, unit_id: uuid.UUID | None, region_id: uuid.UUID, group: str | None,
                              period: str, since: Sequence[datetime]) -> dict[str, Any]:
        """When records last wrote what a period of a unit or an evaluation group is computed from,
        and how many of those records were written after each of ``since`` (``count`` of each
        ``since`` entry, in order): one call, one indexed statement in records. Asked as the system,
        after the caller was authorised; UpstreamUnavailable (or UpstreamTimeout) if records does not answer."""
        params: list[tuple[str, str]] = [("period", period), *(("since", s.isoformat()) for s in since)]
        params += [("unit_id", str(unit_id))] if unit_id is not None else [("region_id", str(region_id)),
                                                                            ("group", str(group))]
        response = await self.records.request("GET", "/api/v1/records/changes/latest", caller=SYSTEM_CALLER,
                                              params=params)
        if response.status_code != 200:
            raise UpstreamUnavailable(f"records answered {response.status_code} for the latest writes")
        written: dict[str, Any] = orjson.loads(response.content)
        return written

    async def unit_names(self, *, region_id: uuid.UUID, caller: Caller) -> dict[str, str]:
        """The names of the region's units by id, to label rows of a scheme of the region the caller
        runs or reads (the caller checked): a lead unit's administrator sees their group's other
        units by name, not by id. Empty if records does not answer."""
        return {str(u["id"]): str(u["name"]) for u in await self.region_units(region_id=region_id, caller=caller)}

    async def region_name(self, *, region_id: uuid.UUID) -> str:
        """The region's name as records has it (asked as the system, for a caller already checked);
        empty if records does not answer."""
        response = await self.records.request("GET", f"/api/v1/records/regions/{region_id}", caller=SYSTEM_CALLER)
        return str(orjson.loads(response.content)["name"]) if response.status_code == 200 else ""

    async def region_units(self, *, region_id: uuid.UUID, caller: Caller) -> list[dict[str, Any]]:
        """The region's units as records lists them (id, name, evaluation group…), for a caller
        already checked; empty if records does not answer."""
        reader = replace(caller, region_ids=(*caller.region_ids, str(region_id)))
        units = await every_item(self.records, "/api/v1/records/units", caller=reader,
                                 params={"region_id": str(region_id)})
        return units or []

    async def group_units(self, *, region_id: uuid.UUID, group: str) -> list[str]:
        """The units of the region in an evaluation group, as records has them now (asked as the
        system, for a scheme the caller was authorised on): one call, whatever the people in them."""
        units = await every_item(self.records, "/api/v1/records/units", caller=SYSTEM_CALLER,
                                 params={"region_id": str(region_id)})
        if units is None:
            raise UpstreamUnavailable(f"records did not answer for the units of group {group}")
        return sorted(str(u["id"]) for u in units if u.get("evaluation_group") == group)

    async def names(self, person_ids: Sequence[object], *, on: date | None,
                    caller: Caller) -> dict[str, dict[str, Any]]:
        """Name, staff number, unit and section (names and ids) by person, of their placement on
        ``on``: one call per 1,000 people, for a page of rows the caller was checked to see. Those
        records does not show the caller are left out; nothing if records does not answer."""
        found: dict[str, dict[str, Any]] = {}
        ids = [str(p) for p in dict.fromkeys(person_ids)]
        for start in range(0, len(ids), NAMES_PER_CALL):
            body = {"person_ids": ids[start:start + NAMES_PER_CALL], "on": None if on is None else on.isoformat()}
            try:
                response = await self.records.request("POST", "/api/v1/records/persons/names", caller=caller,
                                                      json=body)
            except (UpstreamUnavailable, UpstreamTimeout):
                return found
            if response.status_code != 200:
                return found
            found.update((p["person_id"], p) for p in orjson.loads(response.content)["people"])
        return found

    async def published_slots(self, *, region_id: uuid.UUID, year: int, caller: Caller) -> dict[str, int] | None:
        """The excellent slots per unit of the region's published allocation; None if none is published.

        Read for a scheme of the region the caller runs (the caller checked): the published
        allocation is the region's public decision the scheme's year is graded against, so a
        unit's administrator closing their unit's year reads it through the scheme, with the
        caller's subject and the region, without being able to read the allocation itself."""
        reader = replace(caller, region_ids=(*caller.region_ids, str(region_id)))
        response = await self.quota.request("GET", f"/api/v1/quota/regions/{region_id}/years/{year}/published",
                                            caller=reader)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise UpstreamUnavailable(f"quota answered {response.status_code} for the published allocation")
        slots: dict[str, int] = response.json()["slots"]
        return slots

    async def aclose(self) -> None:
        await self.records.aclose()
        await self.quota.aclose()
