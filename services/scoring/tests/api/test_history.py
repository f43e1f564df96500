"""Published results are frozen: one publication wins a race, and the database refuses to change
a result version, its rows or a scheme version."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.testing import asgi_client, rolled_back, service_headers

from .conftest import PROVINCE, XIACUN, unit_with_people


async def test_two_publishes_at_once_one_wins(scoring_app: FastAPI, records_app: FastAPI) -> None:
    # Real commits on purpose: the race is between two transactions.
    async with asgi_client(records_app, headers=service_headers(PROVINCE)) as records, \
            asgi_client(scoring_app, headers=service_headers(PROVINCE)) as client:
        county = await unit_with_people(records, "AB")
        scheme = (await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "机关",
            "definition": {**XIACUN, "raters": None, "missing_inputs": "zero"}})).json()
        close = (await client.post(f"/api/v1/scoring/schemes/{scheme['id']}/periods/2025Q3/close")).json()
        responses = await asyncio.gather(*(client.post(f"/api/v1/scoring/results/{close['id']}/publish")
                                           for _ in range(2)))
        assert sorted(r.status_code for r in responses) == [200, 409]
        versions = (await client.get(f"/api/v1/scoring/schemes/{scheme['id']}/periods/2025Q3/versions")).json()["items"]
        assert len(versions) == 1 and versions[0]["published_by"] == PROVINCE.subject


@pytest.mark.parametrize("statement", [
    "UPDATE scoring.results SET grade = 'good'",
    "DELETE FROM scoring.results",
    "UPDATE scoring.scheme_versions SET definition = '{}'",
    "UPDATE scoring.closes SET people = 0",
    "UPDATE scoring.closes SET result_digest = repeat('0', 64)",
    "UPDATE scoring.closes SET result_digest = NULL",
    "UPDATE scoring.closes SET published_by = 'someone else' WHERE published_at IS NOT NULL",
    "DELETE FROM scoring.closes",
])
async def test_history_cannot_be_rewritten(scoring_app: FastAPI, records_app: FastAPI, statement: str) -> None:
    async with rolled_back(scoring_app) as session, rolled_back(records_app), \
            asgi_client(records_app, headers=service_headers(PROVINCE)) as records, \
            asgi_client(scoring_app, headers=service_headers(PROVINCE)) as client:
        county = await unit_with_people(records, "AB")
        scheme = (await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "机关",
            "definition": {**XIACUN, "raters": None, "missing_inputs": "zero"}})).json()
        close = (await client.post(f"/api/v1/scoring/schemes/{scheme['id']}/periods/2025Q3/close")).json()
        await client.post(f"/api/v1/scoring/results/{close['id']}/publish")
        assert isinstance(session, AsyncSession)
        with pytest.raises(DBAPIError, match=r"append-only|only ever published"):
            async with session.begin_nested():
                await session.execute(text(statement))


async def test_a_version_gets_its_digest_once_and_never_goes_without(scoring_app: FastAPI,
                                                                    records_app: FastAPI) -> None:
    """A close writes its version's row, streams its results, then sets the digest of the results:
    once, and the commit refuses a version still without it."""
    copy = ("INSERT INTO scoring.closes (id, scheme_id, period, version, scheme_version, input_digest, "
            "result_digest, people, summary, reason, created_by) SELECT :id, scheme_id, period, version + :n, "
            "scheme_version, input_digest, NULL, people, summary, reason, created_by FROM scoring.closes "
            "WHERE id = :close")
    async with rolled_back(scoring_app) as session, rolled_back(records_app), \
            asgi_client(records_app, headers=service_headers(PROVINCE)) as records, \
            asgi_client(scoring_app, headers=service_headers(PROVINCE)) as client:
        county = await unit_with_people(records, "AB")
        scheme = (await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "机关",
            "definition": {**XIACUN, "raters": None, "missing_inputs": "zero"}})).json()
        close = (await client.post(f"/api/v1/scoring/schemes/{scheme['id']}/periods/2025Q3/close")).json()
        assert isinstance(session, AsyncSession)
        assert len(close["result_digest"]) == 64
        left = uuid.uuid4()
        with pytest.raises(DBAPIError, match=f"result version {left} was not given its result digest"):
            async with session.begin_nested():
                await session.execute(text(copy), {"id": left, "n": 1, "close": close["id"]})
                await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))  # as at commit
        given = uuid.uuid4()
        async with session.begin_nested():
            await session.execute(text(copy), {"id": given, "n": 2, "close": close["id"]})
            await session.execute(text("UPDATE scoring.closes SET result_digest = repeat('a', 64) WHERE id = :id"),
                                  {"id": given})
            await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        for change in ("result_digest = repeat('b', 64)", "result_digest = NULL", "people = 0"):
            with pytest.raises(DBAPIError, match="only ever published"):
                async with session.begin_nested():
                    await session.execute(text(f"UPDATE scoring.closes SET {change} WHERE id = :id"),  # noqa: S608
                                          {"id": given})  # (the changes are the literals above)
        with pytest.raises(DBAPIError, match="only ever published"):  # not published without its digest either
            async with session.begin_nested():
                await session.execute(text("SET CONSTRAINTS ALL DEFERRED"))  # as a close writes
                await session.execute(text(copy), {"id": uuid.uuid4(), "n": 3, "close": close["id"]})
                await session.execute(text("UPDATE scoring.closes SET published_at = now(), published_by = 'x' "
                                           "WHERE version = :v AND scheme_id = :s"),
                                      {"v": close["version"] + 3, "s": scheme["id"]})


async def test_results_belong_to_a_close(scoring_app: FastAPI) -> None:
    """Checked once per statement (a close writes its rows with one COPY), and for every row of it."""
    async with rolled_back(scoring_app) as session:
        assert isinstance(session, AsyncSession)
        close_id = uuid.uuid4()
        with pytest.raises(DBAPIError, match="must belong to an existing result version"):
            async with session.begin_nested():
                await session.execute(text(
                    "INSERT INTO scoring.results (close_id, person_id, detail) "
                    "SELECT :close, gen_random_uuid(), '{}' FROM generate_series(1, 3)"), {"close": close_id})
        assert await session.scalar(text("SELECT count(*) FROM scoring.results WHERE close_id = :close"),
                                    {"close": close_id}) == 0


async def test_a_staff_category_scheme_evaluates_only_that_category(scoring_app: FastAPI,
                                                                   records_app: FastAPI) -> None:
    """Xiacun ranks on-establishment staff, community instructors and non-establishment staff apart."""
    async with rolled_back(scoring_app), rolled_back(records_app), \
            asgi_client(records_app, headers=service_headers(PROVINCE)) as records, \
            asgi_client(scoring_app, headers=service_headers(PROVINCE)) as client:
        county = await unit_with_people(records, "AB")
        other = await records.post("/api/v1/records/persons", json={
            "unit_id": county["unit"], "staff_no": f"{county['region'][:8]}-N", "name": "N",
            "staff_category": "non_staff", "active_from": "2020-01-01"})
        assert other.status_code == 201, other.text
        scheme = (await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "编外人员", "staff_category": "non_staff",
            "definition": {**XIACUN, "raters": None, "missing_inputs": "zero"}})).json()
        close = (await client.post(f"/api/v1/scoring/schemes/{scheme['id']}/periods/2025Q3/close")).json()
        assert close["people"] == 1
        results = (await client.get(f"/api/v1/scoring/schemes/{scheme['id']}/periods/2025Q3/results")).json()
        assert [r["person_id"] for r in results["items"]] == [other.json()["id"]]
