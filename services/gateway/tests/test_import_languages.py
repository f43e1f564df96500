"""An import's row errors and file refusals in the caller's language on the real stack: the same file
sent with ``Accept-Language: zh-CN`` and ``en`` gives the same codes, rows and headings, and each reason
in its language."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import FastAPI

from shared.testing import asgi_client

from .conftest import World

ZH = {"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"accept-language": "en-GB,en;q=0.9"}
ZH_DETAIL, EN_DETAIL = "3 行有误（共 3 行），未写入任何内容", "3 bad row(s) of 3; nothing was written"
HEADER = "工号,姓名,单位编码,科室,人员类别,起始日期\n"


async def _both(gateway_app: FastAPI, path: str, headers: dict[str, str], **kwargs: Any) -> tuple[Any, Any]:
    answers = []
    async with asgi_client(gateway_app) as client:
        for lang in (ZH, EN):
            response = await client.post(path, headers={**headers, **lang}, **kwargs)
            assert response.status_code == 422, response.text
            answers.append(response.json())
    zh, en = answers
    assert zh["code"] == en["code"] == "import_rejected"
    assert [(e["row"], e["column"], e.get("heading"), e["value"], e["code"]) for e in zh["errors"]] == [
        (e["row"], e["column"], e.get("heading"), e["value"], e["code"]) for e in en["errors"]]
    return zh, en


def _reasons(problem: dict[str, Any]) -> list[tuple[int, str, str, str]]:
    return [(e["row"], e["column"], e["code"], e["reason"]) for e in problem["errors"]]


async def test_the_same_bad_roster_in_chinese_and_in_english(gateway_app: FastAPI, world: World) -> None:
    a, b = (f"L{uuid.uuid4().hex[:8]}" for _ in range(2))
    sheet = (f"二〇二五年人员名册\n{HEADER}{a},张三,NOPE,,其他在编,2025-01-01\n{a},李四,T1,,外星人,2025-02-30\n"
             f"{b},,T1,,其他在编,三月一日\n")
    zh, en = await _both(gateway_app, f"/api/v1/records/regions/{world.region['a']}/roster/import",
                         world.headers["P"], files={"file": ("名册.csv", sheet.encode("gb18030"), "text/csv")})
    assert (zh["title"], zh["detail"]) == ("导入文件未通过校验", ZH_DETAIL)
    assert (en["title"], en["detail"]) == ("The file has bad rows; nothing was written", EN_DETAIL)
    assert [e["heading"] for e in zh["errors"]] == ["单位编码", "工号", "人员类别", "起始日期", "姓名", "起始日期"]
    assert _reasons(zh) == [
        (3, "unit", "unknown_unit", "本地区没有此编码的单位"),
        (4, "staff_no", "duplicate_staff_no", "与第 3 行工号重复"),
        (4, "category", "unknown_category", "应为 班子成员、中层干部、其他在编 或 不在编"),
        (4, "active_from", "no_such_day", "没有这一天（2025-02-30）"),
        (5, "name", "missing_value", "必填"),
        (5, "active_from", "bad_date", "不是日期，应写作 2025-03-01、2025/3/1、2025.3.1、2025年3月1日 或 20250301")]
    assert _reasons(en) == [
        (3, "unit", "unknown_unit", "no unit with this code in the region"),
        (4, "staff_no", "duplicate_staff_no", "also on row 3"),
        (4, "category", "unknown_category", "use 班子成员, 中层干部, 其他在编 or 不在编"),
        (4, "active_from", "no_such_day", "no such day (2025-02-30)"),
        (5, "name", "missing_value", "required"),
        (5, "active_from", "bad_date", "not a date like 2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日 or 20250301")]


async def test_the_same_bad_attendance_stream_in_chinese_and_in_english(gateway_app: FastAPI, world: World) -> None:
    nobody = f"L{uuid.uuid4().hex[:8]}"
    lines = [b"not json", json.dumps({"staff_no": nobody, "day": "2025-03-03", "status": "出勤"}).encode(),
             json.dumps({"staff_no": "", "day": "2025.13.1", "status": "飞"}, ensure_ascii=False).encode()]
    zh, en = await _both(gateway_app, "/api/v1/records/attendance/stream",
                         {**world.headers["P"], "content-type": "application/x-ndjson"}, content=b"\n".join(lines))
    assert [r[:3] for r in _reasons(zh)] == [
        (1, "*", "not_json_object"), (2, "staff_no", "unknown_staff_no"), (3, "day", "no_such_day"),
        (3, "status", "unknown_status"), (3, "staff_no", "missing_value")]
    assert [r[3] for r in _reasons(zh)][:3] == ["不是 JSON 对象", "您管理的单位中没有此人", "没有这一天（2025-13-01）"]
    assert _reasons(zh)[3][3].startswith("未知的考勤状态，应为 ") and _reasons(zh)[4][3] == "必填"
    assert [r[3] for r in _reasons(en)] == [
        "not a JSON object", "no such person in the units you manage", "no such day (2025-13-01)",
        _reasons(en)[3][3], "required"]
    assert _reasons(en)[3][3].startswith("unknown status; use one of ")
    assert (zh["detail"], en["detail"]) == (ZH_DETAIL, EN_DETAIL)


async def test_the_same_bad_task_sheet_in_chinese_and_in_english(gateway_app: FastAPI, world: World) -> None:
    nobody = f"L{uuid.uuid4().hex[:8]}"
    sheet = f"工号,任务名称,强度,难度,数量,完成时限\n{nobody},走访,abc,0,1,2025-06-30\n"
    zh, en = await _both(gateway_app, "/api/v1/records/tasks/import", world.headers["P"],
                         files={"file": ("任务.csv", sheet.encode(), "text/csv")})
    assert _reasons(zh) == [(2, "staff_no", "unknown_staff_no", "您管理的单位中没有此人"),
                            (2, "intensity", "not_a_number", "不是数字"),
                            (2, "difficulty", "weight_out_of_range", "应大于 0 且不超过 1000")]
    assert [r[3] for r in _reasons(en)] == ["no such person in the units you manage", "not a number",
                                            "must be above 0 and at most 1000"]


async def test_a_pdf_is_refused_in_chinese(gateway_app: FastAPI, world: World) -> None:
    zh, en = await _both(gateway_app, "/api/v1/records/attendance/import", world.headers["P"],
                         files={"file": ("考勤.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf")})
    refusal = "这是一份 PDF 文档，不是表格；请上传 .xlsx、.xls、.ods 或 CSV/TXT 文本（UTF-8、GBK 或 UTF-16）"
    assert zh["detail"] == refusal
    assert zh["errors"] == [{"row": 1, "column": "*", "value": "", "code": "not_a_sheet", "reason": refusal}]
    assert en["detail"] == ("this is a PDF document, not a sheet; upload it as .xlsx, .xls, .ods, or CSV/TXT text "
                            "(UTF-8, GBK or UTF-16)")


async def test_a_dry_run_lists_the_rows_it_skipped_in_chinese(gateway_app: FastAPI, world: World) -> None:
    sheet = f"{HEADER}L{uuid.uuid4().hex[:8]},张三,T1,,其他在编,2025-01-01\n,,,,,\n合计,1,,,,\n"
    async with asgi_client(gateway_app) as client:
        response = await client.post(f"/api/v1/records/regions/{world.region['a']}/roster/import",
                                     params={"dry_run": "true"}, headers={**world.headers["P"], **ZH},
                                     files={"file": ("名册.csv", sheet.encode(), "text/csv")})
    assert response.status_code == 200, response.text
    assert response.json()["layout"]["skipped"] == [
        {"row": 3, "text": "", "code": "blank_row", "reason": "空行"},
        {"row": 4, "text": "合计 1", "code": "sign_off_line", "reason": "签字、合计或备注行"}]
