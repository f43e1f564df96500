from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.testing import asgi_client, service_headers

POLICY: dict[str, Any] = {
    "ratio_by_grade": {"first": "0.22", "second": "0.20", "third": "0.15"},
    "unit_cap_ratio": "0.40",
    "township_uplift": "0.20",
    "designated_rules": [{"condition": "target_first_class", "slots": 1},
                         {"condition": "city_commendation", "slots": 1}],
}
UNITS: list[dict[str, Any]] = [
    {"id": "T1", "kind": "township", "headcount": 7, "grade": "first", "points": 31,
     "conditions": ["target_first_class"], "red_lines": []},
    {"id": "T2", "kind": "township", "headcount": 8, "grade": "second", "points": 40},
    {"id": "D1", "kind": "department", "headcount": 20, "grade": "first"},
    {"id": "D2", "kind": "department", "headcount": 13, "grade": "second"},
    {"id": "S1", "kind": "street", "headcount": 9, "grade": "third"},
]


class TestSimulate:
    async def test_the_public_contract(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/quota/allocations/simulate",
                                     json={"policy": POLICY, "units": UNITS})
        assert response.status_code == 200
        body = response.json()
        t1 = next(u for u in body["units"] if u["id"] == "T1")
        assert t1 == {"id": "T1", "kind": "township", "headcount": 7, "grade": "first", "points": "31",
                      "exact_quota": "1.54", "exact_quota_fraction": "77/50", "cap": 2, "floor": 1,
                      "designated": 1, "tilt": 0, "remainder": 0, "total": 2, "ratio": "0.285714",
                      "ratio_before": "0.142857", "eligible": True,
                      "members": []}
        assert body["pool"] == {"collected": 2, "used": 2, "left": 0, "fraction_left": "0.49",
                                "left_reason": None}
        assert body["department_ratio"] == "0.166667"
        assert body["township_ratio"] == "0.266667"
        assert body["uplift"] == "0.6"
        assert body["feasible"] is True
        assert body["trace"][0]["step"] == "pool"

    async def test_same_inputs_give_byte_identical_answers(self, client: httpx.AsyncClient) -> None:
        first = await client.post("/api/v1/quota/allocations/simulate", json={"policy": POLICY, "units": UNITS})
        second = await client.post("/api/v1/quota/allocations/simulate",
                                   json={"policy": POLICY, "units": list(reversed(UNITS))})
        assert first.content == second.content

    @pytest.mark.parametrize(("change", "field"), [
        (lambda b: b["units"][0].update(grade="fourth"), "body.units.0.grade"),
        (lambda b: b["units"][0].update(headcount=-1), "body.units.0.headcount"),
        (lambda b: b["units"][1].update(id="T1"), "body.units.1.id"),
        (lambda b: b["policy"].update(unit_cap_ratio="1.5"), "body.policy.unit_cap_ratio"),
        (lambda b: b["policy"].update(tilt_method="borda"), "body.policy.tilt_method"),
        (lambda b: b["units"][0].update(kind="village"), "body.units.0.kind"),
        (lambda b: b.update(units=[]), "body.units"),
    ])
    async def test_bad_input_is_a_422_naming_where(self, client: httpx.AsyncClient, change: Any,
                                                   field: str) -> None:
        body = {"policy": copy.deepcopy(POLICY), "units": copy.deepcopy(UNITS)}
        change(body)
        response = await client.post("/api/v1/quota/allocations/simulate", json=body)
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]]


    async def test_a_grade_without_a_ratio_is_an_invalid_reference_before_any_rule(
            self, client: httpx.AsyncClient) -> None:
        body = {"policy": copy.deepcopy(POLICY), "units": copy.deepcopy(UNITS)}
        body["units"][1].update(id=body["units"][0]["id"])  # a unit id twice: a rule, named only after
        body["units"][2].update(grade="fourth")
        response = await client.post("/api/v1/quota/allocations/simulate", json=body)
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_reference"
        assert [e["field"] for e in response.json()["errors"]] == ["body.units.2.grade"]
        body["units"][2].update(grade=UNITS[2]["grade"])
        response = await client.post("/api/v1/quota/allocations/simulate", json=body)
        assert (response.status_code, response.json()["code"]) == (422, "allocation_invalid")


