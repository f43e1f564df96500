"""Bad input on the real stack: large bodies, deep JSON, huge page sizes, control characters, absurd
numbers, text sent as JSON and malformed CSV/XLSX/JSON-lines/multipart uploads each get a clear 4xx
problem naming the field, and every process stays up and answers afterwards.

(Schemathesis covers the documented operations with generated input in test_schemathesis; the
importers' row-by-row rules are tested in services/records.)
"""

from __future__ import annotations

import io
import socket
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from kaohe.local import SERVICES, LocalStack, running_stack

pytestmark = pytest.mark.stack
LIMIT = 1024 * 1024  # the gateway's body limit here, imports too (GATEWAY_WRITE_BODY_BYTES's default; imports 20 MiB)
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_home: Callable[[Path], Path]) -> Iterator[LocalStack]:
    root: Path = tmp_path_factory.mktemp("bad-input")
    # long-lived access tokens: one sign-in for the module, however slow the machine
    with running_stack(stack_home(root / "home"), root / "stack.log", extra_env={
        "GATEWAY_RATE_LIMIT": "1000000/minute", "GATEWAY_IMPORT_BODY_BYTES": str(LIMIT),
        "GATEWAY_ACCESS_TOKEN_MINUTES": "240"}, within=180) as running:
        yield running


@pytest.fixture(scope="module")
def client(stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway, timeout=60) as client:
        token = client.post("/api/v1/auth/token", data={"username": "admin", "password": "kaohe-demo-first"})
        client.headers["authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


@pytest.fixture(scope="module")
def world(client: httpx.Client) -> dict[str, str]:
    region = client.post("/api/v1/records/regions", json={"code": f"b{uuid.uuid4().hex[:6]}", "name": "县"}).json()
    unit = client.post("/api/v1/records/units", json={"region_id": region["id"], "code": "U", "name": "单位",
                                                      "kind": "township"}).json()
    return {"region": region["id"], "unit": unit["id"]}


def refused(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """A clear 4xx: the status, a problem+json body with a stable code and a detail."""
    where = f"{response.request.method} {response.request.url.path}"
    assert response.status_code == status, f"{where}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"] == PROBLEM, where
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] and body.get("detail"), body
    if code is not None:
        assert body["code"] == code, body
    return body


def still_up(stack: LocalStack, client: httpx.Client) -> None:
    # the launcher restarts a process that dies: each of the four must still be its first start
    assert stack.process.poll() is None, stack.output()[-3000:]
    assert all(len(stack.pids(name)) == 1 for name in SERVICES), stack.output()[-3000:]
    assert httpx.get(f"{stack.gateway}/readyz", timeout=10).json()["status"] == "ready"
    assert client.post("/api/v1/quota/apportion", json={
        "method": "webster", "seats": 4, "populations": {"A": 5, "B": 3, "C": 2}}).json()["seats"] == {
        "A": 2, "B": 1, "C": 1}


