"""Results as XLSX through the real records and quota services: a unit's quarter (Xiacun, by hand)
and a region's year (an evaluation group spanning two townships), with the JSON route's visibility."""

from __future__ import annotations

import io
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from shared.service_auth import Caller
from shared.testing import service_headers
from shared.xlsx import XLSX

from .conftest import unit_with_people
from .test_quarter import xiacun_quarter
from .test_year import YEAR

QUARTER_HEADERS = ["排名", "工号", "姓名", "单位", "科室", "得分", "等次", "指标得分", "测评得分", "加减分", "备注"]
YEAR_HEADERS = ["排名", "工号", "姓名", "单位", "科室", "得分", "等次", "季度平均分", "年终测评得分",
                "第一季度", "第二季度", "第三季度", "第四季度", "备注"]


def open_results(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith('attachment; filename="results-')
    return load_workbook(io.BytesIO(response.content))


def table(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=3, values_only=True))


def about(book: Any) -> dict[str, Any]:
    return {row[0]: row[1] for row in book["说明"].iter_rows(min_row=2, values_only=True)}


def leader_of(unit_id: str) -> dict[str, str]:
    return service_headers(Caller(subject="user:leader", roles=("leader",), unit_ids=(unit_id,)))


async def same_as_json(client: httpx.AsyncClient, path: str, rows: list[tuple[Any, ...]]) -> None:
    """Every row of the JSON results, in the same order, with the same rank, score and grade."""
    items = (await client.get(path, params={"limit": 500})).json()["items"]
    grades = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "较差", "excellent": "优秀",
              "competent": "称职", None: ""}
    assert [(r[0], Decimal(str(r[5])), r[6]) for r in rows] == [
        (i["rank"], Decimal(i["score"]), grades[i["grade"]]) for i in items]


async def test_a_units_quarter_by_hand(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    """Xiacun (see test_quarter): A 83 by the indicators, 77 by the raters, +2 honour → 83.8, good
    (rank 3); D 100 but capped at average by a discipline event; E 50, below 60: poor."""
    q = await xiacun_quarter(client, records)
    await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")
    close = (await client.post(f"{q['base']}/close")).json()
    book = open_results(await client.get(f"{q['base']}/results.xlsx"))
    assert book.sheetnames == ["考核结果", "说明"]
    sheet = book["考核结果"]
    assert sheet["A1"].value == "夏村镇机关干部 2025年第二季度考核结果（第1版，未发布）"
    assert [c.value for c in sheet[2]] == QUARTER_HEADERS
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["D"].width == 24 and sheet.column_dimensions["K"].width == 44
    rows = table(sheet)
    assert [r[2] for r in rows] == ["D", "B", "A", "C", "E"]
    a = rows[2]
    assert a[0] == 3 and a[1].endswith("-A") and a[2:4] == ("A", "夏村镇")
    assert a[4:] == (None, 83.8, "好", 83, 77, 2, None)  # nothing limits A's grade: no remark
    b, c = rows[1], rows[3]
    assert b[5:10] == (85.6, "好", 87, 80, 0) and c[5:10] == (70, "较好", 70, None, 0)  # C: nobody rated C
    assert rows[0][6:] == ("一般", 100, None, 0, "违反工作纪律（无故缺席防汛值班）：等次不高于一般")
    assert rows[4][6:] == ("较差", 50, None, 0, "得分低于60分：等次不高于较差")
    await same_as_json(client, f"{q['base']}/results", rows)
    stamp = about(book)
    assert (stamp["结果版本"], stamp["发布状态"], stamp["结果编号"]) == (1, "未发布（草稿）", close["id"])
    assert stamp["等次分布"] == "一般 1人，好 2人，较好 1人，较差 1人"

    # A unit's leader sees the published version only; a leader of another unit sees nothing.
    admin = dict(client.headers)
    client.headers.update(leader_of(q["county"]["unit"]))
    assert (await client.get(f"{q['base']}/results.xlsx")).status_code == 404
    client.headers.update(admin)
    assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200
    await client.put(f"{q['base']}/marks", json={"marks": [{"person_id": q["county"]["people"]["C"],
                                                            "indicator": "de", "mark": 75}]})
    assert (await client.post(f"{q['base']}/close")).json()["version"] == 2
    latest = open_results(await client.get(f"{q['base']}/results.xlsx"))["考核结果"]
    assert latest["A1"].value.endswith("（第2版，未发布）")
    first = open_results(await client.get(f"{q['base']}/results.xlsx", params={"version": 1}))["考核结果"]
    assert "（第1版，2" in first["A1"].value and first["A1"].value.endswith(" 发布）")
    assert (await client.get(f"{q['base']}/results.xlsx", params={"version": 3})).status_code == 404
    client.headers.update(leader_of(q["county"]["unit"]))
    seen = open_results(await client.get(f"{q['base']}/results.xlsx"))["考核结果"]
    assert seen["A1"].value == first["A1"].value and len(table(seen)) == 5
    client.headers.update(leader_of(str(uuid.uuid4())))
    assert (await client.get(f"{q['base']}/results.xlsx")).status_code == 404


# Quarter marks (Q1-Q4) and the year-end mark; A and D in 夏村镇, E and F in 云岭镇, one group.
MARKS = {"A": ((91, 80, 85, 95), 80), "B": ((90,) * 4, 90), "C": ((70,) * 4, 70), "D": ((99,) * 4, 99),
         "E": ((60,) * 4, 60), "F": ((88,) * 4, 88)}


async def a_group_year(client: httpx.AsyncClient, records: httpx.AsyncClient,
                       quota: httpx.AsyncClient) -> dict[str, Any]:
    county = await unit_with_people(records, "ABCD", group="G")
    other = (await records.post("/api/v1/records/units", json={
        "region_id": county["region"], "code": "Y", "name": "云岭镇", "kind": "township",
        "evaluation_group": "G"})).json()
    p = dict(county["people"])
    for letter in "EF":
        response = await records.post("/api/v1/records/persons", json={
            "unit_id": other["id"], "staff_no": f"{county['region'][:8]}-{letter}", "name": letter,
            "staff_category": "staff", "active_from": "2020-01-01"})
        p[letter] = response.json()["id"]
    scheme = (await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "group": "G", "name": "全县乡镇干部", "definition": YEAR})).json()
    base = f"/api/v1/scoring/schemes/{scheme['id']}/periods"
    for q in range(4):
        marks = [{"person_id": p[k], "indicator": "ji", "mark": quarters[q]} for k, (quarters, _) in MARKS.items()]
        assert (await client.put(f"{base}/2025Q{q + 1}/marks", json={"marks": marks})).status_code == 200
        close = (await client.post(f"{base}/2025Q{q + 1}/close")).json()
        assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200
    marks = [{"person_id": p[k], "indicator": "ji", "mark": year_end} for k, (_, year_end) in MARKS.items()]
    assert (await client.put(f"{base}/2025/marks", json={"marks": marks})).status_code == 200
    # 夏村镇 4 × 30% = 1.2 → 1 slot, 云岭镇 2 × 30% = 0.6 → 0: the group has 1 excellent slot.
    units = [{"id": county["unit"], "kind": "township", "grade": "first"},
             {"id": other["id"], "kind": "township", "grade": "first"},
             {"id": "dept", "kind": "department", "grade": "second", "headcount": 10}]
    policy = {"ratio_by_grade": {"first": "0.3", "second": "0.2"}, "unit_cap_ratio": "0.4", "township_uplift": "0.2"}
    assert (await quota.put(f"/api/v1/quota/regions/{county['region']}/years/2025/units",
                            json={"units": units})).status_code == 200
    assert (await quota.put(f"/api/v1/quota/regions/{county['region']}/years/2025/policy",
                            json=policy)).status_code == 200
    run = (await quota.post(f"/api/v1/quota/regions/{county['region']}/years/2025/allocations")).json()
    # Townships 1/6 against the department's 2/10 fall short of the uplift: published all the same.
    assert (await quota.post(f"/api/v1/quota/allocations/{run['id']}/publish",
                             json={"accept_warnings": True, "reason": "no pool to tilt with"})).status_code == 201
    close = await client.post(f"{base}/2025/close")
    assert close.status_code == 201, close.text
    return {"region": county["region"], "people": p, "base": base, "close": close.json()}


