"""Months, half years and Xiacun's bottom list through the real records service: a month closed
from its own dates, a half year built from its published quarters, a kind the scheme does not
close refused, and the people two months running at the bottom of their group."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import unit_with_people

ONE = [{"code": "ji", "name": "绩", "weight": "1"}]


async def scheme_of(client: httpx.AsyncClient, county: dict[str, Any], definition: dict[str, Any]) -> str:
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "夏村镇", "definition": definition})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def mark(client: httpx.AsyncClient, base: str, period: str, people: dict[str, str],
               marks: dict[str, int]) -> None:
    body = {"marks": [{"person_id": people[k], "indicator": "ji", "mark": m} for k, m in marks.items()]}
    response = await client.put(f"{base}/{period}/marks", json=body)
    assert response.status_code == 200, response.text


async def close(client: httpx.AsyncClient, base: str, period: str, *, publish: bool = False) -> dict[str, Any]:
    response = await client.post(f"{base}/{period}/close")
    assert response.status_code == 201, response.text
    closed: dict[str, Any] = response.json()
    if publish:
        assert (await client.post(f"/api/v1/scoring/results/{closed['id']}/publish")).status_code == 200
    return closed


async def scores(client: httpx.AsyncClient, base: str, period: str, people: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"{base}/{period}/results")
    assert response.status_code == 200, response.text
    by_id = {r["person_id"]: r for r in response.json()["items"]}
    return {k: (by_id[v]["score"], by_id[v]["rank"]) for k, v in people.items() if v in by_id}


async def test_a_month_is_closed_from_its_own_dates(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "AB")
    p = county["people"]
    scheme = await scheme_of(client, county, {"indicators": ONE, "periods": {"closes": ["month", "quarter"]}})
    base = f"/api/v1/scoring/schemes/{scheme}/periods"
    await mark(client, base, "2025-03", p, {"A": 91, "B": 77})
    closed = await close(client, base, "2025-03")
    assert (closed["period"], closed["people"]) == ("2025-03", 2)
    assert await scores(client, base, "2025-03", p) == {"A": ("91", 1), "B": ("77", 2)}
    # the quarter's marks are its own: March's are not Q1's
    ready = (await client.get(f"{base}/2025Q1/readiness")).json()
    assert (ready["people"], ready["people_blocking"]) == (2, 2)
    explained = (await client.get(f"{base}/2025-03/people/{p['A']}/explanation")).json()
    assert (explained["period"], explained["score"]) == ("2025-03", "91")
    for bad in ("2025-13", "2025H3", "2025M3"):
        response = await client.post(f"{base}/{bad}/close")
        assert response.status_code == 422, bad
        assert response.json()["code"] == "invalid_period"
        assert response.json()["errors"][0]["field"] == "path.period"
    summary = await records.get(f"/api/v1/records/units/{county['unit']}/summary", params={"period": "2025-02"})
    assert summary.status_code == 200, summary.text
    assert summary.json()["period"] == "2025-02"
    assert {person["days_in_period"] for person in summary.json()["people"]} == {28}


async def test_a_kind_the_scheme_does_not_close_is_refused(client: httpx.AsyncClient,
                                                           records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    scheme = await scheme_of(client, county, {"indicators": ONE, "missing_inputs": "zero"})  # the default periods
    base = f"/api/v1/scoring/schemes/{scheme}/periods"
    for period, kind in (("2025-03", "month"), ("2025H1", "half")):
        response = await client.post(f"{base}/{period}/close")
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "period_kind_not_closed"
        assert f"does not close {kind}s" in response.json()["detail"]
    assert (await client.get(f"{base}/2025/versions")).json()["items"] == []  # nothing written


async def test_the_periods_setting_is_checked(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    cases = [
        ({"closes": ["quarter", "half"], "build": {"half": {"from": "month"}}}, "periods.build.half.from"),
        ({"closes": ["quarter", "half"], "build": {"half": {"from": "year"}}}, "periods.build.half.from"),
        ({"closes": ["quarter", "year"], "build": {"year": {"from": "quarter", "share": "0.5"}}},
         "periods.build.year.share"),
        ({"closes": ["month", "year"]}, "periods.closes"),
        ({"closes": ["quarter", "quarter"]}, "periods.closes.1"),
    ]
    for periods, field in cases:
        response = await client.post("/api/v1/scoring/schemes", json={
            "region_id": county["region"], "unit_id": county["unit"], "name": "x",
            "definition": {"indicators": ONE, "periods": periods}})
        assert response.status_code == 422, (periods, response.text)
        assert response.json()["errors"][0]["field"] == f"body.{field}", periods
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "x",
        "definition": {"indicators": ONE, "bottom_rule": {"groups": [{"name": "全体", "last": 1}]}}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.bottom_rule"


async def test_a_half_year_is_built_from_its_quarters(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "ABC")
    p = county["people"]
    definition = {"indicators": ONE, "missing_inputs": "zero",
                  "periods": {"closes": ["quarter", "half", "year"],
                              "build": {"half": {"from": "quarter", "share": "0.8"}}}}
    scheme = await scheme_of(client, county, definition)
    base = f"/api/v1/scoring/schemes/{scheme}/periods"
    await mark(client, base, "2025Q1", p, {"A": 90, "B": 70, "C": 60})
    await close(client, base, "2025Q1")
    refused = await client.post(f"{base}/2025H1/close")  # nothing published yet
    assert refused.status_code == 409 and refused.json()["code"] == "not_published"
    q1 = (await client.get(f"{base}/2025Q1/versions")).json()["items"][0]
    assert (await client.post(f"/api/v1/scoring/results/{q1['id']}/publish")).status_code == 200
    await mark(client, base, "2025Q2", p, {"A": 80, "B": 60, "C": 100})
    await close(client, base, "2025Q2", publish=True)
    await mark(client, base, "2025H1", p, {"A": 100, "B": 50})  # C has no half-year evaluation
    closed = await close(client, base, "2025H1")
    assert closed["summary"]["parts"] == [{"period": "2025Q1", "version": 1}, {"period": "2025Q2", "version": 1}]
    # A: mean(90, 80) = 85 × 0.8 + 100 × 0.2 = 88; B: mean(70, 60) = 65 × 0.8 + 50 × 0.2 = 62;
    # C: no half-year evaluation, the quarters' mean stands for the whole: mean(60, 100) = 80
    assert await scores(client, base, "2025H1", p) == {"A": ("88", 1), "C": ("80", 2), "B": ("62", 3)}
    explained = (await client.get(f"{base}/2025H1/people/{p['A']}/explanation")).json()["detail"]
    assert (explained["parts_mean"], explained["parts_share"], explained["parts_contribution"]) == ("85", "0.8", "68")
    assert (explained["period_end"], explained["period_end_contribution"]) == ("100", "20")
    assert explained["period_end_detail"]["total"] == "100"
    c = (await client.get(f"{base}/2025H1/people/{p['C']}/explanation")).json()["detail"]
    assert (c["period_end"], c["parts_share"]) == (None, "1")
    again = await client.post(f"{base}/2025H1/close")
    assert again.status_code == 200 and again.json()["unchanged"] is True


async def person(records: httpx.AsyncClient, county: dict[str, Any], letter: str, category: str) -> str:
    response = await records.post("/api/v1/records/persons", json={
        "unit_id": county["unit"], "staff_no": f"{county['region'][:8]}-{letter}", "name": letter,
        "staff_category": category, "active_from": "2020-01-01"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_two_months_running_at_the_bottom(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "ABCDE")  # organ cadres (staff)
    p = dict(county["people"])
    p["X"], p["Y"] = await person(records, county, "X", "leadership"), await person(records, county, "Y", "leadership")
    definition = {"indicators": ONE, "periods": {"closes": ["month", "quarter"]},
                  "bottom_rule": {"months_running": 2, "groups": [
                      {"name": "班子成员", "staff_category": "leadership", "last": 1},
                      {"name": "机关干部", "staff_category": "staff", "last": 2}]}}
    scheme = await scheme_of(client, county, definition)
    base = f"/api/v1/scoring/schemes/{scheme}/periods"
    months = {"2025-01": {"A": 90, "B": 80, "C": 70, "D": 60, "E": 50, "X": 80, "Y": 90},
              "2025-02": {"A": 90, "B": 80, "C": 50, "D": 70, "E": 60, "X": 90, "Y": 80},
              "2025-03": {"A": 90, "B": 80, "C": 50, "D": 70, "E": 60, "X": 70, "Y": 95}}
    for month, marks in months.items():
        await mark(client, base, month, p, marks)
        await close(client, base, month)
    response = await client.get(f"{base}/2025Q1/bottom")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["period"] for m in body["months"]] == ["2025-01", "2025-02", "2025-03"]
    leadership, cadres = body["groups"]
    # X last in January and March, Y in February: nobody two months running
    assert (leadership["name"], leadership["people"]) == ("班子成员", [])
    listed = {person["person_id"]: person for person in cadres["people"]}
    # the last two: January D, E; February C, E; March C, E. D once only: not listed
    assert set(listed) == {p["C"], p["E"]}
    e, c = listed[p["E"]], listed[p["C"]]
    assert e["months_running"] == 3 and c["months_running"] == 2
    assert [(m["period"], m["rank"], m["of"], m["score"], m["at_bottom"]) for m in c["months"]] == [
        ("2025-01", 3, 5, "70", False), ("2025-02", 5, 5, "50", True), ("2025-03", 5, 5, "50", True)]
    assert [(m["rank"], m["at_bottom"]) for m in e["months"]] == [(5, True), (4, True), (4, True)]
    not_a_quarter = await client.get(f"{base}/2025-01/bottom")
    assert not_a_quarter.status_code == 422
    assert not_a_quarter.json()["errors"][0]["field"] == "path.period"


async def test_no_bottom_rule_no_bottom_list(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await unit_with_people(records, "A")
    scheme = await scheme_of(client, county, {"indicators": ONE})
    response = await client.get(f"/api/v1/scoring/schemes/{scheme}/periods/2025Q1/bottom")
    assert response.status_code == 409 and response.json()["code"] == "no_bottom_rule"
