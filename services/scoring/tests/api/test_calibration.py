"""Calibration for the organisation department (``GET /regions/{region_id}/periods/{period}/calibration``).

A county of two units, each with its own scheme, rated in 2025Q1:

- 东镇 (A, B, C): leadership, three raters: L0 A90 B80 C80, L1 A90 B70 C80, L2 A80 B80 C90; nine
  marks, sum 740, mean 82.222 → 82.22; 90×3, 80×5, 70×1: variance (3×7.7778² + 5×2.2222² +
  12.2222²)/9 = 355.556/9 = 39.506, stddev 6.29; the most common mark 80, 5 of 9: 0.5556.
  And a staff group of two raters (S0 gives everyone 100, S1 60): under the threshold of 3, left out,
  nothing of it counted anywhere.
- 西镇 (E, F): leadership, three raters, every mark 75: mean 75, stddev 0, identical share 1.

The region's mean over the groups shown: (740 + 450)/15 = 79.333 → 79.33; 东镇's leadership sits
+2.89 from it, 西镇's −4.33. (Had the staff group counted, it would be (740 + 450 + 300 + 180)/21 = 79.52.)

Closed: 东镇 marks A 90, B 80, C 70: one good (40% of 3, floored), the rest average; 西镇 E 80, F 80:
no good (40% of 2 floors to 0), both average: everyone one grade, 大锅饭.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import raters_of

Q = "2025Q1"
DEFINITION: dict[str, Any] = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}],
                              "raters": {"share": "0.2", "groups": {"leadership": "0.5", "staff": "0.5"}},
                              "missing_inputs": "zero"}


async def _unit(client: httpx.AsyncClient, records: httpx.AsyncClient, region: str, name: str,
                marks: dict[str, int]) -> dict[str, Any]:
    unit = (await records.post("/api/v1/records/units", json={
        "region_id": region, "code": uuid.uuid4().hex[:6], "name": name, "kind": "township"})).json()
    people = {}
    for letter in marks:
        response = await records.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": f"{unit['code']}-{letter}", "name": letter,
            "staff_category": "staff", "active_from": "2020-01-01"})
        assert response.status_code == 201, response.text
        people[letter] = response.json()["id"]
    scheme = await client.post("/api/v1/scoring/schemes", json={
        "region_id": region, "unit_id": unit["id"], "name": f"{name}机关", "definition": DEFINITION})
    assert scheme.status_code == 201, scheme.text
    base = f"/api/v1/scoring/schemes/{scheme.json()['id']}/periods/{Q}"
    response = await client.put(f"{base}/marks", json={"marks": [
        {"person_id": people[k], "indicator": "ji", "mark": v} for k, v in marks.items()]})
    assert response.status_code == 200, response.text
    return {"unit": unit["id"], "scheme": scheme.json()["id"], "people": people, "base": base}


async def _round(client: httpx.AsyncClient, unit: dict[str, Any],
                 ballots: list[tuple[str, str, dict[str, int]]]) -> None:
    raters = [{"rater_id": rater, "group": group} for rater, group, _ in ballots]
    response = await client.post(f"{unit['base']}/rounds", json={"raters": raters})
    assert response.status_code == 201, response.text
    round_id = response.json()["id"]
    for rater, _, ballot in ballots:
        response = await client.put(f"/api/v1/scoring/rounds/{round_id}/ratings", json={
            "rater_id": rater, "on_behalf": True,
            "ratings": [{"person_id": unit["people"][k], "mark": m} for k, m in ballot.items()]})
        assert response.status_code == 200, response.text
    assert (await client.post(f"/api/v1/scoring/rounds/{round_id}/close")).status_code == 200
    response = await client.post(f"{unit['base']}/close")
    assert response.status_code == 201, response.text


async def county(client: httpx.AsyncClient, records: httpx.AsyncClient) -> dict[str, Any]:
    region = (await records.post("/api/v1/records/regions", json={"code": f"c{uuid.uuid4().hex[:8]}",
                                                                    "name": "校准县"})).json()["id"]
    east = await _unit(client, records, region, "东镇", {"A": 90, "B": 80, "C": 70})
    west = await _unit(client, records, region, "西镇", {"E": 80, "F": 80})
    l0, l1, l2, s0, s1, m0, m1, m2 = await raters_of(records, region, 8)
    await _round(client, east, [(l0, "leadership", {"A": 90, "B": 80, "C": 80}),
                                (l1, "leadership", {"A": 90, "B": 70, "C": 80}),
                                (l2, "leadership", {"A": 80, "B": 80, "C": 90}),
                                (s0, "staff", {"A": 100, "B": 100, "C": 100}),
                                (s1, "staff", {"A": 60, "B": 60, "C": 60})])
    await _round(client, west, [(m, "leadership", {"E": 75, "F": 75}) for m in (m0, m1, m2)])
    return {"region": region, "east": east, "west": west}


async def test_calibration_by_hand(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    c = await county(client, records)
    response = await client.get(f"/api/v1/scoring/regions/{c['region']}/periods/{Q}/calibration")
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["region_mean"] == "79.33"
    east, west = found["units"]
    assert (east["unit_name"], east["groups"], east["left_out"]) == ("东镇", [{
        "rater_group": "leadership", "raters": 3, "marks": 9, "mean": "82.22", "stddev": "6.29", "min": "70.00",
        "max": "90.00", "identical_share": "0.5556", "from_region_mean": "2.89"}],
        [{"rater_group": "staff", "fewer_than": 3}])
    assert east["overall"]["mean"] == "82.22" and east["overall"]["raters"] == 3
    assert (west["unit_name"], [(g["mean"], g["stddev"], g["identical_share"], g["from_region_mean"])
                                for g in west["groups"]]) == ("西镇", [("75.00", "0.00", "1.0000", "-4.33")])
    assert [(s["unit_name"], s["people"], s["grade"]) for s in found["same_grade_units"]] == [("西镇", 2, "average")]


async def test_a_two_rater_group_is_never_shown(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    """The staff group's marks (100 and 60) appear nowhere: not as a group, not in any mean or bound."""
    c = await county(client, records)
    text = (await client.get(f"/api/v1/scoring/regions/{c['region']}/periods/{Q}/calibration")).text
    assert "100.00" not in text and "60.00" not in text and "79.52" not in text
    assert '"staff"' in text  # named as left out, with nothing of its marks


async def test_another_regions_officer_is_told_of_no_region(client: httpx.AsyncClient,
                                                            records: httpx.AsyncClient) -> None:
    c = await county(client, records)
    other = service_headers(Caller(subject="user:other", roles=("region_admin",), region_ids=(str(uuid.uuid4()),)))
    response = await client.get(f"/api/v1/scoring/regions/{c['region']}/periods/{Q}/calibration", headers=other)
    assert response.status_code == 404 and response.json()["code"] == "region_not_found"
    bad = await client.get(f"/api/v1/scoring/regions/{c['region']}/periods/2025Q9/calibration")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "path.period"
