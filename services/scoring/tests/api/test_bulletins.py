"""A region's bulletin (通报) on the real stack (scoring and records): drafted from the period's data
(one township closed and published, one late), edited, issued 第1期 and then 第2期, read back as a
Word document; kept as issued; a period nothing closed is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from shared.service_auth import Caller
from shared.testing import asgi_client, service_headers

from .conftest import PROVINCE, county, docx_text

S = "/api/v1/scoring"
DEFINITION: dict[str, Any] = {"indicators": [{"code": "ji", "name": "绩", "weight": "1"}], "missing_inputs": "zero"}


async def two_townships(client: httpx.AsyncClient, records: httpx.AsyncClient) -> dict[str, Any]:
    """A (two people, 90 and 80 in 2025Q1) and B, both with a scheme the department saved."""
    c = await county(records)
    second = await records.post("/api/v1/records/persons", json={
        "unit_id": c["units"]["A"], "staff_no": f"{c['region'][:8]}-A2", "name": "a2", "staff_category": "staff",
        "active_from": "2020-01-01"})
    assert second.status_code == 201, second.text
    c["people"]["A2"] = second.json()["id"]
    for code in ("A", "B"):
        made = await client.post(f"{S}/schemes", headers=c["od"], json={
            "region_id": c["region"], "unit_id": c["units"][code], "name": f"{code}镇方案", "definition": DEFINITION})
        assert made.status_code == 201 and made.json()["state"] == "approved", made.text
        c[f"scheme_{code}"] = made.json()["id"]
    marks = {"marks": [{"person_id": c["people"]["A"], "indicator": "ji", "mark": 90},
                       {"person_id": c["people"]["A2"], "indicator": "ji", "mark": 80}]}
    base = f"{S}/schemes/{c['scheme_A']}/periods/2025Q1"
    assert (await client.put(f"{base}/marks", headers=c["od"], json=marks)).status_code == 200
    return c


async def test_a_bulletin_is_drafted_edited_issued_and_kept(client: httpx.AsyncClient,
                                                            records: httpx.AsyncClient) -> None:
    c = await two_townships(client, records)
    od, region = c["od"], c["region"]
    url = f"{S}/regions/{region}/bulletins"

    # nothing closed yet: nothing to report on, a conflict with the period's state (the period is well formed)
    refused = await client.post(url, headers=od, json={"period": "2025Q1"})
    assert refused.status_code == 409 and refused.json()["code"] == "nothing_closed", refused.text
    bad = await client.post(url, headers=od, json={"period": "2025Q9"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.period", bad.text

    closed = await client.post(f"{S}/schemes/{c['scheme_A']}/periods/2025Q1/close", headers=od)
    assert closed.status_code == 201, closed.text
    assert (await client.post(f"{S}/results/{closed.json()['id']}/publish", headers=od)).status_code == 200
    honour = await records.post("/api/v1/records/honours", json={
        "person_id": c["people"]["A"], "title": "优秀共产党员", "level": "county", "awarded_on": "2025-02-10",
        "awarded_by": "中共审核县委", "evidence": "县委发〔2025〕3号"})
    assert honour.status_code == 201, honour.text

    drafted = await client.post(url, headers=od, json={"period": "2025Q1"})
    assert drafted.status_code == 201, drafted.text
    b = drafted.json()
    assert (b["state"], b["number"], b["title"]) == ("draft", None, "关于审核县2025年第一季度平时考核工作情况的通报")
    a_line, b_line = b["units"]
    assert (a_line["unit_name"], a_line["rank"], a_line["people"], a_line["mean_score"], a_line["late"]) == (
        "A镇", 1, 2, "85", None)  # (90 + 80) / 2
    assert a_line["published_at"] is not None and a_line["review_state"] == "approved"
    assert (b_line["unit_name"], b_line["rank"], b_line["closed_at"], b_line["late"]) == ("B镇", None, None,
                                                                                          "not_closed")
    assert [(x["kind"], x["unit_name"], x["text"]) for x in b["criticisms"]] == [
        ("late_unit", "B镇", "B镇未按时完成2025年第一季度考核结果核定")]
    assert [(x["kind"], x["name"], x["text"]) for x in b["commendations"]] == [
        ("honour", "a", "A镇a获中共审核县委授予“优秀共产党员”（2025-02-10）")]

    # edits: a preface; a line removed with its reason, kept apart; a line it does not have: 422
    wrong = await client.patch(f"{url}/{b['id']}", headers=od, json={"remove": [{"key": "nope", "reason": "x"}]})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "body.remove.0.key", wrong.text
    key = b["commendations"][0]["key"]
    edited = await client.patch(f"{url}/{b['id']}", headers=od, json={
        "preface": "为推动平时考核工作落到实处，现将有关情况通报如下。",
        "remove": [{"key": key, "reason": "表彰另行发文"}]})
    assert edited.status_code == 200, edited.text
    assert edited.json()["commendations"] == []
    assert [(r["key"], r["reason"], r["by"]) for r in edited.json()["removed"]] == [(key, "表彰另行发文", "user:od")]
    again = await client.patch(f"{url}/{b['id']}", headers=od, json={"remove": [{"key": key, "reason": "再删"}]})
    assert again.status_code == 422, again.text

    issued = await client.post(f"{url}/{b['id']}/issue", headers=od)
    assert issued.status_code == 200, issued.text
    assert (issued.json()["state"], issued.json()["number"]) == ("issued", 1)
    document = await client.get(f"{url}/{b['id']}.docx", headers=od)
    assert document.status_code == 200, document.text
    assert document.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = docx_text(document.content)
    for words in ("第1期", "A镇", "B镇", "关于审核县2025年第一季度平时考核工作情况的通报", "为推动平时考核工作落到实处",
                  "B镇未按时完成2025年第一季度考核结果核定", "中共审核县委组织部"):
        assert words in text, words
    assert "优秀共产党员" not in text  # removed from the draft

    # kept as issued: no edit, no second issue
    for response in (await client.patch(f"{url}/{b['id']}", headers=od, json={"preface": "改"}),
                     await client.post(f"{url}/{b['id']}/issue", headers=od)):
        assert response.status_code == 409 and response.json()["code"] == "bulletin_issued", response.text
    assert (await client.get(f"{url}/{b['id']}", headers=od)).json()["preface"].startswith("为推动")

    # the next one issued in the year is 第2期; the list shows both, newest first
    second = (await client.post(url, headers=od, json={"period": "2025Q1"})).json()
    numbered = await client.post(f"{url}/{second['id']}/issue", headers=od)
    assert numbered.json()["number"] == 2, numbered.text
    assert "第2期" in docx_text((await client.get(f"{url}/{second['id']}.docx", headers=od)).content)
    listed = await client.get(url, headers=od, params={"state": "issued"})
    assert [x["number"] for x in listed.json()["items"]] == [2, 1], listed.text


async def test_only_the_region_s_department_drafts_and_reads(client: httpx.AsyncClient,
                                                             records: httpx.AsyncClient) -> None:
    c = await two_townships(client, records)
    url = f"{S}/regions/{c['region']}/bulletins"
    closed = await client.post(f"{S}/schemes/{c['scheme_A']}/periods/2025Q1/close", headers=c["od"])
    assert closed.status_code == 201, closed.text
    made = await client.post(url, headers=c["od"], json={"period": "2025Q1"})
    assert made.status_code == 201, made.text
    # closed but not published: A is late too; nothing is ranked
    assert [(u["unit_name"], u["late"], u["rank"]) for u in made.json()["units"]] == [
        ("A镇", "not_published", None), ("B镇", "not_closed", None)]
    other = service_headers(Caller(subject="user:other", roles=("region_admin",), region_ids=(c["units"]["A"],)))
    for headers in (other, c["ua"]):
        assert (await client.get(f"{url}/{made.json()['id']}", headers=headers)).status_code == 404
        assert (await client.post(url, headers=headers, json={"period": "2025Q1"})).status_code == 404
    elsewhere = f"{S}/regions/{c['units']['A']}/bulletins/{made.json()['id']}"
    assert (await client.get(elsewhere)).status_code == 404  # not of that region


async def test_a_fourth_quarter_commends_four_good_quarters_and_criticises_the_bottom(
        client: httpx.AsyncClient, records: httpx.AsyncClient) -> None:
    """A's a scores 90 and a2 80 every quarter and month: a is 好 (one of two under a 50% cap) in all
    four quarters; a2 is last in October and November (two months running, the scheme's rule)."""
    c = await county(records)
    second = await records.post("/api/v1/records/persons", json={
        "unit_id": c["units"]["A"], "staff_no": f"{c['region'][:8]}-A2", "name": "a2", "staff_category": "staff",
        "active_from": "2020-01-01"})
    a, a2 = c["people"]["A"], second.json()["id"]
    definition = {**DEFINITION, "grades": {"caps": [{"grade": "good", "max_share": "0.5"}]},
                  "periods": {"closes": ["month", "quarter", "year"]},
                  "bottom_rule": {"months_running": 2, "groups": [{"name": "全体", "last": 1}]}}
    made = await client.post(f"{S}/schemes", headers=c["od"], json={
        "region_id": c["region"], "unit_id": c["units"]["A"], "name": "A镇方案", "definition": definition})
    assert made.status_code == 201, made.text
    scheme = made.json()["id"]
    for period in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025-10", "2025-11"):
        base = f"{S}/schemes/{scheme}/periods/{period}"
        marks = {"marks": [{"person_id": a, "indicator": "ji", "mark": 90}, {"person_id": a2, "indicator": "ji",
                                                                              "mark": 80}]}
        assert (await client.put(f"{base}/marks", headers=c["od"], json=marks)).status_code == 200
        closed = await client.post(f"{base}/close", headers=c["od"])
        assert closed.status_code == 201, closed.text
        if "Q" in period:
            assert (await client.post(f"{S}/results/{closed.json()['id']}/publish", headers=c["od"])).status_code == 200

    made = await client.post(f"{S}/regions/{c['region']}/bulletins", headers=c["od"], json={"period": "2025Q4"})
    assert made.status_code == 201, made.text
    b = made.json()
    assert [(u["unit_name"], u["rank"], u["mean_score"], u["good_share"], u["late"]) for u in b["units"]] == [
        ("A镇", 1, "85", "0.5", None), ("B镇", None, None, None, "no_scheme")]
    assert [(x["kind"], x["person_id"], x["text"]) for x in b["commendations"]] == [
        ("four_good", a, "A镇a2025年四个季度平时考核均为“好”等次")]
    assert [(x["kind"], x["person_id"], x["text"]) for x in b["criticisms"]] == [
        ("late_unit", None, "B镇尚未制定平时考核方案"),
        ("bottom_running", a2, "A镇a2在全体中连续2个月排名末位（2025-10、2025-11）")]
    # a quarter before the fourth commends no four quarters
    third = (await client.post(f"{S}/regions/{c['region']}/bulletins", headers=c["od"],
                               json={"period": "2025Q3"})).json()
    assert third["commendations"] == [] and [x["kind"] for x in third["criticisms"]] == ["late_unit"]


async def test_issued_at_once_the_numbers_have_no_gap_nor_twin(scoring_app: FastAPI, records_app: FastAPI) -> None:
    """Real commits on purpose: the race is between transactions. Four drafts issued at once are
    第1期 to 第4期 of the region's year, each once."""
    async with asgi_client(records_app, headers=service_headers(PROVINCE)) as records, \
            asgi_client(scoring_app, headers=service_headers(PROVINCE)) as client:
        c = await two_townships(client, records)
        closed = await client.post(f"{S}/schemes/{c['scheme_A']}/periods/2025Q1/close", headers=c["od"])
        assert closed.status_code == 201, closed.text
        url = f"{S}/regions/{c['region']}/bulletins"
        drafts = [(await client.post(url, headers=c["od"], json={"period": "2025Q1"})).json()["id"] for _ in range(4)]
        issued = await asyncio.gather(*(client.post(f"{url}/{d}/issue", headers=c["od"]) for d in drafts))
    assert [r.status_code for r in issued] == [200] * 4, [r.text for r in issued]
    assert sorted(r.json()["number"] for r in issued) == [1, 2, 3, 4]


async def test_overdue_rectifications_are_criticised(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                     today_is: Callable[[str], None]) -> None:
    """Drafted on 2025-06-10: of A's notice issued on 2025-02-25 (recorded afterwards), the item signed
    off is not criticised, the open one due 03-20 is; B's item answered but not signed off, due 03-31,
    is; A's item due 04-15, after the quarter, waits for the second quarter's bulletin."""
    c = await two_townships(client, records)
    od, region, ua, ub = c["od"], c["region"], c["ua"], c["ub"]
    closed = await client.post(f"{S}/schemes/{c['scheme_A']}/periods/2025Q1/close", headers=od)
    assert (await client.post(f"{S}/results/{closed.json()['id']}/publish", headers=od)).status_code == 200
    today_is("2025-03-05")
    a_notice = await client.post(f"{S}/regions/{region}/notices", headers=od, json={
        "unit_id": c["units"]["A"], "title": "关于A镇平时考核的整改通知", "issued_on": "2025-02-25",
        "items": [{"text": "补齐一月周纪实", "deadline": "2025-03-10"},
                  {"text": "测评结果公示", "deadline": "2025-03-20"},
                  {"text": "建立整改台账", "deadline": "2025-04-15"}]})
    assert a_notice.status_code == 201, a_notice.text
    b_notice = await client.post(f"{S}/regions/{region}/notices", headers=od, json={
        "unit_id": c["units"]["B"], "title": "关于B镇平时考核的整改通知", "items": [{"text": "制定方案",
                                                                          "deadline": "2025-03-31"}]})
    assert b_notice.status_code == 201, b_notice.text
    signed, _, later = (i["id"] for i in a_notice.json()["items"])
    a_items = f"{S}/notices/{a_notice.json()['id']}/items"
    assert (await client.post(f"{a_items}/{signed}/answer", headers=ua, json={"response": "已补齐"})).status_code == 200
    assert (await client.post(f"{a_items}/{signed}/decision", headers=od,
                              json={"decision": "sign_off"})).status_code == 200
    answered = await client.post(f"{S}/notices/{b_notice.json()['id']}/items/{b_notice.json()['items'][0]['id']}/"
                                 "answer", headers=ub, json={"response": "方案已起草"})
    assert answered.status_code == 200, answered.text

    today_is("2025-06-10")
    url = f"{S}/regions/{region}/bulletins"
    b = (await client.post(url, headers=od, json={"period": "2025Q1"})).json()
    assert [(x["kind"], x["unit_name"], x["text"]) for x in b["criticisms"]] == [
        ("late_unit", "B镇", "B镇未按时完成2025年第一季度考核结果核定"),
        ("overdue_rectification", "A镇", "A镇未按期完成整改：2025年2月25日《关于A镇平时考核的整改通知》"
                                       "第2项“测评结果公示”限2025年3月20日前整改到位，至今未销号"),
        ("overdue_rectification", "B镇", "B镇未按期完成整改：2025年3月5日《关于B镇平时考核的整改通知》"
                                       "第1项“制定方案”限2025年3月31日前整改到位，至今未销号")]
    assert (await client.post(f"{url}/{b['id']}/issue", headers=od)).status_code == 200
    text = docx_text((await client.get(f"{url}/{b['id']}.docx", headers=od)).content)
    assert "第2项“测评结果公示”限2025年3月20日前整改到位" in text and "补齐一月周纪实" not in text
    # the item due after the quarter is criticised in the second quarter's bulletin, with the one still open
    assert (await client.post(f"{S}/schemes/{c['scheme_A']}/periods/2025Q2/close", headers=od)).status_code == 201
    second = (await client.post(url, headers=od, json={"period": "2025Q2"})).json()
    assert [x["key"].removeprefix("overdue:") for x in second["criticisms"] if x["kind"] == "overdue_rectification"
            ] == [a_notice.json()["items"][1]["id"], b_notice.json()["items"][0]["id"], later]
