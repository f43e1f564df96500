"""A demo county modelled on the pilots, and its whole year, loaded through the gateway.

About 83 units (23 townships, 4 streets, 48 departments, 8 参公 institutions, each institution
evaluated with its supervising department, Chengbu's way), about 1,700 people in four staff
categories, and a year of their records: weekly records, monthly reports, leader comments,
attendance with leave, tasks with progress. Then the year is run as an organisation department
would run it, through the gateway: a scheme per unit or merged group (Xiacun's shape: 德 能 勤 绩 廉
with a 40/30/20/10 rater evaluation at 20%), four quarters of rating rounds, marks, bonus and
deduction items and negative-list events, each quarter closed and published; the education
bureau rated Binzhou's way (five rating dimensions, and its service users rating with one-time
codes); posts on the roster and co-owned key tasks; the region's pool-and-tilt allocation of
excellent slots (Bazhou's four steps, the pool held between a tenth and a fifth of the slots,
designated slots from each township's grade and commendation) run, published with one township's
grade keyed wrong and superseded by the corrected run; a deduction keyed against the wrong person
voided; one township ranked monthly with its bottom-two-months list; the year graded against the
allocation and published, 化成's through Taibai's procedure (its new scheme version written by its
administrator, returned once by the county's 组织部 and approved), run on paper in January 2026 and
recorded afterwards on its days (a corrected rating round, the publicity (公示) on the notice board,
then the final result, which publishes it); a bonus pool paid out for 鼎山; 化成 inspected by the
组织部 in October and given a rectification notice (one item signed off, one left overdue), and the
county's bulletin (通报) of each quarter issued.

Everything is drawn from one seeded random generator, so two loads give the same county. The
roster, units, schemes, marks, items and the whole cycle go through the public API; the year of
day-by-day history (weekly records, reports, comments, attendance, tasks, ballots) is written
with COPY straight into the owning service's tables, as a migration from an older system would.
"""

from __future__ import annotations

import asyncio
import random
from datetime import date
from typing import Any

import asyncpg
import httpx

from kaohe import demo_department, demo_history, demo_quarters, demo_review, demo_sheets, demo_year
from kaohe.demo_county import (
    MONTHLY_SCHEME,
    MONTHLY_UNIT,
    PASSWORD,
    POLICY,
    SCHEME,
    SERVICE_SCHEME,
    SERVICE_UNIT,
    YEAR,
    DemoCounty,
    Person,
    Say,
    county,
    ok,
    schemes_of,
)
from shared.xlsx import XLSX


