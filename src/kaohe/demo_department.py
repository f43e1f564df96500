"""The demo county's organisation department at work on its units (督导, 整改, 通报): an inspection of
one township in October, recorded afterwards with the rectification notice it issued on paper (two
items: one answered by the township and signed off (销号), one left past its deadline), then the
county's bulletin of each quarter of the year, drafted from the data and issued (第1–4期 of the year
of issue); the fourth quarter's criticises the overdue item."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from kaohe.demo_review import Ok

INSPECTED_ON = date(2025, 10, 20)
ISSUED_ON = date(2025, 10, 24)
ITEMS = ({"text": "规范周工作纪实，杜绝月底集中补记", "deadline": "2025-11-15"},
         {"text": "民主测评结果在单位公示栏公示不少于5个工作日", "deadline": "2025-11-30"})


async def inspected_and_reported(gateway: httpx.AsyncClient, ok: Ok, region_id: str, unit: tuple[str, str],
                                 year: int, *, department: dict[str, str],
                                 unit_admin: dict[str, str]) -> dict[str, Any]:
    """``unit`` (id, name) inspected and given a notice by ``department`` (its headers); the first item
    answered by ``unit_admin`` and signed off; then a bulletin per quarter of ``year``, issued. The
    inspection's and the notice's ids and the bulletins (period and number)."""
    unit_id, name = unit
    base = f"/api/v1/scoring/regions/{region_id}"
    inspection = await ok(gateway.post, f"{base}/inspections", headers=department, json={
        "unit_id": unit_id, "visited_on": INSPECTED_ON.isoformat(), "team": ["王明", "李华", "赵强"],
        "findings": "周工作纪实存在月底集中补记现象；三季度民主测评结果未在单位内公示"})
    notice = await ok(gateway.post, f"{base}/notices", headers=department, json={
        "unit_id": unit_id, "inspection_id": inspection["id"], "title": f"关于{name}平时考核工作的整改通知",
        "issued_on": ISSUED_ON.isoformat(), "items": list(ITEMS)})
    first = notice["items"][0]["id"]
    items = f"/api/v1/scoring/notices/{notice['id']}/items"
    await ok(gateway.post, f"{items}/{first}/answer", headers=unit_admin, json={
        "response": "已制定周纪实督查制度，由党政办每周五检查填写情况", "evidence": ["化成镇周纪实督查记录表（11月）"]})
    await ok(gateway.post, f"{items}/{first}/decision", headers=department, json={"decision": "sign_off"})
    bulletins = []
    for quarter in range(1, 5):
        draft = await ok(gateway.post, f"{base}/bulletins", headers=department, json={"period": f"{year}Q{quarter}"})
        issued = await ok(gateway.post, f"{base}/bulletins/{draft['id']}/issue", headers=department)
        bulletins.append({"id": issued["id"], "period": issued["period"], "number": issued["number"],
                          "criticisms": len(issued["criticisms"])})
    return {"inspection_id": inspection["id"], "notice_id": notice["id"], "bulletins": bulletins}
