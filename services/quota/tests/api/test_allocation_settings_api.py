"""Allocation settings over HTTP: validated when sent or stored (422 naming the setting), kept
in runs, and shown in the result (``uplift_kind``, ``uplift_points``, ``pool_bounds``, the trace)."""

from __future__ import annotations

import copy
import io
import uuid
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

COMMENDED = ("曾口镇", "三江镇", "水宁寺镇", "花丛镇", "渔溪镇", "下八庙镇")
# The Bazhou-like region of tests/unit/test_allocation_settings.py (the hand computation is there).
POLICY: dict[str, Any] = {
    "ratio_by_grade": {"一等": "0.20", "二等": "0.18", "三等": "0.15"},
    "unit_cap_ratio": "0.30",
    "township_uplift": "0.20",
    "designated": {"by_grade": {"一等": 1}, "by_commendation": {"city": 1}},
}


def township(id: str, headcount: int, grade: str, points: int, commendation: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": id, "kind": "township", "headcount": headcount, "grade": grade, "points": points}
    if commendation:
        out["commendation"] = commendation
    return out


UNITS: list[dict[str, Any]] = [
    township("鼎山镇", 8, "二等", 90), township("化成镇", 14, "一等", 80, "city"),
    township("天马山镇", 9, "一等", 50), township("清江镇", 9, "一等", 40),
    *[township(name, 8, "二等", 30, "city") for name in COMMENDED],
    township("关公镇", 10, "二等", 20), township("大和乡", 8, "二等", 10),
    *[{"id": f"部门{i}", "kind": "department", "headcount": 20, "grade": "一等"} for i in range(1, 5)],
    {"id": "街道", "kind": "street", "headcount": 12, "grade": "三等"},
    *[{"id": f"事业{i}", "kind": "institution", "headcount": 9, "grade": "一等"} for i in range(1, 6)],
]


def _unit(body: dict[str, Any], id: str) -> dict[str, Any]:
    return next(u for u in body["units"] if u["id"] == id)


class TestSimulate:
    async def test_bazhou_2024_from_grades_and_commendations(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/quota/allocations/simulate", json={"policy": POLICY, "units": UNITS})
        assert response.status_code == 200, response.text
        body = response.json()
        huacheng = _unit(body, "化成镇")
        assert (huacheng["floor"], huacheng["designated"], huacheng["total"]) == (2, 2, 4)
        assert (huacheng["ratio_before"], huacheng["ratio"]) == ("0.142857", "0.285714")
        assert [s["rule"] for s in body["trace"] if s["unit"] == "化成镇" and s["slots"] > 0] == [
            "designated.by_grade.一等", "designated.by_commendation.city"]
        dingshan = _unit(body, "鼎山镇")
        assert (dingshan["ratio_before"], dingshan["ratio"]) == ("0.125", "0.25")
        assert sum(u["designated"] for u in body["units"]) == 10
        assert body["pool"] == {"collected": 11, "used": 11, "left": 0, "fraction_left": "0.52",
                                "left_reason": None}
        # 24/106 against 17/92: 2208/1802 - 1 = 22.53% higher; (2208 - 1802) / 9752 = 4.16 points higher.
        assert body["uplift"] == "0.225305"
        assert body["uplift_points"] == "0.041632"
        assert body["uplift_kind"] == "relative"
        assert body["pool_bounds"] == {"min": "0", "max": "1", "returned": 0, "topped_up": 0}

    async def test_absolute_uplift_and_pool_bounds_are_shown(self, client: httpx.AsyncClient) -> None:
        policy = {**POLICY, "township_uplift": "0.05", "township_uplift_kind": "absolute", "pool_max": "0.2"}
        body = (await client.post("/api/v1/quota/allocations/simulate",
                                  json={"policy": policy, "units": UNITS})).json()
        assert body["uplift_kind"] == "absolute"
        # 35 floors + 11 pooled = 46 slots; at most 20% pooled = 9: 2 go back by largest remainder.
        assert body["pool_bounds"] == {"min": "0", "max": "0.2", "returned": 2, "topped_up": 0}
        assert [s["rule"] for s in body["trace"] if s["rule"] == "pool_max"] == ["pool_max", "pool_max"]
        assert any("5 percentage point(s) higher" in s["text"] for s in body["trace"])

    @pytest.mark.parametrize(("change", "field"), [
        (lambda b: b["policy"].update(pool_min="0.3", pool_max="0.2"), "body.policy.pool_min"),
        (lambda b: b["policy"].update(pool_max="1.5"), "body.policy.pool_max"),
        (lambda b: b["policy"].update(pool_min="-0.1"), "body.policy.pool_min"),
        (lambda b: b["policy"].update(township_uplift_kind="sideways"), "body.policy.township_uplift_kind"),
        (lambda b: b["policy"].update(township_uplift="2", township_uplift_kind="absolute"),
         "body.policy.township_uplift"),
        (lambda b: b["policy"].update(designated_rules=[{"condition": "target_first_class", "slots": 1}]),
         "body.policy.designated"),
        (lambda b: b["policy"]["designated"]["by_grade"].update({"特等": 1}), "body.policy.designated.by_grade.特等"),
        (lambda b: b["policy"]["designated"]["by_grade"].update({"一等": -1}), "body.policy.designated.by_grade.一等"),
        (lambda b: b["units"][0].update(commendation="county"), "body.units.0.commendation"),
    ])
    async def test_a_bad_setting_is_a_422_naming_it(self, client: httpx.AsyncClient, change: Any,
                                                    field: str) -> None:
        body = {"policy": copy.deepcopy(POLICY), "units": copy.deepcopy(UNITS)}
        change(body)
        response = await client.post("/api/v1/quota/allocations/simulate", json=body)
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]]

    async def test_an_unknown_commendation_level_in_the_table_is_a_422(self, client: httpx.AsyncClient) -> None:
        body = {"policy": copy.deepcopy(POLICY), "units": UNITS}
        body["policy"]["designated"]["by_commendation"]["county"] = 1
        response = await client.post("/api/v1/quota/allocations/simulate", json=body)
        assert response.status_code == 422
        assert any(e["field"].startswith("body.policy.designated.by_commendation.county")
                   for e in response.json()["errors"])


