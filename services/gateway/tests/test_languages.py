"""Problems in the caller's language on the real stack: the same ``code`` in Chinese and in English,
whether the gateway itself refuses the request or a service behind it does."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from shared.labels import negotiate
from shared.testing import asgi_client, sign_in

from .conftest import PASSWORD, SCHEME, World

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
    zh = await _call(gateway_app, "GET", path, {**world.headers["P"], **ZH}, params={"limit": 501})
    assert [(e["field"], e["message"]) for e in zh["errors"]] == [("query.limit", "应不大于 500")]
    zh = await _call(gateway_app, "GET", path, {**world.headers["P"], **ZH}, params={"after": "not-a-cursor"})
    assert (zh["code"], zh["title"], zh["errors"][0]["field"]) == ("cursor_invalid", "游标无效", "query.after")
    assert zh["detail"] == "游标不是本列表给出的：请原样传回 `next` 链接中的 `after`"


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


async def _refused(gateway_app: FastAPI, method: str, path: str, headers: dict[str, str],
                   **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    zh = await _call(gateway_app, method, path, {**headers, **ZH}, **kwargs)
    en = await _call(gateway_app, method, path, {**headers, **EN}, **kwargs)
    assert (zh["status"], zh["code"]) == (en["status"], en["code"])
    return zh, en


async def test_a_rule_a_service_keeps_in_words_with_its_values(gateway_app: FastAPI, world: World) -> None:
    """A draft scheme closes no period (409), another region's scheme is not found (404), a period that
    does not exist (422), a record a leader may not write (403): the detail in Chinese with the values
    the English names, the English as it was."""
    async with asgi_client(gateway_app) as client:  # a unit of its own, so that unit a's people see no draft
        unit = (await client.post("/api/v1/records/units", headers=world.headers["P"], json={
            "region_id": world.region["a"], "code": f"D{uuid.uuid4().hex[:6]}", "name": "草稿镇",
            "kind": "township"})).json()["id"]
        username = f"draft-{unit[:8]}"
        assert (await client.post("/api/v1/admin/users", headers=world.headers["P"], json={
            "username": username, "password": PASSWORD, "role": "unit_admin", "unit_id": unit})).status_code == 201
        admin = await sign_in(client, username, PASSWORD)
        created = await client.post("/api/v1/scoring/schemes", headers=admin, json={
            "region_id": world.region["a"], "unit_id": unit, "name": "草稿方案", "definition": SCHEME})
    assert created.status_code == 201, created.text
    draft = created.json()["id"]
    zh, en = await _refused(gateway_app, "POST", f"/api/v1/scoring/schemes/{draft}/periods/2025Q1/close", admin)
    assert (zh["status"], zh["code"], zh["title"]) == (409, "scheme_not_approved", "考核方案尚未审核通过")
    assert zh["detail"] == (f"方案 {draft} 的第 1 版还是草稿，尚未报送审核："
                            "只有经本地区组织部审核通过的版本才能开启测评或结算周期")
    assert en["detail"] == (f"version 1 of scheme {draft} is a draft, not submitted for review: only a version its "
                            "region's organisation department approved opens rating rounds or closes a period")
    assert (zh["version"], zh["state"]) == (en["version"], en["state"]) == (1, "draft")

    scheme_b = world.scheme["b"]
    zh, en = await _refused(gateway_app, "GET", f"/api/v1/scoring/schemes/{scheme_b}", world.headers["R"])
    assert (zh["status"], zh["code"], zh["detail"]) == (404, "scheme_not_found", f"考核方案 {scheme_b} 不存在")
    assert en["detail"] == f"no scheme {scheme_b}"

    path = f"/api/v1/scoring/schemes/{world.scheme['a']}/periods/2025Q5/adjustments"
    zh, en = await _refused(gateway_app, "GET", path, world.headers["R"])
    assert (zh["status"], zh["code"], zh["title"]) == (422, "invalid_period", "考核周期无效")
    assert zh["detail"] == "考核周期 '2025Q5'：季度 5 不在 1–4 之间"
    assert zh["errors"] == [{"field": "path.period", "message": "考核周期 '2025Q5'：季度 5 不在 1–4 之间"}]
    assert en["detail"] == en["errors"][0]["message"] == "period '2025Q5': quarter 5 is not 1-4"

    zh, en = await _refused(gateway_app, "POST", "/api/v1/scoring/schemes", world.headers["P"], json={
        "region_id": world.region["a"], "unit_id": world.unit["a"], "name": "权重", "definition": {
            "indicators": [{"code": "ji", "name": "绩", "weight": "0.6"},
                           {"code": "de", "name": "德", "weight": "0.3"}]}})
    weights = "indicators 下的权重合计为 90%，而不是 100%"
    assert (zh["status"], zh["code"], zh["detail"]) == (422, "scheme_invalid", weights)
    assert zh["errors"] == [{"field": "body.indicators", "message": weights}]
    assert en["detail"] == "weights under indicators add up to 90%, not 100%"

    zh, en = await _refused(gateway_app, "POST", "/api/v1/records/work-logs", world.headers["L"], json={
        "person_id": world.person["a"], "week": "2025-W10", "content": "本周工作"})
    assert (zh["status"], zh["code"], zh["detail"]) == (403, "forbidden", "周工作纪实由本人或其单位管理员填写")
    assert en["detail"] == "a week's record is written by the person or their unit's administrator"
