"""The organisation department reviews its units' schemes (方案审核), on the real stack (scoring
and records): a unit's version is a draft until submitted and approved; a returned one comes back
with comments; only an approved version opens rounds and closes periods; the region's hard
requirements refuse a submission, listing every violation."""

from __future__ import annotations

import httpx

from .conftest import REVIEWED, STANDARD, county, scheme_of

S = "/api/v1/scoring"


async def test_two_units_submit_one_is_returned_then_both_are_approved(client: httpx.AsyncClient,
                                                                        records: httpx.AsyncClient) -> None:
    c = await county(records)
    ua, ub, od = c["ua"], c["ub"], c["od"]
    a = await scheme_of(client, c, "A", REVIEWED)
    b = await scheme_of(client, c, "B", {**REVIEWED, "indicators": [REVIEWED["indicators"][0], STANDARD]})
    base_a = f"{S}/schemes/{a}/periods/2025Q1"
    marks = {"marks": [{"person_id": c["people"]["A"], "indicator": "ji", "mark": 90}]}
    assert (await client.put(f"{base_a}/marks", headers=ua, json=marks)).status_code == 200

    # a draft neither closes a period nor opens a round: a 409 naming the version and its state
    refused = await client.post(f"{base_a}/close", headers=ua)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "scheme_not_approved"
    assert (refused.json()["version"], refused.json()["state"]) == (1, "draft")
    assert "version 1" in refused.json()["detail"] and "draft" in refused.json()["detail"]
    opened = await client.post(f"{base_a}/rounds", headers=ua, json={"raters": [
        {"rater_id": c["people"]["A"], "group": "staff"}]})
    assert opened.status_code == 409 and opened.json()["code"] == "scheme_not_approved", opened.text

    # B's administrator neither submits nor sees A's; A's cannot review its own
    assert (await client.post(f"{S}/schemes/{a}/versions/1/submit", headers=ub)).status_code == 404
    assert (await client.get(f"{S}/schemes/{a}/versions/1/review", headers=ub)).status_code == 404
    submitted = await client.post(f"{S}/schemes/{a}/versions/1/submit", headers=ua)
    assert submitted.status_code == 200, submitted.text
    # 绩 has no scoring standard: listed for the reviewer (not a hard requirement by default)
    assert [(v["requirement"], v["field"], v["hard"]) for v in submitted.json()["steps"][0]["violations"]] == [
        ("scoring_standards", "definition.indicators.1.standard", False)]
    assert (await client.post(f"{S}/schemes/{a}/versions/1/submit", headers=ua)).status_code == 409  # waiting
    assert (await client.post(f"{S}/schemes/{b}/versions/1/submit", headers=ub)).status_code == 200
    assert (await client.post(f"{S}/schemes/{a}/versions/1/approve", headers=ua)).status_code == 403

    listed = await client.get(f"{S}/regions/{c['region']}/schemes/review", headers=od, params={"period": "2025Q1"})
    assert listed.status_code == 200, listed.text
    assert listed.json()["counts"]["submitted"] == 2
    assert [(r["unit_id"], r["state"]) for r in listed.json()["items"]] == [
        (c["units"]["A"], "submitted"), (c["units"]["B"], "submitted")]  # the longest waiting first
    assert (await client.get(f"{S}/regions/{c['region']}/schemes/review", headers=ua)).status_code == 404

    # returned: a comment is required, on a point of the scheme where it names one
    ret = f"{S}/schemes/{a}/versions/1/return"
    for body, field in (({}, "body.comments"), ({"comments": []}, "body.comments"),
                        ({"comments": [{"path": "nonsense.x", "comment": "?"}]}, "body.comments.0.path")):
        bad = await client.post(ret, headers=od, json=body)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field, bad.text
    comment = {"path": "indicators.1.standard", "comment": "指标“绩”没有评分标准，请补充"}
    returned = await client.post(ret, headers=od, json={"comments": [comment]})
    assert returned.status_code == 200 and returned.json()["state"] == "returned", returned.text
    assert (await client.post(f"{S}/schemes/{a}/versions/1/approve", headers=od)).status_code == 409

    # the unit puts it right in a new version and submits that; both approved
    fixed = await client.post(f"{S}/schemes/{a}/versions", headers=ua, json={
        "definition": {**REVIEWED, "indicators": [REVIEWED["indicators"][0], STANDARD]}})
    assert fixed.status_code == 201 and fixed.json()["state"] == "draft", fixed.text
    again = await client.post(f"{S}/schemes/{a}/versions/2/submit", headers=ua)
    assert again.status_code == 200 and again.json()["steps"][0]["violations"] == [], again.text
    for scheme, version in ((a, 2), (b, 1)):
        approved = await client.post(f"{S}/schemes/{scheme}/versions/{version}/approve", headers=od,
                                     json={"comment": "同意"})
        assert approved.status_code == 200 and approved.json()["state"] == "approved", approved.text

    closed = await client.post(f"{base_a}/close", headers=ua)
    assert closed.status_code == 201, closed.text
    # the history of version 1: who submitted and who returned it, when, with the comment
    history = (await client.get(f"{S}/schemes/{a}/versions/1/review", headers=ua)).json()
    assert [(s["action"], s["by"]) for s in history["steps"]] == [("submit", "user:ua-" + c["units"]["A"][:8]),
                                                                ("return", "user:od")]
    assert history["steps"][1]["comments"] == [comment] and history["state"] == "returned"
    listed = (await client.get(f"{S}/regions/{c['region']}/schemes/review", headers=od,
                               params={"period": "2025Q1"})).json()
    assert {r["unit_id"]: (r["state"], r["version"], r["closed_version"]) for r in listed["items"]} == {
        c["units"]["A"]: ("approved", 2, 2), c["units"]["B"]: ("approved", 1, None)}
    assert listed["counts"]["approved"] == 2


