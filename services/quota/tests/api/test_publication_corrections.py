"""Runs that break their policy's rules are published only with the warnings accepted; a
published allocation is corrected by a publication that supersedes it, the old one kept."""

from __future__ import annotations

import asyncio
import copy
import itertools
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.service_auth import Caller
from shared.testing import asgi_client, service_headers

from .test_allocations_api import UNITS, _store

# T1, T2: 6 × 25% = 1.5 each (floors 1, 1); D: 20 × 25% = 5. The halves make a pool of 1. D stands
# at 25%: townships need 30% of 12 = 3.6 → 4 slots and have 2; the one pooled slot goes to T1
# (more points) and townships end at 3/12 = 25%, one slot short of the uplift.
SHORT_UNITS: list[dict[str, Any]] = [
    {"id": "T1", "kind": "township", "headcount": 6, "grade": "first", "points": 10},
    {"id": "T2", "kind": "township", "headcount": 6, "grade": "first", "points": 5},
    {"id": "D", "kind": "department", "headcount": 20, "grade": "first"}]
SHORT_POLICY: dict[str, Any] = {"ratio_by_grade": {"first": "0.25"}, "unit_cap_ratio": "0.4",
                                "township_uplift": "0.2"}
UPLIFT_WARNING = {"code": "uplift_unreachable", "unit_id": None,
                  "message": "the township uplift cannot be reached within the pool: townships 25.00% against "
                             "the required 30.00%, 1 slot(s) short",
                  "code_label": {"zh-CN": "乡镇上浮比例无法达到", "en": "Township uplift cannot be reached"}}


async def _run(client: httpx.AsyncClient, region: uuid.UUID) -> dict[str, Any]:
    response = await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


async def _publish(client: httpx.AsyncClient, run: dict[str, Any],
                   body: dict[str, Any] | None = None) -> httpx.Response:
    return await client.post(f"/api/v1/quota/allocations/{run['id']}/publish", json=body)


