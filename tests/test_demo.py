"""The demo county's whole year, run through the gateway against the real services, and what the
printed examples show."""

from __future__ import annotations

import io
import random
from fractions import Fraction

import httpx
from docx import Document

from kaohe.demo import PASSWORD, YEAR, county, load_demo
from kaohe.demo_todo import todo_lists
from shared.testing import every_item, sign_in


def test_the_county_is_drawn_from_the_seed() -> None:
    first, again = county(random.Random(7)), county(random.Random(7))
    assert [(u.code, u.name, u.size, u.grade, u.points) for u in first[0]] == [
        (u.code, u.name, u.size, u.grade, u.points) for u in again[0]]
    assert [(p.staff_no, p.name, p.category) for p in first[1]] == [(p.staff_no, p.name, p.category)
                                                                    for p in again[1]]
    units, people = first
    kinds = [u.kind for u in units]
    assert (len(units), kinds.count("township"), kinds.count("street"), kinds.count("institution")) == (83, 23, 4, 8)
    assert 1_550 <= len(people) <= 1_850
    assert {p.category for p in people} == {"leadership", "middle", "staff", "non_staff"}


async def test_a_whole_year_through_the_gateway(gateway: httpx.AsyncClient, database_urls: dict[str, str]) -> None:
    demo = await load_demo(gateway, database_urls, seed=11, scale=0.3, say=lambda _: None)
    s = demo.showcase
    # The roster and one unit's December attendance came as workbooks laid out as forms: a title row,
    # the units (or people) merged down their blocks, a sign-off and a date line below the data.
    roster, attendance = demo.figures["roster_import"], demo.figures["attendance_import"]
    assert (roster["added"], roster["layout"]["header_row"], roster["skipped"]) == (demo.people, 2, 3)
    assert [k["text"][:3] for k in roster["layout"]["skipped"]] == ["", "填表人", "制表日"]
    assert attendance["layout"]["header_row"] == 2 and attendance["updated"] == attendance["unchanged"] == 0
    assert attendance["inserted"] == attendance["rows"] > 0
    allocation = (await gateway.get(f"/api/v1/quota/allocations/{s['allocation_id']}")).json()
    assert allocation["published"]
    result = allocation["result"]
    # The published allocation meets its own policy: the uplift reached, or the shortfall stated.
    township, department = Fraction(result["township_ratio"]), Fraction(result["department_ratio"])
    if result["feasible"]:
        assert township >= department * Fraction(6, 5)
    else:
        assert result["shortfall"] > 0
    for unit in result["units"]:
        assert 0 <= unit["total"] <= unit["cap"]
    assert result["pool"]["left"] == 0 or result["pool"]["left_reason"]
    assert any(step["step"] == "honour_points" for step in result["trace"])  # the ledger's honours counted
    # The pool held between a tenth and a fifth of the slots; designated slots came from each
    # township's grade and commendation (a first-class, commended township gets both).
    bounds = result["pool_bounds"]
    assert (bounds["min"], bounds["max"]) == ("0.1", "0.2")
    designated = {u["id"]: u["designated"] for u in result["units"]}
    for unit in allocation["units"]:
        if unit["kind"] == "township" and not unit["red_lines"]:
            expected = (unit["grade"] == "first") + (unit.get("commendation") == "city")
            assert designated[unit["id"]] == expected, unit
    slots = {u["id"]: u["total"] for u in result["units"]}
    owner = {member: u["id"] for u in result["units"] for member in (u["members"] or [u["id"]])}
    # Every scheme's year: excellent never beyond the slots published for its units.
    for scheme_id in demo.schemes.values():
        year = (await gateway.get(f"/api/v1/scoring/schemes/{scheme_id}/periods/{YEAR}/results")).json()
        assert year["close"]["published_at"] is not None  # 化成's too: by its procedure's final stage
        rows = await every_item(gateway, f"/api/v1/scoring/schemes/{scheme_id}/periods/{YEAR}/results")
        excellent = sum(1 for r in rows if r["grade"] == "excellent")
        pools = {owner[r["unit_id"]] for r in year["items"]}  # a merged group shares one pool share
        assert excellent <= sum(slots[p] for p in pools) == year["close"]["summary"]["excellent_slots"]
        quarters = [(await gateway.get(f"/api/v1/scoring/schemes/{scheme_id}/periods/{YEAR}Q{q}/versions"))
                    .json()["items"]
                    for q in range(1, 5)]
        assert all(v[-1]["published_at"] for v in quarters)
    # 化成's Taibai version: written by its administrator, returned once by the 组织部 with a comment per
    # indicator without its scoring standard, put right in version 3 and approved
    versions = f"/api/v1/scoring/schemes/{s['scheme_id']}/versions"
    returned = (await gateway.get(f"{versions}/2/review")).json()
    assert (returned["state"], [a["action"] for a in returned["steps"]]) == ("returned", ["submit", "return"])
    assert [c["path"] for c in returned["steps"][1]["comments"]][:2] == ["indicators.0.standard",
                                                                         "indicators.1.standard"]
    approved = (await gateway.get(f"{versions}/3/review")).json()
    assert (approved["state"], [a["action"] for a in approved["steps"]]) == ("approved", ["submit", "approve"])
    listed = (await gateway.get(f"/api/v1/scoring/regions/{demo.region_id}/schemes/review",
                                params={"period": str(YEAR)})).json()
    assert listed["counts"]["approved"] == len(demo.schemes) and listed["counts"]["no_scheme"] == 0
    assert {r["version"] for r in listed["items"] if r["scheme_id"] == s["scheme_id"]} == {3}
    # 化成 inspected in October and given a notice, both recorded afterwards: the first item answered and
    # signed off (销号), the second past its deadline of 11-30; the county's bulletin of each quarter issued,
    # the fourth quarter's criticising the overdue item
    region = f"/api/v1/scoring/regions/{demo.region_id}"
    inspections = (await gateway.get(f"{region}/inspections")).json()["items"]
    assert [(i["id"], i["unit_id"], i["visited_on"]) for i in inspections] == [
        (s["inspection_id"], s["unit_id"], f"{YEAR}-10-20")]
    notice = (await gateway.get(f"/api/v1/scoring/notices/{s['notice_id']}")).json()
    assert (notice["inspection_id"], notice["issued_on"], notice["overdue_items"]) == (
        s["inspection_id"], f"{YEAR}-10-24", 1)
    assert [(i["state"], i["deadline"], i["overdue"]) for i in notice["items"]] == [
        ("signed_off", f"{YEAR}-11-15", False), ("open", f"{YEAR}-11-30", True)]
    issued = (await gateway.get(f"{region}/bulletins", params={"state": "issued"})).json()["items"]
    assert [(b["period"], b["number"]) for b in issued] == [(f"{YEAR}Q{q}", q) for q in (4, 3, 2, 1)]
    fourth = (await gateway.get(f"{region}/bulletins/{issued[0]['id']}")).json()
    assert [x["key"] for x in fourth["criticisms"] if x["kind"] == "overdue_rectification"] == [
        f"overdue:{notice['items'][1]['id']}"]
    third = (await gateway.get(f"{region}/bulletins/{issued[1]['id']}")).json()
    assert not [x for x in third["criticisms"] if x["kind"] == "overdue_rectification"]  # due after the quarter
    # the README's three calls of the 组织部: the progress view, the review list, the latest bulletin's .docx
    zuzhibu = {**gateway.headers, **await sign_in(gateway, "zuzhibu", PASSWORD)}
    assert (await gateway.get("/api/v1/me", headers=zuzhibu)).json()["region_ids"] == [demo.region_id]
    progress = await gateway.get(f"{region}/progress", params={"period": f"{YEAR}Q4", "sort": "flags"}, headers=zuzhibu)
    assert progress.status_code == 200 and len(progress.json()["items"]) == demo.units, progress.text[:300]
    assert (await gateway.get(f"{region}/schemes/review", params={"period": str(YEAR)},
                              headers=zuzhibu)).status_code == 200
    document = await gateway.get(f"{region}/bulletins/{issued[0]['id']}.docx", headers=zuzhibu)
    text = "\n".join(p.text for p in Document(io.BytesIO(document.content)).paragraphs)
    assert "第4期" in text and "化成镇未按期完成整改" in text
    # 化成's year: Taibai's twelve steps, run on paper in January 2026 and recorded afterwards on their
    # days: the publicity posted on Tuesday 01-13, five working days from 01-14 to 01-20, then the
    # objection review and the final stage, which published the year; its rating round corrected on
    # the way (a rater of another township replaced, with the reason).
    procedure = (await gateway.get(f"/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}/procedure")).json()
    assert (procedure["current"], procedure["finished"], len(procedure["stages"])) == ("final", True, 12)
    window = procedure["window"]
    assert (window["opened_on"], window["starts_on"], window["ends_on"], window["working_days"], window["open"]) == (
        "2026-01-13", "2026-01-14", "2026-01-20", 5, False)
    history = procedure["history"]
    assert [(h["code"], h["opened_on"]) for h in history] == [
        ("weekly_records", "2026-01-05"), ("monthly_reports", "2026-01-05"), ("leader_comments", "2026-01-06"),
        ("attendance", "2026-01-06"), ("adjustments", "2026-01-07"), ("negative_list", "2026-01-07"),
        ("democratic_rating", "2026-01-08"), ("unit_evaluation", "2026-01-09"), ("draft", "2026-01-12"),
        ("publicity", "2026-01-13"), ("objection_review", "2026-01-21"), ("final", "2026-01-22")]
    assert all(h["opened_recorded_on"] == procedure["today"] and h["late_reason"] for h in history)
    assert history[6]["missing_ballots"] == 0  # the round closed with every ballot in
    published = (await gateway.get(f"/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}/versions")).json()["items"]
    assert [v["id"] for v in published if v["published_at"]] == [procedure["final_close_id"]]
    publicity = await gateway.get(f"/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}/procedure/publicity")
    assert publicity.status_code == 200, publicity.text
    assert "score" not in publicity.text  # name, unit and the proposed grade: never the marks
    changes = (await gateway.get(f"/api/v1/scoring/rounds/{s['year_round_id']}/history")).json()["items"]
    assert [c["reason"] for c in changes] == ["误将鼎山镇干部列为测评人，更正为本单位干部"]
    # 化成's fourth quarter: a deduction keyed against the wrong person, voided and kept in the history
    voided = (await gateway.get(f"/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}Q4/changes")).json()
    assert [(c["kind"], c["old"]["points"], c["reason"][:5]) for c in voided["items"] if c["action"] == "void"] == [
        ("adjustment", "-2.00", "录入错误：")]  # a deduction of 2
    # The allocation: published with 曾口's grade keyed wrong, superseded by the corrected one
    publications = (await gateway.get(f"/api/v1/quota/regions/{s['region_id']}/years/{YEAR}/publications")).json()
    old, current = publications["items"]
    assert old["superseded"]["reason"].endswith("更正后重新测算发布") and not old["current"]
    assert current["current"] and current["supersedes_id"] == old["id"] and current["run_id"] == s["allocation_id"]
    # 清江 ranks monthly: the fourth quarter's months, and the people at the bottom two months running
    bottom = (await gateway.get(f"/api/v1/scoring/schemes/{s['monthly_scheme_id']}/periods/{YEAR}Q4/bottom")).json()
    assert [m["period"] for m in bottom["months"]] == [f"{YEAR}-10", f"{YEAR}-11", f"{YEAR}-12"]
    for group in bottom["groups"]:
        for person in group["people"]:
            assert person["months_running"] >= 2
    # The education bureau is rated in five dimensions, its service users with one-time codes.
    service = demo.schemes["D07"]
    first = (await gateway.get(f"/api/v1/scoring/schemes/{service}/periods/{YEAR}Q4/results")).json()["items"][0]
    rated = (await gateway.get(f"/api/v1/scoring/schemes/{service}/periods/{YEAR}Q4/people/{first['person_id']}/"
                               "explanation")).json()["detail"]["evaluation"]
    assert {d["name"] for d in rated["dimensions"]["weights"]} == {"强度", "难度", "数量", "成效", "措施"}
    by_code = next(g for g in rated["groups"] if g["group"] == "service")
    assert by_code["outside"] and by_code["raters"] >= 1
    # Posts are on the roster, and some key tasks have a co-owner (协办) with a third of them.
    person = (await gateway.get(f"/api/v1/records/persons/{first['person_id']}")).json()
    assert person["history"][-1]["post"] in {"领导岗", "管理岗", "综合岗", "业务岗", "窗口服务岗"}
    tasks = await every_item(gateway, "/api/v1/records/tasks", {"unit_id": s["unit_id"], "period": str(YEAR)})
    shared = [t for t in tasks if t["co_owners"]]
    assert shared and all(t["lead_share"] == "0.6667" and t["co_owners"][0]["share"] == "0.3333" for t in shared)
    # The printed examples: a member's own explanation, and an objection to it.
    member = {**gateway.headers, **await sign_in(gateway, "huacheng-member", PASSWORD)}
    own = await gateway.get(f"/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}Q4/people/"
                            f"{s['member_person_id']}/explanation", headers=member)
    assert own.status_code == 200, own.text
    detail = own.json()["detail"]
    assert detail["evaluation"]["share"] == "0.2" and [leaf["path"] for leaf in detail["indicators"]["leaves"]] == [
        "de", "neng", "qin/ontime", "qin/att", "qin/leave", "ji/task", "ji/work", "lian"]
    # No grade decided by a missing value: whatever is missing is named with the policy the scheme chose.
    assert {m["policy"] for m in detail["missing"]} <= {"renormalise", "unit_mean"}
    assert detail["indicators"]["leaves"][4]["direction"] == "lower is better"
    objection = await gateway.post(f"/api/v1/scoring/results/{own.json()['close_id']}/objections",
                                   json={"reason": "第四季度漏记了防汛任务"}, headers=member)
    assert objection.status_code == 201, objection.text
    admin = {**gateway.headers, **await sign_in(gateway, "huacheng-admin", PASSWORD)}
    pending = (await gateway.get("/api/v1/scoring/objections", params={"status": "pending"},
                                 headers=admin)).json()["items"]
    assert [o["id"] for o in pending] == [objection.json()["id"]]
    unit_results = await gateway.get(f"/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}Q4/results",
                                     headers=admin)
    assert unit_results.status_code == 200 and unit_results.json()["total"] > 0
    # Each account's to-do, as the demo prints it: the administrator now has the objection to review.
    printed = await todo_lists(gateway, demo.accounts)
    assert printed.splitlines()[1] == "各账号的待办事项（GET /api/v1/me/todo，按截止时间排序）："
    for account in demo.accounts:
        assert f"    {account.username}：共 " in printed
    admin_lines = printed.split("    huacheng-admin：")[1].splitlines()
    assert admin_lines[1].startswith("      [异议审核] 审核") and "考核结果的异议" in admin_lines[1]