async def _store(client: httpx.AsyncClient, region: uuid.UUID, units: list[dict[str, Any]] = UNITS,
                 policy: dict[str, Any] = POLICY) -> None:
    assert (await client.put(f"/api/v1/quota/regions/{region}/years/2025/units",
                             json={"units": units})).status_code == 200
    assert (await client.put(f"/api/v1/quota/regions/{region}/years/2025/policy",
                             json=policy)).status_code == 200


class TestStoredRuns:
    async def test_run_keeps_inputs_policy_and_result(self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        response = await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")
        assert response.status_code == 201
        run = response.json()
        assert run["created_by"] == "user:province-admin"
        assert run["published"] is False
        assert {u["id"] for u in run["units"]} == {"T1", "T2", "D1", "D2", "S1"}
        again = await client.get(f"/api/v1/quota/allocations/{run['id']}")
        assert again.json() == run

    async def test_run_without_inputs_is_a_409(self, client: httpx.AsyncClient) -> None:
        response = await client.post(f"/api/v1/quota/regions/{uuid.uuid4()}/years/2025/allocations")
        assert response.status_code == 409
        assert response.json()["code"] == "allocation_inputs_missing"

    async def test_compare_shows_what_changed_unit_by_unit(self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        first = (await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
        same = (await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
        assert same["result"] == first["result"] and same["input_digest"] == first["input_digest"]
        changed = copy.deepcopy(UNITS)
        changed[1]["red_lines"] = ["criticised_notice"]
        changed[0]["conditions"] = []
        await _store(client, region, units=changed)
        second = (await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
        response = await client.get(f"/api/v1/quota/allocations/{first['id']}/compare/{second['id']}")
        assert response.status_code == 200
        comparison = response.json()
        assert comparison["same_inputs"] is False
        t1 = next(u for u in comparison["units"] if u["id"] == "T1")
        assert t1["fields"]["designated"] == [1, 0]
        listing = (await client.get(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
        assert listing["total"] == 3

    async def test_publish_once_then_409(self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        run = (await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
        other = (await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
        first = await client.post(f"/api/v1/quota/allocations/{run['id']}/publish")
        assert first.status_code == 201
        assert first.json()["slots"] == {"D1": 4, "D2": 2, "S1": 1, "T1": 2, "T2": 2}
        second = await client.post(f"/api/v1/quota/allocations/{other['id']}/publish")
        assert second.status_code == 409
        assert second.json()["code"] == "allocation_already_published"
        served = await client.get(f"/api/v1/quota/regions/{region}/years/2025/published")
        assert served.json()["run_id"] == run["id"]

    async def test_nothing_published_is_a_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/api/v1/quota/regions/{uuid.uuid4()}/years/2025/published")
        assert response.status_code == 404
        assert response.json()["code"] == "allocation_not_published"

    async def test_unknown_run_is_a_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/api/v1/quota/allocations/{uuid.uuid4()}")
        assert response.status_code == 404

    @pytest.mark.parametrize("statement", ["DELETE FROM quota.allocation_runs",
                                           "UPDATE quota.allocation_runs SET created_by = 'someone'"])
    async def test_runs_are_append_only_at_the_database(self, client: httpx.AsyncClient,
                                                        session: AsyncSession, statement: str) -> None:
        region = uuid.uuid4()
        await _store(client, region)
        await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(text(statement))


class TestConcurrentPublish:
    async def test_two_publishes_at_once_one_wins(self, quota_app: FastAPI) -> None:
        # Real commits on purpose: the race is between two transactions.
        region = uuid.uuid4()
        async with asgi_client(quota_app, headers=service_headers()) as client:
            await _store(client, region)
            runs = [(await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")).json()
                    for _ in range(2)]
            responses = await asyncio.gather(*(client.post(f"/api/v1/quota/allocations/{r['id']}/publish")
                                               for r in runs))
        assert sorted(r.status_code for r in responses) == [201, 409]
