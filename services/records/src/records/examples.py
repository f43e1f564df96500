"""Example bodies for the OpenAPI document: one county (演示县), its township Xiacun (夏村镇) and a
person there, as a provincial integrator would send and receive them. Each model names its own in
``json_schema_extra``; a test validates every one against its model."""

from __future__ import annotations

from typing import Any

from shared.labels import labels

REGION_ID = "6f1c2a64-1b1e-4c55-9d7e-3f0b8e6f4a10"
UNIT_ID = "1d7e9c3a-5b2f-4e8a-a6c1-0f4b2d9e7c55"
SECTION_ID = "9a3e5f71-2c4d-4b6e-8f10-5d2c7b9e1a44"
PERSON_ID = "3b8d2f6e-7a1c-4d9e-b5f2-6c0a1e8d4b77"
OTHER_PERSON_ID = "5e2a9c1d-3f7b-4a6e-9d0c-8b1f4e2a6c33"
LOG_ID = "c4f1e8a2-6d3b-4f9a-8e2c-1b7d5a9f3e60"
REPORT_ID = "e7b3d1f9-4a2c-4e6b-9f1d-2c8a6e4b0d81"
COMMENT_ID = "2f9c6a4e-8b1d-4c3f-a7e5-9d0b3f1c6a28"
TASK_ID = "8e4a2c6f-1d9b-4f3e-b0a7-5c3e9d1f7b42"
HONOUR_ID = "f3a7c9e1-5b2d-4a8f-9c6e-1d4b8f2a0e93"
PLACEMENT_ID = "a5c8e2f4-7b1d-4e9a-8c3f-6d2b0e4a9c17"
AT = "2025-04-14T09:32:05+08:00"

Examples = dict[str, Any]


def listed(item: Examples) -> Examples:
    """A list's one page of one item (`next` null: the last)."""
    return {"items": [item], "next": None}


def page(item: Examples, **extra: Any) -> Examples:
    """The same with the count of the list, as the counted lists answer."""
    return {**listed(item), "total": 1, **extra}


def labelled(example: Examples, **kinds: str) -> Examples:
    """``example`` with the ``<field>_label`` a read model adds for each code field (``field=kind``)."""
    return {**example, **{f"{field}_label": labels(kind, example[field]) for field, kind in kinds.items()}}


def of(*examples: Examples) -> dict[str, Any]:
    """``json_schema_extra`` naming these examples."""
    return {"examples": list(examples)}


CITY_ID = "0b5d7e2f-9c4a-4f1e-8d3b-7a6c2e9f1b05"
REGION_CREATE = {"code": "yanshi", "name": "演示县", "parent_id": CITY_ID}
REGION = {"id": REGION_ID, "code": "yanshi", "name": "演示县", "parent_id": CITY_ID, "staff_no_width": 6}
REGION_SETTINGS = {"staff_no_width": 6}
UNIT_CREATE = {"region_id": REGION_ID, "code": "XC", "name": "夏村镇", "kind": "township", "evaluation_group": "乡镇"}
UNIT = labelled({"id": UNIT_ID, "region_id": REGION_ID, "code": "XC", "name": "夏村镇", "kind": "township",
                 "evaluation_group": "乡镇"}, kind="unit_kind")
UNIT_UPDATE = {"name": "夏村镇人民政府", "evaluation_group": "乡镇"}
SECTION_CREATE = {"name": "党政办公室", "coefficient": "1.2"}
SECTION = {"id": SECTION_ID, "unit_id": UNIT_ID, "name": "党政办公室", "coefficient": "1.2"}
SECTION_UPDATE = {"coefficient": "1.1"}
PERSON_CREATE = {"unit_id": UNIT_ID, "section_id": SECTION_ID, "staff_category": "staff", "post": "综合文字岗",
                 "active_from": "2023-03-01", "staff_no": "000123", "name": "张伟"}
# the people of the examples are seconded to Xiacun (借调) for a fixed term
PLACEMENT = labelled({"unit_id": UNIT_ID, "section_id": SECTION_ID, "staff_category": "staff", "post": "综合文字岗",
                      "active_from": "2025-07-01", "active_to": "2026-06-30"}, staff_category="staff_category")
PERSON = {"id": PERSON_ID, "staff_no": "000123", "name": "张伟", "history": [
    {**PLACEMENT, "post": "文秘岗", "active_from": "2023-03-01", "active_to": "2025-06-30"},
    PLACEMENT]}
PERSON_MOVE = {"on": "2025-07-01", "unit_id": UNIT_ID, "section_id": SECTION_ID, "staff_category": "middle",
               "post": "党政办主任"}
PERSON_LEAVE = {"on": "2025-10-01", "leave": True}
MEMBER = {"id": PLACEMENT_ID, "person_id": PERSON_ID, "staff_no": "000123", "name": "张伟", **PLACEMENT}
HEADCOUNTS = {"region_id": REGION_ID, "on": "2025-12-31", "period": None, "min_share": None,
              "units": [labelled({"unit_id": UNIT_ID, "code": "XC", "name": "夏村镇", "kind": "township",
                                  "evaluation_group": "乡镇", "headcount": 42}, kind="unit_kind")]}
