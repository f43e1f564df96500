"""Generated requests for every operation of the gateway's own OpenAPI document, on the real stack:
no answer is a 5xx, and every answer is one the document promises (status, media type, body schema).

Random identifiers mostly meet 404s, so the operations are also run once more on a small populated
world (a region, a unit with people, a closed scoring quarter, an allocation run) with their path
parameters taken from it: then the 2xx bodies of the reads are checked against their schemas too.
Bounded (a few examples an operation), so it stays quick.

The document must also declare every constraint the API enforces: no operation may refuse (400,
422 ...) every positive case generated from its own schema, which is what Schemathesis' "Schema
validation mismatch" warning ("mostly rejected generated data") reports; the test applies the
same rule, with Schemathesis' own statistic.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.cli.commands.run.warnings import StatusCodeStatistic
from schemathesis.core.errors import SerializationNotPossible
from schemathesis.core.failures import FailureGroup

from kaohe.local import LocalStack, running_stack
from records.attendance.importer import STATUS_WORDS

pytestmark = pytest.mark.stack
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}
SEEDED_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
PERIOD, YEAR = "2025Q2", 2025
XIACUN = {
    "indicators": [{"code": "de", "name": "德", "weight": "0.3"}, {"code": "ji", "name": "绩", "weight": "0.7"}],
    "raters": {"share": "0.2", "groups": {"leadership": "0.4", "middle": "0.3", "staff": "0.2", "non_staff": "0.1"}},
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"}},
                    "bonus_total": "4", "deduction_total": "10"},
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
    "thresholds": [{"grade": "poor", "below": "60"}],
}
# The sheet imports name the form of their file as a string format (`attendance-sheet`, `task-sheet`): the
# generator is taught what each is, CSV or tab-separated text (UTF-8, with or without BOM) with the import's
# header and rows of its declared columns; the staff numbers are nobody's, like the random ids elsewhere.
STAFF_NO = st.from_regex(r"[A-Z][A-Z0-9]{0,11}", fullmatch=True)
PAST_DAY = st.dates(date(2000, 1, 1), date(2024, 12, 31)).map(date.isoformat)
WEIGHT = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2).map(str)
TITLE = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=40)


def _sheet(header: list[str], row: st.SearchStrategy[list[str]],
           key: Callable[[list[str]], Any]) -> st.SearchStrategy[bytes]:
    """A sheet of the form: the header, then one to eight rows, none twice by the import's key."""

    @st.composite
    def sheet(draw: st.DrawFn) -> bytes:
        rows = draw(st.lists(row, min_size=1, max_size=8, unique_by=key))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=draw(st.sampled_from([",", "\t"])), lineterminator="\r\n")
        writer.writerows([header, *rows])
        return out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))
    return sheet()


schemathesis.openapi.format("attendance-sheet", _sheet(
    ["工号", "日期", "状态"], st.tuples(STAFF_NO, PAST_DAY, st.sampled_from(sorted(STATUS_WORDS))).map(list),
    key=lambda r: (r[0], r[1])))
schemathesis.openapi.format("task-sheet", _sheet(
    ["工号", "任务名称", "强度", "难度", "数量", "完成时限", "督办"],
    st.tuples(STAFF_NO, TITLE, WEIGHT, WEIGHT, WEIGHT, PAST_DAY, st.sampled_from(["是", "否", ""])).map(list),
    key=lambda r: (r[0], r[1], r[5])))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_home: Callable[[Path], Path]) -> Iterator[LocalStack]:
    root: Path = tmp_path_factory.mktemp("schemathesis")
    # long-lived access tokens: one sign-in for the module
    with running_stack(stack_home(root / "home"), root / "stack.log",
                       extra_env={"GATEWAY_RATE_LIMIT": "1000000/minute",
                                  "GATEWAY_ACCESS_TOKEN_MINUTES": "240"}, within=180) as running:
        yield running


@pytest.fixture(scope="module")
def auth(stack: LocalStack) -> dict[str, str]:
    token = httpx.post(f"{stack.gateway}/api/v1/auth/token",
                       data={"username": "admin", "password": "kaohe-demo-first"}).json()["access_token"]
    return {"authorization": f"Bearer {token}"}


def _schema(stack: LocalStack) -> Any:
    # Signing out would cut the run's own credentials: that is exercised in test_auth.
    return schemathesis.openapi.from_url(f"{stack.gateway}/openapi.json").exclude(path_regex="^/api/v1/auth/")