class TestStored:
    async def test_a_stored_policy_is_checked_and_kept_in_the_run(self, client: httpx.AsyncClient) -> None:
        region = uuid.uuid4()
        url = f"/api/v1/quota/regions/{region}/years/2025"
        bad = await client.put(f"{url}/policy", json={**POLICY, "pool_min": "0.5", "pool_max": "0.1"})
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json()["errors"]] == ["body.pool_min"]
        assert (await client.get(f"{url}/inputs")).status_code == 409  # nothing half-written
        both = await client.put(f"{url}/policy", json={
            **POLICY, "designated_rules": [{"condition": "target_first_class", "slots": 1}]})
        assert [e["field"] for e in both.json()["errors"]] == ["body.designated"]
        assert (await client.put(f"{url}/units", json={"units": UNITS})).status_code == 200
        assert (await client.put(f"{url}/policy", json=POLICY)).status_code == 200
        run = (await client.post(f"{url}/allocations")).json()
        assert run["policy"]["designated"] == {"by_grade": {"一等": 1}, "by_commendation": {"city": 1}}
        assert _unit(run, "化成镇")["commendation"] == "city"
        assert _unit(run["result"], "化成镇")["total"] == 4


async def test_the_report_states_the_settings(client: httpx.AsyncClient) -> None:
    """说明 names the designated table, the absolute uplift in percentage points and the pool
    bounds; a commended township's remark names its commendation."""
    region = uuid.uuid4()
    url = f"/api/v1/quota/regions/{region}/years/2025"
    policy = {**POLICY, "township_uplift": "0.05", "township_uplift_kind": "absolute", "pool_max": "0.2"}
    assert (await client.put(f"{url}/units", json={"units": UNITS})).status_code == 200
    assert (await client.put(f"{url}/policy", json=policy)).status_code == 200
    run = (await client.post(f"{url}/allocations")).json()
    response = await client.get(f"/api/v1/quota/allocations/{run['id']}/report.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    about = {row[0]: row[1] for row in book["说明"].iter_rows(min_col=1, max_col=2, values_only=True) if row[0]}
    assert about["指定名额规则"] == "目标绩效一等 1名，市级表彰 1名"
    assert about["乡镇上浮要求（百分点）"] == 5
    assert about["名额池占比范围"] == "0%–20%"
    remarks = {row[0]: row[13] for row in book["名额分配"].iter_rows(min_row=3, values_only=True)}
    assert remarks["化成镇"] == "市级表彰"