class TestWarnings:
    async def test_simulation_names_what_it_cannot_meet(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/quota/allocations/simulate",
                                     json={"policy": SHORT_POLICY, "units": SHORT_UNITS})
        assert response.status_code == 200
        body = response.json()
        assert {u["id"]: u["total"] for u in body["units"]} == {"D": 5, "T1": 2, "T2": 1}
        assert (body["feasible"], body["shortfall"], body["warnings"]) == (False, 1, [UPLIFT_WARNING])

    async def test_a_run_with_warnings_is_published_only_when_they_are_accepted(
            self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        await _store(client, region, SHORT_UNITS, SHORT_POLICY)
        run = await _run(client, region)
        assert run["result"]["warnings"] == [UPLIFT_WARNING]
        listing = (await client.get(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
        assert listing["items"][0]["warnings"] == 1

        refused = await _publish(client, run)
        assert refused.status_code == 409
        problem = refused.json()
        assert problem["code"] == "allocation_has_warnings"
        assert problem["warnings"] == [UPLIFT_WARNING]
        assert problem["errors"] == [{"field": "warnings",
                                      "message": f"uplift_unreachable: {UPLIFT_WARNING['message']}"}]
        assert (await _publish(client, run, {"reason": "just because"})).status_code == 409

        unexplained = await _publish(client, run, {"accept_warnings": True})
        assert unexplained.status_code == 422
        assert [e["field"] for e in unexplained.json()["errors"]] == ["body.reason"]
        nothing = await client.get(f"/api/v1/quota/regions/{region}/years/2025/published")
        assert nothing.status_code == 404 and nothing.json()["code"] == "allocation_not_published"

        accepted = await _publish(client, run, {"accept_warnings": True, "reason": "县委常委会同意本年度不设上浮"})
        assert accepted.status_code == 201, accepted.text
        publication = accepted.json()
        assert publication["slots"] == {"D": 5, "T1": 2, "T2": 1}
        assert publication["warnings"] == [UPLIFT_WARNING]
        assert publication["reason"] == "县委常委会同意本年度不设上浮"
        assert (publication["sequence"], publication["current"], publication["supersedes_id"],
                publication["changes"], publication["superseded"]) == (1, True, None, [], None)
        served = (await client.get(f"/api/v1/quota/regions/{region}/years/2025/published")).json()
        assert served == publication
        again = (await client.get(f"/api/v1/quota/allocations/{run['id']}")).json()
        assert again["published"] is True and again["result"]["warnings"] == [UPLIFT_WARNING]

    async def test_a_run_without_warnings_needs_nothing_accepted(self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        run = await _run(client, region)
        assert run["result"]["warnings"] == []
        response = await _publish(client, run, {})
        assert response.status_code == 201
        assert (response.json()["warnings"], response.json()["reason"]) == ([], None)


class TestSupersede:
    async def test_a_corrected_headcount_supersedes_the_publication(self, client: httpx.AsyncClient) -> None:
        """First published: D1 4, D2 2, S1 1, T1 2, T2 2 (T2's headcount 8). T2 has 13 people:
        its exact quota 13 × 20% = 2.6 gives a floor of 2, the fractional parts .54 + .6 + .4 + .6
        + .35 = 2.49 a pool of 2. T1's designated slot takes one (T1 at its cap 2). Departments and
        the street at 7/42 = 1/6 need townships at 1/5 of 20 people = 4 slots: they have 4, no
        tilt. The last slot by largest fractional part: D2 (.6, 13 people, before T2 by id) would
        take the comparison ratio to 8/42 and the requirement to 8/35 above townships' 4/20, so
        it is skipped; T2 takes it: 3. Only T2 changes, 2 → 3."""
        region = uuid.uuid4()
        await _store(client, region)
        first_run = await _run(client, region)
        first = (await _publish(client, first_run)).json()
        assert first["slots"] == {"D1": 4, "D2": 2, "S1": 1, "T1": 2, "T2": 2}

        corrected = copy.deepcopy(UNITS)
        corrected[1]["headcount"] = 13
        await _store(client, region, units=corrected)
        second_run = await _run(client, region)
        assert second_run["result"]["feasible"] is True and second_run["result"]["warnings"] == []
        assert (await _publish(client, second_run)).json()["code"] == "allocation_already_published"

        response = await _publish(client, second_run,
                                  {"supersedes": True, "reason": "乙乡年末实有人数为13人，原报8人有误"})
        assert response.status_code == 201, response.text
        second = response.json()
        assert second["slots"] == {"D1": 4, "D2": 2, "S1": 1, "T1": 2, "T2": 3}
        assert second["changes"] == [{"unit_id": "T2", "before": 2, "after": 3, "change": 1}]
        assert (second["sequence"], second["current"], second["supersedes_id"], second["superseded"]) == (
            2, True, first["id"], None)
        assert second["reason"] == "乙乡年末实有人数为13人，原报8人有误"

        served = (await client.get(f"/api/v1/quota/regions/{region}/years/2025/published")).json()
        assert served == second
        history = (await client.get(f"/api/v1/quota/regions/{region}/years/2025/publications")).json()["items"]
        assert [p["id"] for p in history] == [first["id"], second["id"]]
        old = history[0]
        assert (old["run_id"], old["slots"], old["current"], old["changes"]) == (
            first_run["id"], first["slots"], False, [])
        assert old["superseded"] == {"at": second["published_at"], "by": "user:province-admin",
                                     "reason": "乙乡年末实有人数为13人，原报8人有误", "publication_id": second["id"]}
        assert history[1] == second

    async def test_a_reason_is_required_and_nothing_is_written_without_one(self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        first = await _run(client, region)
        assert (await _publish(client, first)).status_code == 201
        second = await _run(client, region)
        for body in ({"supersedes": True}, {"supersedes": True, "reason": "   "}, {"supersedes": True, "reason": ""}):
            response = await _publish(client, second, body)
            assert response.status_code == 422, body
            assert "body.reason" in [e["field"] for e in response.json()["errors"]]
        history = (await client.get(f"/api/v1/quota/regions/{region}/years/2025/publications")).json()["items"]
        assert [p["run_id"] for p in history] == [first["id"]]

    async def test_nothing_to_supersede_and_no_run_twice(self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        run = await _run(client, region)
        nothing = await _publish(client, run, {"supersedes": True, "reason": "更正"})
        assert nothing.status_code == 409 and nothing.json()["code"] == "allocation_nothing_to_supersede"
        assert (await _publish(client, run)).status_code == 201
        same = await _publish(client, run, {"supersedes": True, "reason": "更正"})
        assert same.status_code == 409 and same.json()["code"] == "allocation_already_published"
        other = await _run(client, region)
        assert (await _publish(client, other, {"supersedes": True, "reason": "更正"})).status_code == 201
        back = await _publish(client, run, {"supersedes": True, "reason": "改回"})
        assert back.status_code == 409 and back.json()["code"] == "allocation_already_published"
        empty = await client.get(f"/api/v1/quota/regions/{uuid.uuid4()}/years/2025/publications")
        assert empty.status_code == 200 and empty.json() == {"items": [], "next": None}

    async def test_another_regions_administrator_sees_nothing(self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        assert (await _publish(client, await _run(client, region))).status_code == 201
        second = await _run(client, region)
        client.headers.update(service_headers(Caller(subject="user:od", roles=("region_admin",),
                                                     region_ids=(str(uuid.uuid4()),))))
        response = await _publish(client, second, {"supersedes": True, "reason": "更正"})
        assert response.status_code == 404 and response.json()["code"] == "allocation_not_found"
        for path in ("publications", "published"):
            response = await client.get(f"/api/v1/quota/regions/{region}/years/2025/{path}")
            assert response.status_code == 404 and response.json()["code"] == "region_not_found"


class TestAtTheDatabase:
    async def test_one_publication_is_superseded_once_and_never_changed(self, client: httpx.AsyncClient,
                                                                        session: AsyncSession) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        first = (await _publish(client, await _run(client, region))).json()
        second = await _run(client, region)
        assert (await _publish(client, second, {"supersedes": True, "reason": "更正"})).status_code == 201
        third = await _run(client, region)
        with pytest.raises(IntegrityError, match="supersedes_id"):
            async with session.begin_nested():
                await session.execute(text(
                    "INSERT INTO quota.allocation_publications (id, region_id, year, sequence, run_id, supersedes_id, "
                    "reason, published_by) VALUES (:id, :region, 2025, 3, :run, :old, 'fork', 'someone')"),
                    {"id": uuid.uuid4(), "region": region, "run": uuid.UUID(third["id"]),
                     "old": uuid.UUID(first["id"])})
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(text("UPDATE quota.allocation_publications SET reason = 'rewritten'"))


class TestConcurrentSupersede:
    async def test_two_corrections_at_once_never_fork_the_history(self, quota_app: FastAPI) -> None:
        """Each correction replaces whatever is current when it is written: if the two interleave,
        the unique sequence and superseded id let one through and refuse the other; if one comes
        after the other, the later supersedes the earlier. Either way one line, one current."""
        # Real commits on purpose: the race is between two transactions.
        region = uuid.uuid4()
        async with asgi_client(quota_app, headers=service_headers()) as client:
            await _store(client, region)
            first, *corrections = [await _run(client, region) for _ in range(3)]
            assert (await _publish(client, first)).status_code == 201
            responses = await asyncio.gather(*(_publish(client, r, {"supersedes": True, "reason": "更正"})
                                               for r in corrections))
            history = (await client.get(f"/api/v1/quota/regions/{region}/years/2025/publications")).json()["items"]
        statuses = sorted(r.status_code for r in responses)
        assert statuses in ([201, 201], [201, 409])
        assert [p["sequence"] for p in history] == list(range(1, len(history) + 1))
        assert len(history) == 1 + statuses.count(201)
        assert [p["current"] for p in history] == [False] * (len(history) - 1) + [True]
        for older, newer in itertools.pairwise(history):
            assert newer["supersedes_id"] == older["id"]
            assert older["superseded"]["publication_id"] == newer["id"]