def test_large_bodies_are_413(stack: LocalStack, client: httpx.Client, world: dict[str, str]) -> None:
    big = b"{" + b" " * (2 * LIMIT) + b"}"
    refused(client.post("/api/v1/records/regions", content=big, headers={"content-type": "application/json"}),
            413, "payload_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the gateway counts as it reads
        for _ in range(2 * LIMIT // 65536):
            yield b" " * 65536

    refused(client.post("/api/v1/quota/apportion", content=chunks(), headers={"content-type": "application/json"}),
            413, "payload_too_large")
    sheet = "工号,日期,状态\n".encode() + b"x,2025-03-01,\xe5\x87\xba\xe5\x8b\xa4\n" * (LIMIT // 20)
    refused(client.post("/api/v1/records/attendance/import", files={"file": ("big.csv", sheet)}),
            413, "payload_too_large")
    rows = [{"staff_no": "x", "day": "2025-03-01", "status": "出勤"}] * (LIMIT // 40)
    refused(client.put("/api/v1/records/attendance", json={"rows": rows}), 413, "payload_too_large")
    still_up(stack, client)


def test_deep_json_is_a_clear_4xx(stack: LocalStack, client: httpx.Client, world: dict[str, str]) -> None:
    arrays = b"[" * 100_000 + b"]" * 100_000
    objects = b'{"a":' * 20_000 + b"1" + b"}" * 20_000
    targets = [("POST", "/api/v1/records/regions"), ("POST", "/api/v1/quota/apportion"),
               ("PUT", "/api/v1/records/attendance"), ("POST", "/api/v1/scoring/schemes"),
               ("POST", "/api/v1/admin/users")]
    for method, path in targets:
        for body in (arrays, objects):  # past the parser's depth: the body cannot be parsed
            refused(client.request(method, path, content=body, headers={"content-type": "application/json"}), 400)
    # deep, but parseable: a value of the wrong shape
    nested: Any = 1
    for _ in range(500):
        nested = {"a": nested}
    refused(client.post("/api/v1/quota/apportion", json={"method": "webster", "seats": 3, "populations": nested}),
            422, "validation_error")
    refused(client.post("/api/v1/records/regions", json={"code": nested, "name": [nested]}), 422, "validation_error")
    for stream in ("/api/v1/records/attendance/stream", f"/api/v1/records/regions/{world['region']}/roster/stream",
                   "/api/v1/records/tasks/stream"):
        body = refused(client.post(stream, content=arrays + b"\n" + objects,
                                   headers={"content-type": "application/x-ndjson"}), 422, "import_rejected")
        assert [(e["row"], e["reason"]) for e in body["errors"]] == [(1, "not a JSON object"),
                                                                      (2, "not a JSON object")], body
    still_up(stack, client)


def test_huge_page_sizes_are_422(stack: LocalStack, client: httpx.Client, world: dict[str, str]) -> None:
    paged = {  # route: its other parameters (every list pages alike: limit 1 to 500, a cursor after)
        f"/api/v1/records/units/{world['unit']}/members": {"period": "2025Q1"},
        "/api/v1/records/tasks": {"unit_id": world["unit"], "period": "2025Q1"},
        "/api/v1/records/work-logs": {"unit_id": world["unit"], "period": "2025Q1"},
        "/api/v1/records/attendance": {"unit_id": world["unit"], "period": "2025Q1"},
        f"/api/v1/quota/regions/{world['region']}/years/2025/allocations": {},
        "/api/v1/audit": {},
    }
    for path, params in paged.items():
        assert client.get(path, params={**params, "limit": 500}).status_code == 200, path
        for limit in (501, 10**9, 10**30, -1, 0):
            body = refused(client.get(path, params={**params, "limit": limit}), 422, "validation_error")
            assert body["errors"][0]["field"] == "query.limit", body
        # a cursor no list gave is refused too, never a 500
        for after in ("x" * 401, "%00", "WzEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd", "bnVsbA"):
            refused(client.get(path, params={**params, "after": after}), 422)
    still_up(stack, client)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


MALFORMED = {
    "empty.csv": b"",
    "headers-unknown.csv": "姓名,备注\n张三,x\n".encode(),
    "not-text.csv": b"\xff\xfe\x00\x00\x81garbage\xff" * 100,
    "nul.csv": b"\x00" * 4096,
    "binary.csv": bytes(range(256)) * 64,
    "one-wide-row.csv": b"," * 200_000 + b"\n",
    "not-a-zip.xlsx": b"PK\x03\x04 not really a workbook",
    "zip-without-workbook.xlsx": _zip({"hello.txt": b"hi"}),
    # a small archive whose one sheet would inflate to 50 MB of XML
    "inflating.xlsx": _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"<" + b"a" * 50_000_000}),
    "csv-as-xlsx.xlsx": "工号,日期,状态\n".encode(),
}


def test_malformed_uploads_are_422(stack: LocalStack, client: httpx.Client, world: dict[str, str]) -> None:
    imports = {"/api/v1/records/attendance/import": "工号,日期,状态\n",
               f"/api/v1/records/regions/{world['region']}/roster/import": "工号,姓名,单位编码,人员类别,起始日期\n",
               "/api/v1/records/tasks/import": None}
    for path, header in imports.items():
        files = dict(MALFORMED)
        if header is not None:  # a known header, then a field past the CSV reader's limit
            files["long-field.csv"] = header.encode() + b'"' + b"x" * 200_000 + b'",x,x,x,x\n'
        for name, content in files.items():
            body = refused(client.post(path, files={"file": (name, content)}), 422, "import_rejected")
            assert "nothing was written" in body["title"], (path, name, body)
    still_up(stack, client)


def field_of(response: httpx.Response) -> str:
    body = refused(response, 422, "validation_error")
    return str(body["errors"][0]["field"])


def test_hostile_text_and_numbers_are_422_naming_the_field(stack: LocalStack, client: httpx.Client,
                                                          world: dict[str, str]) -> None:
    for name in ("县\x00", "县\x07", "县\n二", "\x1b[31m"):  # a name holds no control character at all
        assert field_of(client.post("/api/v1/records/regions", json={"code": "h1", "name": name})) == "body.name"
    assert field_of(client.post("/api/v1/records/units", json={
        "region_id": world["region"], "code": "U\t2", "name": "单位", "kind": "township"})) == "body.code"
    assert field_of(client.post("/api/v1/scoring/schemes", json={
        "region_id": world["region"], "unit_id": world["unit"], "name": "方案\x00",
        "definition": {"indicators": [{"code": "a", "name": "甲", "weight": "1"}]}})) == "body.name"
    assert field_of(client.post("/api/v1/quota/apportion", json={
        "method": "webster", "seats": 4, "populations": {"A\x00": 5, "B": 3}})) == "body.populations.A\x00"
    assert field_of(client.post("/api/v1/auth/token", data={"username": "admin\x00", "password": "x"})) == (
        "body.username")
    person = client.post("/api/v1/records/persons", json={
        "unit_id": world["unit"], "staff_no": f"h{uuid.uuid4().hex[:6]}", "name": "张三", "staff_category": "staff",
        "active_from": "2025-01-01"}).json()
    task = {"person_id": person["id"], "title": "任务", "intensity": "1", "difficulty": "1", "quantity": "1",
            "due_on": "2025-03-31"}
    assert field_of(client.post("/api/v1/records/tasks", json={**task, "title": "任务\x00"})) == "body.title"
    # a longer text may hold tab and new line
    assert client.post("/api/v1/records/tasks", json={**task, "title": "一\t二\n三"}).json()["title"] == "一\t二\n三"
    # absurd numbers: more decimals than stored, more digits than any headcount, more than Python reads
    assert field_of(client.post("/api/v1/records/tasks", json={**task, "intensity": 0.001})) == "body.intensity"
    apportion = {"method": "webster", "seats": 4}
    assert field_of(client.post("/api/v1/quota/apportion", json={
        **apportion, "populations": {"A": int("9" * 4000), "B": 3}})) == "body.populations.A"
    assert field_of(client.post("/api/v1/quota/apportion", json={
        **apportion, "populations": {"A": 1e300, "B": 3}})) == "body.populations.A"
    huge = b'{"method": "webster", "seats": 4, "populations": {"A": ' + b"9" * 5000 + b"}}"
    assert field_of(client.post("/api/v1/quota/apportion", content=huge,
                                headers={"content-type": "application/json"})) == "body"
    # 100 KB of text to a JSON route: the body is not JSON
    for path in ("/api/v1/records/regions", "/api/v1/quota/apportion", "/api/v1/scoring/schemes"):
        assert field_of(client.post(path, content=b"x" * 100_000, headers={"content-type": "text/plain"})) == "body"
    still_up(stack, client)


def test_malformed_multipart_is_a_clear_4xx(stack: LocalStack, client: httpx.Client,
                                            world: dict[str, str]) -> None:
    path = f"/api/v1/records/regions/{world['region']}/roster/import"
    assert field_of(client.post(path, content=b"--xx\r\nbroken",
                                headers={"content-type": "multipart/form-data; boundary=xx"})) == "body.file"
    for content_type in ("multipart/form-data", "multipart/form-data; boundary="):
        refused(client.post(path, content=b"garbage", headers={"content-type": content_type}), 400, "bad_request")
    still_up(stack, client)


WALKS = (b"/api/v1/records/comments/../units", b"/api/v1/records/comments/%2e%2e/units",
         b"/api/v1/records/comments/work_log%2F..%2F..%2Funits", b"/api/v1/records//units",
         b"/api/v1/records/comments/..%5c..%5cunits")


def _raw_get(stack: LocalStack, raw_path: bytes, authorization: str) -> tuple[int, bytes]:
    """A request with its path exactly as given, on a plain socket (an HTTP library would tidy it)."""
    where = urlsplit(stack.gateway)
    with socket.create_connection((where.hostname, where.port), timeout=30) as connection:
        connection.sendall(b"GET " + raw_path + b" HTTP/1.1\r\nHost: kaohe\r\nAuthorization: "
                           + authorization.encode() + b"\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("raw_path", WALKS, ids=[w.decode() for w in WALKS])
def test_paths_that_walk_around_the_route_table_are_400(stack: LocalStack, client: httpx.Client,
                                                        raw_path: bytes) -> None:
    """On the wire, through uvicorn: the route reached must be the route authorised."""
    status, body = _raw_get(stack, raw_path, client.headers["authorization"])
    assert status == 400, body[:300]
    assert b'"code":"path_not_canonical"' in body


def test_the_stack_stayed_up_and_logged_no_server_error(stack: LocalStack, client: httpx.Client) -> None:
    still_up(stack, client)
    for service in ("records", "scoring", "quota"):
        assert httpx.get(f"{stack.url(service)}/healthz").json() == {"status": "ok", "service": service}
    output = stack.output()
    assert "unhandled error" not in output and "Exception in ASGI application" not in output, [
        line[:400] for line in output.splitlines() if "ERROR" in line][:5]


def test_a_deep_indicator_tree_is_a_clear_4xx(stack: LocalStack, client: httpx.Client,
                                             world: dict[str, str]) -> None:
    node: dict[str, Any] = {"code": "leaf", "name": "叶", "weight": "1"}
    for level in range(150):
        node = {"code": f"n{level}", "name": "层", "weight": "1", "children": [node]}
    response = client.post("/api/v1/scoring/schemes", json={
        "region_id": world["region"], "unit_id": world["unit"], "name": "深", "definition": {"indicators": [node]}})
    refused(response, 422)
