"""Results exported to XLSX hold a person named ``=1+1`` or ``@SUM(A1)`` as text, never a formula
(OWASP's CSV injection). One indicator of weight 1: each score is the mark, =1+1 90, @SUM(A1) 80."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook

from .conftest import unit_with_people
from .test_names_and_mine import DEFINITION


async def test_formula_like_names_are_string_cells(client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    world = await unit_with_people(records, "")
    marks = []
    for letter, (name, mark) in zip("PQ", (("=1+1", 90), ("@SUM(A1)", 80)), strict=True):
        person = await records.post("/api/v1/records/persons", json={
            "unit_id": world["unit"], "staff_no": f"{world['region'][:8]}-{letter}", "name": name,
            "staff_category": "staff", "active_from": "2020-01-01"})
        assert person.status_code == 201, person.text
        marks.append({"person_id": person.json()["id"], "indicator": "ji", "mark": mark})
    scheme = await client.post("/api/v1/scoring/schemes", json={
        "region_id": world["region"], "unit_id": world["unit"], "name": "夏村镇机关", "definition": DEFINITION})
    base = f"/api/v1/scoring/schemes/{scheme.json()['id']}/periods/2025Q1"
    assert (await client.put(f"{base}/marks", json={"marks": marks})).status_code == 200
    assert (await client.post(f"{base}/close")).status_code == 201
    response = await client.get(f"{base}/results.xlsx")
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content))["考核结果"]
    names = [row[2] for row in sheet.iter_rows(min_row=3)]
    assert [(cell.value, cell.data_type) for cell in names] == [("=1+1", "s"), ("@SUM(A1)", "s")]