# A 422 `invalid_reference` refuses no data's form but names an object that does not exist (a random
# id in the body, a staff number no one has, a grade a simulation's policy does not define): counted as
# the 404 it would be in a path. What a body names is looked up before the rules relating its values.
# Nor does a 422 `scheme_invalid` for weights that do not add up to 100%: a relation between values (their
# sum) that no JSON schema can state, and random weights seldom meet (the indicator-tree check refused
# all five random bodies in one run, and served one in the runs before): counted as the 409 of a rule
# relating the values sent.
def _as_counted(response: Any) -> int:
    if response.status_code == 422:
        compact = response.content.replace(b" ", b"")
        if b'"code":"invalid_reference"' in compact:
            return 404
        if b'"code":"scheme_invalid"' in compact and b"add up to" in response.content:
            return 409
    return int(response.status_code)


class Run:
    """Sends the cases of one operation and checks each answer against the document."""

    def __init__(self, stack: LocalStack, auth: dict[str, str]) -> None:
        self.stack, self.auth = stack, auth
        self.failures: list[str] = []
        self.statuses: list[int] = []
        self.positive: dict[str, list[int]] = {}
        self.refused: dict[str, str] = {}  # an operation's first refusal of a positive case, to show

    def operation(self, operation: Any, examples: int, mode: GenerationMode = GenerationMode.POSITIVE,
                  path_parameters: dict[str, Any] | None = None) -> None:
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: schemathesis.Case) -> None:
            if mode is GenerationMode.POSITIVE and case.headers and "Idempotency-Key" in case.headers:
                case.headers["Idempotency-Key"] = uuid.uuid4().hex  # a client's key is new for each request
            response = case.call(base_url=self.stack.gateway, headers=self.auth)
            self.statuses.append(response.status_code)
            if mode is GenerationMode.POSITIVE:
                self.positive.setdefault(operation.label, []).append(_as_counted(response))
                if _as_counted(response) in (400, 422):
                    self.refused.setdefault(operation.label, f"{case.formatted_path} {case.query or ''} "
                                                             f"{str(case.body)[:150]} -> {response.text[:300]}")
            try:
                case.validate_response(response, checks=CHECKS, headers=self.auth)
            except FailureGroup as failed:
                for failure in failed.exceptions:
                    self.failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                         f"{failure.title}: {str(failure.message)[:400]} | {response.text[:300]}")

        try:
            run()
        except SerializationNotPossible:
            pass  # the JSON-lines imports: generated bodies are not lines; tested in records
        except Unsatisfiable:
            pass  # negative mode where every way to get a parameter wrong is filtered out

    def report(self) -> str:
        return "\n".join(sorted(set(self.failures))[:40])

    def refusing(self) -> dict[str, dict[int, int]]:
        """Operations that served none of their positive cases and refused them for their data (not for
        a missing object, a conflict or the caller): Schemathesis' "Schema validation mismatch"."""
        found = {}
        for label, statuses in self.positive.items():
            counts = {status: statuses.count(status) for status in set(statuses)}
            served = any(200 <= status < 400 for status in statuses)
            if not served and StatusCodeStatistic(counts, len(statuses)).should_warn_about_validation_mismatch():
                found[label] = counts
        return dict(sorted(found.items()))


def test_no_server_error_and_every_answer_is_documented(stack: LocalStack, auth: dict[str, str]) -> None:
    run = Run(stack, auth)
    operations = 0
    for result in _schema(stack).get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in EXAMPLES.items():
            if mode is GenerationMode.NEGATIVE and not (
                    len(operation.path_parameters) or len(operation.query) or len(operation.body)):
                continue  # nothing to get wrong: no parameters, no body
            run.operation(operation, examples, mode)
    assert operations > 40
    assert len(run.statuses) > 3 * operations  # requests were really sent
    refusing = run.refusing()
    assert (run.failures, refusing) == ([], {}), run.report() + (
        f"\n{len(refusing)} operations refuse most of the data their schema allows:\n" + "\n".join(
            f"{label} {counts}: {run.refused.get(label, '')}" for label, counts in refusing.items()))


