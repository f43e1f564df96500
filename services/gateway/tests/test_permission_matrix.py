"""The permission matrix: every public route × every kind of caller, each cell a real request.

The object of every row belongs to unit A1 of region A (its person, its scheme, its close, its
round, its records). The callers:

    P   province administrator          RA  region administrator of region A
    RB  region administrator of B       UA  unit administrator of A1
    UO  unit administrator of A2 (another unit in region A)
    L   leader of A1                    MS  member: the person the object is about (A1)
    MC  member: a colleague in A1       RT  a rater of the round (a member in A1)
    KS  API key of region A with the route's scope     KN  API key of region A without it
    KB  API key of region B with every scope          NT  no token at all

Each cell is "ok" (2xx; for a write sent again, a 409 also shows the caller got through to the
object), 403 (may see, may not do) or 404 (may not see), or another status named where a row
needs it. Every 2xx answer is also searched for ids the caller must never see (another region's
for RB and KB, another unit's for UA, UO and L, a colleague's for the members), so a list or an
export that leaks is caught too. A route of the merged OpenAPI without a row fails the suite.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.testing import TEST_ADMIN, TEST_JWT_SECRET
from gateway.webhooks import worker
from shared.jobs import store
from shared.testing import asgi_client, ok, sign_in

from .conftest import PASSWORD, POLICY, forged_token

CALLERS = ("P", "RA", "RB", "UA", "UO", "L", "MS", "MC", "RT", "KS", "KN", "KB", "NT")
OK = "ok"
DEFINITION = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
    "raters": {"share": "0.2", "groups": {"staff": "1"}},
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "1000"}},
                    "bonus_total": "1000", "deduction_total": "10"},
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
    "periods": {"closes": ["month", "quarter", "year"]},
    "bottom_rule": {"months_running": 2, "groups": [{"name": "全体", "last": 1}]},
}
_fresh = itertools.count(1)


def fresh() -> int:
    return next(_fresh)


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    forbidden: dict[str, set[str]] = field(default_factory=dict)
    staff_no: dict[str, str] = field(default_factory=dict)
    own_actors: dict[str, set[str]] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


async def _build(client: httpx.AsyncClient) -> World:
    w = World()
    tag = uuid.uuid4().hex[:6]
    admin = await sign_in(client, *TEST_ADMIN)

    async def post(path: str, body: Any, status: int = 201) -> Any:
        return await ok(await client.post(path, headers=admin, json=body), status)

    for side in ("A", "B"):
        w.ids[f"region_{side}"] = (await post("/api/v1/records/regions", {"code": f"m{tag}{side}",
                                                                         "name": f"矩阵{side}区"}))["id"]
    for unit, side in (("A1", "A"), ("A2", "A"), ("B1", "B")):
        w.ids[f"unit_{unit}"] = (await post("/api/v1/records/units", {
            "region_id": w[f"region_{side}"], "code": unit, "name": f"{unit}镇", "kind": "township",
            "evaluation_group": "乡镇"}))["id"]
    for person, unit in (("ms", "A1"), ("mc", "A1"), ("rt", "A1"), ("a2", "A2"), ("b1", "B1")):
        w.staff_no[person] = f"{tag}-{person}"
        w.ids[f"person_{person}"] = (await post("/api/v1/records/persons", {
            "unit_id": w[f"unit_{unit}"], "staff_no": w.staff_no[person], "name": f"人{person}",
            "staff_category": "staff", "active_from": "2024-01-01"}))["id"]
    ms = w["person_ms"]
    w.ids["section"] = (await post(f"/api/v1/records/units/{w['unit_A1']}/sections", {"name": "办公室",
                                                                                       "coefficient": "1.1"}))["id"]
    w.ids["log"] = (await post("/api/v1/records/work-logs", {"person_id": ms, "week": "2025-W03",
                                                              "content": "本周工作"}))["id"]
    w.ids["report"] = (await post("/api/v1/records/monthly-reports", {"person_id": ms, "month": "2025-01",
                                                                       "content": "本月工作"}))["id"]
    w.ids["task"] = (await post("/api/v1/records/tasks", {
        "person_id": ms, "title": "招商引资", "intensity": "1", "difficulty": "1", "quantity": "1",
        "due_on": "2025-06-30"}))["id"]
    for name in ("honour", "honour_void"):
        w.ids[name] = (await post("/api/v1/records/honours", {
            "person_id": ms, "title": "优秀公务员", "level": "county", "awarded_on": "2025-03-01",
            "awarded_by": "某县人民政府", "evidence": "某政发〔2025〕3号"}))["id"]
    await ok(await client.put("/api/v1/records/attendance", headers=admin, json={
        "rows": [{"staff_no": w.staff_no["ms"], "day": "2025-01-06", "status": "present"}]}), 200)
    await ok(await client.put("/api/v1/records/comments", headers=admin, json={
        "target_kind": "work_log", "target_id": w["log"], "mark": 90, "comment": "好"}), 200)

    w.ids["scheme"] = (await post("/api/v1/scoring/schemes", {
        "region_id": w["region_A"], "unit_id": w["unit_A1"], "name": "A1机关", "definition": DEFINITION}))["id"]
    base = f"/api/v1/scoring/schemes/{w['scheme']}/periods"
    await ok(await client.put(f"{base}/2025Q1/marks", headers=admin, json={"marks": [
        {"person_id": w[f"person_{p}"], "indicator": "ji", "mark": 80 + i} for i, p in enumerate(("ms", "mc", "rt"))]}),
        200)
    for period, name in (("2025Q2", "round"), ("2025Q3", "round_to_close"), ("2025Q4", "round_fix")):
        w.ids[name] = (await post(f"{base}/{period}/rounds", {"raters": [{"rater_id": w["person_rt"],
                                                                           "group": "staff"}]}))["id"]
    await ok(await client.put(f"{base}/2025Q2/marks", headers=admin, json={"marks": [
        {"person_id": ms, "indicator": "ji", "mark": 85}]}), 200)
    for name in ("adjustment", "adjustment_void"):
        w.ids[name] = (await post(f"{base}/2025Q2/adjustments", {
            "person_id": ms, "item": "honour", "points": "1", "evidence": "市级表彰", "approved_by": "镇党委"}))["id"]
    for name in ("negative_event", "negative_event_void"):
        w.ids[name] = (await post(f"{base}/2025Q2/negative-events", {"person_id": ms, "item": "discipline",
                                                                      "note": "迟到"}))["id"]
    w.ids["close"] = (await post(f"{base}/2025Q1/close", None))["id"]
    await post(f"/api/v1/scoring/results/{w['close']}/publish", None, 200)
    bulletins = f"/api/v1/scoring/regions/{w['region_A']}/bulletins"
    for name in ("bulletin", "bulletin_draft"):
        w.ids[name] = (await post(bulletins, {"period": "2025Q1"}))["id"]
    await post(f"{bulletins}/{w['bulletin']}/issue", None, 200)

    for side in ("A", "B"):
        await ok(await client.put(f"/api/v1/quota/regions/{w[f'region_{side}']}/years/2025/units", headers=admin,
                                  json={"units": [{"id": w[f"unit_{side}1"], "kind": "township",
                                                   "grade": "first"}]}), 200)
        await ok(await client.put(f"/api/v1/quota/regions/{w[f'region_{side}']}/years/2025/policy",
                                  headers=admin, json=POLICY), 200)
    notice = await post(f"/api/v1/scoring/regions/{w['region_A']}/notices", {
        "unit_id": w["unit_A1"], "title": "整改通知", "items": [{"text": "补齐纪实", "deadline": "2099-12-31"}]})
    w.ids["notice"], w.ids["notice_item"] = notice["id"], notice["items"][0]["id"]
    w.ids["run"] = (await post(f"/api/v1/quota/regions/{w['region_A']}/years/2025/allocations", None))["id"]
    await post(f"/api/v1/quota/allocations/{w['run']}/publish", None)

    w.headers["P"] = admin
    accounts = {"RA": ("region_admin", {"region_id": w["region_A"]}),
                "RB": ("region_admin", {"region_id": w["region_B"]}),
                "UA": ("unit_admin", {"unit_id": w["unit_A1"]}), "UO": ("unit_admin", {"unit_id": w["unit_A2"]}),
                "L": ("leader", {"unit_id": w["unit_A1"]}), "MS": ("member", {"person_id": ms}),
                "MC": ("member", {"person_id": w["person_mc"]}), "RT": ("member", {"person_id": w["person_rt"]})}
    for who, (role, binding) in accounts.items():
        username = f"mx-{who.lower()}-{tag}"
        user = await post("/api/v1/admin/users", {"username": username, "password": PASSWORD, "role": role,
                                                  **binding})
        w.ids[f"user_{who}"] = user["id"]
        w.headers[who] = await sign_in(client, username, PASSWORD)
    # an account of A1 whose password the reset row resets (no caller signs in as it)
    w.ids["user_reset"] = (await post("/api/v1/admin/users", {"username": f"mx-reset-{tag}", "password": PASSWORD,
                                                              "role": "leader", "unit_id": w["unit_A1"]}))["id"]
    ms_headers = w.headers["MS"]
    w.ids["objection"] = (await ok(await client.post(f"/api/v1/scoring/results/{w['close']}/objections",
                                                     headers=ms_headers, json={"reason": "本季度任务量漏记"})))["id"]
    for who, scopes, region in (("key_read", ["results:read"], "A"), ("key_write", ["inputs:write"], "A"),
                                ("key_apportion", ["apportion"], None),
                                ("key_hooks", ["webhooks:manage"], "A"), ("key_schemes", ["schemes:read"], "A"),
                                ("key_units", ["units:read"], "A"), ("key_persons", ["persons:read"], "A"),
                                ("KB", ["results:read", "inputs:write", "apportion", "webhooks:manage", "schemes:read",
                                        "units:read", "persons:read"], "B")):
        body: dict[str, Any] = {"name": f"mx-{who}-{tag}", "scopes": scopes}
        if region:
            body["region_id"] = w[f"region_{region}"]
        key = await post("/api/v1/admin/api-keys", body)
        w.headers[who] = {"x-api-key": key["key"]}
        w.ids[f"key_{who}"] = key["id"]
    w.ids["spare_key"] = (await post("/api/v1/admin/api-keys", {"name": f"mx-spare-{tag}",
                                                                "scopes": ["apportion"]}))["id"]
    w.headers["NT"] = {}
    w.headers["expired"] = {"authorization": f"Bearer {forged_token(TEST_JWT_SECRET, expired=True)}"}
    w.headers["forged"] = {"authorization": f"Bearer {forged_token('another-signing-key-' + tag * 8)}"}
    revoked = await post("/api/v1/admin/api-keys", {"name": f"mx-revoked-{tag}", "scopes": ["results:read"],
                                                    "region_id": w["region_A"]})
    await ok(await client.delete(f"/api/v1/admin/api-keys/{revoked['id']}", headers=admin), 200)
    w.headers["revoked"] = {"x-api-key": revoked["key"]}

    region_a = {w[k] for k in ("region_A", "unit_A1", "unit_A2", "person_ms", "person_mc", "person_rt",
                               "person_a2", "scheme", "close", "round", "round_fix", "objection", "log", "report",
                               "task", "section", "honour", "honour_void", "run", "user_UA", "user_MS", "bulletin",
                               "bulletin_draft", "notice")}
    unit_a1 = {w[k] for k in ("unit_A1", "section", "person_ms", "person_mc", "person_rt", "scheme", "close", "round",
                              "round_fix", "objection", "log", "report", "task", "honour", "honour_void", "user_UA",
                              "user_MS", "notice")}
    region_b = {w[k] for k in ("region_B", "unit_B1", "person_b1")}
    w.own_actors = {"RB": {f"user:{w['user_RB']}", f"key:{w['key_KB']}"},
                    "RA": {f"user:{w[f'user_{who}']}" for who in ("RA", "UA", "UO", "L", "MS", "MC", "RT")}
                    | {f"key:{w['key_key_read']}", f"key:{w['key_key_write']}"}}
    w.forbidden = {"P": set(), "RA": region_b, "RB": region_a, "KB": region_a, "UA": region_b | {w["unit_A2"],
                   w["person_a2"]}, "L": region_b | {w["unit_A2"], w["person_a2"]}, "UO": unit_a1 | region_b,
                   "MS": region_b | {w["person_mc"], w["person_a2"]},
                   "MC": region_b | {w["person_ms"], w["log"], w["report"], w["task"], w["objection"], w["honour"]},
                   "RT": region_b | {w["log"], w["report"], w["task"], w["objection"], w["person_a2"], w["honour"]},
                   "KS": region_b, "KN": region_b, "NT": set()}
    return w


async def _webhooks(client: httpx.AsyncClient, app: FastAPI, w: World) -> None:
    """Region A's webhooks: one read, one per caller who may delete it (and one for the rest to try), and a
    delivery of a roster change to the first (its URL answers nobody: the delivery stays pending)."""
    for name in ("webhook", "webhook_delete", "webhook_delete@P", "webhook_delete@RA", "webhook_delete@KS"):
        w.ids[name] = (await ok(await client.post("/api/v1/webhooks", headers=w.headers["P"], json={
            "url": "http://127.0.0.1:9/hook", "kinds": ["roster_changed"], "region_id": w["region_A"]})))["id"]
    await ok(await client.post("/api/v1/records/persons", headers=w.headers["P"], json={
        "unit_id": w["unit_A2"], "staff_no": f"mx-hook-{fresh()}-{w['unit_A2'][:6]}", "name": "推送",
        "staff_category": "staff", "active_from": "2024-01-01"}))
    await worker.collect(app.state.sessionmaker, app.state.downstreams, worker.backoff_of(app),
                         app.state.webhook_sealer)
    page = await ok(await client.get(f"/api/v1/webhooks/{w['webhook']}/deliveries", headers=w.headers["P"]), 200)
    w.ids["delivery"] = page["items"][0]["id"]
    for who in ("RB", "KB"):
        w.forbidden[who] |= {w[k] for k in w.ids if k.startswith("webhook")}


async def _job_files(database_urls: dict[str, str], w: World) -> None:
    """A finished export job of region A with its file, in each service (started by an exporter no caller is)."""
    from shared.db import create_engine, make_sessionmaker
    from shared.jobs.files import FILES

    for service in ("records", "scoring", "quota"):
        engine = create_engine(database_urls[service], schema=service, application_name="matrix")
        try:
            async with make_sessionmaker(engine)() as session:
                row, _ = await store.insert_job(session, service, kind=f"{service}.matrix_export",
                                                requested_by="user:matrix-exporter", region_id=w["region_A"])
                await store.finish(session, service, row.id, "succeeded", result={}, result_status=200)
                await session.execute(FILES.insert().values(
                    job_id=row.id, media_type="text/csv; charset=utf-8", disposition='attachment; filename="a.csv"',
                    rows=1, about={}, body=b"a,b\n"))
                await session.commit()
        finally:
            await engine.dispose()
        w.ids[f"job_file_{service}"] = str(row.id)
        for who in ("RB", "KB"):
            w.forbidden[who].add(str(row.id))


async def _jobs(client: httpx.AsyncClient, database_urls: dict[str, str], w: World) -> None:
    """A job of each service in region A, started by the province administrator (no worker runs here: it stays
    queued until a caller who may cancels it)."""
    from shared.db import create_engine, make_sessionmaker

    subject = (await ok(await client.get("/api/v1/records/whoami", headers=w.headers["P"]), 200))["subject"]
    for service in ("records", "scoring", "quota"):
        engine = create_engine(database_urls[service], schema=service, application_name="matrix")
        try:
            async with make_sessionmaker(engine)() as session:
                row, _ = await store.insert_job(session, service, kind=f"{service}.matrix", requested_by=subject,
                                                region_id=w["region_A"], unit_id=w["unit_A1"])
                await session.commit()
        finally:
            await engine.dispose()
        w.ids[f"job_{service}"] = str(row.id)
        for who in ("RB", "KB", "UA", "UO", "L", "MS", "MC", "RT"):
            w.forbidden[who].add(str(row.id))


@pytest.fixture(scope="module")
async def world(gateway_app: FastAPI, database_urls: dict[str, str]) -> AsyncIterator[World]:
    async with asgi_client(gateway_app) as client:
        w = await _build(client)
        await _webhooks(client, gateway_app, w)
        await _jobs(client, database_urls, w)
        await _job_files(database_urls, w)
        yield w


# Profiles: who gets what when the object is A1's. Rows start from one and override cells.
def profile(**cells: int | str) -> dict[str, int | str]:
    base: dict[str, int | str] = {c: 403 for c in CALLERS}
    base["NT"] = 401
    base.update(cells)
    return base


REGION = profile(P=OK, RA=OK, RB=404)                                       # the region's 组织部
UNIT_MANAGE = profile(P=OK, RA=OK, RB=404, UA=OK, UO=404)                   # + the unit's administrator
UNIT_READ = profile(P=OK, RA=OK, RB=404, UA=OK, UO=404, L=OK)               # + the unit's leaders
PERSONAL = profile(P=OK, RA=OK, RB=404, UA=OK, UO=404, L=OK, MS=OK, MC=404, RT=404)
# Rows of a body or an uploaded file naming people: someone the caller may not touch refuses the
# whole request with a 422 listing the row (as a row naming no one would), nothing written.
FILE_ROWS = profile(P=OK, RA=OK, RB=422, UA=OK, UO=422)
NO_OBJECT_ADMINS = profile(P=OK, RA=OK, RB=OK)
NO_OBJECT_MANAGERS = profile(P=OK, RA=OK, RB=OK, UA=OK, UO=OK)
SIGNED_IN = profile(P=OK, RA=OK, RB=OK, UA=OK, UO=OK, L=OK, MS=OK, MC=OK, RT=OK)
PROVINCE = profile(P=OK)
# an export job's file: the route is open to whoever may start an export; the service shows a job to its
# requester and its region's administrators only
JOB_FILE = profile(P=OK, RA=OK, RB=404, UA=404, UO=404, L=404)


@dataclass(frozen=True)
class Row:
    method: str
    template: str
    expected: dict[str, int | str]
    body: Callable[[World], Any] | None = None
    query: Callable[[World], dict[str, str]] | None = None
    path: dict[str, str] = field(default_factory=dict)   # path parameter → world id key (default by name)
    files: Callable[[World], dict[str, Any]] | None = None
    ndjson: Callable[[World], str] | None = None
    accept: str | None = None                             # the answer asked for in another form (JSON lines)
    scopes: tuple[str, ...] = ()                          # scopes of KS; KN holds none of them
    note: str = ""


def with_keys(expected: dict[str, int | str], ks: int | str = OK, kb: int | str = 404) -> dict[str, int | str]:
    return {**expected, "KS": ks, "KB": kb}


def unit_a1(w: World) -> dict[str, str]:
    return {"unit_id": w["unit_A1"]}


def csv_file(name: str, text: str) -> dict[str, Any]:
    return {"file": (name, text.encode("utf-8"))}


def roster_csv(w: World) -> dict[str, Any]:
    n = fresh()
    header = "工号,姓名,单位编码,科室,人员类别,起始日期"
    return csv_file("花名册.csv", f"{header}\nmx-{n}-{w['unit_A1'][:4]},新人{n},A1,,staff,2025-01-01\n")


def attendance_csv(w: World) -> dict[str, Any]:
    return csv_file("考勤.csv", f"工号,日期,状态\n{w.staff_no['ms']},2025-02-0{fresh() % 5 + 3},出勤\n")


def tasks_csv(w: World) -> dict[str, Any]:
    header = "工号,任务,强度,难度,数量,完成时限"
    return csv_file("任务.csv", f"{header}\n{w.staff_no['ms']},任务{fresh()},1,1,1,2025-06-30\n")


PATH_DEFAULTS = {"region_id": "region_A", "unit_id": "unit_A1", "person_id": "person_ms", "scheme_id": "scheme",
                 "round_id": "round", "close_id": "close", "other_id": "close", "objection_id": "objection",
                 "task_id": "task", "honour_id": "honour", "log_id": "log", "report_id": "report", "run_id": "run",
                 "user_id": "user_UA", "key_id": "spare_key", "adjustment_id": "adjustment",
                 "event_id": "negative_event", "section_id": "section", "bulletin_id": "bulletin",
                 "notice_id": "notice", "item_id": "notice_item", "webhook_id": "webhook", "delivery_id": "delivery"}
LITERALS = {"period": "2025Q2", "year": "2025", "group": "乡镇", "kind": "roster", "target_kind": "work_log",
            "list_name": "excellent",
            "record_kind": "work_log",
            "indicator": "ji", "version": "1"}


def week() -> str:
    n = fresh()
    return f"{2024 + n // 50 % 2}-W{n % 50 + 1:02d}"


def month() -> str:
    n = fresh()
    return f"{2024 + n // 12 % 2}-{n % 12 + 1:02d}"


def new_person(w: World) -> dict[str, Any]:
    return {"unit_id": w["unit_A1"], "staff_no": f"mx-new-{fresh()}", "name": "新人", "staff_category": "staff",
            "active_from": "2025-01-01"}


ROWS: list[Row] = [
    # records: regions, units, people
    Row("GET", "/api/v1/records/version", SIGNED_IN),
    Row("GET", "/api/v1/records/whoami", {**SIGNED_IN, "KS": OK, "KN": OK, "KB": OK}),
    Row("POST", "/api/v1/records/regions", PROVINCE, body=lambda w: {"code": f"mx{fresh()}", "name": "新区"}),
    Row("GET", "/api/v1/records/regions", with_keys(profile(P=OK, RA=OK, RB=OK), kb=OK), scopes=("results:read",)),
    Row("GET", "/api/v1/records/regions/{region_id}", with_keys(REGION), scopes=("results:read",)),
    Row("GET", "/api/v1/records/regions/{region_id}/headcounts", with_keys(REGION), scopes=("results:read",),
        query=lambda w: {"year": "2025"}),
    Row("PUT", "/api/v1/records/regions/{region_id}/settings", REGION, body=lambda w: {"staff_no_width": None}),
    Row("POST", "/api/v1/records/units", {**REGION, "RB": 422}, body=lambda w: {
        "region_id": w["region_A"], "code": f"N{fresh()}", "name": "新单位", "kind": "department"}),
    Row("POST", "/api/v1/records/regions/{region_id}/roster/import", REGION, files=roster_csv),
    Row("POST", "/api/v1/records/regions/{region_id}/roster/stream", with_keys(REGION), scopes=("inputs:write",),
        ndjson=lambda w: f'{{"staff_no": "mx-s{fresh()}", "name": "新人", "unit": "A1", "category": "staff", '
                         f'"active_from": "2025-01-01"}}\n'),
    Row("GET", "/api/v1/records/regions/{region_id}/roster/export", REGION, query=lambda w: {"format": "csv"}),
    Row("GET", "/api/v1/records/units", with_keys(profile(P=OK, RA=OK, RB=OK, UA=OK, UO=OK, L=OK), kb=OK),
        scopes=("units:read",)),
    Row("GET", "/api/v1/records/units/{unit_id}", with_keys(UNIT_READ), scopes=("units:read",)),
    Row("PATCH", "/api/v1/records/units/{unit_id}", REGION, body=lambda w: {"name": "A1镇"}),
    Row("PATCH", "/api/v1/scoring/schemes/{scheme_id}", REGION, body=lambda w: {"lead_unit_id": None},
        note="a unit's scheme has no lead unit: none is no change"),
    Row("POST", "/api/v1/records/units/{unit_id}/sections", UNIT_MANAGE, body=lambda w: {"name": f"科{fresh()}"}),
    Row("GET", "/api/v1/records/units/{unit_id}/sections", UNIT_READ),
    Row("PATCH", "/api/v1/records/units/{unit_id}/sections/{section_id}", UNIT_MANAGE,
        body=lambda w: {"coefficient": "1.2"}),
    Row("GET", "/api/v1/records/units/{unit_id}/members", with_keys(UNIT_READ), scopes=("persons:read",),
        query=lambda w: {"period": "2025"}),
    Row("GET", "/api/v1/records/units/{unit_id}/outstanding", UNIT_READ),
    Row("POST", "/api/v1/records/persons", {**UNIT_MANAGE, "RB": 422, "UO": 422}, body=new_person),
    Row("GET", "/api/v1/records/persons/search", with_keys(SIGNED_IN, kb=OK), scopes=("persons:read",),
        query=lambda w: {"q": w.staff_no["a2"]},
        note="A2's person: found by those who see A2, an empty page for the rest"),
    Row("GET", "/api/v1/records/persons/search", with_keys({**SIGNED_IN, "RB": 404, "UO": 404}),
        scopes=("persons:read",),
        query=lambda w: {"q": w.staff_no["a2"], "unit_id": w["unit_A1"]}, note="within unit A1"),
    Row("GET", "/api/v1/records/persons/{person_id}", with_keys({**PERSONAL, "RT": 404}), scopes=("persons:read",)),
    Row("POST", "/api/v1/records/persons/names", SIGNED_IN,
        body=lambda w: {"person_ids": [w["person_ms"], w["person_b1"]]},
        note="each caller is shown only those they see; the rest are left out"),
    Row("GET", "/api/v1/records/todo", SIGNED_IN),
    Row("POST", "/api/v1/records/persons/{person_id}/moves", {**UNIT_MANAGE, "UA": 409, "P": 409, "RA": 409},
        body=lambda w: {"on": "2000-01-01", "leave": True}, note="a move before the placement began: 409"),
    Row("POST", "/api/v1/records/persons/{person_id}/moves", {**UNIT_MANAGE, "P": 409, "RA": 422, "UA": 422},
        body=lambda w: {"on": "2000-01-01", "unit_id": w["unit_B1"]}, note="into another region's unit"),
    # records: attendance, work logs, reports, comments, tasks
    Row("POST", "/api/v1/records/attendance/import", FILE_ROWS, files=attendance_csv),
    Row("POST", "/api/v1/records/attendance/stream", FILE_ROWS,
        ndjson=lambda w: f'{{"staff_no": "{w.staff_no["ms"]}", "day": "2025-02-1{fresh() % 9}", '
                         f'"status": "present"}}\n'),
    Row("PUT", "/api/v1/records/attendance", FILE_ROWS, body=lambda w: {
        "rows": [{"staff_no": w.staff_no["ms"], "day": "2025-01-07", "status": "present"}]}),
    Row("GET", "/api/v1/records/attendance", PERSONAL, query=lambda w: {"person_id": w["person_ms"],
                                                                        "period": "2025"}),
    Row("GET", "/api/v1/records/attendance", {**UNIT_READ, "MS": 404, "MC": 404, "RT": 404},
        query=lambda w: {"unit_id": w["unit_A1"], "period": "2025"}),
    Row("GET", "/api/v1/records/attendance/changes", PERSONAL, query=lambda w: {"person_id": w["person_ms"],
                                                                                "period": "2025"}),
    Row("GET", "/api/v1/records/attendance/changes", {**UNIT_READ, "MS": 404, "MC": 404, "RT": 404},
        query=lambda w: {"unit_id": w["unit_A1"], "period": "2025"}),
    Row("GET", "/api/v1/records/changes", PERSONAL, query=lambda w: {"person_id": w["person_ms"], "period": "2025"}),
    Row("GET", "/api/v1/records/changes", {**UNIT_READ, "MS": 404, "MC": 404, "RT": 404},
        query=lambda w: {"unit_id": w["unit_A1"], "period": "2025", "kind": "work_log"}),
    Row("GET", "/api/v1/records/changes/latest", UNIT_READ,
        query=lambda w: {"unit_id": w["unit_A1"], "period": "2025Q1", "since": "2025-01-01T00:00:00Z"}),
    Row("GET", "/api/v1/records/changes/{record_kind}/{record_id}", PERSONAL, path={"record_id": "log"}),
    Row("GET", "/api/v1/records/attendance/export", UNIT_READ,
        query=lambda w: {"unit_id": w["unit_A1"], "period": "2025", "format": "csv"}),
    Row("POST", "/api/v1/records/work-logs", {**PERSONAL, "L": 403},
        body=lambda w: {"person_id": w["person_ms"], "week": week(), "content": "本周"}),
    Row("PATCH", "/api/v1/records/work-logs/{log_id}", {**PERSONAL, "L": 403},
        body=lambda w: {"content": f"改{fresh()}", "reason": "补记"}),
    Row("GET", "/api/v1/records/work-logs", PERSONAL, query=lambda w: {"person_id": w["person_ms"],
                                                                       "period": "2025"}),
    Row("POST", "/api/v1/records/monthly-reports", {**PERSONAL, "L": 403},
        body=lambda w: {"person_id": w["person_ms"], "month": month(), "content": "本月"}),
    Row("PATCH", "/api/v1/records/monthly-reports/{report_id}", {**PERSONAL, "L": 403},
        body=lambda w: {"content": f"改{fresh()}", "reason": "补记"}),
    Row("PUT", "/api/v1/records/comments", UNIT_READ,
        body=lambda w: {"target_kind": "work_log", "target_id": w["log"], "mark": 90, "comment": "好"}),
    Row("GET", "/api/v1/records/comments/{target_kind}/{target_id}", PERSONAL, path={"target_id": "log"}),
    Row("POST", "/api/v1/records/tasks", UNIT_MANAGE, body=lambda w: {
        "person_id": w["person_ms"], "title": f"任务{fresh()}", "intensity": "1", "difficulty": "1",
        "quantity": "1", "due_on": "2025-06-30"}),
    Row("POST", "/api/v1/records/tasks/import", FILE_ROWS, files=tasks_csv),
    Row("POST", "/api/v1/records/tasks/stream", FILE_ROWS, ndjson=lambda w: (
        f'{{"staff_no": "{w.staff_no["ms"]}", "title": "任务{fresh()}", "intensity": 1, "difficulty": 1, '
        f'"quantity": 1, "due_on": "2025-06-30"}}\n')),
    Row("GET", "/api/v1/records/tasks/export", UNIT_READ,
        query=lambda w: {"unit_id": w["unit_A1"], "period": "2025", "format": "csv"}),
    Row("GET", "/api/v1/records/tasks", PERSONAL, query=lambda w: {"person_id": w["person_ms"], "period": "2025"}),
    Row("GET", "/api/v1/records/tasks/{task_id}", PERSONAL),
    Row("PATCH", "/api/v1/records/tasks/{task_id}", UNIT_MANAGE,
        body=lambda w: {"title": f"招商引资{fresh()}", "reason": "任务名称录错"}),
    Row("POST", "/api/v1/records/tasks/{task_id}/confirm", UNIT_READ, body=lambda w: {"note": "确认完成"}),
    Row("POST", "/api/v1/records/tasks/{task_id}/progress", {**PERSONAL, "L": 403},
        body=lambda w: {"progress": 10, "note": "进展"}),
    Row("POST", "/api/v1/records/honours", FILE_ROWS, body=lambda w: {
        "person_id": w["person_ms"], "title": f"荣誉{fresh()}", "level": "city", "awarded_on": "2025-04-01",
        "awarded_by": "某市委", "evidence": "某市委发〔2025〕1号"}, note="naming another unit's person: 422"),
    Row("GET", "/api/v1/records/honours", PERSONAL, query=lambda w: {"person_id": w["person_ms"]}),
    Row("GET", "/api/v1/records/honours/{honour_id}", PERSONAL),
    Row("POST", "/api/v1/records/honours/{honour_id}/void", UNIT_MANAGE, path={"honour_id": "honour_void"},
        body=lambda w: {"reason": "文号有误"}, note="voided once; sent again, a 409"),
    Row("GET", "/api/v1/records/units/{unit_id}/summary", UNIT_READ, query=lambda w: {"period": "2025Q1"}),
    Row("GET", "/api/v1/records/units/{unit_id}/summary", UNIT_READ, query=lambda w: {"period": "2025Q1"},
        accept="application/x-ndjson", note="as JSON lines"),
    Row("GET", "/api/v1/records/regions/{region_id}/groups/{group}/summary", REGION,
        query=lambda w: {"period": "2025Q1"}),
    Row("GET", "/api/v1/records/regions/{region_id}/groups/{group}/summary", REGION,
        query=lambda w: {"period": "2025Q1"}, accept="application/x-ndjson", note="as JSON lines"),
    Row("GET", "/api/v1/records/templates/{kind}.xlsx", NO_OBJECT_MANAGERS),
    Row("GET", "/api/v1/records/events", SIGNED_IN),
    Row("GET", "/api/v1/records/events/count", SIGNED_IN),
    # scoring
    Row("GET", "/api/v1/scoring/version", SIGNED_IN),
    Row("POST", "/api/v1/scoring/schemes/indicators/check", NO_OBJECT_MANAGERS,
        body=lambda w: {"indicators": [{"code": "a", "name": "A", "weight": 1}]}),
    Row("POST", "/api/v1/scoring/grades/preview", NO_OBJECT_MANAGERS,
        body=lambda w: {"candidates": [{"person_id": "p", "score": 90}]}),
    Row("POST", "/api/v1/scoring/schemes", UNIT_MANAGE, body=lambda w: {
        "region_id": w["region_A"], "unit_id": w["unit_A1"], "name": f"方案{fresh()}", "definition": DEFINITION}),
    Row("POST", "/api/v1/scoring/schemes", {**UNIT_MANAGE, "P": 422, "RA": 422, "UA": 404},
        body=lambda w: {"region_id": w["region_A"], "unit_id": w["unit_B1"], "name": "跨区", "definition": DEFINITION},
        note="a scheme of region A naming a unit of region B"),
    Row("POST", "/api/v1/scoring/schemes", {**UNIT_MANAGE, "P": 422, "RA": 422, "UA": 404},
        body=lambda w: {"region_id": w["region_A"], "group": "乡镇", "lead_unit_id": w["unit_B1"], "name": "跨区",
                        "definition": DEFINITION}, note="a group's scheme of region A led by a unit of region B"),
    Row("GET", "/api/v1/scoring/schemes", with_keys(profile(P=OK, RA=OK, RB=OK, UA=OK, UO=OK, L=OK), kb=OK),
        scopes=("schemes:read",)),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}", with_keys({**UNIT_READ, "MS": OK, "MC": OK, "RT": OK}),
        scopes=("schemes:read",)),  # also A1's people
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/versions", UNIT_MANAGE, body=lambda w: {"definition": DEFINITION}),
    # the review of a version (version 1, approved as the province's administrator saved it: a 409 past the checks)
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/versions/{version}/submit", UNIT_MANAGE),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/versions/{version}/return", REGION,
        body=lambda w: {"comments": [{"path": "indicators.0", "comment": "缺少评分标准"}]}),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/versions/{version}/approve", REGION, body=lambda w: {}),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/versions/{version}/review", UNIT_READ),
    Row("GET", "/api/v1/scoring/regions/{region_id}/requirements", profile(P=OK, RA=OK, RB=404, UA=OK, UO=OK)),
    Row("PUT", "/api/v1/scoring/regions/{region_id}/requirements", REGION, body=lambda w: {}),
    Row("GET", "/api/v1/scoring/regions/{region_id}/schemes/review", REGION, query=lambda w: {"period": "2025Q1"}),
    # bulletins: one issued (第1期), one a draft (P issues it in its row: a 409 for the rest, past the checks)
    Row("POST", "/api/v1/scoring/regions/{region_id}/bulletins", REGION, body=lambda w: {"period": "2025Q1"}),
    Row("GET", "/api/v1/scoring/regions/{region_id}/bulletins", REGION),
    Row("GET", "/api/v1/scoring/regions/{region_id}/bulletins/{bulletin_id}.docx", REGION),
    Row("GET", "/api/v1/scoring/regions/{region_id}/bulletins/{bulletin_id}", REGION),
    Row("PATCH", "/api/v1/scoring/regions/{region_id}/bulletins/{bulletin_id}", REGION,
        path={"bulletin_id": "bulletin_draft"}, body=lambda w: {"preface": "现将有关情况通报如下。"}),
    Row("POST", "/api/v1/scoring/regions/{region_id}/bulletins/{bulletin_id}/issue", REGION,
        path={"bulletin_id": "bulletin_draft"}),
    Row("PUT", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/marks", with_keys(UNIT_MANAGE),
        scopes=("inputs:write",), body=lambda w: {"marks": [{"person_id": w["person_ms"], "indicator": "ji",
                                                              "mark": 85}]}),
    Row("PUT", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/marks",
        with_keys({**UNIT_MANAGE, "P": 422, "RA": 422, "UA": 422}, ks=422), scopes=("inputs:write",),
        body=lambda w: {"marks": [{"person_id": w["person_b1"], "indicator": "ji", "mark": 85}]},
        note="a mark for a person outside the scheme's unit"),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/adjustments", with_keys(UNIT_MANAGE),
        scopes=("inputs:write",), body=lambda w: {"person_id": w["person_ms"], "item": "honour", "points": "1",
                                                   "evidence": "市级表彰", "approved_by": "镇党委"}),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/adjustments", UNIT_MANAGE),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/negative-events", with_keys(UNIT_MANAGE),
        scopes=("inputs:write",), body=lambda w: {"person_id": w["person_ms"], "item": "discipline",
                                                   "note": "迟到"}),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/negative-events", UNIT_MANAGE),
    Row("POST", "/api/v1/scoring/adjustments/{adjustment_id}/void", with_keys(UNIT_MANAGE), scopes=("inputs:write",),
        path={"adjustment_id": "adjustment_void"}, body=lambda w: {"reason": "扣分对象录错"},
        note="voided once; sent again, a 409"),
    Row("PATCH", "/api/v1/scoring/adjustments/{adjustment_id}", with_keys(UNIT_MANAGE), scopes=("inputs:write",),
        body=lambda w: {"evidence": f"市级表彰{fresh()}", "reason": "文号补正"}),
    Row("POST", "/api/v1/scoring/negative-events/{event_id}/void", with_keys(UNIT_MANAGE), scopes=("inputs:write",),
        path={"event_id": "negative_event_void"}, body=lambda w: {"reason": "不属实"},
        note="voided once; sent again, a 409"),
    Row("PATCH", "/api/v1/scoring/negative-events/{event_id}", with_keys(UNIT_MANAGE), scopes=("inputs:write",),
        body=lambda w: {"note": f"迟到{fresh()}", "reason": "补充说明"}),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/marks/{person_id}/{indicator}/void",
        with_keys(UNIT_MANAGE), scopes=("inputs:write",), body=lambda w: {"reason": "该项不适用"},
        note="taken away once; sent again, a 409"),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/changes", UNIT_MANAGE),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/rounds", UNIT_MANAGE,
        body=lambda w: {"raters": [{"rater_id": w["person_rt"], "group": "staff"}]}),
    Row("GET", "/api/v1/scoring/rounds/{round_id}", {**UNIT_MANAGE, "L": 404, "MS": 404, "MC": 404, "RT": OK}),
    # the to-do, before the rows below make MS a rater (who then sees those they rate)
    Row("GET", "/api/v1/scoring/todo", SIGNED_IN),
    Row("GET", "/api/v1/me/todo", SIGNED_IN),
    Row("PUT", "/api/v1/scoring/rounds/{round_id}/ratings",
        {**UNIT_MANAGE, "P": 422, "RA": 422, "UA": 422, "L": 404, "MS": 404, "MC": 404, "RT": OK},
        body=lambda w: {"ratings": [{"person_id": w["person_ms"], "mark": 90}]}),
    Row("PUT", "/api/v1/scoring/rounds/{round_id}/ratings",
        {**UNIT_MANAGE, "P": 403, "RA": 403, "UA": 403, "L": 404, "MS": 404, "MC": 404, "RT": OK},
        body=lambda w: {"rater_id": w["person_rt"], "ratings": [{"person_id": w["person_ms"], "mark": 10}]},
        note="a ballot written in another rater's name"),
    Row("GET", "/api/v1/scoring/rounds/{round_id}/ratings/mine", {**UNIT_MANAGE, "L": 404, "MS": 404, "MC": 404,
                                                                   "RT": OK}),
    Row("POST", "/api/v1/scoring/rounds/{round_id}/close", UNIT_MANAGE, path={"round_id": "round_to_close"}),
    Row("POST", "/api/v1/scoring/rounds/{round_id}/reopen", UNIT_MANAGE, path={"round_id": "round_to_close"},
        body=lambda w: {"reason": "补录评价"}, note="closed by the row before; reopened once, then a 409"),
    Row("POST", "/api/v1/scoring/rounds/{round_id}/codes", {**UNIT_MANAGE, "P": 422, "RA": 422, "UA": 422},
        body=lambda w: {"group": "staff", "count": 1}, note="staff is not an outside group: 422 once let through"),
    Row("GET", "/api/v1/scoring/rounds/{round_id}/codes", UNIT_MANAGE),
    # correcting a round (of 2025Q4): each write sent again is a 409 once the first went through
    Row("PATCH", "/api/v1/scoring/rounds/{round_id}", UNIT_MANAGE, path={"round_id": "round_fix"},
        body=lambda w: {"closes_at": "2099-12-31T00:00:00Z", "reason": "延期"}),
    Row("POST", "/api/v1/scoring/rounds/{round_id}/raters", UNIT_MANAGE, path={"round_id": "round_fix"},
        body=lambda w: {"raters": [{"rater_id": w["person_mc"], "group": "staff"}], "reason": "补充评价人"}),
    Row("DELETE", "/api/v1/scoring/rounds/{round_id}/raters/{rater_id}", UNIT_MANAGE,
        path={"round_id": "round_fix", "rater_id": "person_mc"}, query=lambda w: {"reason": "调离"}),
    Row("POST", "/api/v1/scoring/rounds/{round_id}/raters/{rater_id}/replace", UNIT_MANAGE,
        path={"round_id": "round_fix", "rater_id": "person_rt"},
        body=lambda w: {"rater_id": w["person_ms"], "reason": "错选"}),
    Row("DELETE", "/api/v1/scoring/rounds/{round_id}/people/{person_id}", UNIT_MANAGE, path={"round_id": "round_fix"},
        query=lambda w: {"reason": "病假"}),
    Row("POST", "/api/v1/scoring/rounds/{round_id}/people", UNIT_MANAGE, path={"round_id": "round_fix"},
        body=lambda w: {"people": [w["person_ms"]], "reason": "返岗"}),
    Row("POST", "/api/v1/scoring/rounds/{round_id}/people", {**UNIT_MANAGE, "P": 422, "RA": 422, "UA": 422},
        path={"round_id": "round_fix"}, body=lambda w: {"people": [w["person_b1"]], "reason": "跨区"},
        note="naming another region's person: 422"),
    Row("GET", "/api/v1/scoring/rounds/{round_id}/history", UNIT_MANAGE, path={"round_id": "round_fix"}),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/close", UNIT_MANAGE),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/readiness", UNIT_MANAGE),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/versions", UNIT_MANAGE),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/results", with_keys(UNIT_READ),
        scopes=("results:read",)),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/results.xlsx", with_keys(UNIT_READ),
        scopes=("results:read",)),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/bottom", with_keys(UNIT_READ),
        scopes=("results:read",)),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/people/{person_id}/explanation",
        with_keys(PERSONAL), scopes=("results:read",)),
    Row("GET", "/api/v1/scoring/results/{close_id}/compare/{other_id}", UNIT_MANAGE),
    Row("POST", "/api/v1/scoring/results/{close_id}/publish", UNIT_MANAGE),
    Row("POST", "/api/v1/scoring/results/{close_id}/objections",
        {**PERSONAL, "P": 404, "RA": 404, "UA": 404, "L": 404, "MC": OK, "RT": OK},
        body=lambda w: {"reason": "本季度任务量漏记"}, note="in the caller's own name, for anyone the close graded"),
    Row("GET", "/api/v1/scoring/objections", SIGNED_IN),
    Row("GET", "/api/v1/scoring/objections/{objection_id}", {**PERSONAL, "L": 404}),
    Row("POST", "/api/v1/scoring/objections/{objection_id}/review", UNIT_MANAGE,
        body=lambda w: {"decision": "reject", "reason": "不予采纳理由"}),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/years/{year}/bonus", UNIT_MANAGE,
        body=lambda w: {"total": "1000", "pool_share": "0.15"}),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/procedure", UNIT_READ,
        note="a scheme without a procedure: its stages are none"),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/procedure/advance", UNIT_MANAGE,
        note="a scheme without a procedure: a 409 once through to it"),
    Row("POST", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/procedure/back", UNIT_MANAGE,
        body=lambda w: {"reason": "退回重新测评"}),
    Row("GET", "/api/v1/scoring/schemes/{scheme_id}/periods/{period}/procedure/publicity",
        profile(P=409, RA=409, RB=404, UA=409, UO=404, L=409, MS=404, MC=404, RT=404),
        note="nothing made public: a 409 for those who see the scheme, a 404 for the rest"),
    Row("GET", "/api/v1/scoring/units/{unit_id}/outstanding", UNIT_READ),
    Row("GET", "/api/v1/scoring/persons/{person_id}/file", REGION, query=lambda w: {"reason": "干部考察"}),
    Row("GET", "/api/v1/scoring/persons/{person_id}/file.xlsx", REGION, query=lambda w: {"reason": "干部考察"}),
    Row("GET", "/api/v1/scoring/persons/{person_id}/file/reads",
        profile(P=OK, RA=OK, RB=404, UA=403, UO=404, L=403, MS=OK, MC=404, RT=404)),
    Row("GET", "/api/v1/scoring/regions/{region_id}/periods/{period}/calibration", REGION),
    Row("GET", "/api/v1/scoring/regions/{region_id}/years/{year}/lists/{list_name}.xlsx", REGION),
    Row("GET", "/api/v1/scoring/regions/{region_id}/years/{year}/lists/{list_name}", REGION),
    # supervision: the progress view; an inspection and a notice of unit A1 (its item closed: a 409 once decided)
    Row("GET", "/api/v1/scoring/regions/{region_id}/progress", REGION, query=lambda w: {"period": "2025Q1"}),
    Row("GET", "/api/v1/scoring/regions/{region_id}/progress", REGION,
        query=lambda w: {"period": "2025Q1", "format": "xlsx"}, note="as a workbook"),
    Row("POST", "/api/v1/scoring/regions/{region_id}/inspections", REGION, body=lambda w: {
        "unit_id": w["unit_A1"], "visited_on": "2025-03-01", "team": ["督导一组"], "findings": "纪实不全"}),
    Row("GET", "/api/v1/scoring/regions/{region_id}/inspections", REGION),
    Row("POST", "/api/v1/scoring/regions/{region_id}/notices", REGION, body=lambda w: {
        "unit_id": w["unit_A1"], "title": "整改通知", "items": [{"text": "补齐纪实", "deadline": "2099-12-31"}]}),
    Row("GET", "/api/v1/scoring/regions/{region_id}/notices", REGION, query=lambda w: {"overdue": "false"}),
    Row("GET", "/api/v1/scoring/units/{unit_id}/notices", UNIT_READ),
    Row("GET", "/api/v1/scoring/notices/{notice_id}", UNIT_READ),
    Row("POST", "/api/v1/scoring/notices/{notice_id}/items/{item_id}/answer", {**UNIT_MANAGE, "P": 403, "RA": 403},
        body=lambda w: {"response": "已补齐", "evidence": ["会议纪要"]}),
    Row("POST", "/api/v1/scoring/notices/{notice_id}/items/{item_id}/decision", {**REGION, "UA": 403, "L": 403},
        body=lambda w: {"decision": "close", "reason": "并入下次督导"}),
    Row("GET", "/api/v1/scoring/calendar/{year}", profile(P=OK, RA=OK, RB=OK)),
    Row("PUT", "/api/v1/scoring/calendar/{year}", PROVINCE, body=lambda w: []),
    Row("GET", "/api/v1/scoring/events", SIGNED_IN),
    Row("GET", "/api/v1/scoring/events/count", SIGNED_IN),
    # quota
    Row("GET", "/api/v1/quota/version", SIGNED_IN),
    Row("POST", "/api/v1/quota/apportion", {**NO_OBJECT_ADMINS, "KS": OK, "KB": OK}, scopes=("apportion",),
        body=lambda w: {"method": "webster", "seats": 3, "populations": {"a": 2, "b": 1}}),
    Row("POST", "/api/v1/quota/allocations/simulate", {**NO_OBJECT_ADMINS, "KS": 422, "KB": 422, "P": 422,
                                                        "RA": 422, "RB": 422}, scopes=("apportion",),
        body=lambda w: {}),
    Row("PUT", "/api/v1/quota/regions/{region_id}/years/{year}/units", with_keys(REGION), scopes=("inputs:write",),
        body=lambda w: {"units": [{"id": w["unit_A1"], "kind": "township", "grade": "first"}]}),
    Row("PUT", "/api/v1/quota/regions/{region_id}/years/{year}/units",
        with_keys({**REGION, "P": 422, "RA": 422}, ks=422), scopes=("inputs:write",),
        body=lambda w: {"units": [{"id": w["unit_B1"], "kind": "township", "grade": "first"}]},
        note="region A's inputs naming a unit of region B"),
    Row("PUT", "/api/v1/quota/regions/{region_id}/years/{year}/policy", REGION, body=lambda w: POLICY),
    Row("GET", "/api/v1/quota/regions/{region_id}/years/{year}/inputs", REGION),
    Row("POST", "/api/v1/quota/regions/{region_id}/years/{year}/allocations", REGION),
    Row("GET", "/api/v1/quota/regions/{region_id}/years/{year}/allocations", with_keys(REGION),
        scopes=("results:read",)),
    Row("GET", "/api/v1/quota/regions/{region_id}/years/{year}/published", with_keys(REGION),
        scopes=("results:read",)),
    Row("GET", "/api/v1/quota/regions/{region_id}/years/{year}/publications", with_keys(REGION),
        scopes=("results:read",)),
    Row("GET", "/api/v1/quota/allocations/{run_id}", with_keys(REGION), scopes=("results:read",)),
    Row("GET", "/api/v1/quota/allocations/{run_id}/compare/{other_id}", REGION, path={"other_id": "run"}),
    Row("GET", "/api/v1/quota/allocations/{run_id}/report.xlsx", with_keys(REGION), scopes=("results:read",)),
    Row("POST", "/api/v1/quota/allocations/{run_id}/publish", REGION),
    # an export job's file (of region A, started by another administrator): its region's administrators'
    *(Row("GET", f"/api/v1/{service}/jobs/{{job_id}}/file", with_keys(JOB_FILE), scopes=("results:read",),
          path={"job_id": f"job_file_{service}"}) for service in ("records", "scoring", "quota")),
    # the gateway's own
    Row("GET", "/api/v1/me", {**SIGNED_IN, "KS": OK, "KN": OK, "KB": OK}),
    Row("GET", "/api/v1/catalogue", {**SIGNED_IN, "KS": OK, "KN": OK, "KB": OK}),
    Row("GET", "/api/v1/me/events", SIGNED_IN),
    Row("GET", "/api/v1/me/events/unread", SIGNED_IN),
    Row("POST", "/api/v1/me/events/read", SIGNED_IN, body=lambda w: {}),
    Row("GET", "/api/v1/me/mine", profile(P=404, RA=404, RB=404, UA=404, UO=404, L=404, MS=OK, MC=OK, RT=OK)),
    Row("GET", "/api/v1/me/unit", UNIT_READ, query=unit_a1),
    Row("POST", "/api/v1/auth/logout", SIGNED_IN, body=lambda w: {}),
    Row("POST", "/api/v1/admin/users", REGION, body=lambda w: {
        "username": f"mx-made-{fresh()}-{uuid.uuid4().hex[:4]}", "password": PASSWORD, "role": "leader",
        "unit_id": w["unit_A1"]}),
    Row("GET", "/api/v1/admin/users", profile(P=OK, RA=OK, RB=OK)),
    Row("PATCH", "/api/v1/admin/users/{user_id}", REGION, body=lambda w: {"is_active": True}),
    Row("POST", "/api/v1/admin/users/{user_id}/password-reset", REGION, path={"user_id": "user_reset"}),
    # a wrong current password: every user reaches the check (a 422), no key does
    Row("POST", "/api/v1/auth/password", profile(P=422, RA=422, RB=422, UA=422, UO=422, L=422, MS=422, MC=422,
                                                 RT=422), body=lambda w: {"current_password": "not-the-password",
                                                                          "password": "a-brand-new-passphrase"}),
    Row("POST", "/api/v1/admin/api-keys", PROVINCE, body=lambda w: {"name": f"k{fresh()}", "scopes": ["apportion"]}),
    Row("GET", "/api/v1/admin/api-keys", PROVINCE),
    Row("DELETE", "/api/v1/admin/api-keys/{key_id}", PROVINCE),
    Row("GET", "/api/v1/audit", profile(P=OK, RA=OK, RB=OK)),
    # webhooks: the region's administrators and its webhooks:manage key; another region's are not found
    Row("POST", "/api/v1/webhooks", with_keys(REGION), scopes=("webhooks:manage",), body=lambda w: {
        "url": "https://hr.example.org/hook", "kinds": ["result_published"], "region_id": w["region_A"]}),
    Row("GET", "/api/v1/webhooks", with_keys(NO_OBJECT_ADMINS, kb=OK), scopes=("webhooks:manage",)),
    Row("GET", "/api/v1/webhooks/{webhook_id}", with_keys(REGION), scopes=("webhooks:manage",)),
    Row("DELETE", "/api/v1/webhooks/{webhook_id}", with_keys(REGION), scopes=("webhooks:manage",),
        path={"webhook_id": "webhook_delete"}, note="each caller who may deletes one of its own"),
    Row("GET", "/api/v1/webhooks/{webhook_id}/deliveries", with_keys(REGION), scopes=("webhooks:manage",)),
    Row("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", with_keys(REGION),
        scopes=("webhooks:manage",)),
]
JOB = with_keys(profile(P=OK, RA=OK, RB=404, UA=404, UO=404, L=404, MS=404, MC=404, RT=404))
ROWS += [row for service in ("records", "scoring", "quota") for row in (
    # a job: whoever started it (P) and its region's administrators (and its region's key); anyone else 404
    Row("GET", f"/api/v1/{service}/jobs/{{job_id}}", JOB, scopes=("inputs:write", "results:read"),
        path={"job_id": f"job_{service}"}),
    Row("GET", f"/api/v1/{service}/jobs", with_keys(SIGNED_IN, kb=OK), scopes=("inputs:write", "results:read"),
        note="each sees their own and their regions' jobs"),
    Row("POST", f"/api/v1/{service}/jobs/{{job_id}}/cancel", JOB, scopes=("inputs:write", "results:read"),
        path={"job_id": f"job_{service}"}, note="cancelled once; sent again, a 409"),
)]
# Routes that need no credentials by design; their own tests are in test_auth (and, for a rating
# code's ballot, where the code is the credential, in test_rating_codes).
PUBLIC = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/refresh"),
          ("POST", "/api/v1/scoring/ballots/by-code")}


def key_for(row: Row, who: str) -> str:
    """KS: a region-A key holding one of the row's scopes; KN: a region-A key holding none of them."""
    by_scope = {"results:read": "key_read", "inputs:write": "key_write", "apportion": "key_apportion",
                "webhooks:manage": "key_hooks", "schemes:read": "key_schemes", "units:read": "key_units",
                "persons:read": "key_persons"}
    if who == "KS":
        return by_scope[row.scopes[0]] if row.scopes else "key_read"
    return next(k for s, k in by_scope.items() if s not in row.scopes and (s != "apportion" or row.scopes))


