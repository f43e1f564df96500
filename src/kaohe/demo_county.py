"""The demo county as data: its units, people and schemes, drawn from one seeded random generator
(see :mod:`kaohe.demo`), and the one way the demo calls the gateway."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

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


async def ok(call: Callable[..., Awaitable[httpx.Response]], *args: Any, expect: tuple[int, ...] = (200, 201),
              **kwargs: Any) -> Any:
    answer = await call(*args, **kwargs)
    while answer.status_code == 429:  # a well-behaved client: wait as told, then send the same again
        await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
        answer = await call(*args, **kwargs)
    if answer.status_code not in expect:
        raise RuntimeError(f"{answer.request.method} {answer.request.url.path}: {answer.status_code} "
                           f"{answer.text[:500]}")
    return answer.json() if answer.content and answer.headers.get("content-type", "").endswith("json") else None
