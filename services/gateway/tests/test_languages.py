"""Problems in the caller's language on the real stack: the same ``code`` in Chinese and in English,
whether the gateway itself refuses the request or a service behind it does."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from shared.labels import negotiate
from shared.testing import asgi_client

from .conftest import World

ZH = {"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"accept-language": "en-GB,en;q=0.9"}


async def _call(app: FastAPI, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    async with asgi_client(app) as client:
        response = await client.request(method, path, headers=headers, **kwargs)
    assert response.headers["content-type"] == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


@pytest.mark.parametrize(("header", "lang"), [
    (None, "en"), ("", "en"), ("fr-FR", "en"), ("zh", "zh-CN"), ("zh-TW,en;q=0.5", "zh-CN"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"), ("fr, zh-CN;q=0.7, en;q=0.8", "en"), ("en;q=0.1, zh-CN", "zh-CN"),
    ("zh;q=0, en", "en"), ("zh-CN;q=bad, en", "en")])
def test_the_language_of_an_accept_language_header(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


async def test_a_service_validation_error_field_by_field(gateway_app: FastAPI, world: World) -> None:
    """Too short, too long, not a UUID, not allowed: a region refused by the records service."""
    body = {"code": "", "name": "区" * 129, "parent_id": "nope", "colour": "red"}
    zh = await _call(gateway_app, "POST", "/api/v1/records/regions", {**world.headers["P"], **ZH}, json=body)
    en = await _call(gateway_app, "POST", "/api/v1/records/regions", {**world.headers["P"], **EN}, json=body)
    assert zh["code"] == en["code"] == "validation_error"
    assert zh["title"] == "请求校验未通过" and en["title"] == "Request validation failed"
    assert zh["detail"] == "4 个字段无效：body.code, body.name, body.parent_id, body.colour"
    assert en["detail"] == "4 invalid field(s): body.code, body.name, body.parent_id, body.colour"
    assert [(e["field"], e["type"], e["message"]) for e in zh["errors"]] == [
        ("body.code", "string_too_short", "至少 1 个字符"), ("body.name", "string_too_long", "最多 128 个字符"),
        ("body.parent_id", "uuid_parsing", "应为 UUID"), ("body.colour", "extra_forbidden", "不允许的字段")]
    assert [e["message"] for e in en["errors"]][:2] == ["String should have at least 1 character",
                                                        "String should have at most 128 characters"]


async def test_missing_and_out_of_range(gateway_app: FastAPI, world: World) -> None:
    zh = await _call(gateway_app, "POST", "/api/v1/records/regions", {**world.headers["P"], **ZH}, json={})
    assert [(e["field"], e["message"]) for e in zh["errors"]] == [("body.code", "必填项"), ("body.name", "必填项")]
    path = f"/api/v1/quota/regions/{world.region['a']}/years/2025/allocations"
    zh = await _call(gateway_app, "GET", path, {**world.headers["P"], **ZH}, params={"limit": 201, "offset": -1})
    assert [(e["field"], e["message"]) for e in zh["errors"]] == [("query.limit", "应不大于 200"),
                                                                   ("query.offset", "应不小于 0")]


async def test_the_gateways_own_validation_pattern_type_and_choice(gateway_app: FastAPI, world: World) -> None:
    body = {"username": "张 三", "password": 12, "role": "king"}
    zh = await _call(gateway_app, "POST", "/api/v1/admin/users", {**world.headers["P"], **ZH}, json=body)
    assert {e["field"]: e["message"] for e in zh["errors"]} == {
        "body.username": "格式不符（应匹配 ^[A-Za-z0-9._@-]+$）", "body.password": "应为文本",
        "body.role": "应为以下之一：'province_admin', 'region_admin', 'unit_admin', 'leader', 'member'"}


async def test_not_found_from_a_service(gateway_app: FastAPI, world: World) -> None:
    path = f"/api/v1/quota/allocations/{uuid.uuid4()}"
    zh = await _call(gateway_app, "GET", path, {**world.headers["P"], **ZH})
    en = await _call(gateway_app, "GET", path, {**world.headers["P"], **EN})
    assert zh["code"] == en["code"] == "allocation_not_found"
    assert zh["title"] == "名额分配记录不存在"
    assert zh["detail"] == f"名额分配记录 {path.rsplit('/', 1)[1]} 不存在"
    assert en["title"] == "No such allocation run" and en["detail"] == f"no allocation run {path.rsplit('/', 1)[1]}"


async def test_forbidden_and_unauthenticated_at_the_gateway(gateway_app: FastAPI, world: World) -> None:
    zh = await _call(gateway_app, "POST", "/api/v1/records/regions", {**world.headers["M"], **ZH},
                     json={"code": "x", "name": "x"})
    assert (zh["status"], zh["code"], zh["title"], zh["detail"]) == (
        403, "forbidden", "无权操作", "POST /api/v1/records/regions 不对您的角色或接口密钥开放")
    en = await _call(gateway_app, "POST", "/api/v1/records/regions", {**world.headers["M"], **EN},
                     json={"code": "x", "name": "x"})
    assert (en["title"], en["detail"]) == ("Not allowed", "POST /api/v1/records/regions is not open to this caller")
    zh = await _call(gateway_app, "GET", "/api/v1/records/version", ZH)
    assert (zh["status"], zh["code"], zh["title"]) == (401, "unauthenticated", "需要登录")
    zh = await _call(gateway_app, "GET", "/api/v1/catalogue", {**world.headers["expired"], **ZH})
    assert (zh["status"], zh["code"], zh["title"], zh["detail"]) == (
        401, "token_expired", "登录已过期", "登录已过期，请刷新或重新登录。")


async def test_a_conflict_in_words(gateway_app: FastAPI, world: World) -> None:
    code = f"lang{uuid.uuid4().hex[:6]}"
    async with asgi_client(gateway_app) as client:
        first = await client.post("/api/v1/records/regions", headers=world.headers["P"],
                                  json={"code": code, "name": "区"})
    assert first.status_code == 201, first.text
    zh = await _call(gateway_app, "POST", "/api/v1/records/regions", {**world.headers["P"], **ZH},
                     json={"code": code, "name": "区"})
    en = await _call(gateway_app, "POST", "/api/v1/records/regions", {**world.headers["P"], **EN},
                     json={"code": code, "name": "区"})
    assert zh["status"] == en["status"] == 409 and zh["code"] == en["code"] == "duplicate"
    assert (zh["title"], zh["detail"]) == ("已存在", f"地区编码 '{code}' 已存在")
    assert (en["title"], en["detail"]) == ("Already exists", f"a region with code '{code}' already exists")
