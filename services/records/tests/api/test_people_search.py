"""People search: by name, full pinyin, initials and staff number, within what the caller may see, by pages."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.service_auth import Caller
from shared.testing import service_headers

from .test_roster import make_region, make_unit

SEARCH = "/api/v1/records/persons/search"


@pytest.fixture
async def roster(client: httpx.AsyncClient) -> dict[str, Any]:
    """Region A: unit XC with 张伟, 张薇, 曾小明 (sheet), 单田芳 (added one by one) and 阿依古丽·买买提 (the
    systems' stream); unit ZZB with 张卫东. Region B: unit XC with another 张伟."""
    tag = uuid.uuid4().hex[:5]
    a, b = await make_region(client, f"a{tag}"), await make_region(client, f"b{tag}")
    xc, zzb = await make_unit(client, a["id"], "XC"), await make_unit(client, a["id"], "ZZB", "department")
    await make_unit(client, b["id"], "XC")
    sheet = "\n".join(["工号,姓名,单位编码,科室,人员类别,起始日期",
                       f"{tag}01,张伟,XC,党政办,其他在编,2025-01-01",
                       f"{tag}02,张薇,XC,党政办,其他在编,2025-01-01",
                       f"{tag}03,曾小明,XC,,中层干部,2025-01-01",
                       f"{tag}06,张卫东,ZZB,,其他在编,2025-01-01"]) + "\n"
    imported = await client.post(f"/api/v1/records/regions/{a['id']}/roster/import",
                                 files={"file": ("花名册.csv", sheet.encode())})
    assert imported.status_code == 200, imported.text
    added = await client.post("/api/v1/records/persons", json={
        "unit_id": xc["id"], "staff_no": f"{tag}04", "name": "单田芳", "staff_category": "staff",
        "active_from": "2025-01-01"})
    assert added.status_code == 201, added.text
    streamed = await client.post(f"/api/v1/records/regions/{a['id']}/roster/stream", headers={
        "content-type": "application/x-ndjson"}, content=(
        f'{{"staff_no": "{tag}05", "name": "阿依古丽·买买提", "unit": "XC", "category": "staff", '
        f'"active_from": "2025-01-01"}}\n').encode())
    assert streamed.status_code == 200, streamed.text
    other = await client.post(f"/api/v1/records/regions/{b['id']}/roster/import", files={"file": (
        "b.csv", f"工号,姓名,单位编码,科室,人员类别,起始日期\n{tag}91,张伟,XC,,其他在编,2025-01-01\n".encode())})
    assert other.status_code == 200, other.text
    return {"tag": tag, "a": a, "b": b, "xc": xc, "zzb": zzb}


def region_admin(region_id: str) -> dict[str, str]:
    return service_headers(Caller(subject="user:r", roles=("region_admin",), region_ids=(region_id,)))


async def names(client: httpx.AsyncClient, headers: dict[str, str], q: str, **params: Any) -> list[str]:
    response = await client.get(SEARCH, headers=headers, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [hit["name"] for hit in response.json()["items"]]


class TestMatching:
    @pytest.mark.parametrize(("q", "found"), [
        ("zhangwei", ["张伟", "张薇", "张卫东"]),  # full pinyin, both characters of wei, also inside zhangweidong
        ("zw", ["张伟", "张薇", "张卫东"]),       # initials, also as part of zwd
        ("zhangw", ["张伟", "张薇", "张卫东"]),   # surname spelled out, given name by initials
        ("zengxm", ["曾小明"]), ("zxm", ["曾小明"]), ("ZengXiaoMing", ["曾小明"]),
        ("shan", ["单田芳"]),                     # 单 as a surname is shan, never dan
        ("dantianfang", []),
        ("ayigu", ["阿依古丽·买买提"]), ("买买提", ["阿依古丽·买买提"]),
        ("小明", ["曾小明"]), ("张", ["张伟", "张卫东", "张薇"]),
    ])
    async def test_by_name_pinyin_and_initials(self, client: httpx.AsyncClient, roster: dict[str, Any], q: str,
                                               found: list[str]) -> None:
        assert sorted(await names(client, region_admin(roster["a"]["id"]), q)) == sorted(found)

    async def test_by_staff_number(self, client: httpx.AsyncClient, roster: dict[str, Any]) -> None:
        response = await client.get(SEARCH, headers=region_admin(roster["a"]["id"]), params={"q": f"{roster['tag']}03"})
        [hit] = response.json()["items"]
        assert (hit["name"], hit["staff_no"], hit["unit_id"], hit["unit_name"], hit["staff_category"]) == (
            "曾小明", f"{roster['tag']}03", roster["xc"]["id"], "单位XC", "middle")
        assert hit["name_pinyin"] == "zengxiaoming"

    async def test_a_hit_names_the_section(self, client: httpx.AsyncClient, roster: dict[str, Any]) -> None:
        response = await client.get(SEARCH, headers=region_admin(roster["a"]["id"]), params={"q": "张薇"})
        assert [h["section_name"] for h in response.json()["items"]] == ["党政办"]

    async def test_a_renamed_person_is_found_by_the_new_name(self, client: httpx.AsyncClient,
                                                             roster: dict[str, Any]) -> None:
        tag = roster["tag"]
        sheet = f"工号,姓名,单位编码,科室,人员类别,起始日期\n{tag}02,曾薇,ZZB,,其他在编,2025-04-01\n"
        moved = await client.post(f"/api/v1/records/regions/{roster['a']['id']}/roster/import",
                                  files={"file": ("q2.csv", sheet.encode())})
        assert moved.json()["moved"] == 1
        assert await names(client, region_admin(roster["a"]["id"]), "zengw") == ["曾薇"]


class TestScope:
    async def test_another_regions_person_is_not_found(self, client: httpx.AsyncClient,
                                                       roster: dict[str, Any]) -> None:
        assert sorted(await names(client, region_admin(roster["a"]["id"]), "zhangwei")) == ["张伟", "张卫东", "张薇"]
        assert await names(client, region_admin(roster["b"]["id"]), "zhangwei") == ["张伟"]
        assert await names(client, region_admin(roster["b"]["id"]), "曾小明") == []

    async def test_a_unit_administrator_finds_their_unit_only(self, client: httpx.AsyncClient,
                                                              roster: dict[str, Any]) -> None:
        headers = service_headers(Caller(subject="user:u", roles=("unit_admin",), unit_ids=(roster["zzb"]["id"],)))
        assert await names(client, headers, "zw") == ["张卫东"]

    async def test_a_member_finds_their_own_unit(self, client: httpx.AsyncClient, roster: dict[str, Any]) -> None:
        found = await client.get(SEARCH, headers=region_admin(roster["a"]["id"]), params={"q": "单田芳"})
        me = found.json()["items"][0]["person_id"]
        headers = service_headers(Caller(subject="user:m", roles=("member",), person_id=me))
        assert sorted(await names(client, headers, "zw")) == ["张伟", "张薇"]
        assert await names(client, headers, "张卫东") == []

    async def test_a_unit_the_caller_cannot_see_is_404(self, client: httpx.AsyncClient,
                                                       roster: dict[str, Any]) -> None:
        headers = region_admin(roster["b"]["id"])
        response = await client.get(SEARCH, headers=headers, params={"q": "zw", "unit_id": roster["xc"]["id"]})
        assert response.status_code == 404
        assert response.json()["code"] == "unit_not_found"

    async def test_the_province_narrows_by_unit(self, client: httpx.AsyncClient, roster: dict[str, Any]) -> None:
        assert sorted(await names(client, {}, "zw", unit_id=roster["xc"]["id"])) == ["张伟", "张薇"]


class TestPages:
    async def test_pages_follow_the_cursor_to_the_end(self, client: httpx.AsyncClient,
                                                      roster: dict[str, Any]) -> None:
        headers, seen = region_admin(roster["a"]["id"]), []
        response = await client.get(SEARCH, headers=headers, params={"q": "z", "limit": 2})
        for _ in range(4):
            page = response.json()
            seen.append([h["name"] for h in page["items"]])
            if page["next"] is None:
                break
            assert response.headers["link"] == f'<{page["next"]}>; rel="next"'
            response = await client.get(page["next"], headers=headers)
        # pinyin order: zengxiaoming, zhangwei (张伟, then 张薇 by staff number), zhangweidong
        assert seen == [["曾小明", "张伟"], ["张薇", "张卫东"]]

    @pytest.mark.parametrize("params", [{"q": ""}, {"q": "  "}, {"q": "zw", "limit": 0}, {"q": "zw", "limit": 101},
                                        {"q": "zw", "after": "not-a-cursor"}])
    async def test_bad_queries_are_422_naming_the_field(self, client: httpx.AsyncClient,
                                                        params: dict[str, Any]) -> None:
        response = await client.get(SEARCH, params=params)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].startswith("query.")


async def test_wildcards_are_searched_for_literally(client: httpx.AsyncClient, roster: dict[str, Any]) -> None:
    for q in ("%", "_", "\\"):
        assert await names(client, region_admin(roster["a"]["id"]), q) == []


async def test_a_nul_character_is_a_bad_query_not_a_server_error(client: httpx.AsyncClient) -> None:
    response = await client.get(SEARCH, params={"q": "张\x00"})
    assert response.status_code == 422
