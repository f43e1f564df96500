"""A cadre's file as a document for a promotion vetting: the same answer as the JSON file (and the
read recorded the same way, with its reason), as an XLSX workbook in Chinese, one sheet per part."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response

from scoring.cadre.file import READ_RESPONSES, PersonFile, ReasonQuery, checked_reason, person_file
from scoring.procedure.clock import TodayDep
from scoring.scope import ScopeDep
from shared.db import SessionDep
from shared.labels import ZH, label
from shared.touched import disclose
from shared.xlsx import (
    DAY,
    XLSX_RESPONSES,
    grade_name,
    local_time,
    period_name,
    workbook,
    write_pairs,
    write_table,
    xlsx_response,
)

router = APIRouter(prefix="/api/v1/scoring", tags=["cadre file"])


def _label(kind: str, code: str | None) -> str:
    return "" if code is None else label(kind, code, ZH)


def _day(text: Any) -> date | None:
    return None if text is None else date.fromisoformat(str(text))


def file_book(found: PersonFile) -> Any:
    book = workbook()
    cover = book.create_sheet("干部成长档案")
    cover.column_dimensions["A"].width, cover.column_dimensions["B"].width = 14, 50
    write_pairs(cover, [("姓名", found.name), ("工号", found.staff_no), ("查阅事由", found.read.reason),
                        ("查阅人", found.read.read_by), ("查阅时间", local_time(found.read.read_at))],
                first_row=1, heading=f"{found.name}的干部成长档案")
    write_table(book.create_sheet("历年考核结果"), ["考核期间", "考核方案", "得分", "排名", "等次", "公布时间"],
                ([period_name(p.period), p.scheme_name, p.score, p.rank, grade_name(p.grade),
                  local_time(p.published_at)] for p in found.periods), widths=(16, 24, 10, 8, 10, 18))
    items = [(i.period, "加分" if i.direction == "bonus" else "减分", i.name or i.item, i.points, i.note)
             for i in found.adjustments]
    items += [(e.period, "负面清单", e.name or e.item, None, e.note) for e in found.negative_events]
    write_table(book.create_sheet("加减分与负面清单"), ["考核期间", "类别", "事项", "分值", "说明"],
                ([period_name(p), kind, name, points, note] for p, kind, name, points, note in items),
                widths=(16, 10, 20, 8, 40))
    write_table(book.create_sheet("异议及处理"), ["考核期间", "异议理由", "状态", "处理结果", "处理理由"],
                ([period_name(o.period), o.reason, _label("objection_status", o.status),
                  _label("objection_decision", o.decision), o.decision_reason] for o in found.objections),
                widths=(16, 40, 10, 10, 40))
    write_table(book.create_sheet("荣誉"), ["荣誉名称", "级别", "授予日期", "授予单位", "文号"],
                ([h["title"], _label("honour_level", h["level"]), _day(h["awarded_on"]), h["awarded_by"],
                  h["evidence"]] for h in found.honours), widths=(24, 10, 12, 24, 24), formats={2: DAY})
    write_table(book.create_sheet("重点工作任务"), ["任务", "完成时限", "进度", "状态", "完成日期"],
                ([t["title"], _day(t["due_on"]), t["progress"], _label("task_status", t["status"]),
                  _day(t.get("completed_on"))] for t in found.tasks), widths=(30, 12, 8, 10, 12),
                formats={1: DAY, 4: DAY})
    write_table(book.create_sheet("任职经历"), ["单位", "岗位", "起始日期", "终止日期"],
                ([h.get("unit_name"), h.get("post"), _day(h.get("active_from")), _day(h.get("active_to"))]
                 for h in found.history), widths=(24, 20, 12, 12), formats={2: DAY, 3: DAY})
    return book


@router.get("/persons/{person_id}/file.xlsx", response_class=Response,
            responses={**XLSX_RESPONSES, **READ_RESPONSES},
            summary="A cadre's file as an XLSX document for a promotion vetting; the read is recorded with its reason")
async def read_file_xlsx(person_id: uuid.UUID, session: SessionDep, scope: ScopeDep, request: Request,
                         reason: ReasonQuery, today: TodayDep) -> Response:
    """The cadre's file as an XLSX workbook, for a promotion vetting (干部考察); the read is recorded with its
    reason. 404 for a person the caller may not see.
    """
    found = await person_file(session, request.app.state.neighbours, scope.caller, person_id, checked_reason(reason),
                              today)
    disclose("export", len(found.periods), person_id=person_id)
    return xlsx_response(file_book(found), f"file-{person_id}", display_name=f"{found.name}干部成长档案")
