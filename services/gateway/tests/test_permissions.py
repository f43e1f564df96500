"""Every route with every kind of caller, and the exact status each must get.

Callers: P province admin, R region admin of region A, U unit admin and L leader of unit A1,
M member (a person of A1), API keys (results:read for region A; apportion), and callers that
must be turned away: anonymous, an expired token, a token signed with another key, a revoked key.
Objects ending in "a" belong to the callers' region; those ending in "b" to another region.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.testing import asgi_client

from .conftest import POLICY, SCHEME, World

IDENTITIES = ("P", "R", "U", "L", "M", "key_read", "key_apportion")
TURNED_AWAY = ("anonymous", "expired", "forged", "key_revoked")
NO_SUCH_REGION = "00000000-0000-0000-0000-000000000000"  # a parent that does not exist: 422
LATER = '{"on": "2000-01-01", "leave": true}'  # a move before the placement began: 409, nothing changes

# (method, path, body, {identity: status}); every identity of IDENTITIES must be listed.
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/api/v1/records/regions/{region_a}", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 200, "key_apportion": 403}),
    ("GET", "/api/v1/records/regions/{region_b}", None,
     {"P": 200, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 404, "key_apportion": 403}),
    ("GET", "/api/v1/records/regions/{region_a}/headcounts?year=2025", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 200, "key_apportion": 403}),
    ("POST", "/api/v1/records/regions", {"code": "x", "name": "x", "parent_id": NO_SUCH_REGION},
     {"P": 422, "R": 403, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/units", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/units/{unit_a}", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/units/{unit_b}", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("PATCH", "/api/v1/records/units/{unit_b}", {"name": "改名"},
     {"P": 200, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/units/{unit_a}/members?period=2025", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/units/{unit_b}/members?period=2025", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/persons/{person_a}", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/persons/{person_b}", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/persons/{person_a}/moves", LATER,
     {"P": 409, "R": 409, "U": 409, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/persons/{person_b}/moves", LATER,
     {"P": 409, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/quota/apportion", {"method": "webster", "seats": 3, "populations": {"a": 2, "b": 1}},
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 200}),
    ("GET", "/api/v1/quota/allocations/{run_a}", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 200, "key_apportion": 403}),
    ("GET", "/api/v1/quota/allocations/{run_b}", None,
     {"P": 200, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 404, "key_apportion": 403}),
    ("GET", "/api/v1/quota/allocations/{run_a}/report.xlsx", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 200, "key_apportion": 403}),
    ("GET", "/api/v1/quota/allocations/{run_b}/report.xlsx", None,
     {"P": 200, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 404, "key_apportion": 403}),
    ("GET", "/api/v1/quota/regions/{region_b}/years/2025/inputs", None,
     {"P": 200, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/quota/regions/{region_a}/years/2025/published", None,
     {"P": 404, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 404, "key_apportion": 403}),
    ("GET", "/api/v1/admin/users", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/admin/api-keys", {},
     {"P": 422, "R": 403, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/audit", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/regions", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 200, "key_apportion": 403}),
    ("POST", "/api/v1/records/units", {},
     {"P": 422, "R": 422, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/units/{unit_a}/sections", {},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/units/{unit_a}/sections", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/persons", {},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/version", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/whoami", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 200, "key_apportion": 200}),
    ("GET", "/api/v1/records/attendance?person_id={person_a}&period=2025", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/attendance?person_id={person_b}&period=2025", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/attendance?unit_id={unit_b}&period=2025", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/attendance/export?unit_id={unit_a}&period=2025&format=csv", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/attendance/import", {},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/attendance/stream", "",
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("PUT", "/api/v1/records/attendance", {},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/units/{unit_a}/summary?period=2025Q1", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/units/{unit_b}/summary?period=2025Q1", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/regions/{region_b}/groups/G/summary?period=2025Q1", None,
     {"P": 404, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/templates/roster.xlsx", None,
     {"P": 200, "R": 200, "U": 200, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/work-logs", "LOG_B",
     {"P": 201, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("PATCH", "/api/v1/records/work-logs/{no_such_key}", {"content": "x"},
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/work-logs?person_id={person_a}&period=2025", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/monthly-reports", {},
     {"P": 422, "R": 422, "U": 422, "L": 422, "M": 422, "key_read": 403, "key_apportion": 403}),
    ("PATCH", "/api/v1/records/monthly-reports/{no_such_key}", {"content": "x"},
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("PUT", "/api/v1/records/comments", {"target_kind": "work_log", "target_id": NO_SUCH_REGION, "mark": 90,
                                         "comment": "好"},
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/comments/work_log/{no_such_key}", None,
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/tasks", {},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/tasks?person_id={person_b}&period=2025", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/tasks/{no_such_key}", None,
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/tasks/{no_such_key}/progress", {"progress": 10, "note": "x"},
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/tasks/{no_such_key}/confirm", {},
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/regions/{region_b}/roster/import", {},
     {"P": 422, "R": 422, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/tasks/import", {},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/tasks/export?unit_id={unit_a}&period=2025&format=csv", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/records/regions/{region_b}/roster/export?format=csv", None,
     {"P": 200, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/tasks/stream", "",
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/records/regions/{region_b}/roster/stream", "",
     {"P": 422, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/version", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/schemes/indicators/check", {"indicators": [{"code": "a", "name": "A", "weight": 1}]},
     {"P": 200, "R": 200, "U": 200, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/grades/preview", {"candidates": [{"person_id": "p", "score": 90}]},
     {"P": 200, "R": 200, "U": 200, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/quota/version", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/quota/allocations/simulate", {},
     {"P": 422, "R": 422, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 422}),
    ("PUT", "/api/v1/quota/regions/{region_b}/years/2025/units", "UNITS_B",
     {"P": 200, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("PUT", "/api/v1/quota/regions/{region_b}/years/2025/policy", "POLICY",
     {"P": 200, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/quota/regions/{region_a}/years/2025/allocations", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 200, "key_apportion": 403}),
    ("POST", "/api/v1/quota/regions/{region_b}/years/2025/allocations", None,
     {"P": 201, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/quota/allocations/{run_a}/compare/{run_a}", None,
     {"P": 200, "R": 200, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/quota/allocations/{run_b}/publish", None,
     {"P": 201, "R": 404, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/schemes", {},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_a}", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_b}", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/schemes/{scheme_b}/versions", {"definition": SCHEME},
     {"P": 201, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("PUT", "/api/v1/scoring/schemes/{scheme_a}/periods/2025Q1/marks",
     {"marks": [{"person_id": NO_SUCH_REGION, "indicator": "nope", "mark": 1}]},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/schemes/{scheme_b}/periods/2025Q1/adjustments",
     {"person_id": NO_SUCH_REGION, "item": "nope", "points": 1, "evidence": "x", "approved_by": "x"},
     {"P": 422, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_a}/periods/2025Q1/adjustments", None,
     {"P": 200, "R": 200, "U": 200, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/schemes/{scheme_b}/periods/2025Q1/negative-events",
     {"person_id": NO_SUCH_REGION, "item": "nope", "note": "x"},
     {"P": 422, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_a}/periods/2025Q1/negative-events", None,
     {"P": 200, "R": 200, "U": 200, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/schemes/{scheme_a}/periods/2025Q1/rounds",
     {"raters": [{"rater_id": NO_SUCH_REGION, "group": "x"}]},
     {"P": 422, "R": 422, "U": 422, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/rounds/{no_such_key}", None,
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("PUT", "/api/v1/scoring/rounds/{no_such_key}/ratings", {"ratings": [{"person_id": NO_SUCH_REGION, "mark": 1}]},
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/rounds/{no_such_key}/ratings/mine", None,
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/rounds/{no_such_key}/close", None,
     {"P": 404, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/schemes/{scheme_b}/periods/2025Q1/close", None,  # 201: scheme b has a version 2
     {"P": 201, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_a}/periods/2025Q1/versions", None,
     {"P": 200, "R": 200, "U": 200, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_a}/periods/2025Q1/results", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 200, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_b}/periods/2025Q1/results", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 403, "key_read": 404, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_a}/periods/2025Q1/results.xlsx", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 403, "key_read": 200, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_b}/periods/2025Q1/results.xlsx?version=1", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 403, "key_read": 404, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_a}/periods/2025Q1/people/{person_a}/explanation", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 200, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/schemes/{scheme_b}/periods/2025Q1/people/{person_b}/explanation", None,
     {"P": 200, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 404, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/results/{close_a}/compare/{close_a}", None,
     {"P": 200, "R": 200, "U": 200, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/results/{close_b}/publish", None,
     {"P": 409, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/results/{close_a}/objections", {"reason": "本季度任务量漏记"},
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 201, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/objections", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/scoring/objections/{no_such_key}", None,
     {"P": 404, "R": 404, "U": 404, "L": 404, "M": 404, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/objections/{no_such_key}/review", {"decision": "reject", "reason": "不予采纳理由"},
     {"P": 404, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/scoring/schemes/{scheme_b}/years/2025/bonus", {"total": "1000", "pool_share": "0.15"},
     {"P": 409, "R": 404, "U": 404, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/admin/users", {},
     {"P": 422, "R": 422, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/admin/api-keys", None,
     {"P": 200, "R": 403, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("DELETE", "/api/v1/admin/api-keys/{no_such_key}", None,
     {"P": 404, "R": 403, "U": 403, "L": 403, "M": 403, "key_read": 403, "key_apportion": 403}),
    ("POST", "/api/v1/auth/logout", {},
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 403, "key_apportion": 403}),
    ("GET", "/api/v1/me", None,
     {"P": 200, "R": 200, "U": 200, "L": 200, "M": 200, "key_read": 200, "key_apportion": 200}),
]


def _path(template: str, world: World) -> str:
    return template.format(region_a=world.region["a"], region_b=world.region["b"], unit_a=world.unit["a"],
                           unit_b=world.unit["b"], person_a=world.person["a"], person_b=world.person["b"],
                           run_a=world.run["a"], run_b=world.run["b"], no_such_key=NO_SUCH_REGION,
                           scheme_a=world.scheme["a"], scheme_b=world.scheme["b"], close_a=world.close["a"],
                           close_b=world.close["b"])


async def _call(client: httpx.AsyncClient, method: str, path: str, body: Any, headers: dict[str, str],
                world: World | None = None) -> httpx.Response:
    if body == "LOG_B" and world is not None:
        # A new week each time, so the one caller allowed gets 201 and never 409.
        body = {"person_id": world.person["b"], "week": f"2024-W{len(world.users) % 50 + 1:02d}", "content": "x"}
    elif body == "UNITS_B" and world is not None:
        body = {"units": [{"id": world.unit["b"], "kind": "township", "grade": "first"}]}
    elif body == "POLICY":
        body = POLICY
    if isinstance(body, str):
        return await client.request(method, path, content=body, headers={**headers, "content-type": "application/json"})
    return await client.request(method, path, json=body, headers=headers)


CASES = [(m, p, b, who, expected[who]) for m, p, b, expected in MATRIX for who in IDENTITIES]


@pytest.mark.parametrize(("method", "template", "body", "who", "status"), CASES,
                         ids=[f"{m} {p} as {w}" for m, p, _, w, _ in CASES])
async def test_status_for_each_caller(gateway_app: FastAPI, world: World, method: str, template: str,
                                      body: Any, who: str, status: int) -> None:
    async with asgi_client(gateway_app) as client:
        response = await _call(client, method, _path(template, world), body, world.headers[who], world)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("who", TURNED_AWAY)
@pytest.mark.parametrize(("method", "template", "body"), [(m, p, b) for m, p, b, _ in MATRIX],
                         ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
async def test_no_valid_credentials_is_401_everywhere(gateway_app: FastAPI, world: World, method: str,
                                                      template: str, body: Any, who: str) -> None:
    async with asgi_client(gateway_app) as client:
        response = await _call(client, method, _path(template, world), body, world.headers[who], world)
    assert response.status_code == 401, response.text
    assert response.json()["code"] in {"unauthenticated", "token_expired", "token_invalid", "api_key_invalid"}


def test_every_declared_route_is_in_the_matrix() -> None:
    from gateway.policy import RULES

    covered = {(m, p.split("?")[0].replace("monthly-reports/{no_such_key}", "monthly-reports/{report_id}")
                .replace("comments/work_log/{no_such_key}", "comments/{target_kind}/{target_id}")
                .replace("tasks/{no_such_key}", "tasks/{task_id}")
                .replace("{no_such_key}", "{log_id}").replace("/groups/G/", "/groups/{group}/")
                .replace("/templates/roster.xlsx", "/templates/{kind}.xlsx")
                .replace("{region_a}", "{region_id}").replace("{region_b}", "{region_id}")
                .replace("{unit_a}", "{unit_id}").replace("{unit_b}", "{unit_id}")
                .replace("{person_a}", "{person_id}").replace("{person_b}", "{person_id}")
                .replace("/compare/{run_a}", "/compare/{other_id}")
                .replace("/compare/{close_a}", "/compare/{other_id}").replace("/periods/2025Q1/", "/periods/{period}/")
                .replace("{scheme_a}", "{scheme_id}").replace("{scheme_b}", "{scheme_id}")
                .replace("{close_a}", "{close_id}").replace("{close_b}", "{close_id}")
                .replace("rounds/{log_id}", "rounds/{round_id}")
                .replace("objections/{log_id}", "objections/{objection_id}")
                .replace("{run_a}", "{run_id}").replace("{run_b}", "{run_id}"))
               for m, p, _, _ in MATRIX}
    declared = {(r.method, r.template.replace("{year}", "2025")) for r in RULES}
    assert sorted(declared - covered) == []


def test_route_parameters_are_named_as_declared() -> None:
    from gateway.policy import RULES

    assert any(r.template == "/api/v1/records/work-logs/{log_id}" for r in RULES)


async def test_a_unit_admin_lists_only_their_unit(gateway_app: FastAPI, world: World) -> None:
    async with asgi_client(gateway_app) as client:
        units = (await client.get("/api/v1/records/units", headers=world.headers["U"])).json()
    assert [u["id"] for u in units] == [world.unit["a"]]


def test_every_gateway_route_is_in_the_matrix(gateway_app: FastAPI) -> None:
    from fastapi.routing import APIRoute

    covered = {(m, p.replace("{no_such_key}", "{key_id}")) for m, p, _, _ in MATRIX}
    public = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/refresh")}  # tested in test_auth
    own = {(method, route.path) for route in gateway_app.routes if isinstance(route, APIRoute)
           and route.path.startswith("/api/v1/") for method in route.methods}
    assert sorted(own - covered - public) == []