def cells() -> list[tuple[Row, str]]:
    return [(row, who) for row in ROWS for who in CALLERS if not (who == "KS" and not row.scopes)]


def _period(row: Row) -> str:
    """Reads of results, versions and closes are of the closed first quarter; inputs go to the second."""
    reads_closed = any(s in row.template for s in ("/results", "/versions", "/explanation", "/close"))
    return "2025Q1" if reads_closed else "2025Q2"


async def send(client: httpx.AsyncClient, row: Row, w: World, who: str) -> httpx.Response:
    path = row.template
    for name, key in {**PATH_DEFAULTS, **row.path}.items():
        # an object a caller may use up (a webhook to delete) can be the caller's own: "key@caller"
        path = path.replace("{" + name + "}", w.ids.get(f"{key}@{who}", w[key]))
    for name, value in {**LITERALS, "period": _period(row)}.items():
        path = path.replace("{" + name + "}", value)
    headers = dict(w.headers[key_for(row, who) if who in ("KS", "KN") else who])
    if row.accept is not None:
        headers["accept"] = row.accept
    params = row.query(w) if row.query else None
    if row.files is not None:
        return await client.request(row.method, path, params=params, headers=headers, files=row.files(w))
    if row.ndjson is not None:
        return await client.request(row.method, path, params=params, content=row.ndjson(w).encode(),
                                    headers={**headers, "content-type": "application/x-ndjson"})
    body = row.body(w) if row.body else None
    return await client.request(row.method, path, params=params, json=body, headers=headers)


