"""A quarter as the organisation department plays it, on the real stack (scoring and records).

审核县 has townships A (person a) and B (person b). Both units' administrators submit a scheme for
2026Q1; A's first version has no scoring standard for 绩 and is returned with that comment, A puts
it right in version 2 and both are approved. A marks a (德 90, 绩 80: 0.3 × 90 + 0.7 × 80 = 83, no
round held), closes and publishes; B never closes, and twenty days after the quarter's end the
progress view flags it. The department inspects B, issues a notice with one item, B answers it and
the department signs it off. The quarter's bulletin is issued 第1期 and its Word document names
both townships. Then an officer reads a's file for a promotion vetting and a sees that read.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from .conftest import REVIEWED, STANDARD, caller_headers, county, docx_text, scheme_of

S = "/api/v1/scoring"
FIXED = {**REVIEWED, "indicators": [REVIEWED["indicators"][0], STANDARD]}


async def test_the_department_plays_a_quarter(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                              today_is: Callable[[str], None]) -> None:
    c = await county(records)
    od, ua, ub, region = c["od"], c["ua"], c["ub"], c["region"]
    unit_a, unit_b, a = c["units"]["A"], c["units"]["B"], c["people"]["A"]

    # scheme review: both submit; A's version 1 is returned with a comment, version 2 submitted; both approved
    today_is("2026-01-05")
    scheme_a, scheme_b = await scheme_of(client, c, "A", REVIEWED), await scheme_of(client, c, "B", FIXED)
    for scheme, headers in ((scheme_a, ua), (scheme_b, ub)):
        submitted = await client.post(f"{S}/schemes/{scheme}/versions/1/submit", headers=headers)
        assert submitted.status_code == 200 and submitted.json()["state"] == "submitted", submitted.text
    comment = {"path": "indicators.1.standard", "comment": "指标“绩”没有评分标准，请补充"}
    returned = await client.post(f"{S}/schemes/{scheme_a}/versions/1/return", headers=od,
                                 json={"comments": [comment]})
    assert returned.status_code == 200 and returned.json()["state"] == "returned", returned.text
    fixed = await client.post(f"{S}/schemes/{scheme_a}/versions", headers=ua, json={"definition": FIXED})
    assert fixed.status_code == 201 and fixed.json()["state"] == "draft", fixed.text
    again = await client.post(f"{S}/schemes/{scheme_a}/versions/2/submit", headers=ua)
    assert again.status_code == 200 and again.json()["steps"][0]["violations"] == [], again.text
    for scheme, version in ((scheme_a, 2), (scheme_b, 1)):
        approved = await client.post(f"{S}/schemes/{scheme}/versions/{version}/approve", headers=od,
                                     json={"comment": "同意"})
        assert approved.status_code == 200 and approved.json()["state"] == "approved", approved.text
    history = (await client.get(f"{S}/schemes/{scheme_a}/versions/1/review", headers=ua)).json()
    assert [(s["action"], s["by"]) for s in history["steps"]] == [("submit", f"user:ua-{unit_a[:8]}"),
                                                                ("return", "user:od")]
    assert history["steps"][1]["comments"] == [comment]

    # A marks, closes and publishes its quarter; B does nothing
    base_a = f"{S}/schemes/{scheme_a}/periods/2026Q1"
    marks = {"marks": [{"person_id": a, "indicator": "de", "mark": 90}, {"person_id": a, "indicator": "ji",
                                                                          "mark": 80}]}
    assert (await client.put(f"{base_a}/marks", headers=ua, json=marks)).status_code == 200
    today_is("2026-04-02")
    closed = await client.post(f"{base_a}/close", headers=ua)
    assert closed.status_code == 201, closed.text
    published = await client.post(f"{S}/results/{closed.json()['id']}/publish", headers=od)
    assert published.status_code == 200, published.text
    # the department's list of its units' schemes: A closed the quarter under its approved version 2
    listed = (await client.get(f"{S}/regions/{region}/schemes/review", headers=od,
                               params={"period": "2026Q1"})).json()
    assert {r["unit_id"]: (r["state"], r["version"], r["closed_version"]) for r in listed["items"]} == {
        unit_a: ("approved", 2, 2), unit_b: ("approved", 1, None)}

    # progress, twenty days after the quarter's end (past the 15 days' grace): B is late, A is not
    today_is("2026-04-20")
    progress = await client.get(f"{S}/regions/{region}/progress", headers=od,
                                params={"period": "2026Q1", "min_on_time": "0"})
    assert progress.status_code == 200, progress.text
    assert progress.json()["counts"] == {"units": 2, "late": 1, "off_caps": 0}
    rows = {r["unit_name"]: r for r in progress.json()["items"]}
    assert [r["unit_name"] for r in progress.json()["items"]] == ["B镇", "A镇"]  # the late one first
    assert (rows["B镇"]["review_state"], rows["B镇"]["late"], rows["B镇"]["reasons"], rows["B镇"]["closed_at"]) == (
        "approved", True, ["not_closed"], None)
    assert (rows["A镇"]["review_state"], rows["A镇"]["late"], rows["A镇"]["reasons"], rows["A镇"]["close_version"]) == (
        "approved", False, [], 1)  # the period's first close
    assert rows["A镇"]["published_at"] is not None

    # an inspection of B, a notice of one item; B answers, the department signs it off (销号)
    inspection = await client.post(f"{S}/regions/{region}/inspections", headers=od, json={
        "unit_id": unit_b, "visited_on": "2026-04-20", "team": ["张三", "李四"], "findings": "一季度考核结果未核定"})
    assert inspection.status_code == 201, inspection.text
    issued = await client.post(f"{S}/regions/{region}/notices", headers=od, json={
        "unit_id": unit_b, "inspection_id": inspection.json()["id"], "title": "关于B镇平时考核的整改通知",
        "items": [{"text": "核定并公示一季度考核结果", "deadline": "2026-04-30"}]})
    assert issued.status_code == 201, issued.text
    notice, item = issued.json()["id"], issued.json()["items"][0]["id"]
    assert [n["id"] for n in (await client.get(f"{S}/units/{unit_b}/notices", headers=ub)).json()["items"]] == [
        notice]
    assert (await client.get(f"{S}/notices/{notice}", headers=ua)).status_code == 404  # not A's
    today_is("2026-04-27")
    answered = await client.post(f"{S}/notices/{notice}/items/{item}/answer", headers=ub,
                                 json={"response": "已核定，待公示", "evidence": ["https://example.org/b.jpg"]})
    assert answered.status_code == 200, answered.text
    signed = await client.post(f"{S}/notices/{notice}/items/{item}/decision", headers=od,
                               json={"decision": "sign_off"})
    assert signed.status_code == 200, signed.text
    assert [(i["state"], i["decided_on"]) for i in signed.json()["items"]] == [("signed_off", "2026-04-27")]
    assert [s["action"] for s in signed.json()["items"][0]["steps"]] == ["answer", "sign_off"]
    assert (signed.json()["open_items"], signed.json()["overdue_items"]) == (0, 0)

    # the quarter's bulletin, issued 第1期; its Word document names both townships
    bulletins = f"{S}/regions/{region}/bulletins"
    drafted = await client.post(bulletins, headers=od, json={"period": "2026Q1"})
    assert drafted.status_code == 201, drafted.text
    assert [(u["unit_name"], u["rank"], u["late"]) for u in drafted.json()["units"]] == [
        ("A镇", 1, None), ("B镇", None, "not_closed")]
    bulletin = drafted.json()["id"]
    issued_bulletin = await client.post(f"{bulletins}/{bulletin}/issue", headers=od)
    assert issued_bulletin.status_code == 200, issued_bulletin.text
    assert (issued_bulletin.json()["state"], issued_bulletin.json()["number"]) == ("issued", 1)
    document = await client.get(f"{bulletins}/{bulletin}.docx", headers=od)
    assert document.status_code == 200, document.text
    text = docx_text(document.content)
    for words in ("第1期", "关于审核县2026年第一季度平时考核工作情况的通报", "A镇", "B镇",
                  "B镇未按时完成2026年第一季度考核结果核定"):
        assert words in text, words

    # an officer reads a's file for a promotion vetting; a sees who read it and why
    officer = od  # the region's organisation department
    assert (await client.get(f"{S}/persons/{a}/file", headers=officer)).status_code == 422  # no reason
    found = await client.get(f"{S}/persons/{a}/file", headers=officer, params={"reason": "干部考察：拟提拔"})
    assert found.status_code == 200, found.text
    assert [(p["period"], p["score"], p["rank"]) for p in found.json()["periods"]] == [("2026Q1", "83", 1)]
    reads = await client.get(f"{S}/persons/{a}/file/reads", headers=caller_headers(a))
    assert reads.status_code == 200, reads.text
    assert [(r["reason"], r["read_by"]) for r in reads.json()["items"]] == [("干部考察：拟提拔", "user:od")]
    assert (await client.get(f"{S}/persons/{a}/file/reads", headers=caller_headers(c["people"]["B"]))
            ).status_code == 404  # b never sees a's