async def test_a_regions_year_by_hand(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                      quota: httpx.AsyncClient) -> None:
    """A: quarters 91, 80, 85, 95 → mean 87.75 × 0.6 + year-end 80 × 0.4 = 84.65; good (top 2 of 6) in
    Q1 and Q4, fairly good in Q2 and Q3. D: 99 throughout, the one excellent slot, four good quarters."""
    y = await a_group_year(client, records, quota)
    client.headers.update(service_headers(Caller(subject="user:od", roles=("region_admin",),
                                                 region_ids=(y["region"],))))
    book = open_results(await client.get(f"{y['base']}/2025/results.xlsx"))
    sheet = book["考核结果"]
    assert sheet["A1"].value == "全县乡镇干部 2025年度考核结果（第1版，未发布）"
    assert [c.value for c in sheet[2]] == YEAR_HEADERS
    assert sheet.freeze_panes == "A3" and sheet.column_dimensions["N"].width == 44
    rows = table(sheet)
    assert [(r[2], r[3]) for r in rows] == [("D", "夏村镇"), ("B", "夏村镇"), ("F", "云岭镇"), ("A", "夏村镇"),
                                           ("C", "夏村镇"), ("E", "云岭镇")]
    d, a = rows[0], rows[3]
    assert d[0] == 1 and d[4:] == (None, 99, "优秀", 99, 99, "好", "好", "好", "好", "四个季度均为“好”，评优评先优先")
    assert a[0] == 4 and a[1].endswith("-A")
    assert a[4:] == (None, pytest.approx(84.65), "称职", 87.75, 80, "好", "较好", "较好", "好", None)
    assert rows[2][1] == f"{y['region'][:8]}-F"
    await same_as_json(client, f"{y['base']}/2025/results", rows)
    stamp = about(book)
    assert (stamp["考核期间"], stamp["本表人数"], stamp["全部人数"]) == ("2025年度", 6, 6)