CELLS = cells()


@pytest.mark.parametrize(("row", "who"), CELLS,
                         ids=[f"{r.method} {r.template}{' (' + r.note + ')' if r.note else ''} as {w}"
                              for r, w in CELLS])
async def test_cell(gateway_app: FastAPI, world: World, row: Row, who: str) -> None:
    expected = row.expected[who]
    async with asgi_client(gateway_app) as client:
        response = await send(client, row, world, who)
    status = response.status_code
    if expected == OK:
        assert 200 <= status < 300 or (status == 409 and row.method != "GET"), (status, response.text[:400])
        if row.accept is not None and status == 200:
            assert response.headers["content-type"] == row.accept
        text = response.text
        if row.template == "/api/v1/audit":
            # What the caller's own region's people and keys sent is theirs to see, ids and all.
            text = json.dumps([e for e in response.json()["items"]
                               if e["actor_id"] not in world.own_actors.get(who, ())])
        leaked = sorted(i for i in world.forbidden.get(who, set()) if i in text)
        assert not leaked, f"{who} was shown ids outside their scope: {leaked}"
    else:
        assert status == expected, (status, response.text[:400])
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("who", ("expired", "forged", "revoked"))
@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.template}{' (' + r.note + ')' if r.note else ''}"
                                           for r in ROWS])