NAMES_IN = {"person_ids": [PERSON_ID, OTHER_PERSON_ID], "on": "2025-06-30"}
NAMES = {"people": [{"person_id": PERSON_ID, "staff_no": "000123", "name": "张伟", "unit_id": UNIT_ID,
                     "unit_name": "夏村镇", "region_id": REGION_ID, "evaluation_group": "乡镇",
                     "section_id": SECTION_ID, "section_name": "党政办公室", "post": "综合文字岗",
                     "staff_category": "staff"}]}
SEARCH = {"items": [{"person_id": PERSON_ID, "staff_no": "000123", "name": "张伟", "name_pinyin": "zhangwei",
                     "unit_id": UNIT_ID, "unit_name": "夏村镇", "section_id": SECTION_ID,
                     "section_name": "党政办公室", "staff_category": "staff", "post": "综合文字岗"}],
          "next": "/api/v1/records/persons/search?q=zhang&limit=1&after=WyJ6aGFuZ3dlaSIsIjAwMDEyMyJd"}
LAYOUT = {"format": "xlsx", "sheet": "花名册", "header_row": 2,
          "skipped": [{"row": 45, "text": "填表人：李娜", "code": "sign_off_line", "reason": "a sign-off line"}],
          "skipped_rows": 1}
ROSTER_IMPORT = {"rows": 42, "added": 3, "moved": 1, "unchanged": 38, "skipped": 1, "dry_run": False,
                 "layout": LAYOUT}

ATTENDANCE_BULK = {"rows": [{"staff_no": "000123", "day": "2025-04-14", "status": "出差", "note": "市里培训"},
                            {"staff_no": "000124", "day": "2025-04-14", "status": "present"}],
                   "reason": None}
ATTENDANCE_IMPORT = {"rows": 2, "inserted": 1, "updated": 0, "unchanged": 1, "skipped": 0, "dry_run": False,
                     "layout": None}
ATTENDANCE = labelled({"person_id": PERSON_ID, "staff_no": "000123", "name": "张伟", "unit_id": UNIT_ID,
                       "day": "2025-04-14", "status": "business_trip", "note": "市里培训"}, status="attendance_status")
ATTENDANCE_CHANGE = {"id": 318, "person_id": PERSON_ID, "staff_no": "000123", "name": "张伟", "unit_id": UNIT_ID,
                     "day": "2025-04-14", "old_status": "present", "new_status": "business_trip",
                     "old_note": "上午到岗", "new_note": "市里培训", "reason": "补录出差审批单", "source": "correction",
                     "changed_by": "xiacun-admin", "changed_at": AT}

WORK_LOG_CREATE = {"person_id": PERSON_ID, "week": "2025-W15",
                   "content": "完成镇党委会议纪要3份；走访5户困难群众；起草一季度工作总结。"}
WORK_LOG_UPDATE = {"content": "完成镇党委会议纪要3份；走访6户困难群众；起草一季度工作总结。",
                   "reason": "走访户数填错"}
WORK_LOG = {"id": LOG_ID, "person_id": PERSON_ID, "unit_id": UNIT_ID, "week": "2025-W15",
            "content": WORK_LOG_UPDATE["content"], "submitted_at": AT, "updated_at": "2025-04-16T08:20:00+08:00",
            "on_time": True}
REPORT_CREATE = {"person_id": PERSON_ID, "month": "2025-04", "content": "四月完成招商引资项目洽谈2次……",
                 "achievements": "引进项目1个，协议投资3000万元"}
REPORT_UPDATE = {"achievements": "引进项目1个，协议投资3500万元", "reason": "按签约金额更正"}
REPORT = {"id": REPORT_ID, "person_id": PERSON_ID, "unit_id": UNIT_ID, "year": 2025, "month": 4,
          "content": REPORT_CREATE["content"], "achievements": REPORT_CREATE["achievements"],
          "submitted_at": "2025-04-25T17:40:00+08:00", "updated_at": "2025-04-27T09:15:00+08:00"}
COMMENT_IN = {"target_kind": "work_log", "target_id": LOG_ID, "mark": "92.5",
              "comment": "纪要及时准确，走访扎实。", "reason": None}
COMMENT = {"id": COMMENT_ID, "target_kind": "work_log", "target_id": LOG_ID, "person_id": PERSON_ID,
           "unit_id": UNIT_ID, "mark": "92.5", "comment": "纪要及时准确，走访扎实。",
           "created_at": "2025-04-15T10:02:00+08:00", "updated_at": "2025-04-15T10:02:00+08:00"}

TASK_CREATE = {"person_id": PERSON_ID, "title": "招商引资项目签约", "intensity": "1.5", "difficulty": "2",
               "quantity": "2", "due_on": "2025-06-30", "supervised": True,
               "co_owners": [{"person_id": OTHER_PERSON_ID, "share": "0.4"}], "lead_share": "0.6"}
