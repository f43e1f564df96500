"""The progress of a region's units in a period, on the real stack (scoring and records): one unit
approved and closed, the other with a draft never submitted and nothing closed weeks after the
quarter's end, flagged late with its reasons; records written counted per unit; JSON and XLSX."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
from openpyxl import load_workbook

from .conftest import REVIEWED, county

S = "/api/v1/scoring"
CAPPED = {**REVIEWED, "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"}}


async def test_the_progress_view_flags_the_late_unit(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                     today_is: Callable[[str], None]) -> None:
    c = await county(records)
    od, region, a, b = c["od"], c["region"], c["units"]["A"], c["units"]["B"]
    # A: written by the department (approved as saved) and closed; B: a draft its unit never submitted
    made = await client.post(f"{S}/schemes", headers=od, json={"region_id": region, "unit_id": a, "name": "A镇方案",
                                                               "definition": CAPPED})
    assert made.status_code == 201, made.text
    draft = await client.post(f"{S}/schemes", headers=c["ub"], json={"region_id": region, "unit_id": b,
                                                                     "name": "B镇方案", "definition": REVIEWED})
    assert draft.json()["state"] == "draft"
    closed = await client.post(f"{S}/schemes/{made.json()['id']}/periods/2026Q3/close", headers=od)
    assert closed.status_code == 201, closed.text
    # A's person wrote two weekly records of the quarter and a monthly report, all after their deadlines
    for week in ("2026-W28", "2026-W29"):
        log = await records.post("/api/v1/records/work-logs", json={"person_id": c["people"]["A"], "week": week,
                                                                     "content": "纪实"})
        assert log.status_code == 201, log.text
    report = await records.post("/api/v1/records/monthly-reports", json={"person_id": c["people"]["A"],
                                                                          "month": "2026-08", "content": "月报"})
    assert report.status_code == 201, report.text

    today_is("2026-10-20")  # twenty days after the quarter's end: past the 15 days' grace for a close
    answer = await client.get(f"{S}/regions/{region}/progress", headers=od,
                              params={"period": "2026Q3", "min_on_time": "0"})
    assert answer.status_code == 200, answer.text
    rows = {r["unit_name"]: r for r in answer.json()["items"]}
    assert [r["unit_name"] for r in answer.json()["items"]] == ["B镇", "A镇"]  # the most reasons first
    assert answer.json()["counts"] == {"units": 2, "late": 1, "off_caps": 0}
    late = rows["B镇"]
    assert (late["review_state"], late["reasons"], late["late"], late["closed_at"]) == (
        "not_submitted", ["not_approved", "not_closed"], True, None)
    assert late["reasons_labels"]["not_closed"]["zh-CN"] == "考核结果未生成"
    done = rows["A镇"]
    # 13 Mondays from 6 July to 28 September; three months
    assert (done["people"], done["weeks_due"], done["weeks_written"], done["weeks_on_time"], done["months_due"],
            done["reports_written"], done["reports_on_time"]) == (1, 13, 2, 0, 3, 1, 0)
    assert (done["review_state"], done["close_version"], done["published_at"], done["objections_open"]) == (
        "approved", 1, None, 0)
    # the one person is 较好 by default, within the cap of 40% 好
    assert (done["grades"], done["caps"], done["over_caps"], done["reasons"], done["late"]) == (
        {"fairly_good": 1}, {"good": "0.4"}, [], [], False)

    # with the default share (80% on time), both units' records are late; the filter keeps the late ones
    strict = (await client.get(f"{S}/regions/{region}/progress", headers=od,
                               params={"period": "2026Q3", "flag": "late", "sort": "unit"})).json()
    assert [(r["unit_name"], r["reasons"]) for r in strict["items"]] == [
        ("A镇", ["records_late"]), ("B镇", ["not_approved", "not_closed", "records_late"])]

    sheet = await client.get(f"{S}/regions/{region}/progress", headers=od,
                             params={"period": "2026Q3", "format": "xlsx", "sort": "unit", "min_on_time": "0"})
    assert sheet.status_code == 200, sheet.text
    table = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert table[1][:4] == ("单位", "考核组", "方案", "方案状态")
    assert [(r[0], r[3], r[-1]) for r in table[2:]] == [("A镇", "已审核通过", None),
                                                         ("B镇", "未报送", "方案未审核通过、考核结果未生成")]
    # a unit's administrator and another region's officer: no such region
    assert (await client.get(f"{S}/regions/{region}/progress", headers=c["ua"],
                             params={"period": "2026Q3"})).status_code == 404
