"""One catalogue of every code the API emits or accepts, with its Chinese (``zh-CN``) and English
(``en``) label, so that screens show 较好 rather than ``fairly_good`` without a table of their own.

``CATALOGUE[kind][code]`` is ``{"zh-CN": ..., "en": ...}``; ``labels(kind, code)`` gives that pair
(the code itself in both languages when the catalogue does not know it, e.g. a rater group a scheme
named itself) and ``label(kind, code, lang)`` one of them. Error codes are the kind ``error``; their
labels are the problem ``title`` in each language; the reasons an import gives for a row or a file it
refuses are the kind ``row_error`` (:mod:`shared.row_errors`). ``negotiate(accept_language)`` picks the language
of the texts of an answer (error titles and details, explanation sentences): ``zh-CN`` when the
first Chinese or English language the header names (by q-value, then order) is Chinese, ``en``
otherwise, so a client that sends no header (a script, the CLI) keeps the English texts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import computed_field
from typing_extensions import TypedDict

from shared.label_errors import ERRORS
from shared.row_errors import ROW_ERRORS

ZH, EN = "zh-CN", "en"
LANGS = (ZH, EN)
DEFAULT_LANG = EN

Labels = dict[str, str]
# How a pair of labels is documented: both languages always present.
LabelPair = TypedDict("LabelPair", {"zh-CN": str, "en": str})


def _kind(**codes: tuple[str, str]) -> dict[str, Labels]:
    return {code: {ZH: zh, EN: en} for code, (zh, en) in codes.items()}


_RATER_GROUPS = _kind(leadership=("班子成员", "Leadership"), middle=("中层干部", "Middle cadres"),
                      staff=("其他在编人员", "Other on-establishment staff"),
                      non_staff=("不在编人员", "Non-establishment staff"))

CATALOGUE: dict[str, dict[str, Labels]] = {
    "grade": _kind(
        good=("好", "Good"), fairly_good=("较好", "Fairly good"), average=("一般", "Average"), poor=("较差", "Poor"),
        excellent=("优秀", "Excellent"), competent=("称职", "Competent"),
        basically_competent=("基本称职", "Basically competent"), incompetent=("不称职", "Incompetent")),
    "rater_group": _RATER_GROUPS,
    "staff_category": _RATER_GROUPS,
    "rating": _kind(democratic=("民主测评", "Democratic evaluation"), leader=("领导评价", "Leader's rating")),
    "unit_kind": _kind(township=("乡镇", "Township"), street=("街道", "Street office"),
                       department=("部门", "Department"), institution=("事业单位", "Public institution")),
    "honour_level": _kind(national=("国家级", "National"), provincial=("省级", "Provincial"), city=("市级", "City"),
                          county=("县级", "County"), township=("乡镇级", "Township")),
    "commendation_level": _kind(district=("区级", "District"), city=("市级", "City"), province=("省级", "Province"),
                                national=("国家级", "National")),
    "indicator_direction": _kind(higher=("越高越好", "Higher is better"), lower=("越低越好", "Lower is better")),
    "mapping_kind": _kind(steps=("分档计分", "Steps"), linear=("线性计分", "Linear")),
    "base_kind": _kind(flat=("统一基础分", "Flat base score"), task_load=("按任务量", "By task load"),
                       section=("按科室系数", "By section coefficient")),
    "adjustment_direction": _kind(bonus=("加分", "Bonus"), deduction=("减分", "Deduction")),
    "over_cap": _kind(refuse=("拒绝超出上限", "Refuse above the cap"), cut=("截至上限", "Cut at the cap")),
    "event_effect": _kind(cap=("限定等次", "Caps the grade"), veto=("一票否决", "Veto"),
                          exclude=("不参加评优", "Excluded from grading")),
    "missing_policy": _kind(refuse=("缺项不予计分", "Refuse to score"), zero=("缺项计零分", "Count as zero"),
                            renormalise=("按其余项折算", "Reweight the rest"),
                            unit_mean=("取本单位平均分", "Unit mean")),
    "period_kind": _kind(month=("月度", "Month"), quarter=("季度", "Quarter"), half=("半年", "Half-year"),
                         year=("年度", "Year")),
    "procedure": _kind(national=("国家规定程序", "National procedure"), taibai=("太白县程序", "Taibai procedure")),
    "stage_produces": _kind(
        self_reports=("个人总结", "Self-reports"), unit_review=("单位审核", "Unit review"),
        ballots=("民主测评", "Democratic evaluation"), leader_ratings=("领导评价", "Leaders' ratings"),
        draft=("拟定等次", "Draft grades"), publicity=("公示", "Publicity"), final=("确定等次", "Final grades")),
    "stage_actor": _kind(unit_admin=("单位管理员", "Unit administrator"),
                         region_admin=("组织部", "Region administrator"),
                         province_admin=("省级管理员", "Province administrator")),
    "stage_condition": _kind(none=("无条件", "None"), all_ballots=("全部测评完成", "All ballots in"),
                             round_closed=("测评已结束", "Round closed"), deadline=("到期", "Deadline reached")),
    "stage_state": _kind(done=("已完成", "Done"), current=("进行中", "Current"), pending=("未开始", "Pending")),
    "round_status": _kind(open=("进行中", "Open"), closed=("已结束", "Closed")),
    "objection_status": _kind(pending=("待处理", "Pending"), accepted=("已采纳", "Accepted"),
                              rejected=("已驳回", "Rejected")),
    "objection_decision": _kind(accept=("采纳", "Accept"), uphold=("采纳", "Uphold"), reject=("驳回", "Reject"),
                                upheld=("已采纳", "Upheld"), rejected=("已驳回", "Rejected")),
    "attendance_status": _kind(
        present=("出勤", "Present"), business_trip=("出差", "Business trip"), sick_leave=("病假", "Sick leave"),
        personal_leave=("事假", "Personal leave"), annual_leave=("年休假", "Annual leave"),
        maternity_leave=("产假", "Maternity leave"), study=("学习培训", "Study"), absent=("缺勤", "Absent"),
        rest=("休息", "Rest")),
    "apportionment_method": _kind(**{name: methods for names, methods in (
        (("hamilton", "largest_remainder"), ("最大余额法（哈密尔顿法）", "Hamilton (largest remainder)")),
        (("jefferson", "dhondt", "d_hondt"), ("最大除数法（杰斐逊法）", "Jefferson (D'Hondt)")),
        (("webster", "sainte_lague"), ("韦伯斯特法（圣拉格法）", "Webster (Sainte-Laguë)")),
        (("huntington_hill", "huntington-hill"), ("亨廷顿-希尔法", "Huntington–Hill")),
        (("adams",), ("亚当斯法（最小除数法）", "Adams (smallest divisors)")),
        (("dean",), ("迪恩法（调和平均）", "Dean (harmonic mean)"))) for name in names}),
    "attendance_source": _kind(correction=("更正", "Correction"), **{"import": ("导入", "Import")}),
    "task_status": _kind(open=("进行中", "Open"), awaiting_confirmation=("待确认", "Awaiting confirmation"),
                         done=("已完成", "Done"), cancelled=("已取消", "Cancelled")),
    "task_update_kind": _kind(progress=("进度", "Progress"), rectification=("整改", "Rectification"),
                              confirmation=("确认", "Confirmation")),
    "comment_target": _kind(work_log=("周工作纪实", "Weekly work log"),
                            monthly_report=("月工作汇报", "Monthly report")),
    "change_kind": _kind(adjustment=("加减分", "Bonus or deduction"),
                         negative_event=("负面清单事项", "Negative-list event"),
                         mark=("评分", "Mark")),
    "change_action": _kind(add=("新增", "Added"), amend=("修改", "Amended"), void=("作废", "Voided")),
    "escalation_action": _kind(talk=("提醒谈话", "Reminder talk"), notice=("通报批评", "Notice of criticism"),
                               grade=("限定年度等次", "Annual grade capped")),
    "rounding": _kind(floor=("向下取整", "Round down"), half_up=("四舍五入", "Round half up"),
                      ceiling=("向上取整", "Round up")),
    "tie_at_cap": _kind(exclude=("并列超出时不计入", "Exclude ties at the cap"),
                        include=("并列超出时计入", "Include ties at the cap")),
    "compare_within": _kind(unit=("单位", "Unit"), section=("科室", "Section"), post=("岗位", "Post"),
                            staff_category=("人员类别", "Staff category")),
    "uplift_kind": _kind(relative=("按比例上浮", "Relative uplift"), absolute=("按百分点上浮", "Absolute uplift")),
    "leftover": _kind(largest_remainder=("最大余数法", "Largest remainder"), keep=("留作统筹", "Keep in the pool")),
    "headcount_source": _kind(records=("人员名册", "Roster"), stored=("已录入人数", "Stored headcount")),
    "allocation_warning": _kind(
        uplift_unreachable=("乡镇上浮比例无法达到", "Township uplift cannot be reached"),
        designated_not_given=("单列名额未分配", "Designated slot not given"),
        pool_bounds_unmet=("统筹名额未满足上下限", "Pool bounds not met"),
        pool_overspent=("统筹名额超出", "Pool overspent")),
    "role": _kind(province_admin=("省级管理员", "Province administrator"),
                  region_admin=("组织部管理员", "Region administrator"),
                  unit_admin=("单位管理员", "Unit administrator"), leader=("领导", "Leader"),
                  member=("工作人员", "Member")),
    "api_scope": {"results:read": {ZH: "读取考核结果", EN: "Read results"},
                  "inputs:write": {ZH: "写入考核数据", EN: "Write inputs"},
                  "apportion": {ZH: "名额分配", EN: "Apportion quotas"},
                  "webhooks:manage": {ZH: "管理推送地址", EN: "Manage webhooks"},
                  "schemes:read": {ZH: "读取考核方案", EN: "Read schemes"},
                  "units:read": {ZH: "读取单位", EN: "Read units"},
                  "persons:read": {ZH: "读取人员", EN: "Read persons"}},
    "file_format": _kind(csv=("CSV 文件", "CSV"), xlsx=("Excel 表格", "Excel workbook")),
    "action_list": _kind(four_good=("四个季度“好”等次人员", "Four quarters graded good"),
                         reminders=("应提醒谈话、通报人员", "Due a reminder talk or a notice"),
                         no_bonus=("不发放年度奖金人员及原因", "Without an annual bonus, and why"),
                         excellent=("年度优秀人员", "Graded excellent in the year")),
    "template_kind": _kind(roster=("人员名册", "Roster"), tasks=("重点工作任务", "Tasks"),
                           attendance=("日常考勤", "Attendance")),
    "summary_order": _kind(staff_no=("按工号", "By staff number"), person_id=("按人员编号", "By person id")),
    "requirement": _kind(good_share=("“好”等次比例上限", "Share of 好 capped"),
                         year_quarter_share=("季度考核占年度比重", "Quarters' share of the year"),
                         rater_groups=("设有测评主体", "Rater groups present"),
                         scoring_standards=("每项指标有评分标准", "Every indicator has its scoring standard"),
                         missing_policy=("写明缺项处理办法", "Missing-input policy stated")),
    "review_state": _kind(draft=("草稿", "Draft"), not_submitted=("未报送", "Not submitted"),
                          submitted=("已报送待审核", "Submitted"), returned=("已退回修改", "Returned"),
                          approved=("已审核通过", "Approved"), no_scheme=("尚无方案", "No scheme")),
    "task_role": _kind(lead=("牵头负责", "Lead"), co_owner=("协同负责", "Co-owner")),
    "bulletin_state": _kind(draft=("草稿", "Draft"), issued=("已印发", "Issued")),
    "bulletin_line": _kind(four_good=("四个季度均为“好”等次", "Four quarters graded 好"),
                           honour=("获得表彰奖励", "Honoured"), late_unit=("工作进度滞后", "Late with the period"),
                           overdue_rectification=("整改逾期未销号", "Rectification overdue"),
                           bottom_running=("连续排名末位", "At the bottom months running"),
                           no_scheme=("尚无方案", "No scheme"), not_closed=("未核定结果", "Not closed"),
                           not_published=("结果未公布", "Not published")),
    "rectification_state": _kind(open=("待整改", "Open"), answered=("已反馈待销号", "Answered"),
                                 returned=("已退回重新整改", "Returned"), signed_off=("已销号", "Signed off"),
                                 closed=("已关闭", "Closed")),
    "rectification_decision": _kind(sign_off=("销号", "Sign off"), close=("关闭", "Close"),
                                    **{"return": ("退回", "Return")}),
    "progress_reason": _kind(no_scheme=("尚无考核方案", "No scheme"),
                             not_approved=("方案未审核通过", "Scheme not approved"),
                             stage_overdue=("考核环节已过截止日期", "Stage past its closing date"),
                             records_late=("纪实按时提交率偏低", "Records not written on time"),
                             ballots_missing=("测评票未收齐", "Ballots missing"),
                             not_closed=("考核结果未生成", "Period not closed"),
                             over_cap=("等次比例超出上限", "Grades over their caps")),
    "progress_sort": _kind(flags=("按提示数", "By flags"), unit=("按单位", "By unit"),
                           review=("按方案状态", "By review"),
                           stage=("按考核环节", "By stage"), records=("按纪实按时率", "By records on time"),
                           ballots=("按投票率", "By ballots"), objections=("按待处理异议", "By objections"),
                           closed=("按结果生成时间", "By close")),
    "progress_flag": _kind(late=("进度滞后", "Late"), off_caps=("等次比例超限", "Off caps"),
                           any=("任一提示", "Either")),
    "answer_format": _kind(json=("JSON", "JSON"), xlsx=("Excel 表格", "Excel workbook")),
    "record_kind": _kind(work_log=("周工作纪实", "Weekly work log"), monthly_report=("月工作汇报", "Monthly report"),
                         comment=("领导点评", "Leader's comment"), task=("工作任务", "Task")),
    "service": _kind(records=("纪实管理", "Records"), scoring=("考核评分", "Scoring"), quota=("名额分配", "Quota"),
                     gateway=("统一入口", "Gateway")),
    "event": _kind(round_opened=("有新的测评待填写", "A rating round opened for me"),
                   round_deadline=("测评即将截止", "A rating round closes soon"),
                   result_published=("考核结果已公布", "Results published"),
                   objection_decided=("异议已处理", "An objection was decided"),
                   stage_moved=("考核程序已推进", "The procedure moved on"),
                   comment_added=("领导作了点评", "A leader commented"),
                   task_assigned=("有新的工作任务", "A task was assigned"),
                   task_overdue=("工作任务已逾期", "A task is overdue"),
                   notice_issued=("收到整改通知", "A rectification notice was issued"),
                   allocation_published=("名额分配已公布", "An allocation was published"),
                   roster_changed=("人员名册已变动", "The roster changed"),
                   job_finished=("后台任务已结束", "A job finished")),
    "job_state": _kind(queued=("排队中", "Queued"), running=("进行中", "Running"), succeeded=("已完成", "Succeeded"),
                       failed=("失败", "Failed"), cancelled=("已取消", "Cancelled")),
    "delivery_status": _kind(pending=("待推送", "Pending"), delivered=("已送达", "Delivered"),
                             failed=("推送失败", "Failed")),
    "audit_kind": _kind(write=("写入", "Write"), read=("查阅", "Read"), export=("导出", "Export")),
    "error": ERRORS,
    "row_error": ROW_ERRORS,
}


def labels(kind: str, code: str) -> Labels:
    """``{"zh-CN": ..., "en": ...}`` for ``code`` of ``kind``; the code itself when it is not catalogued."""
    found = CATALOGUE.get(kind, {}).get(code)
    return dict(found) if found is not None else {ZH: code, EN: code}


def label(kind: str, code: str, lang: str = DEFAULT_LANG) -> str:
    return labels(kind, code).get(lang, code)


def maybe_labels(kind: str, code: str | None) -> Labels | None:
    return None if code is None else labels(kind, code)


def label_of(kind: str, field: str) -> Any:
    """A read model's ``<field>_label``: ``{"zh-CN": ..., "en": ...}`` of the code in ``field`` (null
    when it is null), a computed field looked up when the answer is serialised::

        class ResultRead(BaseModel):
            grade: str | None
            grade_label: ClassVar[Any] = label_of("grade", "grade")

    (``ClassVar`` so that type checkers do not take it for a field to fill in.)
    """
    def labelled(self: Any) -> Labels | None:
        return maybe_labels(kind, getattr(self, field))

    return computed_field(property(labelled), return_type=LabelPair | None,  # type: ignore[call-overload]
                          description=f"`{field}` in Chinese and English (`{kind}` of `GET /api/v1/catalogue`)")


def labels_of(kind: str, field: str) -> Any:
    """A read model's ``<field>_labels``: the labels of each key of the mapping (or each item of the
    list) in ``field``: ``{code: {"zh-CN": ..., "en": ...}}``."""
    def labelled(self: Any) -> dict[str, Labels]:
        codes: Iterable[str] = getattr(self, field) or ()
        return {code: labels(kind, code) for code in codes}

    return computed_field(property(labelled), return_type=dict[str, LabelPair],  # type: ignore[call-overload]
                          description=f"each code of `{field}` in Chinese and English (`{kind}` of "
                                      f"`GET /api/v1/catalogue`)")


def negotiate(accept_language: str | None) -> str:
    """The answer's language from an ``Accept-Language`` header: the first of its languages (by
    q-value, then order) that is Chinese or English; English when there is none."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag == "zh" or tag.startswith("zh-"):
            return ZH
        if tag == "en" or tag.startswith("en-"):
            return EN
    return DEFAULT_LANG


def all_codes() -> set[str]:
    return {code for codes in CATALOGUE.values() for code in codes}


def _etag(catalogue: Mapping[str, Mapping[str, Labels]]) -> str:
    digest = hashlib.sha256(json.dumps(catalogue, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f'"{digest[:32]}"'


ETAG = _etag(CATALOGUE)