TASK_CORRECTION = {"due_on": "2025-07-15", "reason": "县里调整了完成时限"}
PROGRESS_IN = {"kind": "progress", "progress": "60", "note": "已完成2个项目的洽谈", "status": None}
CONFIRM_IN = {"completed_on": "2025-06-28", "note": "项目已签约"}
TASK = labelled({"id": TASK_ID, "person_id": PERSON_ID, "unit_id": UNIT_ID, "title": "招商引资项目签约",
        "intensity": "1.5", "difficulty": "2", "quantity": "2", "load": "6", "due_on": "2025-06-30",
        "supervised": True, "status": "open", "progress": "60", "completed_on": None,
        "co_owners": [{"person_id": OTHER_PERSON_ID, "share": "0.4"}], "lead_share": "0.6",
        "trail": [labelled({"kind": "progress", "progress": "60", "note": "已完成2个项目的洽谈", "by": "000123",
                            "at": "2025-05-20T16:10:00+08:00"}, kind="task_update_kind")]}, status="task_status")
TASK_IMPORT = {"rows": 12, "added": 10, "updated": 1, "unchanged": 1, "skipped": 0, "dry_run": False, "layout": None}

HONOUR_CREATE = {"person_id": PERSON_ID, "title": "全县优秀共产党员", "level": "county", "awarded_on": "2025-06-28",
                 "awarded_by": "中共某县委", "evidence": "某委发〔2025〕12号"}
HONOUR_VOID = {"reason": "表彰文件录入重复"}
HONOUR = labelled({"id": HONOUR_ID, "person_id": PERSON_ID, "unit_id": UNIT_ID, "title": "全县优秀共产党员",
          "level": "county", "awarded_on": "2025-06-28", "awarded_by": "中共某县委", "evidence": "某委发〔2025〕12号",
          "recorded_by": "xiacun-admin", "recorded_at": "2025-07-02T09:00:00+08:00", "voided_at": None,
          "voided_by": None, "void_reason": None}, level="honour_level")

RECORD_CHANGE = labelled({"id": 77, "kind": "work_log", "record_id": LOG_ID, "person_id": PERSON_ID,
                 "staff_no": "000123", "name": "张伟", "unit_id": UNIT_ID, "day": "2025-04-07",
                 "old": {"content": "走访5户困难群众"}, "new": {"content": "走访6户困难群众"},
                 "reason": "走访户数填错", "changed_by": "000123", "changed_at": "2025-04-16T08:20:00+08:00"},
                         kind="record_kind")
LATEST = {"period": "2025Q2", "unit_ids": [UNIT_ID], "latest_at": "2025-06-30T18:05:11+08:00", "count": 3,
          "since": [{"since": "2025-06-30T12:00:00+08:00", "count": 3}]}
PERSON_SUMMARY = {
    "person_id": PERSON_ID, "staff_no": "000123", "name": "张伟", "unit_id": UNIT_ID, "section_id": SECTION_ID,
    "section_name": "党政办公室", "section_coefficient": "1.2", "post": "综合文字岗", "staff_category": "staff",
    "days_in_period": 91, "weeks_due": 13, "weeks_submitted": 13, "weeks_on_time": 12, "months_due": 3,
    "monthly_reports": 3, "reports_on_time": 3, "mean_leader_mark": "91.50", "tasks": 2, "task_load": "9",
    "task_completion": "0.8333", "attendance": {"present": 58, "business_trip": 3, "sick_leave": 1},
    "leave_days_in_year": 1}
SUMMARY = {"period": "2025Q2", "unit_ids": [UNIT_ID], "people": [PERSON_SUMMARY]}
PERSON_REF = {"person_id": OTHER_PERSON_ID, "staff_no": "000124", "name": "李娜", "section_id": SECTION_ID,
              "section_name": "党政办公室"}
OUTSTANDING = {
    "unit_id": UNIT_ID, "unit_name": "夏村镇", "on": "2025-04-15", "people": 42,
    "weeks": [{"week": "2025-W16", "starts_on": "2025-04-14", "ends_on": "2025-04-20", "deadline": "2025-04-21",
               "overdue": False, "missing": [PERSON_REF]},
              {"week": "2025-W15", "starts_on": "2025-04-07", "ends_on": "2025-04-13", "deadline": "2025-04-14",
               "overdue": True, "missing": [PERSON_REF]}],
    "overdue_tasks": [{"task_id": TASK_ID, "title": "人居环境整治", "due_on": "2025-04-10", "days_overdue": 5,
                       "progress": "80", "supervised": True, "owner": PERSON_REF, "co_owners": []}]}
TODO = {"person_id": PERSON_ID, "today": "2025-04-15", "time_zone": "Asia/Shanghai", "period": "2025Q2",
        "work_logs": [{"week": "2025-W15", "ends_on": "2025-04-13"}],
        "monthly_reports": [],
        "tasks": [{"task_id": TASK_ID, "title": "招商引资项目签约", "due_on": "2025-06-30", "role": "lead",
                   "progress": "60", "supervised": True}]}
REGION_TOTALS = {"period": "2025Q2", "units": [{"unit_id": UNIT_ID, "people": 42, "weeks_due": 546,
                                                 "weeks_submitted": 530, "weeks_on_time": 511, "months_due": 126,
                                                 "monthly_reports": 124, "reports_on_time": 120}]}