async def load_demo(gateway: httpx.AsyncClient, urls: dict[str, str], *, seed: int = YEAR, scale: float = 1.0,
                    say: Say = print, concurrency: int = 4) -> DemoCounty:
    """Load the county and run its year. ``gateway`` is signed in as a province administrator;
    ``urls`` are the records and scoring services' database URLs (for the bulk history)."""
    rng = random.Random(seed)
    units, people = county(rng, scale=scale)
    started = asyncio.get_running_loop().time()

    def step(text: str) -> None:
        say(f"  demo {asyncio.get_running_loop().time() - started:5.1f} s  {text}")

    region = await ok(gateway.post, "/api/v1/records/regions", json={"code": f"demo{seed}", "name": "示范县"})
    region_id = region["id"]
    for unit in units:
        body = {"region_id": region_id, "code": unit.code, "name": unit.name, "kind": unit.kind}
        if unit.group:
            body["evaluation_group"] = unit.group
        unit.id = (await ok(gateway.post, "/api/v1/records/units", json=body))["id"]
    roster = await ok(gateway.post, f"/api/v1/records/regions/{region_id}/roster/import", files={
        "file": ("花名册.xlsx", demo_sheets.roster(people, "示范县", date(2020, 1, 1)), XLSX)})
    step(f"{len(units)} units and {len(people)} people on the roster (a workbook: title row, units merged down, "
         f"sign-off lines)")
    sheet_days = await demo_history.history(urls["records"], region_id, people, rng, sheet_unit=units[0])
    month = date(YEAR, 12, 1)
    attendance = await ok(gateway.post, "/api/v1/records/attendance/import", files={
        "file": (f"{units[0].name}{YEAR}年12月考勤.xlsx", demo_sheets.attendance(units[0].name, month, sheet_days),
                 XLSX)})
    step(f"a year of weekly records, monthly reports, leader comments, attendance and tasks ({units[0].name}'s "
         f"December attendance from its workbook: {attendance['inserted']} days)")
    honours = await demo_history.honours(gateway, units, people, random.Random(seed + 19))
    step(f"{honours} honours in the ledger (荣誉台账)")

    groups = schemes_of(units)
    schemes: dict[str, str] = {}
    for key, members in groups.items():
        body = {"region_id": region_id, "name": f"{members[0].name}平时考核方案",
                "definition": SERVICE_SCHEME if key == SERVICE_UNIT else MONTHLY_SCHEME if key == MONTHLY_UNIT
                else SCHEME}
        if len(members) == 1:
            body["unit_id"] = members[0].id
        else:
            body["group"] = key
            body["name"] = f"{members[0].name}（含{'、'.join(m.name for m in members[1:])}）平时考核方案"
        schemes[key] = (await ok(gateway.post, "/api/v1/scoring/schemes", json=body))["id"]
    by_group: dict[str, list[Person]] = {}
    for person in people:
        by_group.setdefault(person.unit.group or person.unit.code, []).append(person)
    limit = asyncio.Semaphore(concurrency)
    scoring_db = await asyncpg.create_pool(urls["scoring"], min_size=1, max_size=concurrency)
    closes: dict[tuple[str, str], str] = {}
    try:
        for quarter in range(1, 5):
            period = f"{YEAR}Q{quarter}"
            plans = {key: demo_quarters.quarter_inputs(rng, members, period, dimensions=key == SERVICE_UNIT)
                     for key, members in by_group.items()}

            async def run(key: str, period: str = period, plans: dict[str, Any] = plans) -> None:
                async with limit:
                    closes[(key, period)] = await demo_quarters.quarter(
                        gateway, scoring_db, schemes[key], by_group[key], period, plans[key],
                        mistake=(key, period) == (units[1].code, f"{YEAR}Q4"))
            await asyncio.gather(*(run(key) for key in by_group))
            step(f"{period}: {len(by_group)} rating rounds, marks and items; closed and published")
    finally:
        await scoring_db.close()
    bottom = await demo_quarters.monthly(gateway, schemes[MONTHLY_UNIT], by_group[MONTHLY_UNIT],
                                         random.Random(seed + 21))
    step(f"{units[2].name} ranked monthly in {YEAR}Q4: {sum(len(g['people']) for g in bottom['groups'])} at the "
         f"bottom of their group two months running (表态发言)")

    await ok(gateway.put, f"/api/v1/quota/regions/{region_id}/years/{YEAR}/policy", json=POLICY)
    # First published with 曾口's target-performance grade keyed wrong, then corrected and published
    # again, superseding it: the first stays readable, marked superseded, with each unit's change.
    zengkou = units[3]
    mistyped = "third" if zengkou.grade != "third" else "first"
    await demo_year.allocate(gateway, region_id, units, wrong={zengkou.code: mistyped})
    allocation = await demo_year.allocate(gateway, region_id, units,
                                 supersede=f"{zengkou.name}目标绩效等次录入有误，更正后重新测算发布")
    result = allocation["result"]
    step(f"allocation published, then superseded after {zengkou.name}'s grade was corrected: "
         f"{len(allocation['publication']['changes'])} unit(s) changed")
    step(f"allocation published: pool {result['pool']['collected']} slots, townships "
         f"{float(result['township_ratio'] or 0):.1%} vs departments and streets "
         f"{float(result['department_ratio'] or 0):.1%}")

    year_marks = {key: demo_quarters.year_marks(rng, members) for key, members in by_group.items()}

    huacheng, dingshan = units[1], units[0]
    # 化成 takes up Taibai's procedure for its year: a new version of its scheme, written by its own
    # administrator, returned once by the county's 组织部 and approved (its quarters stay published as they were)
    accounts, showcase = await demo_year.accounts(gateway, region_id, huacheng, by_group[huacheng.code])
    reviewed = await demo_review.returned_once_then_approved(
        gateway, ok, schemes[huacheng.code], {**SCHEME, "procedure": "taibai"},
        unit=await demo_review.signed_in(gateway, ok, "huacheng-admin", PASSWORD),
        department=await demo_review.signed_in(gateway, ok, "zuzhibu", PASSWORD))
    step(f"{huacheng.name}'s new scheme version returned by the 组织部 ({reviewed['comments']} comment(s)), "
         f"put right and approved as version {reviewed['version']} (方案审核)")
    procedure: dict[str, Any] = {}

    async def grade_year(key: str) -> None:
        async with limit:
            base = f"/api/v1/scoring/schemes/{schemes[key]}/periods/{YEAR}"
            await ok(gateway.put, f"{base}/marks", json={"marks": year_marks[key]})
            if key == huacheng.code:
                procedure.update(await demo_year.year_through_procedure(gateway, schemes[key], by_group[key],
                                                               stranger=by_group[dingshan.code][0],
                                                               rng=random.Random(seed + 20)))
                closes[(key, str(YEAR))] = procedure["final_close_id"]
                return
            for person in by_group[key]:
                if person.quality < 62 and rng.random() < 0.5:
                    await ok(gateway.post, f"{base}/negative-events", json={
                        "person_id": person.id, "item": "investigation", "note": "年内被立案审查调查"})
                    break
            close = await ok(gateway.post, f"{base}/close")
            await ok(gateway.post, f"/api/v1/scoring/results/{close['id']}/publish")
            closes[(key, str(YEAR))] = close["id"]
    await asyncio.gather(*(grade_year(key) for key in by_group))
    step(f"{YEAR} graded against the published excellent slots and published; {huacheng.name}'s year through "
         f"Taibai's procedure, recorded afterwards: a round corrected, the publicity (公示) from "
         f"{procedure['window']['starts_on']} to {procedure['window']['ends_on']}, final on {procedure['final_on']}")

    bonus = await ok(gateway.post, f"/api/v1/scoring/schemes/{schemes[dingshan.code]}/years/{YEAR}/bonus",
                                   json={"total": str(len(by_group[dingshan.code]) * 12000), "pool_share": "0.15"})
    step(f"{dingshan.name} bonus pool paid out: {bonus['paid_count']} paid, gap {bonus['gap']} yuan")
    supervised = await demo_department.inspected_and_reported(
        gateway, ok, region_id, (huacheng.id, huacheng.name), YEAR,
        department=await demo_review.signed_in(gateway, ok, "zuzhibu", PASSWORD),
        unit_admin=await demo_review.signed_in(gateway, ok, "huacheng-admin", PASSWORD))
    step(f"{huacheng.name} inspected and given a rectification notice (one item signed off, one overdue); "
         f"{len(supervised['bulletins'])} quarterly bulletins issued (通报)")

    showcase.update(region_id=region_id, allocation_id=allocation["id"], scheme_id=schemes[huacheng.code],
                    unit_id=huacheng.id, year_round_id=procedure["round_id"], monthly_scheme_id=schemes[MONTHLY_UNIT],
                    inspection_id=supervised["inspection_id"], notice_id=supervised["notice_id"])
    return DemoCounty(region_id=region_id, units=len(units), people=len(people), schemes=schemes, showcase=showcase,
                      accounts=accounts, figures={"allocation": result, "bonus_gap": bonus["gap"],
                                                 "roster_import": roster, "attendance_import": attendance,
                                                 "bulletins": supervised["bulletins"]})