async def test_no_valid_credentials_is_401_everywhere(gateway_app: FastAPI, world: World, row: Row,
                                                      who: str) -> None:
    """An expired token, a token signed with another key and a revoked API key are each a 401, on every route."""
    async with asgi_client(gateway_app) as client:
        response = await send(client, row, world, who)
    assert response.status_code == 401, response.text[:400]
    assert response.json()["code"] in {"token_expired", "token_invalid", "api_key_invalid"}


async def test_a_unit_admin_lists_only_their_unit(gateway_app: FastAPI, world: World) -> None:
    async with asgi_client(gateway_app) as client:
        units = (await client.get("/api/v1/records/units", headers=world.headers["UA"])).json()
    assert [u["id"] for u in units["items"]] == [world["unit_A1"]]


async def test_every_public_route_has_a_row(gateway_app: FastAPI) -> None:
    async with asgi_client(gateway_app) as client:
        document = (await client.get("/openapi.json")).json()
    routes = {(method.upper(), path) for path, item in document["paths"].items() for method in item
              if method in ("get", "post", "put", "patch", "delete") and path.startswith("/api/v1/")}
    covered = {(r.method, r.template) for r in ROWS}
    assert sorted(routes - covered - PUBLIC) == []
    assert sorted(covered - routes) == []


def test_every_row_states_every_caller() -> None:
    for row in ROWS:
        assert set(row.expected) == set(CALLERS), row.template


def test_matrix_size(capsys: pytest.CaptureFixture[str]) -> None:
    routes = {(r.method, r.template) for r in ROWS}
    with capsys.disabled():
        print(f"\npermission matrix: {len(routes)} routes ({len(ROWS)} rows) × {len(CALLERS)} callers, "
              f"{len(CELLS)} cells checked, and {len(ROWS) * 3} more with expired, forged or revoked credentials")