async def test_a_hard_requirement_refuses_the_submission_with_the_list(client: httpx.AsyncClient,
                                                                       records: httpx.AsyncClient) -> None:
    c = await county(records)
    requirements = f"{S}/regions/{c['region']}/requirements"
    national = (await client.get(requirements, headers=c["ua"])).json()
    assert national["national_defaults"] is True and national["good_share_max"] == "0.4"
    put = await client.put(requirements, headers=c["od"], json={"good_share_max": "0.3",
                                                                "hard": ["good_share", "scoring_standards"]})
    assert put.status_code == 200 and put.json()["year_quarter_share_min"] == "0.6", put.text
    assert (await client.put(requirements, headers=c["ua"], json={})).status_code == 404
    bad = await client.put(requirements, headers=c["od"], json={"hard": ["everything"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.hard.0", bad.text
    # a number with more digits than a share keeps (a float's), or in exponent form: taken to 12 places
    for number, kept in ((0.536815198431556, "0.536815198432"), (0.1 + 0.2, "0.3"), (5.960464477539063e-08,
                                                                                      "0.000000059605"), (1e-13, "0")):
        rounded = await client.put(requirements, headers=c["od"], json={"good_share_max": number})
        assert rounded.status_code == 200 and rounded.json()["good_share_max"] == kept, rounded.text
        assert (await client.get(requirements, headers=c["od"])).json()["good_share_max"] == kept
    put = await client.put(requirements, headers=c["od"], json={"good_share_max": "0.3",
                                                                "hard": ["good_share", "scoring_standards"]})
    assert put.status_code == 200, put.text
    b = await scheme_of(client, c, "B", {k: v for k, v in REVIEWED.items() if k != "missing_inputs"})
    refused = await client.post(f"{S}/schemes/{b}/versions/1/submit", headers=c["ub"])
    assert refused.status_code == 422 and refused.json()["code"] == "requirements_unmet", refused.text
    # 好 capped by default at 40% where the region allows 30%; 绩 without its standard
    assert [(e["field"], e["requirement"]) for e in refused.json()["errors"]] == [
        ("definition.grades.caps.0.max_share", "good_share"), ("definition.indicators.1.standard",
                                                               "scoring_standards")]
    state = (await client.get(f"{S}/schemes/{b}/versions/1/review", headers=c["ub"])).json()
    assert (state["state"], state["steps"]) == ("draft", [])  # nothing submitted
    fixed = {**REVIEWED, "indicators": [REVIEWED["indicators"][0], STANDARD],
             "grades": {"caps": [{"grade": "good", "max_share": "0.3"}]}}
    assert (await client.post(f"{S}/schemes/{b}/versions", headers=c["ub"], json={"definition": fixed})).json()[
        "state"] == "draft"
    assert (await client.post(f"{S}/schemes/{b}/versions/1/submit", headers=c["ub"])).status_code == 409  # not latest
    ok = await client.post(f"{S}/schemes/{b}/versions/2/submit", headers=c["ub"])
    assert ok.status_code == 200 and ok.json()["state"] == "submitted", ok.text


async def test_a_scheme_the_region_saves_is_approved_as_saved(client: httpx.AsyncClient,
                                                              records: httpx.AsyncClient) -> None:
    c = await county(records)
    made = await client.post(f"{S}/schemes", headers=c["od"], json={
        "region_id": c["region"], "unit_id": c["units"]["A"], "name": "A镇方案", "definition": REVIEWED})
    assert made.status_code == 201 and made.json()["state"] == "approved", made.text
    history = (await client.get(f"{S}/schemes/{made.json()['id']}/versions/1/review", headers=c["ua"])).json()
    assert [(s["action"], s["by"]) for s in history["steps"]] == [("approve", "user:od")]
    assert (await client.post(f"{S}/schemes/{made.json()['id']}/versions/1/submit",
                              headers=c["ua"])).status_code == 409
    listed = (await client.get(f"{S}/regions/{c['region']}/schemes/review", headers=c["od"])).json()
    assert [(r["unit_id"], r["state"]) for r in listed["items"]] == [(c["units"]["B"], "no_scheme"),
                                                                     (c["units"]["A"], "approved")]
