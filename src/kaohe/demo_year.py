"""The demo county's year beyond its quarters: the allocation of excellent slots, 化成's year
through Taibai's procedure recorded afterwards, and the accounts the printed examples use."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import httpx

from kaohe.demo_county import PASSWORD, YEAR, Account, Person, Unit, ok


async def allocate(gateway: httpx.AsyncClient, region_id: str, units: list[Unit], *,
                    wrong: dict[str, str] | None = None, supersede: str | None = None) -> dict[str, Any]:
    """Store the units (with ``wrong`` grades by unit code, as keyed by mistake), run the
    allocation and publish it; its warnings, if any, are accepted with a reason, as the
    organisation department would after reading them."""
    wrong = wrong or {}
    await ok(gateway.put, f"/api/v1/quota/regions/{region_id}/years/{YEAR}/units", json={"units": [
        {"id": u.id, "kind": u.kind, "grade": wrong.get(u.code, u.grade), "points": u.points,
         "conditions": u.conditions, "red_lines": u.red_lines, **({"group": u.group} if u.group else {}),
         **({"commendation": "city"} if "city_commendation" in u.conditions else {})} for u in units]})
    run = await ok(gateway.post, f"/api/v1/quota/regions/{region_id}/years/{YEAR}/allocations")
    body: dict[str, Any] = {}
    if run["result"]["warnings"]:
        body.update(accept_warnings=True, reason="已研究：警示情形如实公开")
    if supersede:
        body.update(supersedes=True, reason=supersede)
    publication = await ok(gateway.post, f"/api/v1/quota/allocations/{run['id']}/publish", json=body or None)
    return {**run, "publication": publication}


#: 化成 ran its year's procedure on paper in January 2026 (the publicity on the notice board) and
#: records each move afterwards, on the day it took effect: the day each stage was entered
ON_PAPER = {"weekly_records": date(2026, 1, 5), "monthly_reports": date(2026, 1, 5),
            "leader_comments": date(2026, 1, 6), "attendance": date(2026, 1, 6), "adjustments": date(2026, 1, 7),
            "negative_list": date(2026, 1, 7), "democratic_rating": date(2026, 1, 8),
            "unit_evaluation": date(2026, 1, 9), "draft": date(2026, 1, 12), "publicity": date(2026, 1, 13)}
RECORDED = "按纸质台账补录：2025年度考核程序已线下完成"
POSTED = "结果公示于镇政务公开栏张贴，事后补录"


async def year_through_procedure(gateway: httpx.AsyncClient, scheme_id: str, members: list[Person], *,
                                  stranger: Person, rng: random.Random) -> dict[str, Any]:
    """The year of one scheme through Taibai's twelve steps, run on paper in January 2026 and
    recorded afterwards, each move on the day it took effect: the publicity (公示) on the notice
    board for five working days from the day after it was posted, over by the time it is recorded,
    then the objection review and the final result, which publishes the year. On the way the
    year's democratic rating round is opened with a mistaken rater (of another township), who is
    replaced before anyone rates."""
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods/{YEAR}"

    async def move(code: str, on: date, reason: str = RECORDED) -> dict[str, Any]:
        """Enter the stage ``code`` (the first one: start the run) as of ``on``."""
        state: dict[str, Any] = await ok(gateway.post, f"{base}/procedure/advance",
                                          json={"on": on.isoformat(), "reason": reason})
        if state["current"] != code:
            raise RuntimeError(f"the procedure entered {state['current']}, not {code}")
        return state

    codes = list(ON_PAPER)  # Taibai's stages, in order, as far as the publicity
    rating = codes.index("democratic_rating")
    for code in codes[:rating + 1]:
        state = await move(code, ON_PAPER[code])
    left_out, *raters = members
    round_ = await ok(gateway.post, f"{base}/rounds", json={"raters": [
        {"rater_id": p.id, "group": p.category} for p in [*raters, stranger]]})
    await ok(gateway.post, f"/api/v1/scoring/rounds/{round_['id']}/raters/{stranger.id}/replace",
              json={"rater_id": left_out.id, "reason": "误将鼎山镇干部列为测评人，更正为本单位干部"})
    for rater in members:
        await ok(gateway.put, f"/api/v1/scoring/rounds/{round_['id']}/ratings", json={
            "rater_id": rater.id, "on_behalf": True, "ratings": [
                {"person_id": p.id, "mark": round(min(100, max(50, rng.gauss(p.quality, 5))), 1)}
                for p in members if p is not rater]})
    await ok(gateway.post, f"/api/v1/scoring/rounds/{round_['id']}/close")
    for code in codes[rating + 1:]:
        if state["current"] == "draft":
            await ok(gateway.post, f"{base}/close")  # the draft, made public next
        state = await move(code, ON_PAPER[code], POSTED if code == "publicity" else RECORDED)
    window = state["window"]
    over = date.fromisoformat(window["ends_on"]) + timedelta(days=1)
    await move("objection_review", over, "公示期满，未收到异议")
    state = await move("final", over + timedelta(days=1), "县委组织部确定等次，事后补录")
    return {"round_id": round_["id"], "final_close_id": state["final_close_id"],
            "window": window, "final_on": state["history"][-1]["opened_on"]}


async def accounts(gateway: httpx.AsyncClient, region_id: str, unit: Unit,
                    members: list[Person]) -> tuple[list[Account], dict[str, str]]:
    leader = next(p for p in members if p.category == "leadership")
    member = next(p for p in members if p.category == "staff")
    accounts = [Account("region_admin", "zuzhibu", "示范县委组织部 (the region's organisation department)"),
                Account("unit_admin", "huacheng-admin", f"{unit.name} unit administrator"),
                Account("leader", "huacheng-leader", f"{unit.name} leader {leader.name}"),
                Account("member", "huacheng-member", f"{unit.name} cadre {member.name}")]
    scopes = {"region_admin": {"region_id": region_id}, "unit_admin": {"unit_id": unit.id},
              "leader": {"unit_id": unit.id, "person_id": leader.id}, "member": {"person_id": member.id}}
    for account in accounts:
        await ok(gateway.post, "/api/v1/admin/users", json={"username": account.username, "password": PASSWORD,
                                                            "role": account.role, **scopes[account.role]})
    return accounts, {"member_person_id": member.id, "leader_person_id": leader.id}
