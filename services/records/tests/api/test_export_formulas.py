"""Spreadsheet formula injection (OWASP's CSV injection): a person named ``=1+1`` or ``@SUM(A1)`` is
exported as text that no spreadsheet program evaluates (a plain number such as -1.5 stays as it is)."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from openpyxl import load_workbook

HOSTILE = ["=1+1", "@SUM(A1)", "+1+1", "-1.5", "-2+3", "\tx"]


async def test_hostile_names_are_exported_as_text(client: httpx.AsyncClient, region: dict[str, Any]) -> None:
    units = (await client.get("/api/v1/records/units", params={"region_id": region["id"]})).json()["items"]
    unit = next(u for u in units if u["code"] == "XC")
    tag = uuid.uuid4().hex[:5]
    for index, name in enumerate(HOSTILE):
        response = await client.post("/api/v1/records/persons", json={
            "unit_id": unit["id"], "staff_no": f"f{tag}{index}", "name": name, "staff_category": "staff",
            "active_from": "2025-01-01"})
        assert response.status_code == 201, response.text
    url = f"/api/v1/records/regions/{region['id']}/roster/export"
    xlsx = await client.get(url, params={"on": "2025-06-30", "format": "xlsx"})
    assert xlsx.status_code == 200, xlsx.text
    cells = {row[0].value: row[1] for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()
             if str(row[0].value).startswith(f"f{tag}")}
    assert {staff_no: (cell.value, cell.data_type) for staff_no, cell in cells.items()} == {
        f"f{tag}{index}": (name, "s") for index, name in enumerate(HOSTILE)}
    csv = await client.get(url, params={"on": "2025-06-30", "format": "csv"})
    lines = {line.split(",")[0]: line for line in csv.text.splitlines() if line.startswith(f"f{tag}")}
    assert [lines[f"f{tag}{index}"].split(",")[1] for index in range(len(HOSTILE))] == [
        "'=1+1", "'@SUM(A1)", "'+1+1", "-1.5", "'-2+3", "'\tx"]
