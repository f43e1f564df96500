"""ETag and If-None-Match on every GET through the gateway: the same answer is a 304 without a
body, a changed one a 200 with a new tag."""

from __future__ import annotations

import hashlib

import httpx

from .conftest import World


async def test_an_unchanged_answer_is_a_304_and_a_changed_one_a_new_200(gateway: httpx.AsyncClient,
                                                                        world: World) -> None:
    path = f"/api/v1/records/units/{world.unit['a']}"
    first = await gateway.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag == '"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'  # strong: the body's own hash
    again = await gateway.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and "content-type" not in again.headers
    assert (await gateway.get(path, headers={"if-none-match": f'"other", W/{etag}'})).status_code == 304
    assert (await gateway.get(path, headers={"if-none-match": '"other"'})).status_code == 200

    renamed = await gateway.patch(path, json={"name": "改名镇"})
    assert renamed.status_code == 200, renamed.text
    changed = await gateway.get(path, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.json()["name"] == "改名镇"
    assert changed.headers["etag"] != etag
    assert (await gateway.get(path, headers={"if-none-match": changed.headers["etag"]})).status_code == 304
    await gateway.patch(path, json={"name": "镇"})


async def test_the_gateways_own_reads_have_one_too(gateway: httpx.AsyncClient) -> None:
    first = await gateway.get("/api/v1/webhooks")
    assert first.status_code == 200 and first.headers["etag"]
    assert (await gateway.get("/api/v1/webhooks", headers={"if-none-match": first.headers["etag"]})).status_code == 304


async def test_an_error_or_a_write_has_none(gateway: httpx.AsyncClient, world: World) -> None:
    missing = await gateway.get("/api/v1/webhooks/00000000-0000-4000-8000-000000000000", headers={"if-none-match": "*"})
    assert missing.status_code == 404 and "etag" not in missing.headers
    written = await gateway.patch(f"/api/v1/records/units/{world.unit['a']}", json={"name": "镇"})
    assert written.status_code == 200 and "etag" not in written.headers


async def test_the_document_declares_it(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/scoring/schemes"]["get"]
    assert "ETag" in operation["responses"]["200"]["headers"] and "304" in operation["responses"]
    assert "If-None-Match" in {p["name"] for p in operation["parameters"]}
