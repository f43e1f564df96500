"""The lists the department acts on (``GET /regions/{region_id}/years/{year}/lists/{list_name}``),
from the year of ``test_year``: ten people of 夏村镇, four quarters and the year-end, 3 excellent slots.

Each quarter grades four 好 (40% of 10): D 99, then A, B, C (A's quarters 90, 80, 85, 95 stay above
J's 74), so A, B, C and D have four 好 quarters, but D is under investigation in the year (立案审查:
excluded, no grade, no priority, no bonus). Excellent: B 90, C 88, A 84.5. E's four 较差 quarters
bring the escalation: a talk with the unit head, a notice of criticism, and on.
"""

from __future__ import annotations

import io
import uuid

import httpx
from openpyxl import load_workbook

from shared.service_auth import Caller
from shared.testing import service_headers

from .test_year import a_year


async def test_the_four_lists_of_a_year(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                        quota: httpx.AsyncClient) -> None:
    y = await a_year(client, records, quota)
    region = y["county"]["region"]
    close = (await client.post(f"{y['base']}/2025/close")).json()
    lists = f"/api/v1/scoring/regions/{region}/years/2025/lists"
    assert (await client.get(f"{lists}/excellent")).json()["rows"] == []  # nothing published yet
    assert (await client.post(f"/api/v1/scoring/results/{close['id']}/publish")).status_code == 200

    def rows(answer: httpx.Response) -> list[tuple[str, str, str | None]]:
        assert answer.status_code == 200, answer.text
        return [(r["name"], r["unit_name"], r["grade"]) for r in answer.json()["rows"]]

    assert rows(await client.get(f"{lists}/four_good")) == [("A", "夏村镇", "excellent"), ("B", "夏村镇", "excellent"),
                                                            ("C", "夏村镇", "excellent")]
    assert rows(await client.get(f"{lists}/excellent")) == [("A", "夏村镇", "excellent"), ("B", "夏村镇", "excellent"),
                                                            ("C", "夏村镇", "excellent")]
    reminders = await client.get(f"{lists}/reminders")
    assert rows(reminders) == [("E", "夏村镇", "incompetent")]
    assert reminders.json()["rows"][0]["why"][:2] == ["a talk with the unit head", "a notice of criticism"]
    no_bonus = await client.get(f"{lists}/no_bonus")
    assert rows(no_bonus) == [("D", "夏村镇", None)]
    assert no_bonus.json()["rows"][0]["why"] == ["立案审查: 立案审查期间"]
    assert no_bonus.json()["list_name_label"]["zh-CN"] == "不发放年度奖金人员及原因"

    sheet = load_workbook(io.BytesIO((await client.get(f"{lists}/no_bonus.xlsx")).content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "2025年度不发放年度奖金人员及原因"
    assert values[1] == ("工号", "姓名", "单位", "年度得分", "等次", "说明")
    assert values[2][1:] == ("D", "夏村镇", "99", None, "立案审查: 立案审查期间")


async def test_a_list_of_another_region_or_an_unknown_list(client: httpx.AsyncClient,
                                                           records: httpx.AsyncClient) -> None:
    region = (await records.post("/api/v1/records/regions", json={"code": f"l{uuid.uuid4().hex[:8]}",
                                                                    "name": "名单县"})).json()["id"]
    other = service_headers(Caller(subject="user:rb", roles=("region_admin",), region_ids=(str(uuid.uuid4()),)))
    lists = f"/api/v1/scoring/regions/{region}/years/2025/lists"
    assert (await client.get(f"{lists}/excellent", headers=other)).status_code == 404
    assert (await client.get(f"{lists}/excellent.xlsx", headers=other)).status_code == 404
    unknown = await client.get(f"{lists}/promoted")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "path.list_name"
