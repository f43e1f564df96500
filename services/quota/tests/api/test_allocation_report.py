"""The allocation report as XLSX: per-unit slots, the township/department comparison, the chart;
names from the real records roster."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from shared.service_auth import Caller
from shared.testing import asgi_client, rolled_back, service_headers
from shared.xlsx import XLSX

from .test_allocations_api import POLICY, UNITS

HEADERS = ["单位编号", "单位", "类型", "绩效等次", "年末人数", "精确份额", "保底", "指定名额", "倾斜", "尾数补足",
           "合计", "优秀比例", "倾斜前比例", "备注"]


async def stored_run(client: httpx.AsyncClient, region: uuid.UUID, units: list[dict[str, Any]] = UNITS,
                     policy: dict[str, Any] = POLICY) -> dict[str, Any]:
    assert (await client.put(f"/api/v1/quota/regions/{region}/years/2025/units",
                             json={"units": units})).status_code == 200
    assert (await client.put(f"/api/v1/quota/regions/{region}/years/2025/policy", json=policy)).status_code == 200
    response = await client.post(f"/api/v1/quota/regions/{region}/years/2025/allocations")
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


def open_report(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith('attachment; filename="allocation-2025-')
    return load_workbook(io.BytesIO(response.content))


def rows_by_label(sheet: Any) -> dict[str, Any]:
    return {row[0]: row[1] for row in sheet.iter_rows(min_col=1, max_col=2, values_only=True) if row[0]}


async def test_the_report_by_hand(client: httpx.AsyncClient) -> None:
    """The simulate contract's units (see test_allocations_api): T1 7 people of grade first → exact
    1.54, floor 1, designated 1 (target_first_class) → 2 = 28.57%; townships 8/30 = 26.67% against
    departments and streets 7/42 = 16.67%; the pool collects 2 slots and uses both."""
    run = await stored_run(client, uuid.uuid4())
    book = open_report(await client.get(f"/api/v1/quota/allocations/{run['id']}/report.xlsx"))
    assert book.sheetnames == ["名额分配", "乡镇比例图", "说明"]
    sheet = book["名额分配"]
    assert sheet["A1"].value == "2025年度优秀等次名额分配（未发布）"
    assert [c.value for c in sheet[2]] == HEADERS
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["B"].width == 22 and sheet.column_dimensions["N"].width == 36
    table = {row[0]: row for row in sheet.iter_rows(min_row=3, max_row=8, values_only=True)}
    assert list(table) == ["T1", "T2", "S1", "D1", "D2", "合计"]  # townships, streets, departments
    t1 = table["T1"]
    assert t1[:11] == ("T1", "T1", "乡镇", "一等", 7, 1.54, 1, 1, 0, 0, 2)
    assert t1[11] == pytest.approx(2 / 7, abs=1e-6) and t1[12] == pytest.approx(1 / 7, abs=1e-6)
    assert sheet["L3"].number_format == "0.00%"
    by_id = {u["id"]: u for u in run["result"]["units"]}
    for unit_id in ("T2", "S1", "D1", "D2"):
        row, unit = table[unit_id], by_id[unit_id]
        assert row[4:11] == (unit["headcount"], float(unit["exact_quota"]), unit["floor"], unit["designated"],
                             unit["tilt"], unit["remainder"], unit["total"])
    total = table["合计"]
    assert total[4] == 57 and total[10] == sum(u["total"] for u in by_id.values())
    summary = rows_by_label(sheet)
    assert summary["乡镇优秀比例"] == pytest.approx(8 / 30, abs=1e-6)
    assert summary["机关部门、街道优秀比例"] == pytest.approx(1 / 6, abs=1e-6)
    assert summary["政策要求上浮"] == pytest.approx(0.2) and summary["实际上浮"] == pytest.approx(0.6)
    assert summary["乡镇应达比例"] == pytest.approx(0.2, abs=1e-6)
    assert summary["是否达到"] == "已达到"
    assert (summary["名额池：收集"], summary["名额池：使用"], summary["名额池：剩余"]) == (2, 2, 0)
    assert summary["不足一个名额的零头"] == pytest.approx(0.49)

    chart_sheet = book["乡镇比例图"]
    assert [c.value for c in chart_sheet[1]] == ["乡镇", "倾斜前比例", "倾斜后比例", "比较单位比例", "乡镇应达比例"]
    towns = {row[0]: row[1:] for row in chart_sheet.iter_rows(min_row=2, values_only=True)}
    assert set(towns) == {"T1", "T2"}
    assert towns["T1"] == pytest.approx((1 / 7, 2 / 7, 1 / 6, 0.2), abs=1e-6)
    assert len(chart_sheet._charts) == 1
    bars = chart_sheet._charts[0]
    assert bars.tagname == "barChart" and len(bars.series) == 2
    assert [s.tx.strRef.f for s in bars.series] == ["'乡镇比例图'!B1", "'乡镇比例图'!C1"]
    assert bars.series[0].cat.numRef.f == "'乡镇比例图'!$A$2:$A$3"  # one category per township
    lines = [c for c in bars._charts if c.tagname == "lineChart"]
    assert len(lines) == 1 and len(lines[0].series) == 2

    about = rows_by_label(book["说明"])
    assert about["分配运行编号"] == run["id"] and about["发布状态"] == "未发布"
    assert about["各等次优秀比例"] == "一等 22%，二等 20%，三等 15%"


async def test_a_published_run_says_so_and_a_shortfall_is_reported(client: httpx.AsyncClient) -> None:
    """No pool to tilt with (every exact quota whole): townships 1/5 = 20% against departments
    2/10 = 20%, the uplift of 20% needs 1 more slot."""
    units = [{"id": "T", "kind": "township", "headcount": 5, "grade": "first"},
             {"id": "D", "kind": "department", "headcount": 10, "grade": "first"}]
    policy = {"ratio_by_grade": {"first": "0.2"}, "unit_cap_ratio": "0.4", "township_uplift": "0.2"}
    run = await stored_run(client, uuid.uuid4(), units, policy)
    published = await client.post(f"/api/v1/quota/allocations/{run['id']}/publish",
                                  json={"accept_warnings": True, "reason": "the uplift is waived this year"})
    assert published.status_code == 201
    book = open_report(await client.get(f"/api/v1/quota/allocations/{run['id']}/report.xlsx"))
    sheet = book["名额分配"]
    assert sheet["A1"].value.startswith("2025年度优秀等次名额分配（2") and sheet["A1"].value.endswith("发布）")
    assert rows_by_label(sheet)["是否达到"] == "未达到，差 1 个名额"
    assert rows_by_label(book["说明"])["发布状态"] == "已发布"
    assert rows_by_label(book["说明"])["发布说明"] == "the uplift is waived this year"
    assert len(book["乡镇比例图"]._charts[0].series) == 2
    # superseded by a corrected run: the old run's report says so, with when, who and why
    corrected = await stored_run(client, uuid.UUID(run["region_id"]), [{**units[0], "headcount": 10}, units[1]],
                                 policy)
    again = await client.post(f"/api/v1/quota/allocations/{corrected['id']}/publish",
                              json={"supersedes": True, "accept_warnings": True, "reason": "T 的年末人数应为10人"})
    assert again.status_code == 201, again.text
    book = open_report(await client.get(f"/api/v1/quota/allocations/{run['id']}/report.xlsx"))
    assert book["名额分配"]["A1"].value.endswith("已被更正发布替代）")
    about = rows_by_label(book["说明"])
    assert (about["发布状态"], about["更正原因"]) == ("已发布，已被更正替代", "T 的年末人数应为10人")


async def test_another_regions_run_is_not_found(client: httpx.AsyncClient) -> None:
    run = await stored_run(client, uuid.uuid4())
    client.headers.update(service_headers(Caller(subject="user:od", roles=("region_admin",),
                                                 region_ids=(str(uuid.uuid4()),))))
    response = await client.get(f"/api/v1/quota/allocations/{run['id']}/report.xlsx")
    assert response.status_code == 404 and response.json()["code"] == "allocation_not_found"


@pytest.fixture
async def records(records_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with rolled_back(records_app), asgi_client(records_app, headers=service_headers()) as c:
        yield c


async def test_units_the_roster_knows_are_named(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    region = (await records.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:8]}",
                                                                    "name": "县"})).json()
    ids = {}
    for code, name, kind in (("T", "夏村镇", "township"), ("D", "县财政局", "department")):
        unit = (await records.post("/api/v1/records/units", json={
            "region_id": region["id"], "code": code, "name": name, "kind": kind})).json()
        ids[code] = unit["id"]
        for i in range(5):
            assert (await records.post("/api/v1/records/persons", json={
                "unit_id": unit["id"], "staff_no": f"{region['code']}-{code}{i}", "name": f"{code}{i}",
                "staff_category": "staff", "active_from": "2020-01-01"})).status_code == 201
    units = [{"id": ids["T"], "kind": "township", "grade": "first"},
             {"id": ids["D"], "kind": "department", "grade": "first"},
             {"id": "outside-roster", "kind": "street", "grade": "first", "headcount": 10}]
    run = await stored_run(client, uuid.UUID(region["id"]), units)
    book = open_report(await client.get(f"/api/v1/quota/allocations/{run['id']}/report.xlsx"))
    sheet = book["名额分配"]
    names = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, max_row=5, values_only=True)}
    assert names == {ids["T"]: "夏村镇", ids["D"]: "县财政局", "outside-roster": "outside-roster"}
    assert [row[0] for row in book["乡镇比例图"].iter_rows(min_row=2, values_only=True)] == ["夏村镇"]
