"""Exports and reads of other people's results in the audit trail, through the real gateway and services:
who, the role, the region and unit, the objects and the number of rows handed out."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from shared.testing import asgi_client

from .conftest import World


async def _as(client: httpx.AsyncClient, world: World, who: str, path: str,
              params: dict[str, str] | None = None) -> tuple[str, httpx.Response]:
    """GET as ``who`` under a request id of its own, by which the audit event is found."""
    request_id = f"audit-read-{uuid.uuid4().hex}"
    response = await client.get(path, params=params, headers={**world.headers[who], "x-request-id": request_id})
    assert response.status_code == 200, response.text[:400]
    return request_id, response


async def _events(client: httpx.AsyncClient, world: World, request_id: str, *, auditor: str = "P",
                  kind: str | None = None) -> list[dict[str, Any]]:
    params = {"limit": "500", **({"kind": kind} if kind else {})}
    response = await client.get("/api/v1/audit", headers=world.headers[auditor], params=params)
    assert response.status_code == 200, response.text[:400]
    return [e for e in response.json()["items"] if e["request_id"] == request_id]


def _results(world: World, side: str) -> str:
    return f"/api/v1/scoring/schemes/{world.scheme[side]}/periods/2025Q1/results"


class TestExports:
    async def test_a_region_admins_results_xlsx_is_one_export_of_its_rows(self, gateway_app: FastAPI,
                                                                          world: World) -> None:
        async with asgi_client(gateway_app) as client:
            request_id, response = await _as(client, world, "R", _results(world, "a") + ".xlsx")
            events = await _events(client, world, request_id)
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert not [h for h in response.headers if h.startswith("x-kaohe-")]  # kept at the gateway
        assert len(events) == 1
        event = events[0]
        assert (event["kind"], event["row_count"], event["status"], event["method"]) == ("export", 1, 200, "GET")
        assert (event["actor_id"], event["actor_role"]) == (f"user:{world.users['R']['id']}", "region_admin")
        assert (event["region_id"], event["unit_id"]) == (world.region["a"], world.unit["a"])
        assert event["route"] == "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/results.xlsx"
        assert {k: event["target_ids"][k] for k in ("scheme_id", "period", "version")} == {
            "scheme_id": world.scheme["a"], "period": "2025Q1", "version": "1"}

    async def test_a_quota_report_is_an_export_of_its_units(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            request_id, _ = await _as(client, world, "R", f"/api/v1/quota/allocations/{world.run['a']}/report.xlsx")
            events = await _events(client, world, request_id, kind="export")
        assert [(e["row_count"], e["region_id"], e["target_ids"]["run_id"], e["target_ids"]["year"])
                for e in events] == [(1, world.region["a"], world.run["a"], "2025")]

    async def test_a_units_attendance_csv_is_an_export_of_its_days(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            person = (await client.get(f"/api/v1/records/persons/{world.person['a']}",
                                       headers=world.headers["U"])).json()
            written = await client.put("/api/v1/records/attendance", headers=world.headers["U"], json={"rows": [
                {"staff_no": person["staff_no"], "day": day, "status": "present"}
                for day in ("2024-02-05", "2024-02-06")]})
            assert written.status_code == 200, written.text
            request_id, response = await _as(client, world, "U", "/api/v1/records/attendance/export",
                                             {"unit_id": world.unit["a"], "period": "2024-02", "format": "csv"})
            events = await _events(client, world, request_id, auditor="R", kind="export")
        assert response.text.count("\n") == 3  # the header and two days
        assert [(e["row_count"], e["actor_role"], e["unit_id"], e["target_ids"]["period"]) for e in events] == [
            (2, "unit_admin", world.unit["a"], "2024-02")]


class TestReads:
    async def test_an_admin_reading_another_persons_explanation_is_recorded(self, gateway_app: FastAPI,
                                                                            world: World) -> None:
        path = f"/api/v1/scoring/schemes/{world.scheme['a']}/periods/2025Q1/people/{world.person['a']}/explanation"
        async with asgi_client(gateway_app) as client:
            request_id, _ = await _as(client, world, "R", path)
            events = await _events(client, world, request_id)
        assert [(e["kind"], e["row_count"], e["actor_role"], e["region_id"], e["target_ids"]["person_id"])
                for e in events] == [("read", 1, "region_admin", world.region["a"], world.person["a"])]

    async def test_a_member_reading_their_own_explanation_is_not(self, gateway_app: FastAPI, world: World) -> None:
        path = f"/api/v1/scoring/schemes/{world.scheme['a']}/periods/2025Q1/people/{world.person['a']}/explanation"
        async with asgi_client(gateway_app) as client:
            request_id, response = await _as(client, world, "M", path)
            events = await _events(client, world, request_id)
        assert response.json()["person_id"] == world.person["a"]
        assert events == []

    async def test_a_leader_reading_their_units_results_is_recorded(self, gateway_app: FastAPI,
                                                                    world: World) -> None:
        async with asgi_client(gateway_app) as client:
            request_id, response = await _as(client, world, "L", _results(world, "a"))
            events = await _events(client, world, request_id, auditor="R", kind="read")
        assert len(response.json()["items"]) == 1
        assert [(e["row_count"], e["actor_role"], e["unit_id"], e["target_ids"]["scheme_id"]) for e in events] == [
            (1, "leader", world.unit["a"], world.scheme["a"])]

    async def test_a_refused_read_hands_nothing_out_and_is_not_a_read(self, gateway_app: FastAPI,
                                                                      world: World) -> None:
        async with asgi_client(gateway_app) as client:
            request_id = f"audit-read-{uuid.uuid4().hex}"
            refused = await client.get(_results(world, "b"), headers={**world.headers["R"], "x-request-id": request_id})
            events = await _events(client, world, request_id)
        assert refused.status_code == 404
        assert events == []


class TestTheTrailOfReads:
    async def test_reads_and_exports_are_seen_only_within_the_callers_region(self, gateway_app: FastAPI,
                                                                             world: World) -> None:
        """The province administrator reads region B's results: region A's administrator never sees it."""
        async with asgi_client(gateway_app) as client:
            in_b, _ = await _as(client, world, "P", _results(world, "b"))
            in_a, _ = await _as(client, world, "P", _results(world, "a"))
            seen_by_p = await _events(client, world, in_b, kind="read")
            seen_by_r = await _events(client, world, in_b, auditor="R")
            a_seen_by_r = await _events(client, world, in_a, auditor="R", kind="read")
            all_of_r = (await client.get("/api/v1/audit", headers=world.headers["R"],
                                         params={"kind": "read", "limit": "500"})).json()["items"]
        assert [(e["region_id"], e["actor_role"]) for e in seen_by_p] == [(world.region["b"], "province_admin")]
        assert seen_by_r == []
        assert [e["region_id"] for e in a_seen_by_r] == [world.region["a"]]
        assert all_of_r and all(e["kind"] == "read" and e["region_id"] == world.region["a"] for e in all_of_r)

    async def test_the_kind_filter_separates_writes_from_reads(self, gateway_app: FastAPI, world: World) -> None:
        async with asgi_client(gateway_app) as client:
            request_id, _ = await _as(client, world, "R", _results(world, "a"))
            as_write = await _events(client, world, request_id, kind="write")
            as_export = await _events(client, world, request_id, kind="export")
            as_read = await _events(client, world, request_id, kind="read")
            writes = (await client.get("/api/v1/audit", headers=world.headers["P"],
                                       params={"kind": "write", "limit": "50"})).json()["items"]
            wrong = await client.get("/api/v1/audit", headers=world.headers["P"], params={"kind": "delete"})
        assert (as_write, as_export, len(as_read)) == ([], [], 1)
        assert writes and all(e["kind"] == "write" and e["row_count"] is None for e in writes)
        assert wrong.status_code == 422
