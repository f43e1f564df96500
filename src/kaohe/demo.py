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
import json
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import httpx

from kaohe import demo_department, demo_review, demo_sheets
from shared.xlsx import XLSX

YEAR = 2025
PASSWORD = "kaohe-demo-2025"  # noqa: S105  (the demo county's accounts, printed at start; never a real site's)
Say = Callable[[str], None]

TOWNSHIPS = ("鼎山", "化成", "清江", "曾口", "三江", "水宁寺", "恩阳", "花丛", "渔溪", "下八庙", "关公", "大和",
             "兴隆", "柳林", "双胜", "玉井", "茶坝", "平梁", "光辉", "龙背", "白庙", "青木", "金碑")
STREETS = ("江北", "东城", "西城", "回风")
DEPARTMENTS = ("县委办公室", "县政府办公室", "县委组织部", "县委宣传部", "县委统战部", "县委政法委", "县发展改革局",
               "县教育局", "县科技局", "县经济信息化局", "县公安局", "县民政局", "县司法局", "县财政局", "县人力社保局",
               "县自然资源局", "县生态环境局", "县住房城乡建设局", "县交通运输局", "县水利局", "县农业农村局",
               "县商务局", "县文化旅游局", "县卫生健康局", "县退役军人事务局", "县应急管理局", "县审计局",
               "县市场监管局", "县统计局", "县医疗保障局", "县林业局", "县信访局", "县乡村振兴局", "县投资促进局",
               "县行政审批局", "县国资事务中心", "县委编办", "县委巡察办", "县委党史研究室", "县委网信办",
               "县综合执法局", "县粮食和储备局", "县人防办", "县地方志办", "县妇联", "县总工会", "团县委",
               "县工商联")
# 参公 institutions, each evaluated with its supervising department (Chengbu): (name, department index)
INSTITUTIONS = (("县档案馆", 0), ("县社会保险事业中心", 14), ("县委党校", 2), ("县机关事务服务中心", 1),
                ("县供销合作社", 21), ("县文联", 3), ("县科协", 8), ("县残联", 11))
CATEGORY_NAMES = {"leadership": "班子成员", "middle": "中层干部", "staff": "其他在编", "non_staff": "编外人员"}
POSTS = ("综合岗", "业务岗", "窗口服务岗")
STATUS = {"present": "出勤", "business_trip": "出差", "sick_leave": "病假", "personal_leave": "事假",
          "annual_leave": "年休假"}

