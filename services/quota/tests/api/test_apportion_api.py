from __future__ import annotations

import httpx
import pytest


class TestApportion:
    async def test_the_public_contract(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/quota/apportion", json={
            "method": "huntington_hill", "seats": 435, "populations": {"A": 123, "B": 456, "C": 789},
            "min_seats": 1})
        assert response.status_code == 200
        assert response.json() == {"method": "huntington_hill",
                                   "seats": {"A": 39, "B": 145, "C": 251}, "ties": []}

    async def test_an_alias_answers_with_the_canonical_name(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/quota/apportion", json={
            "method": "dhondt", "seats": 7, "populations": {"z": 10, "a": 10, "m": 10}})
        body = response.json()
        assert body["method"] == "jefferson"
        assert body["seats"] == {"a": 3, "m": 2, "z": 2}
        assert body["ties"] == [{"contenders": ["a", "m", "z"], "winners": ["a"], "priority": "10/3",
                                 "rule": "larger population first, then unit id in ascending order"}]

    @pytest.mark.parametrize(("payload", "field"), [
        ({"method": "webster", "seats": 3, "populations": {}}, "body.populations"),
        ({"method": "webster", "seats": 3, "populations": {"A": -4}}, "body.populations.A"),
        ({"method": "webster", "seats": 1, "populations": {"A": 1, "B": 2}, "min_seats": 1}, "body.seats"),
        ({"method": "borda", "seats": 3, "populations": {"A": 1}}, "body.method"),
        ({"method": "webster", "seats": -1, "populations": {"A": 1}}, "body.seats"),
        ({"method": "webster", "seats": "many", "populations": {"A": 1}}, "body.seats"),
        ({"seats": 3, "populations": {"A": 1}}, "body.method"),
    ])
    async def test_bad_input_is_a_422_naming_the_problem(self, client: httpx.AsyncClient,
                                                         payload: dict[str, object], field: str) -> None:
        response = await client.post("/api/v1/quota/apportion", json=payload)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]]

    @pytest.mark.parametrize("bound", ["min_seats", "max_seats"])
    async def test_a_bound_for_a_unit_without_population_is_an_invalid_reference_before_any_rule(
            self, client: httpx.AsyncClient, bound: str) -> None:
        # the seats are also fewer than the minimum: the unknown unit is named first, as a missing object
        response = await client.post("/api/v1/quota/apportion", json={
            "method": "webster", "seats": 0, "populations": {"A": 1}, bound: {"A": 1, "Z": 2}})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_reference"
        assert [e["field"] for e in response.json()["errors"]] == [f"body.{bound}.Z"]

    async def test_seats_below_the_minimums_break_a_rule(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/quota/apportion", json={
            "method": "webster", "seats": 1, "populations": {"A": 1, "B": 2}, "min_seats": {"A": 1, "B": 1}})
        assert response.status_code == 422
        assert response.json()["code"] == "apportionment_invalid"

    async def test_more_units_than_the_limit(self, client: httpx.AsyncClient) -> None:
        populations = {f"u{i}": 1 for i in range(200_001)}
        response = await client.post("/api/v1/quota/apportion",
                                     json={"method": "webster", "seats": 10, "populations": populations})
        assert response.status_code == 422
        assert "limit" in response.json()["detail"]
