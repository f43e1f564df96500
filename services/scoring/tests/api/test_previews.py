"""Scheme drafting tools: the indicator tree check and the grade preview."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from shared.testing import asgi_client, service_headers


@pytest.fixture
async def client(scoring_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(scoring_app, headers=service_headers()) as c:
        yield c


async def test_a_tree_that_adds_up(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/scoring/schemes/indicators/check", json={"indicators": [
        {"code": "de", "name": "德", "weight": "0.2"},
        {"code": "ji", "name": "绩", "weight": "0.8", "children": [
            {"code": "t", "name": "任务", "weight": "0.5", "metric": "task_completion", "mapping": {"kind": "linear"}},
            {"code": "r", "name": "纪实", "weight": "0.5"}]}]})
    assert response.status_code == 200
    assert response.json()["leaves"] == [{"path": "de", "effective_weight": "0.2"},
                                         {"path": "ji/t", "effective_weight": "0.4"},
                                         {"path": "ji/r", "effective_weight": "0.4"}]


async def test_a_level_that_does_not_add_up_names_the_node(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/scoring/schemes/indicators/check", json={"indicators": [
        {"code": "a", "name": "A", "weight": "0.5"},
        {"code": "b", "name": "B", "weight": "0.5", "children": [{"code": "b1", "name": "B1", "weight": "0.9"}]}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.indicators.1.children"


async def test_grade_preview_with_the_default_rule(client: httpx.AsyncClient) -> None:
    candidates = [{"person_id": f"p{i}", "score": 100 - i} for i in range(10)]
    candidates[0]["cap_at"] = "average"
    response = await client.post("/api/v1/scoring/grades/preview", json={"candidates": candidates})
    body = response.json()
    assert body["slots"] == {"good": 4}
    grades = {r["person_id"]: r["grade"] for r in body["results"]}
    assert grades["p0"] == "average" and [grades[f"p{i}"] for i in range(1, 5)] == ["good"] * 4


async def test_an_unknown_grade_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/scoring/grades/preview", json={
        "rule": {"caps": [{"grade": "splendid", "max_share": "0.4"}]}, "candidates": [{"person_id": "p", "score": 1}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.rule.caps.0.grade"