SCHEME = {
    "indicators": [
        {"code": "de", "name": "德", "weight": "0.15"},
        {"code": "neng", "name": "能", "weight": "0.15"},
        {"code": "qin", "name": "勤", "weight": "0.2", "children": [
            {"code": "ontime", "name": "纪实按时", "weight": "1/3", "metric": "weekly_on_time_rate",
             "mapping": {"kind": "linear"}},
            {"code": "att", "name": "出勤", "weight": "1/3", "metric": "attendance_rate",
             "mapping": {"kind": "steps", "steps": [["80", "70"], ["90", "85"], ["95", "95"], ["98", "100"]]}},
            # a reverse indicator (反向指标): the fewer days of sick and personal leave, the better
            {"code": "leave", "name": "病事假", "weight": "1/3", "metric": "leave_days_in_year", "direction": "lower",
             "mapping": {"kind": "steps", "steps": [["3", "100"], ["10", "90"], ["30", "75"], ["90", "60"]]}}]},
        {"code": "ji", "name": "绩", "weight": "0.4", "children": [
            {"code": "task", "name": "重点任务", "weight": "0.6", "metric": "task_completion",
             "mapping": {"kind": "linear"},
             # no key task due in the quarter: judged on the rest of the work, not scored 0
             "missing": "renormalise"},
            # a mark not given: the unit's mean of those given
            {"code": "work", "name": "工作实绩", "weight": "0.4", "missing": "unit_mean"}]},
        {"code": "lian", "name": "廉", "weight": "0.1"}],
    "raters": {"share": "0.2", "groups": {"leadership": "0.4", "middle": "0.3", "staff": "0.2", "non_staff": "0.1"},
               "trim": ["staff"]},  # 去掉一个最高分和一个最低分
    "deadlines": {"log_deadline_days": 1, "report_deadline_day": 28},
    "adjustments": {"over_cap": "cut", "items": {
        "honour": {"name": "获得表彰", "direction": "bonus", "max_points": "3"},
        "innovation": {"name": "改革创新", "direction": "bonus", "max_points": "2"},
        "investment": {"name": "招商引资", "direction": "bonus", "max_points": "3"},
        "discipline": {"name": "违反工作纪律", "direction": "deduction", "max_points": "5"},
        "safety": {"name": "安全生产", "direction": "deduction", "max_points": "5"}},
        "bonus_total": "5", "deduction_total": "10",
        # honours of the records ledger (荣誉台账) awarded in the quarter count as the honour item
        "honours": {"provincial": {"item": "honour", "points": "2"}, "city": {"item": "honour", "points": "1.5"},
                    "county": {"item": "honour", "points": "1"}}},
    "negative_items": {"criticised": {"name": "被上级通报批评", "effect": "cap", "grade": "average"},
                       "accident": {"name": "发生重大责任事故", "effect": "veto"},
                       "investigation": {"name": "立案审查调查", "effect": "exclude"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good",
               "tie_keys": ["weekly_on_time_rate", "attendance_rate"]},
    "thresholds": [{"grade": "poor", "below": "60"}, {"grade": "average", "below": "70"}],
    "annual": {"quarter_weight": "0.6", "poor_quarter_bars_excellent": True, "four_good_breaks_ties": True},
}
# A department serving the public (Binzhou's way): ratings in five dimensions, and its service users
# (服务对象) rate it with one-time codes, as a group of their own.
DIMENSIONS = {"intensity": ("强度", "0.2"), "difficulty": ("难度", "0.2"), "quantity": ("数量", "0.2"),
              "effect": ("成效", "0.3"), "measures": ("措施", "0.1")}
SERVICE_SCHEME = {**SCHEME, "raters": {
    "share": "0.2", "groups": {"leadership": "0.35", "middle": "0.25", "staff": "0.2", "non_staff": "0.1",
                               "service": "0.1"},
    "trim": ["staff"], "outside": ["service"],
    "dimensions": {code: {"name": name, "weight": weight} for code, (name, weight) in DIMENSIONS.items()}}}
SERVICE_UNIT = "D07"  # 县教育局
# 清江镇 ranks its people monthly, Xiacun's way: two months running at the bottom of one's group
# (the last leadership member, the last five cadres, the last two of the others) brings a public
# statement at the quarterly meeting.
MONTHLY_UNIT = "T02"
MONTHLY_SCHEME = {**SCHEME, "periods": {"closes": ["month", "quarter", "year"]}, "bottom_rule": {
    "months_running": 2, "groups": [{"name": "班子成员", "staff_category": "leadership", "last": 1},
                                    {"name": "机关干部", "staff_category": "staff", "last": 5},
                                    {"name": "中层及编外", "staff_category": "middle", "last": 2}]}}
SERVICE_CODES = 12  # one-time codes handed to service users each quarter
POLICY = {"ratio_by_grade": {"first": "0.22", "second": "0.2", "third": "0.15"}, "unit_cap_ratio": "0.4",
          "township_uplift": "0.2", "township_uplift_kind": "relative",
          "pool_min": "0.1", "pool_max": "0.2",  # Taibai's pool: between a tenth and a fifth of the slots
          # designated slots from each township's own grade and commendation (a first-class township
          # commended by the city gets both)
          "designated": {"by_grade": {"first": 1}, "by_commendation": {"city": 1}},
          # a township's honours of the year in the ledger (its own and its people's) add to its points
          "honour_points": {"provincial": "3", "city": "2", "county": "1"}}


@dataclass
class Unit:
    code: str
    name: str
    kind: str
    size: int
    group: str | None = None  # evaluation group shared with a supervising department
    grade: str = "second"  # target performance
    points: int = 0
    conditions: list[str] = field(default_factory=list)
    red_lines: list[str] = field(default_factory=list)
    id: str = ""


@dataclass
class Person:
    staff_no: str
    name: str
    unit: Unit
    category: str
    quality: float  # how good their work is, 0-100
    id: str = ""
    long_leave: bool = False

    @property
    def post(self) -> str:
        """The post (岗位) on the roster: leaders and middle managers by their category, the others
        in turn across a unit's three kinds of post."""
        if self.category in ("leadership", "middle"):
            return "领导岗" if self.category == "leadership" else "管理岗"
        return POSTS[int(self.staff_no) % len(POSTS)]


@dataclass
class Account:
    role: str
    username: str
    description: str


@dataclass
class DemoCounty:
    region_id: str
    units: int
    people: int
    schemes: dict[str, str]  # group key → scheme id
    showcase: dict[str, str]  # ids the printed examples use
    accounts: list[Account]
    figures: dict[str, Any]


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌波宁琳雪梅晨阳飞凯"


def county(rng: random.Random, *, scale: float = 1.0) -> tuple[list[Unit], list[Person]]:
    """The units and people, drawn from ``rng``; ``scale`` shrinks every unit (for tests)."""
    def size(low: int, high: int) -> int:
        return max(4, round(rng.randint(low, high) * scale))

    units = [Unit(f"T{i:02d}", f"{name}{'乡' if i in (17, 21) else '镇'}", "township", size(32, 40))
             for i, name in enumerate(TOWNSHIPS)]
    units += [Unit(f"S{i}", f"{name}街道", "street", size(27, 33)) for i, name in enumerate(STREETS)]
    departments = [Unit(f"D{i:02d}", name, "department", size(9, 19)) for i, name in enumerate(DEPARTMENTS)]
    units += departments
    for i, (name, parent) in enumerate(INSTITUTIONS):
        department = departments[parent]
        department.group = department.group or f"G-{department.code}"
        units.append(Unit(f"I{i}", name, "institution", size(5, 9), group=department.group))
    grades = ["first"] * 8 + ["second"] * 10 + ["third"] * 5
    rng.shuffle(grades)
    for unit, grade in zip(units[:23], grades, strict=True):  # townships: target performance, honours
        unit.grade = grade
        unit.points = rng.randint(8, 40) + (10 if grade == "first" else 0)
        if grade == "first":
            unit.conditions.append("target_first_class")
        if rng.random() < 0.3:
            unit.conditions.append("city_commendation")
        if rng.random() < 0.08:
            unit.red_lines.append("criticised_by_superior")
    for unit in units[23:]:
        unit.grade = rng.choice(["first", "second", "second", "third"])
    # 鼎山 tops the points and 化成 is first class with high honours (Bazhou 2024).
    units[0].points, units[1].points, units[1].grade = 60, 55, "first"
    units[1].conditions = sorted({"target_first_class", "city_commendation", *units[1].conditions})
    units[0].red_lines = units[1].red_lines = []
    people = []
    for index, unit in enumerate(units):
        leaders = max(2, round(unit.size * 0.12))
        middle = max(1, round(unit.size * 0.2))
        non_staff = round(unit.size * 0.12)
        for i in range(unit.size):
            category = ("leadership" if i < leaders else "middle" if i < leaders + middle
                        else "non_staff" if i >= unit.size - non_staff else "staff")
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            people.append(Person(f"{index:02d}{i:03d}", name, unit, category, min(98.0, rng.gauss(80, 7))))
    for person in rng.sample(people, max(1, len(people) // 150)):
        person.long_leave = True
    return units, people


def schemes_of(units: list[Unit]) -> dict[str, list[Unit]]:
    """One scheme per unit, or per evaluation group shared by several."""
    out: dict[str, list[Unit]] = {}
    for unit in units:
        out.setdefault(unit.group or unit.code, []).append(unit)
    return out


def workdays(year: int) -> list[date]:
    day, out = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


async def _ok(call: Callable[..., Awaitable[httpx.Response]], *args: Any, expect: tuple[int, ...] = (200, 201),
              **kwargs: Any) -> Any:
    answer = await call(*args, **kwargs)
    while answer.status_code == 429:  # a well-behaved client: wait as told, then send the same again
        await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
        answer = await call(*args, **kwargs)
    if answer.status_code not in expect:
        raise RuntimeError(f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
                           f"{answer.text[:500]}")
    return answer.json() if answer.content and answer.headers.get("content-type", "").endswith("json") else None


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def load_demo(gateway: httpx.AsyncClient, urls: dict[str, str], *, seed: int = YEAR, scale: float = 1.0,
                    say: Say = print, concurrency: int = 4) -> DemoCounty:
    """Load the county and run its year. ``gateway`` is signed in as a province administrator;
    ``urls`` are the records and scoring services' database URLs (for the bulk history)."""
    rng = random.Random(seed)
    units, people = county(rng, scale=scale)
    started = asyncio.get_running_loop().time()

    def step(text: str) -> None:
        say(f"  demo {asyncio.get_running_loop().time() - started:5.1f} s  {text}")

    region = await _ok(gateway.post, "/api/v1/records/regions", json={"code": f"demo{seed}", "name": "示范县"})
    region_id = region["id"]
    for unit in units:
        body = {"region_id": region_id, "code": unit.code, "name": unit.name, "kind": unit.kind}
        if unit.group:
            body["evaluation_group"] = unit.group
        unit.id = (await _ok(gateway.post, "/api/v1/records/units", json=body))["id"]
    roster = await _ok(gateway.post, f"/api/v1/records/regions/{region_id}/roster/import", files={
        "file": ("花名册.xlsx", demo_sheets.roster(people, "示范县", date(2020, 1, 1)), XLSX)})
    step(f"{len(units)} units and {len(people)} people on the roster (a workbook: title row, units merged down, "
         f"sign-off lines)")
    sheet_days = await _history(urls["records"], region_id, people, rng, sheet_unit=units[0])
    month = date(YEAR, 12, 1)
    attendance = await _ok(gateway.post, "/api/v1/records/attendance/import", files={
        "file": (f"{units[0].name}{YEAR}年12月考勤.xlsx", demo_sheets.attendance(units[0].name, month, sheet_days),
                 XLSX)})
    step(f"a year of weekly records, monthly reports, leader comments, attendance and tasks ({units[0].name}'s "
         f"December attendance from its workbook: {attendance['inserted']} days)")
    honours = await _honours(gateway, units, people, random.Random(seed + 19))
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
        schemes[key] = (await _ok(gateway.post, "/api/v1/scoring/schemes", json=body))["id"]
    by_group: dict[str, list[Person]] = {}
    for person in people:
        by_group.setdefault(person.unit.group or person.unit.code, []).append(person)
    limit = asyncio.Semaphore(concurrency)
    scoring_db = await asyncpg.create_pool(urls["scoring"], min_size=1, max_size=concurrency)
    closes: dict[tuple[str, str], str] = {}
    try:
        for quarter in range(1, 5):
            period = f"{YEAR}Q{quarter}"
            plans = {key: _quarter_inputs(rng, members, period, dimensions=key == SERVICE_UNIT)
                     for key, members in by_group.items()}

            async def run(key: str, period: str = period, plans: dict[str, Any] = plans) -> None:
                async with limit:
                    closes[(key, period)] = await _quarter(gateway, scoring_db, schemes[key], by_group[key], period,
                                                           plans[key], mistake=(key, period) == (units[1].code,
                                                                                                 f"{YEAR}Q4"))
            await asyncio.gather(*(run(key) for key in by_group))
            step(f"{period}: {len(by_group)} rating rounds, marks and items; closed and published")
    finally:
        await scoring_db.close()
    bottom = await _monthly(gateway, schemes[MONTHLY_UNIT], by_group[MONTHLY_UNIT], random.Random(seed + 21))
    step(f"{units[2].name} ranked monthly in {YEAR}Q4: {sum(len(g['people']) for g in bottom['groups'])} at the "
         f"bottom of their group two months running (表态发言)")

    await _ok(gateway.put, f"/api/v1/quota/regions/{region_id}/years/{YEAR}/policy", json=POLICY)
    # First published with 曾口's target-performance grade keyed wrong, then corrected and published
    # again, superseding it: the first stays readable, marked superseded, with each unit's change.
    zengkou = units[3]
    mistyped = "third" if zengkou.grade != "third" else "first"
    await _allocate(gateway, region_id, units, wrong={zengkou.code: mistyped})
    allocation = await _allocate(gateway, region_id, units,
                                 supersede=f"{zengkou.name}目标绩效等次录入有误，更正后重新测算发布")
    result = allocation["result"]
    step(f"allocation published, then superseded after {zengkou.name}'s grade was corrected: "
         f"{len(allocation['publication']['changes'])} unit(s) changed")
    step(f"allocation published: pool {result['pool']['collected']} slots, townships "
         f"{float(result['township_ratio'] or 0):.1%} vs departments and streets "
         f"{float(result['department_ratio'] or 0):.1%}")

    year_marks = {key: _year_marks(rng, members) for key, members in by_group.items()}

    huacheng, dingshan = units[1], units[0]
    # 化成 takes up Taibai's procedure for its year: a new version of its scheme, written by its own
    # administrator, returned once by the county's 组织部 and approved (its quarters stay published as they were)
    accounts, showcase = await _accounts(gateway, region_id, huacheng, by_group[huacheng.code])
    reviewed = await demo_review.returned_once_then_approved(
        gateway, _ok, schemes[huacheng.code], {**SCHEME, "procedure": "taibai"},
        unit=await demo_review.signed_in(gateway, _ok, "huacheng-admin", PASSWORD),
        department=await demo_review.signed_in(gateway, _ok, "zuzhibu", PASSWORD))
    step(f"{huacheng.name}'s new scheme version returned by the 组织部 ({reviewed['comments']} comment(s)), "
         f"put right and approved as version {reviewed['version']} (方案审核)")
    procedure: dict[str, Any] = {}

    async def grade_year(key: str) -> None:
        async with limit:
            base = f"/api/v1/scoring/schemes/{schemes[key]}/periods/{YEAR}"
            await _ok(gateway.put, f"{base}/marks", json={"marks": year_marks[key]})
            if key == huacheng.code:
                procedure.update(await _year_through_procedure(gateway, schemes[key], by_group[key],
                                                               stranger=by_group[dingshan.code][0],
                                                               rng=random.Random(seed + 20)))
                closes[(key, str(YEAR))] = procedure["final_close_id"]
                return
            for person in by_group[key]:
                if person.quality < 62 and rng.random() < 0.5:
                    await _ok(gateway.post, f"{base}/negative-events", json={
                        "person_id": person.id, "item": "investigation", "note": "年内被立案审查调查"})
                    break
            close = await _ok(gateway.post, f"{base}/close")
            await _ok(gateway.post, f"/api/v1/scoring/results/{close['id']}/publish")
            closes[(key, str(YEAR))] = close["id"]
    await asyncio.gather(*(grade_year(key) for key in by_group))
    step(f"{YEAR} graded against the published excellent slots and published; {huacheng.name}'s year through "
         f"Taibai's procedure, recorded afterwards: a round corrected, the publicity (公示) from "
         f"{procedure['window']['starts_on']} to {procedure['window']['ends_on']}, final on {procedure['final_on']}")

    bonus = await _ok(gateway.post, f"/api/v1/scoring/schemes/{schemes[dingshan.code]}/years/{YEAR}/bonus",
                                   json={"total": str(len(by_group[dingshan.code]) * 12000), "pool_share": "0.15"})
    step(f"{dingshan.name} bonus pool paid out: {bonus['paid_count']} paid, gap {bonus['gap']} yuan")
    supervised = await demo_department.inspected_and_reported(
        gateway, _ok, region_id, (huacheng.id, huacheng.name), YEAR,
        department=await demo_review.signed_in(gateway, _ok, "zuzhibu", PASSWORD),
        unit_admin=await demo_review.signed_in(gateway, _ok, "huacheng-admin", PASSWORD))
    step(f"{huacheng.name} inspected and given a rectification notice (one item signed off, one overdue); "
         f"{len(supervised['bulletins'])} quarterly bulletins issued (通报)")

    showcase.update(region_id=region_id, allocation_id=allocation["id"], scheme_id=schemes[huacheng.code],
                    unit_id=huacheng.id, year_round_id=procedure["round_id"], monthly_scheme_id=schemes[MONTHLY_UNIT],
                    inspection_id=supervised["inspection_id"], notice_id=supervised["notice_id"])
    return DemoCounty(region_id=region_id, units=len(units), people=len(people), schemes=schemes, showcase=showcase,
                      accounts=accounts, figures={"allocation": result, "bonus_gap": bonus["gap"],
                                                 "roster_import": roster, "attendance_import": attendance,
                                                 "bulletins": supervised["bulletins"]})


async def _monthly(gateway: httpx.AsyncClient, scheme_id: str, members: list[Person],
                   rng: random.Random) -> dict[str, Any]:
    """The fourth quarter's three months of a township that ranks monthly (Xiacun): marks, a close
    and its publication each month; then the quarter's bottom list."""
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods"
    for month in (10, 11, 12):
        period = f"{YEAR}-{month:02d}"
        await _ok(gateway.put, f"{base}/{period}/marks", json={"marks": [
            {"person_id": p.id, "indicator": code, "mark": round(min(100, max(40, rng.gauss(p.quality, 6))), 1)}
            for p in members for code in ("de", "neng", "work", "lian")]})
        close = await _ok(gateway.post, f"{base}/{period}/close")
        await _ok(gateway.post, f"/api/v1/scoring/results/{close['id']}/publish")
    return dict(await _ok(gateway.get, f"{base}/{YEAR}Q4/bottom"))


async def _allocate(gateway: httpx.AsyncClient, region_id: str, units: list[Unit], *,
                    wrong: dict[str, str] | None = None, supersede: str | None = None) -> dict[str, Any]:
    """Store the units (with ``wrong`` grades by unit code, as keyed by mistake), run the
    allocation and publish it; its warnings, if any, are accepted with a reason, as the
    organisation department would after reading them."""
    wrong = wrong or {}
    await _ok(gateway.put, f"/api/v1/quota/regions/{region_id}/years/{YEAR}/units", json={"units": [
        {"id": u.id, "kind": u.kind, "grade": wrong.get(u.code, u.grade), "points": u.points,
         "conditions": u.conditions, "red_lines": u.red_lines, **({"group": u.group} if u.group else {}),
         **({"commendation": "city"} if "city_commendation" in u.conditions else {})} for u in units]})
    run = await _ok(gateway.post, f"/api/v1/quota/regions/{region_id}/years/{YEAR}/allocations")
    body: dict[str, Any] = {}
    if run["result"]["warnings"]:
        body.update(accept_warnings=True, reason="已研究：警示情形如实公开")
    if supersede:
        body.update(supersedes=True, reason=supersede)
    publication = await _ok(gateway.post, f"/api/v1/quota/allocations/{run['id']}/publish", json=body or None)
    return {**run, "publication": publication}


async def _honours(gateway: httpx.AsyncClient, units: list[Unit], people: list[Person], rng: random.Random) -> int:
    """The year's honours: a city commendation of each township meeting that condition, and an
    honour for about one person in fifty. 鼎山 and 化成 get none: their points are Bazhou's own."""
    bazhou = {units[0].code, units[1].code}
    rows: list[dict[str, Any]] = [
        {"unit_id": u.id, "title": "市级先进集体", "level": "city", "awarded_on": f"{YEAR}-0{rng.randint(3, 9)}-15"}
        for u in units[:23] if "city_commendation" in u.conditions and u.code not in bazhou]
    for person in rng.sample([p for p in people if p.unit.code not in bazhou], max(1, len(people) // 50)):
        level, title = rng.choice([("county", "全县优秀公务员"), ("county", "县级先进工作者"),
                                   ("city", "全市优秀共产党员"), ("provincial", "全省脱贫攻坚先进个人")])
        rows.append({"person_id": person.id, "title": title, "level": level,
                     "awarded_on": (date(YEAR, 1, 1) + timedelta(days=rng.randint(0, 360))).isoformat()})
    for row in rows:
        await _ok(gateway.post, "/api/v1/records/honours", json={
            **row, "awarded_by": "中共示范县委" if row["level"] == "county" else "上级党委",
            "evidence": f"示委发〔{YEAR}〕{rng.randint(1, 99)}号"})
    return len(rows)


async def _history(url: str, region_id: str, people: list[Person], rng: random.Random, *,
                   sheet_unit: Unit) -> list[tuple[str, str, date, str]]:
    """A year of day-to-day records, with COPY into the records tables; ``sheet_unit``'s December attendance
    is left out and returned (staff number, name, day, status), for its month's workbook."""
    sheet_days: list[tuple[str, str, date, str]] = []
    conn = await asyncpg.connect(url)
    try:
        ids = {row["staff_no"]: (str(row["id"]), str(row["unit_id"])) for row in await conn.fetch(
            "SELECT p.staff_no, p.id, a.unit_id FROM records.persons p "
            "JOIN records.assignments a ON a.person_id = p.id "
            "JOIN records.units u ON u.id = a.unit_id WHERE u.region_id = $1", uuid.UUID(region_id))}
        for person in people:
            person.id = ids[person.staff_no][0]
        leaders: dict[str, list[Person]] = {}
        for person in people:
            if person.category == "leadership":
                leaders.setdefault(person.unit.code, []).append(person)
        logs, reports, comments, days, tasks, co_owners = [], [], [], [], [], []
        colleagues: dict[str, list[Person]] = {}
        for person in people:
            colleagues.setdefault(person.unit.code, []).append(person)
        calendar = workdays(YEAR)
        for person in people:
            pid, unit = uuid.UUID(person.id), uuid.UUID(person.unit.id)
            diligence = (person.quality - 50) / 50
            boss = leaders.get(person.unit.code, [person])[0]
            for week in range(1, 53):
                if rng.random() > 0.75 + 0.24 * diligence:
                    continue
                sunday = date.fromisocalendar(YEAR, week, 7)
                late = rng.random() > 0.7 + 0.29 * diligence
                submitted = _at(sunday + timedelta(days=rng.randint(3, 9) if late else rng.randint(-2, 0)), 9)
                log_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                logs.append((log_id, pid, unit, YEAR, week, f"第{week}周工作纪实：按计划推进重点任务", f"user:{pid}",
                             submitted))
                if boss is not person and rng.random() < 0.15:
                    comments.append((uuid.UUID(int=rng.getrandbits(128), version=4), "work_log", log_id, pid, unit,
                                     f"leader:{boss.id}", round(min(100, max(50, rng.gauss(person.quality, 5))), 1),
                                     "工作扎实" if person.quality > 80 else "需加强"))
            for month in range(1, 13):
                if rng.random() > 0.85 + 0.14 * diligence:
                    continue
                report_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                reports.append((report_id, pid, unit, YEAR, month, f"{month}月工作总结", None, f"user:{pid}",
                                _at(date(YEAR, month, 28), 10)))
                if boss is not person and rng.random() < 0.5:
                    comments.append((uuid.UUID(int=rng.getrandbits(128), version=4), "monthly_report", report_id, pid,
                                     unit, f"leader:{boss.id}",
                                     round(min(100, max(50, rng.gauss(person.quality, 4))), 1), "月度点评"))
            sick = set()
            if person.long_leave:
                start = rng.randrange(0, 40)
                sick = set(range(start, start + 150))  # ~150 workdays: more than half a year
            for index, day in enumerate(calendar):
                roll = rng.random()
                status = ("sick_leave" if index in sick else "personal_leave" if roll < 0.01
                          else "sick_leave" if roll < 0.025 else "annual_leave" if roll < 0.045
                          else "business_trip" if roll < 0.08 else "present")
                if person.unit is sheet_unit and day.month == 12:
                    sheet_days.append((person.staff_no, person.name, day, status))
                else:
                    days.append((pid, day, unit, status))
            for t in range(rng.randint(2, 4)):
                due = date(YEAR, rng.randint(1, 12), 28)
                progress = min(100, max(0, round(rng.gauss(person.quality + 5, 12))))
                task_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                helper = rng.choice(colleagues[person.unit.code]) if rng.random() < 0.1 else person
                if helper is not person:  # a co-owner (协办) with a third of the task
                    co_owners.append((task_id, uuid.UUID(helper.id), Decimal("0.3333")))
                tasks.append((task_id, pid, unit, f"年度重点任务{t + 1}",
                              rng.choice((1, 1.2, 1.5)), rng.choice((1, 1.2, 1.5)), rng.randint(1, 5), due,
                              rng.random() < 0.2, "done" if progress == 100 else "open", progress,
                              Decimal(1) if helper is person else Decimal("0.6667"), "demo"))
        await conn.copy_records_to_table("work_logs", schema_name="records", records=logs, columns=[
            "id", "person_id", "unit_id", "iso_year", "iso_week", "content", "submitted_by", "submitted_at"])
        await conn.copy_records_to_table("monthly_reports", schema_name="records", records=reports, columns=[
            "id", "person_id", "unit_id", "year", "month", "content", "achievements", "submitted_by",
            "submitted_at"])
        await conn.copy_records_to_table("leader_comments", schema_name="records", records=comments, columns=[
            "id", "target_kind", "target_id", "person_id", "unit_id", "leader", "mark", "comment"])
        await conn.copy_records_to_table("attendance", schema_name="records", records=days,
                                         columns=["person_id", "day", "unit_id", "status"])
        await conn.copy_records_to_table("tasks", schema_name="records", records=tasks, columns=[
            "id", "person_id", "unit_id", "title", "intensity", "difficulty", "quantity", "due_on", "supervised",
            "status", "progress", "lead_share", "created_by"])
        await conn.copy_records_to_table("task_co_owners", schema_name="records", records=co_owners,
                                         columns=["task_id", "person_id", "share"])
        await conn.execute("ANALYZE records.work_logs, records.attendance, records.leader_comments")
    finally:
        await conn.close()
    return sheet_days


def _dimension_marks(rng: random.Random, rated: Person) -> tuple[dict[str, str], Decimal]:
    """A ballot's marks in each rating dimension, and the rating they make: their weighted sum,
    rounded half up to 0.01 as the scoring service rounds it."""
    marks = {code: Decimal(str(round(min(100, max(50, rng.gauss(rated.quality, 6))), 1))) for code in DIMENSIONS}
    total = sum((marks[code] * Decimal(weight) for code, (_, weight) in DIMENSIONS.items()), Decimal(0))
    return {code: str(mark) for code, mark in marks.items()}, total.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _quarter_inputs(rng: random.Random, members: list[Person], period: str, *,
                    dimensions: bool = False) -> dict[str, Any]:
    """A quarter's marks, ballots and items for one scheme's people, drawn in a fixed order. Under
    a scheme with rating dimensions, each ballot marks every dimension, and service users rate some
    of the people with one-time codes."""
    marks = []
    for person in members:
        for code in ("de", "neng", "work", "lian"):
            marks.append({"person_id": person.id, "indicator": code,
                          "mark": round(min(100, max(40, rng.gauss(person.quality, 4))), 1)})
    ballots: list[tuple[Person, Person, Decimal | float, dict[str, str] | None]] = []
    for rater in members:
        others = [p for p in members if p is not rater]
        for rated in rng.sample(others, min(len(others), 15)):
            if dimensions:
                by_dimension, mark = _dimension_marks(rng, rated)
                ballots.append((rater, rated, mark, by_dimension))
            else:
                ballots.append((rater, rated, round(min(100, max(50, rng.gauss(rated.quality, 6))), 1), None))
    outside = []
    if dimensions:
        for _ in range(SERVICE_CODES):
            outside.append([{"person_id": rated.id, "dimensions": _dimension_marks(rng, rated)[0]}
                            for rated in rng.sample(members, min(len(members), 5))])
    items = []
    for person in members:
        roll = rng.random()
        if roll < 0.04:
            items.append(("adjustments", {"person_id": person.id, "item": rng.choice(["honour", "innovation",
                                                                                      "investment"]),
                                          "points": str(rng.choice((1, 1.5, 2))), "evidence": f"{period} 市级表彰文件",
                                          "approved_by": "县委组织部"}))
        elif roll < 0.06:
            items.append(("adjustments", {"person_id": person.id, "item": rng.choice(["discipline", "safety"]),
                                          "points": str(rng.choice((1, 2, 3))), "evidence": f"{period} 督查通报",
                                          "approved_by": "县纪委监委"}))
        elif roll < 0.065:
            items.append(("negative-events", {"person_id": person.id, "item": "criticised",
                                              "note": f"{period} 被市级通报批评"}))
        elif roll < 0.067:
            items.append(("negative-events", {"person_id": person.id, "item": "accident",
                                              "note": f"{period} 分管领域发生安全责任事故"}))
    return {"marks": marks, "ballots": ballots, "items": items, "outside": outside}


def _year_marks(rng: random.Random, members: list[Person]) -> list[dict[str, Any]]:
    return [{"person_id": p.id, "indicator": code, "mark": round(min(100, max(40, rng.gauss(p.quality, 3))), 1)}
            for p in members for code in ("de", "neng", "work", "lian")]


async def _quarter(gateway: httpx.AsyncClient, scoring_db: asyncpg.Pool, scheme_id: str,
                   members: list[Person], period: str, plan: dict[str, Any], *, mistake: bool = False) -> str:
    base = f"/api/v1/scoring/schemes/{scheme_id}/periods/{period}"
    round_ = await _ok(gateway.post, f"{base}/rounds", json={"raters": [
        {"rater_id": p.id, "group": p.category} for p in members]})
    await scoring_db.copy_records_to_table("ratings", schema_name="scoring", records=[
        (uuid.UUID(round_["id"]), uuid.UUID(rated.id), uuid.UUID(rater.id), rater.category, mark,
         None if dimensions is None else json.dumps(dimensions))
        for rater, rated, mark, dimensions in plan["ballots"]],
        columns=["round_id", "person_id", "rater_id", "rater_group", "mark", "dimensions"])
    if plan["outside"]:  # the service users' ballots, each with a one-time code handed out on paper
        issued = await _ok(gateway.post, f"/api/v1/scoring/rounds/{round_['id']}/codes",
                           json={"group": "service", "count": len(plan["outside"])})
        for code, ratings in zip(issued["codes"], plan["outside"], strict=True):
            await _ok(gateway.post, "/api/v1/scoring/ballots/by-code", json={"code": code, "ratings": ratings})
    await _ok(gateway.post, f"/api/v1/scoring/rounds/{round_['id']}/close")
    await _ok(gateway.put, f"{base}/marks", json={"marks": plan["marks"]})
    for kind, body in plan["items"]:
        # a second item past its cap is refused, as it should be
        await _ok(gateway.post, f"{base}/{kind}", json=body, expect=(201, 422))
    if mistake:  # a deduction keyed against the wrong person, voided with its reason (kept in the history)
        wrong = await _ok(gateway.post, f"{base}/adjustments", json={
            "person_id": members[-1].id, "item": "discipline", "points": "2", "evidence": f"{period} 督查通报",
            "approved_by": "县纪委监委"})
        await _ok(gateway.post, f"/api/v1/scoring/adjustments/{wrong['id']}/void",
                  json={"reason": "录入错误：督查通报所扣为同名的另一干部，撤销本条"})
    close = await _ok(gateway.post, f"{base}/close")
    await _ok(gateway.post, f"/api/v1/scoring/results/{close['id']}/publish")
    return str(close["id"])


#: 化成 ran its year's procedure on paper in January 2026 (the publicity on the notice board) and
#: records each move afterwards, on the day it took effect: the day each stage was entered
ON_PAPER = {"weekly_records": date(2026, 1, 5), "monthly_reports": date(2026, 1, 5),
            "leader_comments": date(2026, 1, 6), "attendance": date(2026, 1, 6), "adjustments": date(2026, 1, 7),
            "negative_list": date(2026, 1, 7), "democratic_rating": date(2026, 1, 8),
            "unit_evaluation": date(2026, 1, 9), "draft": date(2026, 1, 12), "publicity": date(2026, 1, 13)}
RECORDED = "按纸质台账补录：2025年度考核程序已线下完成"
POSTED = "结果公示于镇政务公开栏张贴，事后补录"


async def _year_through_procedure(gateway: httpx.AsyncClient, scheme_id: str, members: list[Person], *,
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
        state: dict[str, Any] = await _ok(gateway.post, f"{base}/procedure/advance",
                                          json={"on": on.isoformat(), "reason": reason})
        if state["current"] != code:
            raise RuntimeError(f"the procedure entered {state['current']}, not {code}")
        return state

    codes = list(ON_PAPER)  # Taibai's stages, in order, as far as the publicity
    rating = codes.index("democratic_rating")
    for code in codes[:rating + 1]:
        state = await move(code, ON_PAPER[code])
    left_out, *raters = members
    round_ = await _ok(gateway.post, f"{base}/rounds", json={"raters": [
        {"rater_id": p.id, "group": p.category} for p in [*raters, stranger]]})
    await _ok(gateway.post, f"/api/v1/scoring/rounds/{round_['id']}/raters/{stranger.id}/replace",
              json={"rater_id": left_out.id, "reason": "误将鼎山镇干部列为测评人，更正为本单位干部"})
    for rater in members:
        await _ok(gateway.put, f"/api/v1/scoring/rounds/{round_['id']}/ratings", json={
            "rater_id": rater.id, "on_behalf": True, "ratings": [
                {"person_id": p.id, "mark": round(min(100, max(50, rng.gauss(p.quality, 5))), 1)}
                for p in members if p is not rater]})
    await _ok(gateway.post, f"/api/v1/scoring/rounds/{round_['id']}/close")
    for code in codes[rating + 1:]:
        if state["current"] == "draft":
            await _ok(gateway.post, f"{base}/close")  # the draft, made public next
        state = await move(code, ON_PAPER[code], POSTED if code == "publicity" else RECORDED)
    window = state["window"]
    over = date.fromisoformat(window["ends_on"]) + timedelta(days=1)
    await move("objection_review", over, "公示期满，未收到异议")
    state = await move("final", over + timedelta(days=1), "县委组织部确定等次，事后补录")
    return {"round_id": round_["id"], "final_close_id": state["final_close_id"],
            "window": window, "final_on": state["history"][-1]["opened_on"]}


async def _accounts(gateway: httpx.AsyncClient, region_id: str, unit: Unit,
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
        await _ok(gateway.post, "/api/v1/admin/users", json={"username": account.username, "password": PASSWORD,
                                                            "role": account.role, **scopes[account.role]})
    return accounts, {"member_person_id": member.id, "leader_person_id": leader.id}


async def has_data(gateway: httpx.AsyncClient) -> bool:
    return bool((await _ok(gateway.get, "/api/v1/records/regions", params={"limit": 1}))["items"])


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
