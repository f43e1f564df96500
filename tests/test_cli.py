"""The operator commands (``kaohe admin|import|export|allocate|close``) against one real running
stack: every command is invoked in-process with Typer's runner and talks HTTP to the gateway."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from kaohe.cli import app
from kaohe.local import LocalStack, running_stack
from kaohe.operate import allocation_comparison
from shared.embedded_pg import free_port

pytestmark = pytest.mark.stack

ADMIN = ("admin", "kaohe-demo-first")
YEAR = 2025
# Signed in as the stack's first administrator through the environment; nothing else leaks in.
ENV: dict[str, str | None] = {"KAOHE_USERNAME": ADMIN[0], "KAOHE_PASSWORD": ADMIN[1], "KAOHE_API_KEY": None,
                              "COLUMNS": "200"}
UNITS = (("T1", "甲镇", "township", 10), ("T2", "乙乡", "township", 8), ("D1", "县财政局", "department", 6),
         ("S1", "东城街道", "street", 5))
# T2 is left unmarked: its people score 0 by the explicit policy (the test is about the closing, not the marks)
DEFINITION = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}], "missing_inputs": "zero"}
runner = CliRunner()


@dataclass
class County:
    stack: LocalStack
    http: httpx.Client  # signed in as the administrator
    region_id: str
    units: dict[str, str]  # code → id
    roster: Result  # `kaohe import roster` of everyone


def kaohe(stack: LocalStack, *args: str, input: str | None = None, env: dict[str, str | None] | None = None,
          gateway: str | None = None) -> Result:
    result = runner.invoke(app, [*args, "--gateway", gateway or stack.gateway], input=input, env={**ENV, **(env or {})})
    assert "Traceback" not in result.output, result.output
    return result


def table_rows(text: str) -> list[list[str]]:
    """The cells of every row rich drew as a table (┃ header ┃ … then │ a │ b │)."""
    lines = (line.strip().replace("┃", "│") for line in text.splitlines())
    return [[part.strip() for part in line.strip("│").split("│")] for line in lines if line.startswith("│")]


def members(county: County, code: str) -> list[dict[str, Any]]:
    page = county.http.get(f"/api/v1/records/units/{county.units[code]}/members", params={"period": f"{YEAR}Q1"})
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_home: Callable[[Path], Path]) -> Iterator[LocalStack]:
    base = tmp_path_factory.mktemp("cli")
    # a roster of a few dozen people is a job (the bad sheets stay small): `kaohe import` follows it to its end
    try:
        with running_stack(stack_home(base / "home"), base / "stack.log",
                           extra_env={"RECORDS_IMPORT_JOB_BYTES": "500", "KAOHE_JOB_WAIT_SECONDS": "0"},
                           within=180) as running:
            yield running
    finally:
        pgdata = str(base / "home" / "pgdata")
        for proc in psutil.process_iter(["cmdline"]):
            if proc.info["cmdline"] and pgdata in " ".join(proc.info["cmdline"]):
                proc.kill()


@pytest.fixture(scope="module")
def county(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    with httpx.Client(base_url=stack.gateway, timeout=60) as http:
        token = http.post("/api/v1/auth/token", data={"username": ADMIN[0], "password": ADMIN[1]})
        assert token.status_code == 200, token.text
        http.headers["authorization"] = f"Bearer {token.json()['access_token']}"
        region = http.post("/api/v1/records/regions", json={"code": "cli", "name": "命令行县"})
        assert region.status_code == 201, region.text
        region_id = region.json()["id"]
        units = {}
        for code, name, kind, _ in UNITS:
            unit = http.post("/api/v1/records/units", json={"region_id": region_id, "code": code, "name": name,
                                                            "kind": kind})
            assert unit.status_code == 201, unit.text
            units[code] = unit.json()["id"]
        sheet = tmp_path_factory.mktemp("sheets") / "roster.csv"
        lines, n = ["工号,姓名,单位编码,人员类别,起始日期"], 0
        for code, _, _, size in UNITS:
            for i in range(size):
                n += 1
                lines.append(f"C{n:03d},干部{n},{code},{'班子成员' if i == 0 else '其他在编'},2024-01-01")
        sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
        roster = kaohe(stack, "import", "roster", str(sheet), "--region-id", region_id)
        yield County(stack, http, region_id, units, roster)


def test_import_roster_adds_the_people(county: County, tmp_path: Path) -> None:
    assert county.roster.exit_code == 0, county.roster.output
    assert "Imported roster.csv: rows 29 · added 29 · moved 0 · unchanged 0" in county.roster.stdout
    assert sorted(m["name"] for m in members(county, "T1")) == sorted(f"干部{n}" for n in range(1, 11))
    assert len(members(county, "S1")) == 5


def test_the_roster_import_ran_as_a_job_that_kaohe_jobs_lists(county: County) -> None:
    listed = kaohe(county.stack, "jobs", "--service", "records")
    assert listed.exit_code == 0, listed.output
    rows = table_rows(listed.stdout)
    assert rows[0] == ["created", "kind", "state", "progress", "phase", "seconds", "id"]
    assert [r[1:4] for r in rows[1:]] == [["records.import_roster", "succeeded", "29/29"]]
    job = county.http.get(f"/api/v1/records/jobs/{rows[1][6]}").json()
    assert (job["result"]["added"], job["region_id"]) == (29, county.region_id)


def test_a_bad_roster_lists_its_rows_and_writes_nothing(county: County, tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("工号,姓名,单位编码,人员类别,起始日期\n"
                     "X001,新人甲,NOPE,其他在编,2025-01-01\n"
                     "X002,新人乙,T1,外星人,2025-13-01\n", encoding="utf-8")
    result = kaohe(county.stack, "import", "roster", str(sheet), "--region-id", county.region_id)
    assert result.exit_code == 1
    assert "Error 422: The file has bad rows; nothing was written" in result.stderr
    rows = table_rows(result.stderr)
    assert rows[0] == ["row", "column", "value", "reason"]
    assert ["2", "unit", "NOPE", "no unit with this code in the region"] in rows
    assert ["3", "category", "外星人", "use 班子成员, 中层干部, 其他在编 or 不在编"] in rows
    assert any(r[:2] == ["3", "active_from"] for r in rows)
    assert len(members(county, "T1")) == 10  # all or nothing


def test_create_user_with_the_password_from_stdin_or_asked_twice(county: County) -> None:
    unit = county.units["T1"]
    piped = kaohe(county.stack, "admin", "create-user", "t1-admin", "--role", "unit_admin", "--unit-id", unit,
                  "--password-stdin", input="unit-one-administrator\n")
    assert piped.exit_code == 0, piped.output
    assert f"Created user t1-admin (unit_admin, unit {unit})" in piped.stdout
    asked = kaohe(county.stack, "admin", "create-user", "t1-leader", "--role", "leader", "--unit-id", unit,
                  input="unit-one-leadership\nunit-one-leadership\n")
    assert asked.exit_code == 0, asked.output
    for username, password in (("t1-admin", "unit-one-administrator"), ("t1-leader", "unit-one-leadership")):
        token = httpx.post(f"{county.stack.gateway}/api/v1/auth/token",
                           data={"username": username, "password": password})
        assert token.status_code == 200, token.text
    again = kaohe(county.stack, "admin", "create-user", "t1-admin", "--role", "unit_admin", "--unit-id", unit,
                  "--password-stdin", input="another-password\n")
    assert again.exit_code == 1
    assert "Error 409" in again.stderr


def test_create_key_prints_the_key_once_with_a_warning(county: County) -> None:
    result = kaohe(county.stack, "admin", "create-key", "provincial-system", "--scope", "results:read",
                   "--region-id", county.region_id)
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert "\n" not in key and result.stdout.count(key) == 1 and key not in result.stderr
    assert "only time the key is shown" in result.stderr
    regions = httpx.get(f"{county.stack.gateway}/api/v1/records/regions", headers={"x-api-key": key})
    assert regions.status_code == 200 and [r["id"] for r in regions.json()["items"]] == [county.region_id]


def test_allocate_and_publish_prints_every_unit_and_the_comparison(county: County) -> None:
    base = f"/api/v1/quota/regions/{county.region_id}/years/{YEAR}"
    grades = {"T1": "first", "T2": "second", "D1": "second", "S1": "second"}
    kinds = {code: kind for code, _, kind, _ in UNITS}
    stored = county.http.put(f"{base}/units", json={"units": [  # headcounts: the roster's year end
        {"id": county.units[c], "kind": kinds[c], "grade": grades[c], "points": "30" if c == "T1" else "10"}
        for c in grades]})
    assert stored.status_code == 200, stored.text
    policy = county.http.put(f"{base}/policy", json={"ratio_by_grade": {"first": "0.25", "second": "0.2"},
                                                    "unit_cap_ratio": "0.4", "township_uplift": "0.2"})
    assert policy.status_code == 200, policy.text

    result = kaohe(county.stack, "allocate", county.region_id, str(YEAR), "--publish")
    assert result.exit_code == 0, result.output
    published = county.http.get(f"{base}/published").json()
    rows = {r[0]: r for r in table_rows(result.stdout)}
    header = rows["unit"]
    assert header == ["unit", "kind", "headcount", "floor", "designated", "tilt", "remainder", "total", "ratio"]
    for code, name, kind, size in UNITS:
        row = dict(zip(header, rows[name], strict=True))
        assert (row["kind"], row["headcount"]) == (kind, str(size))
        assert row["total"] == str(published["slots"][county.units[code]])
    total = dict(zip(header, rows["total"], strict=True))
    assert total["headcount"] == "29"
    assert total["total"] == str(sum(published["slots"].values()))
    run = county.http.get(f"/api/v1/quota/allocations/{published['run_id']}").json()
    assert f"township_ratio {float(run['result']['township_ratio']) * 100:.2f}%" in result.stdout
    assert f"department_ratio {float(run['result']['department_ratio']) * 100:.2f}%" in result.stdout
    assert f"uplift {float(run['result']['uplift']) * 100:.2f}% (relative) (policy 20.00%" in result.stdout
    assert ("feasible: the township uplift is reached" if run["result"]["feasible"]
            else f"shortfall of {run['result']['shortfall']}") in result.stdout
    assert f"Published run {published['run_id']} for {YEAR}" in result.stdout

    again = kaohe(county.stack, "allocate", county.region_id, str(YEAR), "--publish")
    assert again.exit_code == 1  # one publication per region and year: said plainly
    assert "Error 409" in again.stderr


def test_allocate_accepts_warnings_and_supersedes_with_a_reason(county: County) -> None:
    """The year after, every unit at 20%: T1 10 → 2, T2 8 → 1.6, D1 6 → 1.2, S1 5 → 1; the
    fractions make no pool and townships stay at 3/18 against 2/11 × 1.2: a slot short. At 25%
    (T1 2.5, T2 2, D1 1.5, S1 1.25) the pool of 1 goes to T1 (.5, the larger unit): 3, T2 2."""
    year = str(YEAR + 1)
    base = f"/api/v1/quota/regions/{county.region_id}/years/{year}"
    kinds = {code: kind for code, _, kind, _ in UNITS}
    assert county.http.put(f"{base}/units", json={"units": [
        {"id": county.units[c], "kind": kinds[c], "grade": "g"} for c in kinds]}).status_code == 200
    for ratio in ("0.2", "0.25"):
        policy = {"ratio_by_grade": {"g": ratio}, "unit_cap_ratio": "0.4", "township_uplift": "0.2"}
        assert county.http.put(f"{base}/policy", json=policy).status_code == 200
        if ratio == "0.2":
            refused = kaohe(county.stack, "allocate", county.region_id, year, "--publish")
            assert refused.exit_code == 1 and "Error 409" in refused.stderr
            assert "warning uplift_unreachable:" in refused.stdout
            accepted = kaohe(county.stack, "allocate", county.region_id, year, "--publish", "--accept-warnings",
                             "--reason", "本年度不设上浮")
            assert accepted.exit_code == 0, accepted.output
            assert "accepted warning uplift_unreachable:" in accepted.stdout
    unexplained = kaohe(county.stack, "allocate", county.region_id, year, "--publish", "--supersede")
    assert unexplained.exit_code == 1 and "Error 422" in unexplained.stderr
    corrected = kaohe(county.stack, "allocate", county.region_id, year, "--publish", "--supersede",
                      "--reason", "比例应为25%")
    assert corrected.exit_code == 0, corrected.output
    assert f"  {county.units['T1']}: 2 -> 3" in corrected.stdout
    assert f"  {county.units['T2']}: 1 -> 2" in corrected.stdout
    history = county.http.get(f"{base}/publications").json()["items"]
    assert [(p["current"], p["reason"]) for p in history] == [(False, "本年度不设上浮"), (True, "比例应为25%")]
    assert history[1]["changes"] == [
        {"unit_id": u, "before": b, "after": a, "change": 1}
        for u, b, a in sorted([(county.units["T1"], 2, 3), (county.units["T2"], 1, 2)])]


def test_close_publish_close_the_region_and_export_the_results(county: County, tmp_path: Path) -> None:
    schemes = {}
    for code in ("T1", "T2"):
        scheme = county.http.post("/api/v1/scoring/schemes", json={
            "region_id": county.region_id, "unit_id": county.units[code], "name": f"{code}平时考核",
            "definition": DEFINITION})
        assert scheme.status_code == 201, scheme.text
        schemes[code] = scheme.json()["id"]
    people = members(county, "T1")
    marks = [{"person_id": p["person_id"], "indicator": "ji", "mark": 60 + 4 * i} for i, p in enumerate(people)]
    period = f"{YEAR}Q1"
    assert county.http.put(f"/api/v1/scoring/schemes/{schemes['T1']}/periods/{period}/marks",
                           json={"marks": marks}).status_code == 200

    closed = kaohe(county.stack, "close", schemes["T1"], period, "--publish")
    assert closed.exit_code == 0, closed.output
    assert f"T1平时考核 · {period} · version 1 (scheme version 1) · 10 people" in closed.stdout
    versions = county.http.get(f"/api/v1/scoring/schemes/{schemes['T1']}/periods/{period}/versions").json()["items"]
    grades = {grade: str(count) for grade, count in versions[-1]["summary"]["grades"].items()}
    printed = {row[0].split()[-1]: row[1] for row in table_rows(closed.stdout)[1:]}
    assert printed == grades and sum(map(int, grades.values())) == 10
    assert versions[-1]["published_at"] is not None
    assert "Published version 1" in closed.stdout

    marks[0]["mark"] = 100  # one changed input: the next close is a new version with one change
    assert county.http.put(f"/api/v1/scoring/schemes/{schemes['T1']}/periods/{period}/marks",
                           json={"marks": marks}).status_code == 200
    region = kaohe(county.stack, "close", "--region", county.region_id, period)
    assert region.exit_code == 0, region.output
    assert "Closed 2025Q1" in region.stderr  # the progress bar
    summary = {row[0]: row for row in table_rows(region.stdout)}
    assert summary["T1平时考核"][1:3] == ["2", "10"] and "new version" in summary["T1平时考核"][-1]
    assert summary["T2平时考核"][1:3] == ["1", "8"]
    assert summary["2 schemes"][2] == "18"
    assert "2 of 2 closed (2 new versions), 0 published, 0 failed." in region.stdout

    key = county.http.post("/api/v1/admin/api-keys", json={"name": "results-reader", "scopes": ["results:read"],
                                                           "region_id": county.region_id}).json()["key"]
    target = tmp_path / "results.xlsx"
    exported = kaohe(county.stack, "export", "results", schemes["T1"], period, "-o", str(target),
                     env={"KAOHE_USERNAME": None, "KAOHE_PASSWORD": None, "KAOHE_API_KEY": key})
    assert exported.exit_code == 0, exported.output
    assert f"Wrote {target}" in exported.stdout
    sheet = load_workbook(io.BytesIO(target.read_bytes())).active
    assert sheet is not None
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(values) if row and row[0] == "排名")
    assert list(values[header][:7]) == ["排名", "工号", "姓名", "单位", "科室", "得分", "等次"]
    people_rows = [row for row in values[header + 1:] if row[1]]
    assert sorted(row[2] for row in people_rows) == sorted(p["name"] for p in people)


def test_errors_are_printed_readably_with_a_non_zero_exit(county: County, tmp_path: Path) -> None:
    wrong = kaohe(county.stack, "close", "--region", county.region_id, f"{YEAR}Q1",
                  env={"KAOHE_PASSWORD": "not-the-password"})
    assert wrong.exit_code == 1
    assert "Signing in as admin failed: Wrong username or password" in wrong.stderr
    missing = kaohe(county.stack, "allocate", county.region_id, "2024")
    assert missing.exit_code == 1
    assert re.search(r"Error 409: .*\(POST /api/v1/quota/regions/.*/years/2024/allocations\)", missing.stderr)
    assert "request id:" in missing.stderr
    invalid = kaohe(county.stack, "export", "allocation", "not-a-run", "-o", str(tmp_path / "never.xlsx"))
    assert invalid.exit_code == 1 and "path.run_id" in invalid.stderr
    assert not list(tmp_path.iterdir())
    nowhere = kaohe(county.stack, "export", "template", "roster", "-o", str(tmp_path / "no" / "such" / "t.xlsx"))
    assert nowhere.exit_code == 1 and "cannot write" in nowhere.stderr
    period = kaohe(county.stack, "close", "--region", county.region_id, "2025Q5")
    assert period.exit_code == 2 and "is not a period" in period.output
    anonymous = kaohe(county.stack, "close", "--region", county.region_id, "2025Q1",
                      env={"KAOHE_USERNAME": None, "KAOHE_PASSWORD": None})
    assert anonymous.exit_code == 2 and "--api-key" in anonymous.output
    down = kaohe(county.stack, "allocate", county.region_id, str(YEAR), gateway=f"http://127.0.0.1:{free_port()}")
    assert down.exit_code == 1 and "cannot reach the gateway" in down.stderr


def test_the_client_waits_as_told_refreshes_an_expired_token_and_repeats_the_same_request() -> None:
    """Without the stack: the gateway's answers played by a mock transport, because a rate limit
    followed by a token expiring in the middle of one command is a sequence the real gateway cannot
    be made to produce on demand (each part alone is covered against the real stack elsewhere)."""
    from kaohe.client import Gateway, filename_of

    seen: list[tuple[str, str | None, str | None]] = []  # path, authorization, idempotency key as sent
    answers = iter([
        httpx.Response(200, json={"access_token": "first", "refresh_token": "r1", "expires_in": 900}),
        httpx.Response(429, json={"title": "Too many requests", "retry_after": 2}),
        httpx.Response(401, json={"title": "Authentication required", "code": "token_expired"}),
        httpx.Response(200, json={"access_token": "second", "refresh_token": "r2", "expires_in": 900}),
        httpx.Response(201, json={"id": "run"}),
        httpx.Response(200, json={"revoked": 1}),
    ])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("authorization"), request.headers.get("idempotency-key")))
        return next(answers)

    slept: list[float] = []
    with Gateway("http://gateway.test", sleep=slept.append, transport=httpx.MockTransport(handler)) as api:
        api.sign_in("admin", "secret")
        assert api.post("/api/v1/quota/regions/r/years/2025/allocations") == {"id": "run"}
    assert slept == [2.0]
    allocations = "/api/v1/quota/regions/r/years/2025/allocations"
    assert [path for path, _, _ in seen] == ["/api/v1/auth/token", allocations, allocations, "/api/v1/auth/refresh",
                                             allocations, "/api/v1/auth/logout"]
    sent = [(auth, key) for path, auth, key in seen if path == allocations]
    assert [auth for auth, _ in sent] == ["Bearer first", "Bearer first", "Bearer second"]
    assert len({key for _, key in sent}) == 1 and sent[0][1]  # the same request, sent again
    assert seen[0][2] is None  # the gateway's own routes get no idempotency key
    disposition = "attachment; filename=\"results-2025Q1.xlsx\"; filename*=UTF-8''%E7%BB%93%E6%9E%9C.xlsx"
    response = httpx.Response(200, headers={"content-disposition": disposition})
    assert filename_of(response) == "results-2025Q1.xlsx"
    assert filename_of(httpx.Response(200, headers={"content-disposition": 'attachment; filename="../x.csv"'})) \
        == "x.csv"


def run_of(kind: str | None, uplift: str) -> dict[str, Any]:
    policy = {"township_uplift": uplift, **({} if kind is None else {"township_uplift_kind": kind})}
    return {"policy": policy, "result": {
        "township_ratio": "0.25", "department_ratio": "0.2", "uplift": "0.25", "uplift_points": "0.05",
        "uplift_kind": kind or "relative", "required_township_ratio": "0.24", "feasible": True, "shortfall": 0,
        "pool": {"collected": 2, "used": 2, "left": 0}}}


def test_the_comparison_says_an_absolute_uplift_in_percentage_points() -> None:
    """25% against 20%: 5 percentage points more (absolute), or a quarter more (relative)."""
    absolute = allocation_comparison(run_of("absolute", "0.04"))
    assert absolute[0] == ("township_ratio 25.00% (township) vs department_ratio 20.00% (department/street): "
                           "uplift +5.00 percentage points (absolute) (policy +4.00 percentage points, needs 24.00%)")
    relative = allocation_comparison(run_of(None, "0.2"))
    assert relative[0] == ("township_ratio 25.00% (township) vs department_ratio 20.00% (department/street): "
                           "uplift 25.00% (relative) (policy 20.00%, needs 24.00%)")
