"""Inspections and rectification notices on the real stack (scoring and records): the department
inspects a unit and issues a notice with two items; the unit answers both; one is signed off (销号),
the other returned, and past its deadline it is listed overdue. Another unit never sees the notice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from shared.service_auth import Caller
from shared.testing import service_headers

from .conftest import county

S = "/api/v1/scoring"


def leader(unit_id: str) -> dict[str, str]:
    return service_headers(Caller(subject=f"user:l-{unit_id[:8]}", roles=("leader",), unit_ids=(unit_id,)))


async def test_inspection_notice_answer_sign_off_and_overdue(client: httpx.AsyncClient, records: httpx.AsyncClient,
                                                             today_is: Callable[[str], None]) -> None:
    c = await county(records)
    od, ua, ub, region, unit = c["od"], c["ua"], c["ub"], c["region"], c["units"]["A"]
    today_is("2026-03-02")
    inspection = await client.post(f"{S}/regions/{region}/inspections", headers=od, json={
        "unit_id": unit, "visited_on": "2026-03-02", "team": ["张三", "李四"], "findings": "周纪实缺漏，测评未公示"})
    assert inspection.status_code == 201, inspection.text
    body: dict[str, Any] = {"unit_id": unit, "inspection_id": inspection.json()["id"],
                            "title": "关于A镇平时考核的整改通知",
                            "items": [{"text": "补齐一季度周纪实", "deadline": "2026-03-20"},
                                      {"text": "测评结果公示", "deadline": "2026-03-01"}]}
    nowhere = {**body, "unit_id": str(uuid.uuid4())}
    missing = await client.post(f"{S}/regions/{region}/notices", headers=od, json=nowhere)
    assert missing.status_code == 422 and missing.json()["code"] == "invalid_reference", missing.text  # first
    assert [e["field"] for e in missing.json()["errors"]] == ["body.unit_id"]
    past = await client.post(f"{S}/regions/{region}/notices", headers=od, json=body)
    assert past.status_code == 422 and past.json()["code"] == "input_invalid", past.text
    assert [e["field"] for e in past.json()["errors"]] == ["body.items.1.deadline"]
    assert (await client.get(f"{S}/regions/{region}/notices", headers=od)).json()["items"] == []  # nothing written

    body["items"][1]["deadline"] = "2026-03-10"
    issued = await client.post(f"{S}/regions/{region}/notices", headers=od, json=body)
    assert issued.status_code == 201, issued.text
    notice = issued.json()
    first, second = (i["id"] for i in notice["items"])
    assert [(i["position"], i["state"], i["deadline"]) for i in notice["items"]] == [
        (1, "open", "2026-03-20"), (2, "open", "2026-03-10")]
    assert (notice["open_items"], notice["overdue_items"], notice["issued_on"]) == (2, 0, "2026-03-02")

    # the unit sees its own notice and an event tells it; another unit gets a 404 for it
    assert [n["id"] for n in (await client.get(f"{S}/units/{unit}/notices", headers=leader(unit))).json()[
        "items"]] == [notice["id"]]
    feed = (await client.get(f"{S}/events", headers=ua)).json()
    assert [(e["kind"], e["payload"]["items"]) for e in feed["events"] if e["kind"] == "notice_issued"] == [
        ("notice_issued", 2)]
    todo = (await client.get(f"{S}/units/{unit}/outstanding", headers=ua)).json()["rectifications"]
    assert [(i["position"], i["deadline"], i["overdue"]) for i in todo] == [(2, "2026-03-10", False),
                                                                           (1, "2026-03-20", False)]
    assert (await client.get(f"{S}/units/{c['units']['B']}/outstanding", headers=ub)).json()["rectifications"] == []
    assert (await client.get(f"{S}/notices/{notice['id']}", headers=ub)).status_code == 404
    assert (await client.get(f"{S}/units/{unit}/notices", headers=ub)).status_code == 404
    answer_b = await client.post(f"{S}/notices/{notice['id']}/items/{first}/answer", headers=ub,
                                 json={"response": "x"})
    assert answer_b.status_code == 404
    # the department does not answer for the unit; the unit does not sign off its own items
    assert (await client.post(f"{S}/notices/{notice['id']}/items/{first}/answer", headers=od,
                              json={"response": "x"})).status_code == 403

    today_is("2026-03-08")
    for item, text in ((first, "已补齐周纪实"), (second, "已在公示栏公示")):
        answered = await client.post(f"{S}/notices/{notice['id']}/items/{item}/answer", headers=ua,
                                     json={"response": text, "evidence": ["https://example.org/gs.jpg"]})
        assert answered.status_code == 200, answered.text
    assert (await client.post(f"{S}/notices/{notice['id']}/items/{first}/decision", headers=ua,
                              json={"decision": "sign_off"})).status_code == 403
    no_reason = await client.post(f"{S}/notices/{notice['id']}/items/{second}/decision", headers=od,
                                  json={"decision": "return"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "body.reason"

    signed = await client.post(f"{S}/notices/{notice['id']}/items/{first}/decision", headers=od,
                               json={"decision": "sign_off"})
    assert signed.status_code == 200, signed.text
    returned = await client.post(f"{S}/notices/{notice['id']}/items/{second}/decision", headers=od,
                                 json={"decision": "return", "reason": "公示照片看不清，公示期不足5个工作日"})
    assert [(i["state"], i["decided_on"]) for i in returned.json()["items"]] == [
        ("signed_off", "2026-03-08"), ("returned", "2026-03-08")]
    assert [s["action"] for s in returned.json()["items"][1]["steps"]] == ["answer", "return"]
    again = await client.post(f"{S}/notices/{notice['id']}/items/{first}/decision", headers=od,
                              json={"decision": "return", "reason": "再看"})
    assert again.status_code == 409 and again.json()["code"] == "rectification_state"

    # on the 13th the returned item is three days past its deadline of the 10th; the signed-off one is not listed
    today_is("2026-03-13")
    overdue = (await client.get(f"{S}/regions/{region}/notices", headers=od, params={"overdue": "true"})).json()
    assert [(n["id"], [(i["position"], i["state"], i["days_overdue"]) for i in n["items"]])
            for n in overdue["items"]] == [(notice["id"], [(2, "returned", 3)])]
    whole = (await client.get(f"{S}/notices/{notice['id']}", headers=ua)).json()
    assert (whole["open_items"], whole["overdue_items"]) == (1, 1)
    # another region's officer: no such region
    other = service_headers(Caller(subject="user:rb", roles=("region_admin",), region_ids=(c["units"]["B"],)))
    assert (await client.get(f"{S}/regions/{region}/notices", headers=other)).status_code == 404

    closed = await client.post(f"{S}/notices/{notice['id']}/items/{second}/decision", headers=od,
                               json={"decision": "close", "reason": "并入二季度督导"})
    assert [i["state"] for i in closed.json()["items"]] == ["signed_off", "closed"]
    assert (await client.get(f"{S}/regions/{region}/notices", headers=od,
                             params={"overdue": "true"})).json()["items"] == []


async def test_a_notice_recorded_afterwards_is_checked_against_its_issue_day(
        client: httpx.AsyncClient, records: httpx.AsyncClient, today_is: Callable[[str], None]) -> None:
    """Issued on paper on 2026-02-10 after an inspection on 02-09, recorded on 03-02: its deadlines
    count from 02-10, and an item due 02-20 is overdue as soon as it is recorded."""
    c = await county(records)
    od, region, unit = c["od"], c["region"], c["units"]["A"]
    today_is("2026-03-02")
    inspection = (await client.post(f"{S}/regions/{region}/inspections", headers=od, json={
        "unit_id": unit, "visited_on": "2026-02-09", "team": ["张三"], "findings": "周纪实缺漏"})).json()
    body: dict[str, Any] = {"unit_id": unit, "inspection_id": inspection["id"], "title": "整改通知",
                            "issued_on": "2026-03-03", "items": [{"text": "补齐周纪实", "deadline": "2026-03-20"}]}
    cases = [("2026-03-03", "2026-03-20", "body.issued_on"),  # not issued yet
             ("2026-02-08", "2026-03-20", "body.issued_on"),  # before the inspection that found the problems
             ("2026-02-10", "2026-02-09", "body.items.0.deadline")]  # due before it was issued
    for issued_on, deadline, field in cases:
        body["issued_on"], body["items"][0]["deadline"] = issued_on, deadline
        refused = await client.post(f"{S}/regions/{region}/notices", headers=od, json=body)
        assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == [field], refused.text
    assert (await client.get(f"{S}/regions/{region}/notices", headers=od)).json()["items"] == []

    body["issued_on"], body["items"][0]["deadline"] = "2026-02-10", "2026-02-20"
    issued = await client.post(f"{S}/regions/{region}/notices", headers=od, json=body)
    assert issued.status_code == 201, issued.text
    notice = issued.json()
    assert (notice["issued_on"], notice["overdue_items"], notice["items"][0]["days_overdue"]) == ("2026-02-10", 1, 10)
