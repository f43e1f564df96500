"""Binzhou's "section coefficient × indicators" base (科室系数): the coefficient stored on the
person's section in the records is the one the close uses, through the records summary; the
scheme's ``base.coefficients`` overrides it for the sections it names, ``base.default`` is for
a person with no section or whose section has none; the explanation says which it was."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

Q = "2025Q2"

BY_SECTION = {
    "indicators": [{"code": "de", "name": "德", "weight": "0.3"}, {"code": "ji", "name": "绩", "weight": "0.7"}],
    "base": {"kind": "section", "default": "0.9"},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good"},
}


async def sectioned_unit(records: httpx.AsyncClient) -> dict[str, Any]:
    """One unit with three sections (办公室 1.2, 业务科 none, 督查室 1.5) and a person in each, and
    one in none."""
    region = (await records.post("/api/v1/records/regions", json={"code": f"r{uuid.uuid4().hex[:8]}",
                                                                    "name": "滨州市"})).json()
    unit = (await records.post("/api/v1/records/units", json={
        "region_id": region["id"], "code": "B", "name": "市直某局", "kind": "department"})).json()
    sections = {}
    for name, coefficient in (("办公室", "1.2"), ("业务科", None), ("督查室", "1.5")):
        response = await records.post(f"/api/v1/records/units/{unit['id']}/sections",
                                      json={"name": name, "coefficient": coefficient})
        assert response.status_code == 201, response.text
        sections[name] = response.json()["id"]
    people = {}
    for letter, section in (("A", "办公室"), ("B", "业务科"), ("C", None), ("D", "督查室")):
        response = await records.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "section_id": sections.get(section) if section else None,
            "staff_no": f"{region['code']}-{letter}", "name": letter, "staff_category": "staff",
            "active_from": "2020-01-01"})
        assert response.status_code == 201, response.text
        people[letter] = response.json()["id"]
    return {"region": region["id"], "unit": unit["id"], "sections": sections, "people": people}


async def close_by_section(client: httpx.AsyncClient, county: dict[str, Any],
                           definition: dict[str, Any]) -> tuple[str, dict[str, str]]:
    response = await client.post("/api/v1/scoring/schemes", json={
        "region_id": county["region"], "unit_id": county["unit"], "name": "科室系数", "definition": definition})
    assert response.status_code == 201, response.text
    base = f"/api/v1/scoring/schemes/{response.json()['id']}/periods/{Q}"
    p = county["people"]
    response = await client.put(f"{base}/marks", json={"marks": [
        {"person_id": p[k], "indicator": code, "mark": "80"} for k in "ABCD" for code in ("de", "ji")]})
    assert response.status_code == 200, response.text
    response = await client.post(f"{base}/close")
    assert response.status_code == 201, response.text
    results = {r["person_id"]: r["score"] for r in (await client.get(f"{base}/results")).json()["items"]}
    return base, {k: results[v] for k, v in p.items()}


async def test_the_coefficient_stored_on_the_section_multiplies_the_indicators(
        client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    county = await sectioned_unit(records)
    base, scores = await close_by_section(client, county, BY_SECTION)
    # By hand: everyone's indicators 0.3×80 + 0.7×80 = 80.
    # A (办公室, 1.2): 80 × 1.2 = 96; B (业务科, no coefficient) and C (no section): the default 0.9 → 72;
    # D (督查室, 1.5): 80 × 1.5 = 120.
    assert scores == {"A": "96", "B": "72", "C": "72", "D": "120"}
    p, sections = county["people"], county["sections"]
    own = "the section's coefficient {} (科室系数, from the roster)"
    why = {}
    for letter in "ABCD":
        detail = (await client.get(f"{base}/people/{p[letter]}/explanation")).json()["detail"]
        assert detail["coefficient"]["kind"] == "section"
        why[letter] = (detail["coefficient"]["value"], detail["coefficient"]["why"])
    assert why == {
        "A": ("1.2", f"section 办公室 ({sections['办公室']}): " + own.format("1.2")),
        "B": ("0.9", f"section 业务科 ({sections['业务科']}) has no coefficient: the scheme's default 0.9"),
        "C": ("0.9", "no section: the scheme's default 0.9"),
        "D": ("1.5", f"section 督查室 ({sections['督查室']}): " + own.format("1.5")),
    }


async def test_the_schemes_coefficient_overrides_the_sections(client: httpx.AsyncClient,
                                                              records: httpx.AsyncClient) -> None:
    county = await sectioned_unit(records)
    sections = county["sections"]
    definition = {**BY_SECTION, "base": {"kind": "section", "coefficients": {sections["督查室"]: "1.1",
                                                                               sections["业务科"]: "1.05"}}}
    base, scores = await close_by_section(client, county, definition)
    # By hand: A keeps its section's 1.2 → 96; B 80 × 1.05 = 84; C the default 1 → 80; D 80 × 1.1 = 88.
    assert scores == {"A": "96", "B": "84", "C": "80", "D": "88"}
    detail = (await client.get(f"{base}/people/{county['people']['D']}/explanation")).json()["detail"]
    assert detail["coefficient"]["why"] == (f"section 督查室 ({sections['督查室']}): the scheme's coefficient 1.1 "
                                            "(base.coefficients)")


async def test_a_flat_scheme_does_not_ask_for_sections(client: httpx.AsyncClient,
                                                       records: httpx.AsyncClient) -> None:
    """The section's coefficient is read only for a base by section: other schemes' inputs (and their
    digests) are as they were."""
    county = await sectioned_unit(records)
    base, scores = await close_by_section(client, county, {**BY_SECTION, "base": {"kind": "flat"}})
    assert scores == {"A": "80", "B": "80", "C": "80", "D": "80"}
    detail = (await client.get(f"{base}/people/{county['people']['A']}/explanation")).json()["detail"]
    assert detail["coefficient"] == {"kind": "flat", "value": "1", "why": "flat"}


async def test_the_next_close_uses_a_changed_coefficient(client: httpx.AsyncClient,
                                                         records: httpx.AsyncClient) -> None:
    county = await sectioned_unit(records)
    base, scores = await close_by_section(client, county, BY_SECTION)
    assert scores["A"] == "96"
    office = county["sections"]["办公室"]
    response = await records.patch(f"/api/v1/records/units/{county['unit']}/sections/{office}",
                                   json={"coefficient": "1.25"})
    assert response.status_code == 200, response.text
    response = await client.post(f"{base}/close")
    assert response.status_code == 201, response.text
    # By hand: A 80 × 1.25 = 100 (was 96); nobody else's section changed.
    assert [(c["person_id"], c["score"]) for c in response.json()["changes"]] == [
        (county["people"]["A"], ["96", "100"])]
    detail = (await client.get(f"{base}/people/{county['people']['A']}/explanation")).json()["detail"]
    assert detail["coefficient"]["why"] == (f"section 办公室 ({office}): the section's coefficient 1.25 "
                                            "(科室系数, from the roster)")
