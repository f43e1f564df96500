"""Log lines: JSON objects in containers, readable lines on a terminal, the access log apart."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from shared.logging import RequestContextMiddleware, configure_logging
from shared.testing import asgi_client

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


def make_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestContextMiddleware)

    @app.get("/work")
    async def work() -> dict[str, str]:
        logging.getLogger("records.work").warning("a week was late", extra={"week": "2026-W49"})
        return {"ok": "yes"}

    return app


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """The set-up the other tests run with, as it was before each of these."""
    root, access = logging.getLogger(), logging.getLogger("kaohe.access")
    kept = (root.handlers[:], root.level, access.handlers[:], access.propagate, access.disabled)
    yield
    for handler in access.handlers:
        if handler not in kept[2]:
            handler.close()
    root.handlers[:], access.handlers[:] = kept[0], kept[2]
    root.setLevel(kept[1])
    access.propagate, access.disabled = kept[3], kept[4]


async def test_json_lines_carry_the_request_id_returned_and_the_callers_trace(
        capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("records", "INFO", fmt="json", access_log="console")
    async with asgi_client(make_app()) as client:
        generated = await client.get("/work")
        traced = await client.get("/work", headers={"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01",
                                                    "x-request-id": "caller-7"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["logger"], line["level"], line["request_id"]) for line in lines] == [
        ("records.work", "WARNING", generated.headers["x-request-id"]),
        ("kaohe.access", "INFO", generated.headers["x-request-id"]),
        ("records.work", "WARNING", "caller-7"),
        ("kaohe.access", "INFO", "caller-7")]
    assert traced.headers["x-request-id"] == "caller-7"
    assert lines[0]["trace_id"] == lines[1]["trace_id"] != TRACE_ID and len(lines[0]["trace_id"]) == 32
    assert lines[2]["trace_id"] == lines[3]["trace_id"] == TRACE_ID
    assert all(line["service"] == "records" and line["time"].endswith("Z") for line in lines)
    assert lines[0]["week"] == "2026-W49" and lines[3]["path"] == "/work" and lines[3]["status"] == 200


async def test_text_console_without_access_lines_and_the_file_with_them(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    access = tmp_path / "logs" / "access.log"
    configure_logging("records", "INFO", fmt="text", access_log=str(access))
    async with asgi_client(make_app()) as client:
        response = await client.get("/work")
    request_id = response.headers["x-request-id"]
    assert capsys.readouterr().out.splitlines() == [
        f"WARNING records.work: a week was late week=2026-W49 [{request_id}]"]
    [line] = [json.loads(line) for line in access.read_text().splitlines()]
    assert (line["logger"], line["request_id"], line["path"]) == ("kaohe.access", request_id, "/work")


async def test_access_log_off(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("records", "INFO", fmt="text", access_log="off")
    async with asgi_client(make_app()) as client:
        await client.get("/work")
    assert "kaohe.access" not in capsys.readouterr().out
