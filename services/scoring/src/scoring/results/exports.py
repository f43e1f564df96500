"""A result version as the organisation department files it: an XLSX with Chinese headers.

A unit's quarter (排名, 工号, 姓名, 单位, 科室, 得分, 等次, 指标得分, 测评得分, 加减分) or a region's year
(an evaluation-group scheme's year: the quarter mean, the year-end evaluation, the four quarters'
grades). Rows are those the JSON results show the caller (region administrators all, a unit's
staff their unit's), in the same order; staff numbers, names and sections come from the records summary of
the scheme's people (one call), unit names from the records unit list. The quarter's parts are
recomposed from the inputs the close stored, under the scheme version the close used, with the
reference functions of the explanation. The version and its publication are stamped in the title
row and on a second sheet.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients import Neighbours
from scoring.definitions import Rules
from scoring.models import Close, Result, Scheme
from scoring.results import masking
from scoring.results.compute import collector_paused, compose_person
from scoring.results.engine import to_reference
from scoring.results.groups import key_of_inputs
from scoring.results.listing import visible_rows
from scoring.schemes.service import rules_at
from scoring.scope import Scope, scope_of
from shared.jobs import ACCEPTED, JobContext, task
from shared.jobs.files import ExportFile, caller_of, keep_file, start_export
from shared.numbers import decimal_str
from shared.periods import Period, parse_period
from shared.service_auth import Caller
from shared.xlsx import (
    XLSX_RESPONSES,
    download,
    grade_name,
    local_time,
    period_name,
    to_bytes,
    workbook,
    write_pairs,
    write_table,
)

QUARTER_HEADERS = ("排名", "工号", "姓名", "单位", "科室", "得分", "等次", "指标得分", "测评得分", "加减分", "备注")
QUARTER_WIDTHS = (7, 14, 10, 24, 14, 11, 8, 11, 11, 9, 44)
YEAR_HEADERS = ("排名", "工号", "姓名", "单位", "科室", "得分", "等次", "季度平均分", "年终测评得分",
                "第一季度", "第二季度", "第三季度", "第四季度", "备注")
YEAR_WIDTHS = (7, 14, 10, 24, 14, 11, 9, 12, 13, 9, 9, 9, 9, 44)
# ``responses=`` of the download route: done at once it is the file, else 202 with the job.
DOWNLOAD_RESPONSES = {**XLSX_RESPONSES, **ACCEPTED}
EFFECTS = {"exclude": "不定等次", "veto": "一票否决"}


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def stamp(scheme: Scheme, close: Close) -> str:
    published = (f"{local_time(close.published_at)} 发布" if close.published_at is not None else "未发布")
    return f"{scheme.name} {period_name(close.period)}考核结果（第{close.version}版，{published}）"


def quarter_remarks(inputs: dict[str, Any], total: Fraction, rules: Rules) -> str:
    """The negative-list events and score thresholds that limit the grade, in Chinese."""
    out = []
    for item, note in inputs["negatives"]:
        declared = rules.negative.get(item)
        if declared is None:
            continue
        effect = EFFECTS.get(declared.effect) or f"等次不高于{grade_name(declared.grade)}"
        out.append(f"{declared.name}（{note}）：{effect}" if note else f"{declared.name}：{effect}")
    for grade, below in rules.thresholds:
        if total < below:
            out.append(f"得分低于{decimal_str(below)}分：等次不高于{grade_name(grade)}")
    return "；".join(out)


GROUPING_NAMES = {"unit": "单位", "section": "科室", "post": "岗位", "staff_category": "人员类别"}


def group_text(within: tuple[str, ...], key: tuple[str | None, ...], units: dict[str, str]) -> str:
    """E.g. 同组比较：单位 市直某局，岗位 科员 (a unit by its name)."""
    parts = [f"{GROUPING_NAMES[g]} {'无' if v is None else units.get(v, v) if g == 'unit' else v}"
             for g, v in zip(within, key, strict=True)]
    return "同组比较：" + "，".join(parts)


def quarter_rows(rows: list[Any], rules: Rules, mean_load: Fraction,
                 who: dict[str, tuple[str, str, str | None]], units: dict[str, str]) -> list[list[Any]]:
    out = []
    with collector_paused():
        for person_id, unit_id, score, rank, grade, detail in rows:
            pid = str(person_id)
            inputs = detail["inputs"]
            parts = compose_person(to_reference(pid, inputs), rules, mean_load).detail
            evaluation = masking.evaluation(parts["evaluation"], rules)  # rater anonymity, as the explanation
            remarks = quarter_remarks(inputs, Fraction(detail["total"]), rules)
            if masking.evaluation_hidden(parts["evaluation"], rules):
                note = f"测评人数不足{rules.min_raters_shown}人，测评得分不公开"
                remarks = f"{remarks}；{note}" if remarks else note
            if rules.compare_within:  # the group the person was ranked and graded in
                group = group_text(rules.compare_within, key_of_inputs(inputs, rules.compare_within), units)
                remarks = f"{group}；{remarks}" if remarks else group
            staff_no, name, section = who.get(pid, ("", "", None))
            out.append([rank, staff_no, name, units.get(str(unit_id), str(unit_id or "")), section, score,
                        grade_name(grade), _number(parts["indicators"]["score"]),
                        None if evaluation is None else _number(evaluation["score"]),
                        _number(parts["adjustments"]["net"]), remarks])
    return out


_STEPS_ZH = {"a talk with the unit head": "由单位主要负责人谈话提醒", "a notice of criticism": "通报批评"}


def _step_zh(step: str) -> str:
    if found := re.fullmatch(r"annual grade (\w+)( at best)?", step):
        return f"年度等次{'最高' if found.group(2) else ''}定为“{grade_name(found.group(1))}”"
    return _STEPS_ZH.get(step, step)


def year_reason_zh(reason: str) -> str | None:
    """A year result's reason as the remarks column says it in Chinese; None for those it leaves
    out (the rank and grade, which have their own columns)."""
    if reason.startswith("excluded: "):
        return "不定等次：" + reason.removeprefix("excluded: ").removesuffix("; no annual grade")
    if found := re.fullmatch(r"escalation, (\d+) quarter\(s\) graded (\w+): (.*)", reason):
        steps = "，".join(_step_zh(step) for step in found.group(3).split("; "))
        return f"{found.group(1)}个季度考核为“{grade_name(found.group(2))}”：{steps}"
    if found := re.fullmatch(r"(\d+) quarter\(s\) graded (\w+): not excellent.*", reason):
        return f"{found.group(1)}个季度考核为“{grade_name(found.group(2))}”，不得评为优秀"
    if found := re.fullmatch(r"negative list: no better than (\w+)", reason):
        return f"负面清单：等次不高于“{grade_name(found.group(1))}”"
    if found := re.fullmatch(r"equal annual score (\S+) with .*: four quarters graded good rank first.*", reason):
        return f"年度得分{found.group(1)}分同分，四个季度均为“好”者排名在前"
    if found := re.fullmatch(r"equal annual score (\S+) with .*, ranked first for four quarters.*", reason):
        return f"年度得分{found.group(1)}分同分，排在四个季度均为“好”者之后"
    if found := re.fullmatch(r"tied at (\S+) where the excellent slots fell.*", reason):
        return f"以{found.group(1)}分并列于优秀名额分界处，名额数不变"
    if found := re.fullmatch(r"(\d{4}Q\d) not graded .*", reason):
        return f"{period_name(found.group(1))}未定等次，得分照计"
    return None


def year_remarks(grade: str | None, detail: dict[str, Any]) -> str:
    out = [said for reason in detail["grade"]["reasons"] if (said := year_reason_zh(reason))]
    if grade is None and not any(o.startswith("不定等次") for o in out):
        out.append("不定等次")
    if detail.get("four_good_priority"):
        out.append("四个季度均为“好”，评优评先优先")
    return "；".join(out)


def year_rows(rows: list[Any], who: dict[str, tuple[str, str, str | None]], units: dict[str, str]) -> list[list[Any]]:
    out = []
    for person_id, unit_id, score, rank, grade, detail in rows:
        quarters = {q["period"].partition("Q")[2]: q["grade"] for q in detail.get("quarters", [])}
        staff_no, name, section = who.get(str(person_id), ("", "", None))
        out.append([rank, staff_no, name, units.get(str(unit_id), str(unit_id or "")), section, score,
                    grade_name(grade),
                    _number(detail.get("quarters_mean", detail.get("parts_mean"))),
                    _number(detail.get("year_end", detail.get("period_end"))),
                    *(grade_name(quarters.get(q)) for q in "1234"), year_remarks(grade, detail)])
    return out


async def _names(neighbours: Neighbours, scheme: Scheme, period: str,
                 caller: Caller) -> tuple[dict[str, tuple[str, str, str | None]], dict[str, str]]:
    """Staff number, name and section name by person (the scheme's records summary: one call);
    unit names by id."""
    people = await neighbours.summary(region_id=scheme.region_id, unit_id=scheme.unit_id, group=scheme.group_name,
                                      period=period, caller=caller, fields=("staff_no", "name", "section_name"))
    who = {str(p["person_id"]): (str(p["staff_no"]), str(p["name"]), p.get("section_name")) for p in people}
    return who, await neighbours.unit_names(region_id=scheme.region_id, caller=caller)


@dataclass(frozen=True)
class Gathered:
    """A version's rows for the caller, and what the workbook says of them."""

    rows: list[Any]
    scheme: Scheme
    close: Close
    quarter: bool
    rules: Rules | None
    mean_load: Fraction
    who: dict[str, tuple[str, str, str | None]]
    names: dict[str, str]


async def gather(session: AsyncSession, neighbours: Neighbours, scheme_id: uuid.UUID, period: Period, scope: Scope,
                 *, version: int | None) -> Gathered:
    """What ``results_page`` shows the caller, every row, with the names and rules the workbook needs."""
    caller = scope.caller
    scheme, close, _, where = await visible_rows(session, scheme_id, period, scope, version)
    # Records is asked while the database reads the rows (records' two calls one after the other).
    fetching = asyncio.create_task(_names(neighbours, scheme, close.period, caller))
    try:
        rows = list(await session.execute(
            select(Result.person_id, Result.unit_id, Result.score, Result.rank, Result.grade, Result.detail)
            .where(*where).order_by(Result.rank.nulls_last(), Result.person_id)))
        who, names = await fetching
    finally:
        fetching.cancel()
    quarter = not rows or "inputs" in rows[0].detail  # computed from its own inputs, else built from parts
    rules = await rules_at(session, close.scheme_id, close.scheme_version) if quarter else None
    return Gathered(rows, scheme, close, quarter, rules, Fraction(close.summary.get("mean_task_load", "0")), who,
                    names)


async def results_file(found: Gathered) -> ExportFile:
    """The workbook of what ``gather`` found, as the download hands it out."""
    scheme, close, rows = found.scheme, found.close, found.rows
    title = stamp(scheme, close)
    counts: dict[str, int] = {}
    for row in rows:
        counts[grade_name(row.grade) or "不定等次"] = counts.get(grade_name(row.grade) or "不定等次", 0) + 1
    stamped = [
        ("考核方案", scheme.name), ("方案编号", str(scheme.id)), ("方案版本", close.scheme_version),
        ("考核期间", period_name(close.period)), ("结果版本", close.version), ("结果编号", str(close.id)),
        ("发布状态", "已发布" if close.published_at is not None else "未发布（草稿）"),
        ("发布时间", local_time(close.published_at)), ("生成时间", local_time(close.created_at)),
        ("本表人数", len(rows)), ("全部人数", close.people),
        ("等次分布", "，".join(f"{k} {v}人" for k, v in counts.items())),
    ]
    # Recomposing and writing 2,000 rows takes a second or two: off the event loop.
    data = await asyncio.to_thread(_build, rows, title, stamped, found.rules, found.mean_load, found.who, found.names)
    response = download(data, f"results-{'quarter' if found.quarter else 'year'}-{close.period}-v{close.version}",
                        display_name=f"{scheme.name}{period_name(close.period)}考核结果（第{close.version}版）")
    return ExportFile.of(response, len(rows), {"scheme_id": scheme.id, "period": close.period,
                                               "version": close.version})


async def results_xlsx(request: Request, session: AsyncSession, scheme_id: uuid.UUID, period: Period, scope: Scope,
                       *, version: int | None) -> Response:
    """The download: written here, or by a job (``scoring.results_xlsx``) for ``SCORING_EXPORT_JOB_ROWS`` rows or
    more, answered with the file when it is done within a second, else with 202 and the job."""
    found = await gather(session, request.app.state.neighbours, scheme_id, period, scope, version=version)
    if len(found.rows) >= request.app.state.settings.export_job_rows:
        return await start_export(request, "scoring.results_xlsx", caller=scope.caller,
                                  params={"scheme_id": str(scheme_id), "period": period.code,
                                          "version": found.close.version},
                                  region_id=found.scheme.region_id, unit_id=found.scheme.unit_id,
                                  total=len(found.rows))
    return (await results_file(found)).response()


@task("scoring.results_xlsx")
async def results_xlsx_job(ctx: JobContext) -> Any:
    """A version's workbook for the caller who asked, kept with the job until it is pruned (KAOHE_JOB_KEEP_DAYS)."""
    neighbours: Neighbours = ctx.resources["neighbours"]
    scope = await scope_of(caller_of(ctx), neighbours)
    async with ctx.session() as session:
        await ctx.progress(phase="reading the results")
        found = await gather(session, neighbours, uuid.UUID(ctx.params["scheme_id"]),
                             parse_period(ctx.params["period"]), scope, version=int(ctx.params["version"]))
        await ctx.progress(0, len(found.rows), "writing the workbook")
        file = await results_file(found)
        await ctx.progress(len(found.rows))
        await keep_file(ctx, session, file)
    return None


def _build(rows: list[Any], title: str, stamped: list[tuple[str, Any]], rules: Rules | None, mean_load: Fraction,
           who: dict[str, tuple[str, str, str | None]], names: dict[str, str]) -> bytes:
    """The workbook: the results (a quarter when there are rules to recompose with, else a year), the stamp."""
    book = workbook()
    sheet = book.create_sheet("考核结果")
    if rules is not None:
        write_table(sheet, QUARTER_HEADERS, quarter_rows(rows, rules, mean_load, who, names), widths=QUARTER_WIDTHS,
                    title=title)
    else:
        write_table(sheet, YEAR_HEADERS, year_rows(rows, who, names), widths=YEAR_WIDTHS, title=title)
    about = book.create_sheet("说明")
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 14, 60
    write_pairs(about, stamped, first_row=1, heading=title)
    return to_bytes(book)
