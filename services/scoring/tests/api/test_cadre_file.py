"""A cadre's file (``GET /persons/{person_id}/file?reason=``) and who read it (``…/file/reads``).

夏村镇: A 90, B 80, C 70 on one indicator of weight 1 in 2025Q1. A has a bonus item 荣誉 +2 (92) and
a discipline event (no better than average); the cap of 40% of 3 people, floored, is one good: A
is capped, so B is good; A (92, rank 1) and C average. The version is published; A objects to it.
Records holds A's honour 优秀公务员 and a task 招商引资 due 2025-06-30, 60% done.
"""

from __future__ import annotations

import io
import itertools
import uuid
from typing import Any

import httpx
from openpyxl import load_workbook

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import caller_headers, unit_with_people

DEFINITION: dict[str, Any] = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
                    "bonus_total": "4", "deduction_total": "10"},
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
}


async def quarter(client: httpx.AsyncClient, records: httpx.AsyncClient) -> dict[str, Any]:
    w = await unit_with_people(records, "ABC")
    a = w["people"]["A"]
    scheme = await client.post("/api/v1/scoring/schemes", json={
        "region_id": w["region"], "unit_id": w["unit"], "name": "夏村镇机关", "definition": DEFINITION})
    assert scheme.status_code == 201, scheme.text
    w["scheme"] = scheme.json()["id"]
    base = f"/api/v1/scoring/schemes/{w['scheme']}/periods/2025Q1"
    marks = [{"person_id": w["people"][k], "indicator": "ji", "mark": v} for k, v in (("A", 90), ("B", 80), ("C", 70))]
    assert (await client.put(f"{base}/marks", json={"marks": marks})).status_code == 200
    assert (await client.post(f"{base}/adjustments", json={
        "person_id": a, "item": "honour", "points": "2", "evidence": "市级表彰", "approved_by": "镇党委"})
    ).status_code == 201
    assert (await client.post(f"{base}/negative-events", json={
        "person_id": a, "item": "discipline", "note": "无故缺席防汛值班"})).status_code == 201
    w["close"] = (await client.post(f"{base}/close")).json()["id"]
    assert (await client.post(f"/api/v1/scoring/results/{w['close']}/publish")).status_code == 200
    objection = await client.post(f"/api/v1/scoring/results/{w['close']}/objections", headers=caller_headers(a),
                                  json={"reason": "纪律事项有误"})
    assert objection.status_code == 201, objection.text
    honour = await records.post("/api/v1/records/honours", json={
        "person_id": a, "title": "优秀公务员", "level": "county", "awarded_on": "2025-03-01",
        "awarded_by": "某县人民政府", "evidence": "某政发〔2025〕3号"})
    assert honour.status_code == 201, honour.text
    task = await records.post("/api/v1/records/tasks", json={
        "person_id": a, "title": "招商引资", "intensity": "1", "difficulty": "1", "quantity": "1",
        "due_on": "2025-06-30"})
    assert task.status_code == 201, task.text
    progress = await records.post(f"/api/v1/records/tasks/{task.json()['id']}/progress", headers=caller_headers(a),
                                  json={"progress": 60, "note": "已签约两个项目"})
    assert progress.status_code in (200, 201), progress.text
    return w


async def test_an_officer_reads_the_file_with_a_reason_and_the_person_sees_the_read(
        client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    a = w["people"]["A"]
    officer = service_headers(Caller(subject="user:zzb-officer", roles=("region_admin",), region_ids=(w["region"],)))
    response = await client.get(f"/api/v1/scoring/persons/{a}/file", params={"reason": "干部考察：拟提拔"},
                                headers=officer)
    assert response.status_code == 200, response.text
    found = response.json()
    assert (found["name"], [(h["unit_name"], h["active_from"]) for h in found["history"]]) == (
        "A", [("夏村镇", "2020-01-01")])
    assert [(p["period"], p["score"], p["rank"], p["grade"]) for p in found["periods"]] == [
        ("2025Q1", "92", 1, "average")]
    assert [(i["name"], i["direction"], i["points"]) for i in found["adjustments"]] == [("荣誉", "bonus", "2")]
    assert [(e["name"], e["note"]) for e in found["negative_events"]] == [("违反工作纪律", "无故缺席防汛值班")]
    assert [(o["period"], o["reason"], o["status"]) for o in found["objections"]] == [
        ("2025Q1", "纪律事项有误", "pending")]
    assert [h["title"] for h in found["honours"]] == ["优秀公务员"]
    assert [(t["title"], t["progress"]) for t in found["tasks"]] == [("招商引资", "60.00")]
    assert (found["read"]["reason"], found["read"]["read_by"]) == ("干部考察：拟提拔", "user:zzb-officer")

    document = await client.get(f"/api/v1/scoring/persons/{a}/file.xlsx", params={"reason": "任前审查"})
    assert document.status_code == 200, document.text
    book = load_workbook(io.BytesIO(document.content))
    assert book.sheetnames == ["干部成长档案", "历年考核结果", "加减分与负面清单", "异议及处理", "荣誉", "重点工作任务",
                               "任职经历"]
    assert [r[:5] for r in book["历年考核结果"].iter_rows(min_row=2, values_only=True)] == [
        ("2025年第一季度", "夏村镇机关", "92", 1, "一般")]
    assert [r[1:3] for r in book["加减分与负面清单"].iter_rows(min_row=2, values_only=True)] == [
        ("加分", "荣誉"), ("负面清单", "违反工作纪律")]

    reads = await client.get(f"/api/v1/scoring/persons/{a}/file/reads", headers=caller_headers(a))
    assert reads.status_code == 200, reads.text
    assert [(r["reason"], r["read_by"]) for r in reads.json()["items"]] == [("任前审查", "user:province-admin"),
                                                                   ("干部考察：拟提拔", "user:zzb-officer")]


async def test_a_read_without_a_reason_is_refused_and_not_recorded(client: httpx.AsyncClient,
                                                                 records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    a = w["people"]["A"]
    for path, params in itertools.product(("file", "file.xlsx"), ({}, {"reason": "  "})):
        response = await client.get(f"/api/v1/scoring/persons/{a}/{path}", params=params)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["query.reason"]
    assert (await client.get(f"/api/v1/scoring/persons/{a}/file/reads")).json()["items"] == []


async def test_who_may_read_a_file_and_its_reads(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    w = await quarter(client, records)
    a, b = w["people"]["A"], w["people"]["B"]
    file, reads = f"/api/v1/scoring/persons/{a}/file", f"/api/v1/scoring/persons/{a}/file/reads"
    other_region = service_headers(Caller(subject="user:rb", roles=("region_admin",), region_ids=(str(uuid.uuid4()),)))
    unit_admin = service_headers(Caller(subject="user:ua", roles=("unit_admin",), unit_ids=(w["unit"],)))
    for headers, status in ((other_region, 404), (unit_admin, 403), (caller_headers(a), 403),
                            (caller_headers(b), 404)):
        assert (await client.get(file, params={"reason": "看看"}, headers=headers)).status_code == status
    for headers, status in ((other_region, 404), (unit_admin, 403), (caller_headers(b), 404), (caller_headers(a), 200)):
        assert (await client.get(reads, headers=headers)).status_code == status
    missing = await client.get(f"/api/v1/scoring/persons/{uuid.uuid4()}/file", params={"reason": "看看"})
    assert missing.status_code == 404 and missing.json()["code"] == "person_not_found"
