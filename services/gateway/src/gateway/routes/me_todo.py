"""``GET /api/v1/me/todo``: everything the signed-in person has to do, in one list, due first.

Two service calls, made at once, whatever there is to do: scoring (the rounds I rate in with the
people left to rate by name, the objections awaiting my decision, my scheme's record deadlines) and
records (this quarter's weekly records and monthly reports I have not written, my open tasks). Each
service answers for the caller, whose identity both calls carry. The deadlines of records are my
scheme's (its ``deadlines``: a weekly record by the end of ``log_deadline_days`` after its Sunday, a
monthly report by the end of day ``report_deadline_day`` of its month, both local days), applied
here because scoring keeps them and records the records; records says what today is.

An account that is no person's (an administrator's) gets what it has to do all the same: the
objections it reviews; the rest is empty. An API key is a system, with no to-do: 403.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.clients.services import Downstreams
from gateway.identity import PrincipalDep
from shared.errors import AppError, Forbidden

router = APIRouter(prefix="/api/v1", tags=["me"])

KINDS = ("rating", "objection_review", "work_log", "monthly_report", "task")


class TodoItem(BaseModel):
    kind: str = Field(description="rating, objection_review, work_log, monthly_report or task")
    title: str = Field(description="what to do, in Chinese")
    due: datetime | None = Field(description="the last moment it is on time (a day's deadline: the end of that "
                                             "local day); null: no deadline")
    overdue: bool
    link: dict[str, str] = Field(description="the route to act on it: method and path")
    detail: dict[str, Any] = Field(description="the item's own fields (ids, counts, the people to rate ...)")


class Todo(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"items": [{"kind": "rating",
                    "title": "优秀共产党员",
                    "due": "2025-07-01T09:30:00Z",
                    "overdue": False,
                    "link": {"de": "/api/v1/scoring/rounds/498b5b19-83b1-5f5d-b4dd-95a6acdcfa46"},
                    "detail": {}}],
         "counts": {"de": 1},
         "overdue": 1,
         "unavailable": ["unavailable"]}]})
    items: list[TodoItem] = Field(description="due first (no deadline last)")
    counts: dict[str, int] = Field(description="items per kind (every kind, zeros included)")
    overdue: int
    unavailable: list[str] = Field(description="services that did not answer: their items are missing")


def end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(23, 59, 59), zone)


def _item(kind: str, title: str, due: datetime | None, overdue: bool, link: dict[str, str],
          detail: dict[str, Any]) -> dict[str, Any]:
    """A ``TodoItem`` in plain values (the answer is written out as it is, not validated again)."""
    return {"kind": kind, "title": title, "due": due, "overdue": overdue, "link": link, "detail": detail}


def _rating_items(scoring: dict[str, Any]) -> list[dict[str, Any]]:
    return [_item("rating", f"{r['scheme_name']} {r['period']} 民主测评：已评 {r['done']}/{r['total']} "
                            f"人，还需评价 {r['total'] - r['done']} 人",
                  None if r["closes_at"] is None else datetime.fromisoformat(r["closes_at"]), False,
                  {"method": "PUT", "path": f"/api/v1/scoring/rounds/{r['round_id']}/ratings"},
                  {k: r[k] for k in ("round_id", "scheme_id", "period", "done", "total", "to_rate")})
            for r in scoring["rounds"] if r["done"] < r["total"]]


def _objection_items(scoring: dict[str, Any]) -> list[dict[str, Any]]:
    return [_item("objection_review",
                  f"审核{o['person']['name'] or ''}对 {o['scheme_name']} {o['period']} 考核结果的异议", None, False,
                  {"method": "POST", "path": f"/api/v1/scoring/objections/{o['objection_id']}/review"}, o)
            for o in scoring["objections"]]


def _records_items(records: dict[str, Any], deadlines: dict[str, Any]) -> list[dict[str, Any]]:
    """The missing records with their deadlines under my scheme's rule, and my open tasks."""
    today, zone = date.fromisoformat(records["today"]), ZoneInfo(records["time_zone"])
    items = []
    for week in records["work_logs"]:
        due_on = date.fromisoformat(week["ends_on"]) + timedelta(days=deadlines["log_deadline_days"])
        items.append(_item("work_log", f"填写 {week['week']} 周工作纪实", end_of(due_on, zone), today > due_on,
                           {"method": "POST", "path": "/api/v1/records/work-logs"}, {"week": week["week"]}))
    for month in records["monthly_reports"]:
        last = date.fromisoformat(month["ends_on"])
        due_on = last.replace(day=min(deadlines["report_deadline_day"], last.day))
        items.append(_item("monthly_report", f"提交 {month['month']} 月工作汇报", end_of(due_on, zone), today > due_on,
                           {"method": "POST", "path": "/api/v1/records/monthly-reports"}, {"month": month["month"]}))
    for task in records["tasks"]:
        due_on = date.fromisoformat(task["due_on"])
        lead = task["role"] == "lead"
        link = ({"method": "POST", "path": f"/api/v1/records/tasks/{task['task_id']}/progress"} if lead
                else {"method": "GET", "path": f"/api/v1/records/tasks/{task['task_id']}"})
        title = f"{'' if lead else '协办：'}{task['title']}（进度 {task['progress']}%）"
        items.append(_item("task", title, end_of(due_on, zone), today > due_on, link, task))
    return items


async def _ask(downstreams: Downstreams, service: str, path: str, principal: Any) -> dict[str, Any] | None:
    try:
        response = await downstreams.clients[service].request("GET", path, caller=principal.caller)
    except AppError:
        return None
    if response.status_code != 200:
        return None
    found: dict[str, Any] = orjson.loads(response.content)
    return found


@router.get("/me/todo", response_model=Todo,
            summary="My to-do: ratings to give, objections to review, weekly records and monthly reports due, "
                    "open tasks; due first, with the route to act on each",
            responses={403: {"description": "an API key: a system has no to-do"}})
async def my_todo(principal: PrincipalDep, request: Request) -> Response:
    """My to-do across the services: ratings to give, objections to review, weekly records and monthly reports
    due, open tasks; due first, each with the route to act on it. A service that does not answer is named in
    `unavailable` and the rest is still given. 403 for an API key. **Who may call:** any signed-in user; not
    API keys.
    """
    if principal.caller.kind != "user":
        raise Forbidden("a to-do is a signed-in user's; an API key has none", code="not_a_user")
    downstreams: Downstreams = request.app.state.downstreams
    scoring, records = await asyncio.gather(_ask(downstreams, "scoring", "/api/v1/scoring/todo", principal),
                                            _ask(downstreams, "records", "/api/v1/records/todo", principal))
    items: list[dict[str, Any]] = []
    if scoring is not None:
        items += _rating_items(scoring) + _objection_items(scoring)
    if records is not None:
        deadlines = scoring["deadlines"] if scoring is not None else {"log_deadline_days": 1, "report_deadline_day": 31}
        items += _records_items(records, deadlines)
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    items.sort(key=lambda i: (i["due"] is None, i["due"] or far, KINDS.index(i["kind"]), i["title"]))
    # the services' JSON, regrouped: written out as it is, not walked again by FastAPI's encoder
    return Response(orjson.dumps({
        "items": items, "counts": {k: sum(1 for i in items if i["kind"] == k) for k in KINDS},
        "overdue": sum(1 for i in items if i["overdue"]),
        "unavailable": [name for name, answer in (("scoring", scoring), ("records", records)) if answer is None]},
        option=orjson.OPT_UTC_Z), media_type="application/json")