def _world(stack: LocalStack, auth: dict[str, str]) -> dict[str, Callable[[str], Any] | Any]:
    """A small populated world through the gateway; returns values for path parameters by name."""
    client = httpx.Client(base_url=stack.gateway, headers=auth, timeout=30)

    def ok(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), f"{response.request.url}: {response.text}"
        return dict(response.json())

    tag = uuid.uuid4().hex[:6]
    with client:
        region = ok(client.post("/api/v1/records/regions", json={"code": f"w{tag}", "name": "演示县"}))["id"]
        unit = ok(client.post("/api/v1/records/units", json={"region_id": region, "code": "X", "name": "夏村镇",
                                                             "kind": "township", "evaluation_group": "G"}))["id"]
        people = [ok(client.post("/api/v1/records/persons", json={
            "unit_id": unit, "staff_no": f"{tag}-{letter}", "name": letter, "staff_category": "staff",
            "active_from": "2020-01-01"}))["id"] for letter in "ABC"]
        task = ok(client.post("/api/v1/records/tasks", json={
            "person_id": people[0], "title": "招商引资", "intensity": "1.5", "difficulty": "2", "quantity": "2",
            "due_on": "2025-06-30"}))["id"]
        log = ok(client.post("/api/v1/records/work-logs", json={"person_id": people[0], "week": "2025-W15",
                                                                "content": "完成了……"}))["id"]
        report = ok(client.post("/api/v1/records/monthly-reports", json={
            "person_id": people[0], "month": "2025-04", "content": "四月工作", "achievements": "招商"}))["id"]
        honour = ok(client.post("/api/v1/records/honours", json={
            "person_id": people[0], "title": "优秀共产党员", "level": "county", "awarded_on": "2025-05-04",
            "awarded_by": "中共某县委", "evidence": "某委发〔2025〕12号"}))["id"]

        scheme = ok(client.post("/api/v1/scoring/schemes", json={
            "region_id": region, "unit_id": unit, "name": "夏村镇机关干部", "definition": XIACUN}))["id"]
        base = f"/api/v1/scoring/schemes/{scheme}/periods/{PERIOD}"
        ok(client.put(f"{base}/marks", json={"marks": [
            {"person_id": p, "indicator": code, "mark": mark}
            for p, mark in zip(people, (90, 80, 70), strict=True) for code in ("de", "ji")]}))
        rater = people[2]
        round_ = ok(client.post(f"{base}/rounds", json={"raters": [{"rater_id": rater, "group": "leadership"}]}))["id"]
        ok(client.put(f"/api/v1/scoring/rounds/{round_}/ratings", json={  # a paper ballot keyed in
            "rater_id": rater, "on_behalf": True, "ratings": [{"person_id": people[0], "mark": 90}]}))
        ok(client.post(f"{base}/adjustments", json={"person_id": people[0], "item": "honour", "points": "2",
                                                    "evidence": "市级表彰", "approved_by": "镇党委"}))
        ok(client.post(f"/api/v1/scoring/rounds/{round_}/close"))
        close = ok(client.post(f"{base}/close"))["id"]

        ok(client.put(f"/api/v1/quota/regions/{region}/years/{YEAR}/units", json={"units": [
            {"id": unit, "kind": "township", "grade": "first", "points": "3"},
            {"id": "other", "kind": "department", "headcount": 20, "grade": "second"}]}))
        ok(client.put(f"/api/v1/quota/regions/{region}/years/{YEAR}/policy", json={
            "ratio_by_grade": {"first": "0.3", "second": "0.2"}, "unit_cap_ratio": "0.5", "township_uplift": "0"}))
        run = ok(client.post(f"/api/v1/quota/regions/{region}/years/{YEAR}/allocations"))["id"]

    by_path: dict[str, Callable[[str], Any] | Any] = {
        "region_id": region, "unit_id": unit, "person_id": people[0], "task_id": task, "log_id": log,
        "report_id": report, "honour_id": honour, "scheme_id": scheme, "period": PERIOD, "year": YEAR,
        "round_id": round_,
        "close_id": close, "run_id": run, "group": "G", "target_kind": "work_log", "target_id": log,
        # the other side of a comparison is of the same kind as the first
        "other_id": lambda path: run if "/quota/" in path else close,
    }
    return by_path


def test_on_a_populated_world_every_answer_is_documented(stack: LocalStack, auth: dict[str, str]) -> None:
    world = _world(stack, auth)
    run = Run(stack, auth)
    seeded = 0
    for result in _schema(stack).get_all_operations():
        operation = result.ok()
        names = [p.name for p in operation.path_parameters]
        if not names or any(name not in world for name in names):
            continue
        values = {name: world[name](operation.path) if callable(world[name]) else world[name] for name in names}
        run.operation(operation, SEEDED_EXAMPLES, path_parameters=values)
        seeded += 1
    assert seeded > 30
    assert sum(200 <= s < 300 for s in run.statuses) > 40  # the world was really reached
    assert run.failures == [], run.report()