async def has_data(gateway: httpx.AsyncClient) -> bool:
    return bool((await ok(gateway.get, "/api/v1/records/regions", params={"limit": 1}))["items"])


def things_to_try(gateway_url: str, demo: DemoCounty) -> str:
    s = demo.showcase
    token = (f"TOKEN=$(curl -s -X POST {gateway_url}/api/v1/auth/token -d username=USER -d password={PASSWORD} "
             "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')")
    auth = '-H "Authorization: Bearer $TOKEN"'
    year_path = f"{gateway_url}/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}"
    lines = ["", f"Demo county loaded: {demo.units} units, {demo.people} people, a whole {YEAR} run and published.",
             f"  accounts (password {PASSWORD}):"]
    lines += [f"    {a.username:<16} {a.role:<13} {a.description}" for a in demo.accounts]
    lines += [
        "  things to try (sign in as the account named, then run the curl):",
        f"    {token}",
        f"    1. huacheng-member: my {YEAR}Q4 result and how it was made",
        f"       curl -s {auth} {gateway_url}/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}Q4/people/"
        f"{s['member_person_id']}/explanation",
        f"    2. huacheng-admin: the unit's {YEAR}Q4 results, best first",
        f"       curl -s {auth} '{gateway_url}/api/v1/scoring/schemes/{s['scheme_id']}/periods/{YEAR}Q4/results'",
        "    3. zuzhibu: the region's published allocation of excellent slots, with its trace",
        f"       curl -s {auth} {gateway_url}/api/v1/quota/allocations/{s['allocation_id']}",
        f"    4. huacheng-member: {YEAR}'s publicity (公示) as it was posted: names, units and proposed grades only",
        f"       curl -s {auth} {year_path}/procedure/publicity",
        f"    5. zuzhibu: {YEAR} through Taibai's twelve steps: each move's day, as it took effect and as recorded",
        f"       curl -s {auth} {year_path}/procedure",
        f"    6. zuzhibu: 清江镇's monthly bottom list of {YEAR}Q4 (two months running at the bottom)",
        f"       curl -s {auth} {gateway_url}/api/v1/scoring/schemes/{s['monthly_scheme_id']}/periods/{YEAR}Q4/bottom",
        "    7. huacheng-member: object to the published result (then review it as huacheng-admin)",
        f"       curl -s {auth} -H 'Content-Type: application/json' -d '{{\"reason\": \"第四季度漏记了防汛任务\"}}' "
        f"{gateway_url}/api/v1/scoring/results/$(curl -s {auth} {gateway_url}/api/v1/scoring/schemes/"
        f"{s['scheme_id']}/periods/{YEAR}Q4/people/{s['member_person_id']}/explanation | python3 -c "
        "'import json,sys; print(json.load(sys.stdin)[\"close_id\"])')/objections",
        f"  or browse {gateway_url}/docs",
    ]
    return "\n".join(lines)
