"""A large export through the real gateway: answered 202 with the job, written by a records worker (in this
event loop, on the real database), its file downloaded through the gateway equal to the byte to the export
answered at once, and told to the audit trail as the export when it is handed out."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import followed_job


async def test_a_large_roster_export_through_the_gateway(gateway: httpx.AsyncClient, records_app: FastAPI,
                                                         records_worker: Callable[[], Awaitable[None]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    await records_worker()
    code = f"x{uuid.uuid4().hex[:6]}"
    region = (await gateway.post("/api/v1/records/regions", json={"code": code, "name": f"导出{code}"})).json()
    assert (await gateway.post("/api/v1/records/units", json={"region_id": region["id"], "code": "XU",
                                                              "name": "导出镇", "kind": "township"})).status_code == 201
    lines = "".join(f'{{"staff_no": "{code}{n:03d}", "name": "人{n}", "unit": "XU", "category": "staff", '
                    f'"active_from": "2025-01-01"}}\n' for n in range(30))
    assert (await gateway.post(f"/api/v1/records/regions/{region['id']}/roster/stream", content=lines.encode(),
                               headers={"content-type": "application/x-ndjson"})).status_code == 200
    path, params = f"/api/v1/records/regions/{region['id']}/roster/export", {"on": "2025-06-30", "format": "csv"}
    at_once = await gateway.get(path, params=params)
    assert at_once.status_code == 200 and at_once.text.count("\n") == 31

    monkeypatch.setattr(records_app.state.settings, "export_job_rows", 0)
    monkeypatch.setattr(records_app.state.settings, "job_wait_seconds", 0)
    accepted = await gateway.get(path, params=params)
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]
    assert location == accepted.json()["location"] and location.startswith("/api/v1/records/jobs/")
    job = await followed_job(gateway, location)
    assert (job["state"], job["done"], job["total"]) == ("succeeded", 30, 30)
    downloaded = await gateway.get(job["result_location"])
    assert downloaded.status_code == 200
    assert downloaded.content == at_once.content
    assert downloaded.headers["content-disposition"] == at_once.headers["content-disposition"]
    assert not [h for h in downloaded.headers if h.startswith("x-kaohe-")]  # kept at the gateway
    audit = await gateway.get("/api/v1/audit", params={"limit": "500", "kind": "export"})
    exports = [e for e in audit.json()["items"] if e["request_id"] == downloaded.headers["x-request-id"]]
    assert [(e["row_count"], e["region_id"], e["route"]) for e in exports] == [
        (30, region["id"], "/api/v1/records/jobs/{job_id}/file")]  # the file handed out is the export

    other = (await gateway.post("/api/v1/records/regions", json={"code": f"{code}b", "name": "别区"})).json()
    username = f"x-{code}"
    assert (await gateway.post("/api/v1/admin/users", json={
        "username": username, "password": "a-long-enough-passphrase", "role": "region_admin",
        "region_id": other["id"]})).status_code == 201
    signed = await gateway.post("/api/v1/auth/token", data={"username": username,
                                                            "password": "a-long-enough-passphrase"})
    outsider = {"authorization": f"Bearer {signed.json()['access_token']}"}
    assert (await gateway.get(job["result_location"], headers=outsider)).status_code == 404
    assert (await gateway.get(location, headers=outsider)).status_code == 404
