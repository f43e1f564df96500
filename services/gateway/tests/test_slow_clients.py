"""Slow clients against a real gateway process, started with the Procfile's own uvicorn command:
headers or a body that trickle in get a 408 problem and the connection closed; a connection idle
between requests is not cut short by the header deadline."""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.testing import TEST_JWT_SECRET
from shared.embedded_pg import free_port
from shared.testing import TEST_SECRET

ROOT = Path(__file__).resolve().parents[3]
HEADER_SECONDS = 1.0
LIMITS = {"GATEWAY_HEADER_TIMEOUT_SECONDS": str(HEADER_SECONDS), "GATEWAY_BODY_TIMEOUT_SECONDS": "3",
          "GATEWAY_BODY_GRACE_SECONDS": "1", "GATEWAY_BODY_MIN_BYTES_PER_SECOND": "100",
          "GATEWAY_MAX_HEADER_BYTES": "2000"}


def procfile_command(name: str, env: dict[str, str]) -> list[str]:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(f"{name}:"))
    words = shlex.split(line.split(":", 1)[1])
    words = [re.sub(r"\$(\w+)", lambda m: env[m[1]], word) for word in words]
    assert words[:2] == ["exec", "uvicorn"], words
    return [sys.executable, "-m", "uvicorn", *words[2:]]


@pytest.fixture(scope="module")
def gateway_port(database_urls: dict[str, str]) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, **LIMITS, "KAOHE_HOST": "127.0.0.1", "KAOHE_GATEWAY_PORT": str(port),
           "KAOHE_SERVICE_SECRET": TEST_SECRET, "KAOHE_WORKERS": "1", "GATEWAY_JWT_SECRET": TEST_JWT_SECRET,
           "GATEWAY_DATABASE_URL": database_urls["gateway"], "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(procfile_command("gateway", env), env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read() if \
                process.stderr and process.poll() is not None else "the gateway did not start"
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(15)


def connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def read_answer(conn: socket.socket) -> tuple[int, dict[str, str], bytes, bool]:
    """Status, headers and body of one response, and whether the server then closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, f"closed without an answer: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += conn.recv(65536)
    conn.settimeout(2)
    try:
        closed = conn.recv(1) == b""
    except TimeoutError:
        closed = False
    return int(lines[0].split()[1]), headers, body, closed


def trickle(conn: socket.socket, pieces: list[bytes], every: float) -> None:
    """Send ``pieces`` one by one, ``every`` seconds apart, until the server answers."""
    for piece in pieces:
        conn.sendall(piece)
        if select.select([conn], [], [], every)[0]:
            return
    select.select([conn], [], [], 10)


def assert_timeout(answer: tuple[int, dict[str, str], bytes, bool]) -> dict[str, object]:
    status, headers, body, closed = answer
    assert status == 408, body
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close" and closed
    problem: dict[str, object] = json.loads(body)
    assert problem["code"] == "request_timeout" and problem["status"] == 408
    return problem


def test_headers_that_trickle_in_get_a_408_and_the_connection_closed(gateway_port: int) -> None:
    conn = connect(gateway_port)
    started = time.monotonic()
    trickle(conn, [b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", *[b"X-Slow: 1\r\n"] * 3], every=0.4)
    problem = assert_timeout(read_answer(conn))
    assert HEADER_SECONDS - 0.05 <= time.monotonic() - started < HEADER_SECONDS + 2  # (timers may fire a tick early)
    assert "headers did not arrive within 1 s" in str(problem["detail"])


def test_a_connection_that_sends_nothing_is_closed_after_the_header_deadline(gateway_port: int) -> None:
    conn = connect(gateway_port)
    assert_timeout(read_answer(conn))


def test_a_body_slower_than_the_minimum_rate_gets_a_408(gateway_port: int) -> None:
    conn = connect(gateway_port)
    head = (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000\r\n\r\n")
    started = time.monotonic()
    # 10 bytes, then one every 0.3 s: 100 bytes a second are asked after a second's grace
    trickle(conn, [head + b"username=a", *[b"a"] * 10], every=0.3)
    problem = assert_timeout(read_answer(conn))
    assert 0.95 <= time.monotonic() - started < 4
    assert "too slowly" in str(problem["detail"])


def test_a_body_that_takes_longer_than_the_deadline_gets_a_408(gateway_port: int) -> None:
    conn = connect(gateway_port)
    head = (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 5000\r\n\r\n")
    started = time.monotonic()
    # 150 bytes a second keeps above the minimum rate; 5000 bytes would take 33 s, past the 3 s deadline
    trickle(conn, [head + b"username=", *[b"a" * 45] * 20], every=0.3)
    assert_timeout(read_answer(conn))
    assert 2.95 <= time.monotonic() - started < 6


def test_an_idle_kept_alive_connection_still_serves_its_next_request(gateway_port: int) -> None:
    conn = connect(gateway_port)
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    conn.sendall(request)
    status, _, _, closed = read_answer(conn)  # (waits 2 s for a close that does not come)
    assert status == 200 and not closed
    conn.settimeout(10)
    conn.sendall(request)  # after more than the header deadline, within uvicorn's keep-alive (5 s)
    status, _, _, _ = read_answer(conn)
    assert status == 200


def test_headers_that_never_end_are_cut_off_at_four_times_the_limit(gateway_port: int) -> None:
    conn = connect(gateway_port)
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Long: 1\r\n" * 400)  # 4.8 kB: not yet
    conn.sendall(b"X-Long: 1\r\n" * 400)  # 9.6 kB: past 4 x 2000 bytes, and still no end in sight
    status, headers, body, closed = read_answer(conn)
    assert status == 431 and headers["connection"] == "close" and closed
    assert json.loads(body)["code"] == "headers_too_large"


def test_header_fields_are_counted_exactly(gateway_port: int) -> None:
    conn = connect(gateway_port)
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Long: 1\r\n" * 100 + b"\r\n")
    status, _, body, _ = read_answer(conn)
    assert status == 431 and json.loads(body)["limit_count"] == 100  # 101 fields: the app's exact count
    conn = connect(gateway_port)
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Long: 1\r\n" * 99 + b"\r\n")
    assert read_answer(conn)[0] == 200
