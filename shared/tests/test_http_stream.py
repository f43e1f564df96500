"""A streamed answer between services (ServiceClient.stream, lines), over a real HTTP server.

The server here is a few lines of ASGI, not one of the services: what is tested is what the client
makes of an answer whose lines are cut anywhere between its chunks, and of one that breaks off
half-way (a service that fails after its first rows were sent). Breaking off at a chosen point is a
fault no service can be made to produce on cue; the client's handling of it is the same whoever
breaks off.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
import uvicorn

from shared.embedded_pg import free_port
from shared.errors import UpstreamUnavailable
from shared.http import NDJSON, ServiceClient, ServiceTokens, lines
from shared.service_auth import Caller
from shared.testing import TEST_SECRET

CALLER = Caller(subject="user:test", roles=("province_admin",))
#: the chunks the server sends: lines cut mid-way, a chunk of several, an empty line, no final newline
CHUNKS = [b'{"a":1}\n{"b"', b':2}\n', b'{"c":3}\n{"d":4}\n\n{"e"', b":5}"]


def app(break_off: bool) -> Callable[..., Any]:
    async def asgi(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", NDJSON.encode())]})
        for number, chunk in enumerate(CHUNKS):
            if break_off and number == 2:
                raise RuntimeError("the statement failed half-way")
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    return asgi


@asynccontextmanager
async def serving(break_off: bool) -> AsyncIterator[ServiceClient]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app(break_off), host="127.0.0.1", port=port, log_level="critical"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn sets a flag, it has no event to wait on)
        await asyncio.sleep(0.01)
    client = ServiceClient(name="records", base_url=f"http://127.0.0.1:{port}", tokens=ServiceTokens(TEST_SECRET))
    try:
        yield client
    finally:
        await client.aclose()
        server.should_exit = True
        await task


async def test_lines_come_whole_however_the_chunks_cut_them() -> None:
    async with serving(break_off=False) as client, client.stream("GET", "/", caller=CALLER,
                                                                  accept=NDJSON) as response:
        assert response.status_code == 200
        got = [orjson.loads(line) async for some in lines(response) for line in some]
    assert got == [{"a": 1}, {"b": 2}, {"c": 3}, {"d": 4}, {"e": 5}]


async def test_an_answer_broken_off_half_way_is_a_503_not_a_short_list() -> None:
    got: list[bytes] = []
    async with serving(break_off=True) as client:
        with pytest.raises(UpstreamUnavailable, match="answer was cut short"):
            async with client.stream("GET", "/", caller=CALLER, accept=NDJSON) as response:
                async for some in lines(response):
                    got.extend(some)
    assert got == [b'{"a":1}', b'{"b":2}']  # what came before the break, never passed on as the whole
