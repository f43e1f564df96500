"""The allocation report as the organisation department files it: an XLSX workbook.

Sheet 名额分配: per unit its headcount, exact quota, floor, designated, tilt, remainder, total and
ratio, a total row, and the township/department comparison (ratios, the required uplift, reached
or the shortfall, the pool collected, used and left). Sheet 乡镇比例图: every township's (every
tilt unit's) excellent ratio before the pool (its floor) and after, beside the comparison units'
ratio and the ratio townships must reach, with a native Excel chart of them. Sheet 说明: the run,
its publication and the policy. Units are known by id in quota; their names come from the run's
inputs if they carry one, else from the records roster for units it knows.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from quota.allocations.models import AllocationPublication, AllocationRun
from quota.allocations.service import get_run_or_raise
from quota.clients.records import RecordsClient
from shared.errors import UpstreamUnavailable
from shared.jobs.files import ExportFile
from shared.service_auth import Caller
from shared.xlsx import PERCENT, local_time, put, workbook, write_pairs, write_table, xlsx_response

KIND_NAMES = {"township": "乡镇", "street": "街道", "department": "机关部门", "institution": "参公事业单位"}
KIND_ORDER = {"township": 0, "street": 1, "department": 2, "institution": 3}
GRADE_NAMES = {"first": "一等", "second": "二等", "third": "三等"}
COMMENDATION_NAMES = {"district": "区级表彰", "city": "市级表彰", "province": "省级表彰", "national": "国家级表彰"}
HEADERS = ("单位编号", "单位", "类型", "绩效等次", "年末人数", "精确份额", "保底", "指定名额", "倾斜", "尾数补足",
           "合计", "优秀比例", "倾斜前比例", "备注")
WIDTHS = (38, 22, 12, 9, 9, 10, 7, 9, 7, 9, 7, 10, 11, 36)
FORMATS = {5: "0.00##", 11: PERCENT, 12: PERCENT}
CHART_HEADERS = ("乡镇", "倾斜前比例", "倾斜后比例", "比较单位比例", "乡镇应达比例")


def _ratio(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


async def unit_names(records: RecordsClient, run: AllocationRun, caller: Caller) -> dict[str, str]:
    """A name for every unit that has one: from the run's inputs, else the records roster's."""
    names = {str(u["id"]): str(u["name"]) for u in run.units if u.get("name")}
    if any(u.get("headcount_source") == "records" and str(u["id"]) not in names for u in run.units):
        try:
            roster = await records.year_end_headcounts(run.region_id, run.year, caller=caller) or {}
        except UpstreamUnavailable:
            roster = {}  # the report stands without names: units keep their ids
        for unit_id, unit in roster.items():
            if unit.name and unit_id not in names:
                names[unit_id] = unit.name
    return names


def _remarks(unit: dict[str, Any], inputs: dict[str, dict[str, Any]], names: dict[str, str]) -> str:
    out = []
    if unit["members"]:
        out.append("合并评议：" + "、".join(names.get(m, m) for m in unit["members"]))
    red_lines = sorted({r for m in (unit["members"] or [unit["id"]]) for r in inputs.get(m, {}).get("red_lines", [])})
    if red_lines:
        out.append("负面清单：" + "、".join(red_lines) + "（不参加指定、倾斜和尾数补足）")
    commendation = inputs.get(unit["id"], {}).get("commendation")
    if commendation:
        out.append(COMMENDATION_NAMES.get(commendation, commendation))
    return "；".join(out)


def unit_rows(result: dict[str, Any], inputs: dict[str, dict[str, Any]],
              names: dict[str, str]) -> list[list[Any]]:
    units = sorted(result["units"], key=lambda u: (KIND_ORDER.get(u["kind"], 9), names.get(u["id"], u["id"])))
    return [[u["id"], names.get(u["id"], u["id"]), KIND_NAMES.get(u["kind"], u["kind"]),
             GRADE_NAMES.get(u["grade"], u["grade"]), u["headcount"], Decimal(u["exact_quota"]), u["floor"],
             u["designated"], u["tilt"], u["remainder"], u["total"], Decimal(u["ratio"]), Decimal(u["ratio_before"]),
             _remarks(u, inputs, names)] for u in units]


def uplift_row(policy: dict[str, Any], label: str) -> tuple[str, Any, str]:
    """Relative uplift as a percentage; absolute uplift in percentage points."""
    value = Decimal(str(policy["township_uplift"]))
    if policy.get("township_uplift_kind", "relative") == "absolute":
        return (f"{label}（百分点）", value * 100, "0.##")
    return (label, value, PERCENT)


def designated_text(policy: dict[str, Any]) -> str:
    table = policy.get("designated")
    if table:
        parts = [f"目标绩效{GRADE_NAMES.get(g, g)} {n}名" for g, n in table.get("by_grade", {}).items()]
        parts += [f"{COMMENDATION_NAMES.get(c, c)} {n}名" for c, n in table.get("by_commendation", {}).items()]
        return "，".join(parts) or "无"
    return "，".join(f"{r['condition']} {r['slots']}名" for r in policy.get("designated_rules", [])) or "无"


def comparison(result: dict[str, Any], policy: dict[str, Any]) -> list[tuple[str, Any] | tuple[str, Any, str]]:
    tilt = "、".join(KIND_NAMES.get(k, k) for k in policy.get("tilt_kinds", ["township"]))
    compared = "、".join(KIND_NAMES.get(k, k) for k in policy.get("comparison_kinds", ["department", "street"]))
    pool = result["pool"]
    reached = "已达到" if result["feasible"] else f"未达到，差 {result['shortfall']} 个名额"
    return [
        (f"{tilt}优秀比例", _ratio(result["township_ratio"]), PERCENT),
        (f"{compared}优秀比例", _ratio(result["department_ratio"]), PERCENT),
        uplift_row(policy, "政策要求上浮"),
        (f"{tilt}应达比例", _ratio(result["required_township_ratio"]), PERCENT),
        ("实际上浮", _ratio(result["uplift"]), PERCENT),
        ("是否达到", reached),
        ("名额池：收集", pool["collected"]),
        ("名额池：使用", pool["used"]),
        ("名额池：剩余", pool["left"]),
        ("不足一个名额的零头", Decimal(pool["fraction_left"]), "0.00##"),
        ("剩余原因", pool["left_reason"] or ""),
    ]


def ratio_chart(sheet: Any, result: dict[str, Any], policy: dict[str, Any], names: dict[str, str]) -> None:
    """Every tilt unit's ratio before and after (bars) beside the comparison ratio and the ratio
    townships must reach (lines), from a table on the same sheet."""
    from openpyxl.chart import BarChart, LineChart, Reference

    tilt_kinds = set(policy.get("tilt_kinds", ["township"]))
    towns = sorted((u for u in result["units"] if u["kind"] in tilt_kinds),
                   key=lambda u: names.get(u["id"], u["id"]))
    compared, required = _ratio(result["department_ratio"]), _ratio(result["required_township_ratio"])
    rows = [[names.get(u["id"], u["id"]), Decimal(u["ratio_before"]), Decimal(u["ratio"]), compared, required]
            for u in towns]
    last = write_table(sheet, CHART_HEADERS, rows, widths=(22, 11, 11, 13, 13),
                       formats={1: PERCENT, 2: PERCENT, 3: PERCENT, 4: PERCENT})
    if not towns:
        return
    categories = Reference(sheet, min_col=1, min_row=2, max_row=last)
    bars = BarChart()
    bars.type = "col"
    bars.title = "乡镇倾斜前后优秀比例与比较单位比例"
    bars.y_axis.title = "优秀比例"
    bars.y_axis.numFmt = "0%"
    bars.x_axis.delete = bars.y_axis.delete = False  # else newer Excel hides the axes of openpyxl's charts
    bars.add_data(Reference(sheet, min_col=2, max_col=3, min_row=1, max_row=last), titles_from_data=True)
    bars.set_categories(categories)
    if compared is not None:
        lines = LineChart()
        lines.add_data(Reference(sheet, min_col=4, max_col=5, min_row=1, max_row=last), titles_from_data=True)
        lines.set_categories(categories)
        for series in lines.series:
            series.smooth = False
            series.marker.symbol = "none"
        bars += lines
    bars.legend.position = "b"
    bars.height = 10
    bars.width = min(60, max(18, 1.6 * len(towns)))
    sheet.add_chart(bars, "G2")


async def report_file(session: AsyncSession, records: RecordsClient, run_id: uuid.UUID, caller: Caller, *,
                      run: AllocationRun | None = None) -> ExportFile:
    """The run's report (``run``: already read for the caller), as the download hands it out."""
    from openpyxl.styles import Font

    run = run or await get_run_or_raise(session, run_id, caller=caller)
    publication = await session.scalar(select(AllocationPublication).where(AllocationPublication.run_id == run.id))
    names = await unit_names(records, run, caller)
    inputs = {str(u["id"]): u for u in run.units}
    result, policy = run.result, run.policy
    successor = None if publication is None else await session.scalar(
        select(AllocationPublication).where(AllocationPublication.supersedes_id == publication.id))
    status = "未发布" if publication is None else f"{local_time(publication.published_at)} 发布" + (
        "" if successor is None else f"，{local_time(successor.published_at)} 已被更正发布替代")
    title = f"{run.year}年度优秀等次名额分配（{status}）"
    book = workbook()
    sheet = book.create_sheet("名额分配")
    rows = unit_rows(result, inputs, names)
    last = write_table(sheet, HEADERS, rows, widths=WIDTHS, title=title, formats=FORMATS)
    headcount = sum(r[4] for r in rows)
    slots = sum(r[10] for r in rows)
    totals = ["合计", "", "", "", headcount, sum((r[5] for r in rows), Decimal(0)), *(sum(r[i] for r in rows)
                                                                                    for i in range(6, 11)),
              Decimal(slots) / headcount if headcount else Decimal(0), None, ""]
    last += 1
    for column, value in enumerate(totals, start=1):
        cell = put(sheet, last, column, value)
        cell.font = Font(bold=True)
        if column - 1 in FORMATS:
            cell.number_format = FORMATS[column - 1]
    write_pairs(sheet, comparison(result, policy), first_row=last + 2, heading="乡镇与机关部门比较")
    ratio_chart(book.create_sheet("乡镇比例图"), result, policy, names)
    about = book.create_sheet("说明")
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 16, 70
    ratios = "，".join(f"{GRADE_NAMES.get(g, g)} {float(Decimal(str(r)) * 100):g}%"
                      for g, r in sorted(policy["ratio_by_grade"].items(), key=lambda e: (-Decimal(str(e[1])), e[0])))
    designated = designated_text(policy)
    write_pairs(about, [
        ("区域编号", str(run.region_id)), ("年度", run.year), ("分配运行编号", str(run.id)),
        ("计算时间", local_time(run.created_at)), ("计算人", run.created_by), ("输入摘要", run.input_digest),
        ("发布状态", "未发布" if publication is None else "已发布" if successor is None else "已发布，已被更正替代"),
        ("发布时间", local_time(publication.published_at) if publication else ""),
        ("发布人", publication.published_by if publication else ""),
        *([("发布说明", publication.reason)] if publication is not None and publication.reason else []),
        *([("更正发布时间", local_time(successor.published_at)), ("更正人", successor.published_by),
           ("更正原因", successor.reason or "")] if successor is not None else []),
        ("各等次优秀比例", ratios), ("单位上限比例", Decimal(str(policy["unit_cap_ratio"])), PERCENT),
        uplift_row(policy, "乡镇上浮要求"),
        ("名额池占比范围", f"{float(Decimal(str(policy.get('pool_min', 0))) * 100):g}%–"
                     f"{float(Decimal(str(policy.get('pool_max', 1))) * 100):g}%"),
        ("指定名额规则", designated), ("倾斜分配方法", policy.get("tilt_method", "hamilton")),
        ("剩余名额处理", {"largest_remainder": "按尾数大小补足", "keep": "留作区域预留"}.get(
            policy.get("leftover", "largest_remainder"), policy.get("leftover"))),
        ("单位数", len(rows)), ("年末总人数", headcount), ("优秀名额合计", slots),
    ], first_row=1, heading=title)
    return ExportFile.of(xlsx_response(book, f"allocation-{run.year}-{run.id}",
                                       display_name=f"{run.year}年度优秀等次名额分配"),
                         len(rows), {"run_id": run.id, "region_id": run.region_id, "year": run.year})
