"""The Chinese details of the scoring service's errors (the rules of a scheme's definition:
:mod:`shared.details.scoring_rules`)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # bulletins, a cadre's file, records and quota behind scoring
    "no scheme of region {region_id} has closed {code}: there is nothing to report on yet":
        "地区 {region_id} 尚无考核方案完成 {code} 的考核：暂无可通报的内容",
    "no region {region_id} of yours": "您管理的地区中没有 {region_id}",
    "region {region_id} has no bulletin {bulletin_id}": "地区 {region_id} 没有通报 {bulletin_id}",
    "bulletin {id} was issued as {year}年第{number}期: it is kept as issued; draft a new one":
        "通报 {id} 已作为 {year}年第{number}期印发，不能再修改；请另拟新的通报",
    "the bulletin has no line {key}": "通报中没有条目 {key}",
    "line {key} is removed already": "条目 {key} 已删除",
    "records answered {status_code} for person {person_id}": "纪实管理服务获取人员 {person_id} 时返回了 {status_code}",
    "only the region's officers read a person's file (the person sees who read it)":
        "只有本地区组织部的工作人员可以查阅人员档案（本人可以看到谁查阅过）",
    "a file is read with a reason": "查阅档案须说明理由",
    "records knows no {value}": "纪实管理服务中没有 {value}",
    "records answered {status_code} for the summary": "纪实管理服务获取汇总时返回了 {status_code}",
    "records answered {status_code} for the latest writes": "纪实管理服务获取最近的写入时返回了 {status_code}",
    "records answered {status_code} for the units of group {group}":
        "纪实管理服务获取考核组 {group} 的单位时返回了 {status_code}",
    "quota answered {status_code} for the published allocation":
        "名额分配服务获取已公布的名额分配时返回了 {status_code}",
    "records answered {status_code} for unit {key}": "纪实管理服务获取单位 {key} 时返回了 {status_code}",
    "records answered {status_code} for unit {unit_id}": "纪实管理服务获取单位 {unit_id} 时返回了 {status_code}",
    "records answered {status_code} for region {region_id}": "纪实管理服务获取地区 {region_id} 时返回了 {status_code}",
    "records answered {status_code} for the region's unit totals":
        "纪实管理服务获取本地区各单位汇总时返回了 {status_code}",
    # corrections
    "give item, points, evidence or approved_by to change": "请提供要修改的 item、points、evidence 或 approved_by",
    "give item or note to change": "请提供要修改的 item 或 note",
    "{code} is not on the scheme's negative list ({value})": "{code} 不在方案的负面清单中（{value}）",
    "nothing changes: the event already has these values": "没有变化：该事项已是这些值",
    "the mark of {person_id} on {indicator} was taken away at {isoformat}":
        "{person_id} 在 {indicator} 上的评分已于 {isoformat} 撤销",
    "no mark of {person_id} on {indicator} in {code} under scheme {scheme_id}":
        "方案 {scheme_id} 在 {code} 中没有 {person_id} 在 {indicator} 上的评分",
    "no result version {close_id} of {code} under this scheme": "本方案在 {code} 中没有结果版本 {close_id}",
    "{what} {row_id} was voided at {isoformat}": "{what} {row_id} 已于 {isoformat} 作废",
    "{code} is not in the scheme's catalogue ({value})": "{code} 不在方案的加减分目录中（{value}）",
    "nothing changes: the item already has these values": "没有变化：该事项已是这些值",
    # the procedure
    "only the province's administrators keep the working-day calendar": "工作日历只能由省级管理员维护",
    "{date} is not of {year}": "{date} 不属于 {year} 年",
    "{date} is given twice": "{date} 出现了两次",
    "no publicity of {period} under scheme {id}": "方案 {id} 没有 {period} 的公示",
    "no publicity of {code} under scheme {scheme_id}": "方案 {scheme_id} 没有 {code} 的公示",
    "the draft of {period} is not made public yet": "{period} 的拟定等次尚未公示",
    "no result of yours in {id}": "{id} 中没有您的结果",
    "objections are taken during the publicity only: from {value} to {value1}":
        "只在公示期内受理异议：{value} 至 {value1}",
    "objections are taken during the publicity only: it has not begun": "只在公示期内受理异议：公示尚未开始",
    "a newer draft of this result has been made; object to that one": "该结果已有更新的拟定版本，请对新版本提出异议",
    "your objection {pending} to this result is still pending": "您对该结果的异议 {pending} 尚在处理中",
    "scheme {id} has no procedure: close and publish its periods directly":
        "方案 {id} 未规定考核程序：请直接结算并公布各周期",
    "a move recorded as of {on} needs a reason (why it is recorded afterwards)":
        "补记为 {on} 的推进须说明原因（为何事后补记）",
    "{on} is in the future (today is {today}): a move is recorded once it took effect":
        "{on} 尚未到来（今天是 {today}）：推进须在生效后记录",
    "{on} is before the previous move of the procedure, on {previous}": "{on} 早于考核程序上一次推进的日期 {previous}",
    "a reason goes with on: the day the move took effect, when it is recorded afterwards":
        "原因须与 on 一起提供：事后补记时，on 是推进生效的日期",
    "only {value} start this procedure": "只有{value}可以启动该考核程序",
    "{code} opens on {opens}": "{code} 于 {opens} 开始",
    "only {value} move {code} on": "只有{value}可以推进 {code}",
    "the final result is published: nothing follows": "最终结果已公布：没有后续环节",
    "{code} cannot be left{value}: {detail}": "{code} 尚不能结束{value}：{detail}",
    "the procedure of {period} has not started": "{period} 的考核程序尚未开始",
    "only {value} move {code} back": "只有{value}可以退回 {code}",
    "the final result is published: the procedure does not go back": "最终结果已公布：考核程序不能退回",
    "{code} is the first stage": "{code} 已是第一个环节",
    # why a stage cannot be left yet (a procedure's conditions)
    "the stage closes on {deadline}": "本环节于 {deadline} 截止",
    "the stage has no closing date": "本环节没有截止日期",
    "version {version} of {period}": "{period} 的第 {version} 版",
    "close {period} first": "请先结算 {period}",
    "the publicity runs from {window_starts_on} to {window_ends_on} (working days)":
        "公示期为 {window_starts_on} 至 {window_ends_on}（工作日）",
    "a close of the period to publish": "须有本周期可公布的结算结果",
    "version {version} is published": "第 {version} 版已公布",
    "{pending} objection(s) undecided": "{pending} 件异议尚未处理",
    "the publicity runs until {window_ends_on}": "公示期至 {window_ends_on}",
    "the scheme has no rater groups: nothing to rate": "方案没有测评组：无须测评",
    "open the rating round of {period} first": "请先开启 {period} 的测评",
    "{closing} passed: moving on closes the round and records the ballots missing":
        "{closing}已过：推进将结束测评并记录缺少的测评票",
    "close the rating round {id}{later}": "请结束测评轮次 {id}{later}",
    "{missing} ballot(s) missing": "缺少 {missing} 张测评票",
    "{missing} ballot(s) missing; the stage may be left once {closing} has passed":
        "缺少 {missing} 张测评票；{closing}过后方可结束本环节",
    "{missing} ballot(s) missing; every ballot is needed, or reopen the round with a deadline and move on once it "
    "has passed": "缺少 {missing} 张测评票；须收齐全部测评票，或重新开启测评并设定截止时间，过后再推进",
    "its closing date {deadline}": "本环节截止日期 {deadline}",
    "the round's last day of ballots {deadline}": "测评最后一天 {deadline}",
    " or wait until {closing} has passed": "，或等到{closing}过后",
    " or give it a deadline (closes_at): once it has passed, the stage moves on with the ballots missing recorded":
        "，或为其设定截止时间（closes_at）：过后本环节将推进并记录缺少的测评票",
    "the scheme's administrators": "方案的管理员",
    "the region's administrators": "地区管理员",
    "the province's administrators": "省级管理员",
    # results
    "no results of {code} under scheme {scheme_id} for you": "方案 {scheme_id} 在 {code} 中没有您可查看的结果",
    "scheme {scheme_id} has no bottom_rule: it keeps no bottom list": "方案 {scheme_id} 未规定末位规则：没有末位名单",
    "the bottom list is of a quarter (like 2025Q1), not a {kind} ({code})":
        "末位名单按季度（如 2025Q1）产生，而不是{kind:period_kind}（{code}）",
    "no {kind} of {code} is published under scheme {id}: publish them first":
        "方案 {id} 尚未公布 {code} 的{kind:period_kind}结果：请先公布",
    "you are not a person of the roster: you have no results of your own": "您不是人员名册中的人员，没有本人的考核结果",
    "close the rating round {id} of {code} first": "请先结束 {code} 的测评轮次 {id}",
    "{len} {value} an input the scheme does not score without ({len2} in all): mark them, or set the indicator's "
    "missing-input policy; see {where}":
        "{len} 人缺少方案计分所必需的数据（共 {len2} 项）：请补录，或设置该指标的缺项处理规则；详见 {where}",
    "no {value}result of {period} under scheme {id}": "方案 {id} 没有 {period} 的{value}结果",
    "published ": "已公布的",
    "{person_id} has no result of {code} under scheme {scheme_id}":
        "{person_id} 在方案 {scheme_id} 中没有 {code} 的结果",
    "compare two versions of one scheme and period": "请比较同一方案、同一周期的两个版本",
    "{period} of scheme {id} is run by its procedure: its final stage publishes it":
        "方案 {id} 的 {period} 按考核程序进行：由最后一个环节公布结果",
    "version {version} of {period} is already published": "{period} 的第 {version} 版已公布",
    "no published result of yours in {close_id}": "{close_id} 中没有您已公布的结果",
    "a newer version of this result has been published; object to that one":
        "该结果已公布了更新的版本，请对新版本提出异议",
    "the window to object closed at {isoformat}": "异议期已于 {isoformat} 结束",
    "objection {objection_id} was already {locked}": "异议 {objection_id} 已处理（{locked:objection_status}）",
    "accepting recomputes the result, but its inputs are unchanged: correct the marks, ratings or items the "
    "objection is about first": "采纳异议会重新计算结果，但其数据未变：请先更正异议所涉及的评分、测评或加减分事项",
    "the close's work in progress is gone (the database restarted while it was under way); nothing of it was "
    "stored: close the period again": "考核计算过程中数据库曾重启，进行中的计算已丢失，结果未保存：请重新计算本周期",
    "scheme {id} does not close {kind}s ({code}); it closes {join} (the scheme's periods.closes)":
        "方案 {id} 不按{kind:period_kind}（{code}）结算；它按 {join} 结算（见方案的 periods.closes）",
    "the annual results of {year} are not published under scheme {id}": "方案 {id} 尚未公布 {year} 年度的结果",
    "no quarter of {year} is published under scheme {id}: publish them first":
        "方案 {id} 尚未公布 {year} 年的任何季度结果：请先公布",
    "the quota allocation of region {region_id} for {year} is not published":
        "地区 {region_id} 尚未公布 {year} 年度的名额分配",
    # rating rounds
    "only the scheme's administrators issue and count a round's rating codes": "只有方案的管理员可以发放和统计测评码",
    "{group} is not an outside rater group of the scheme ({listed})": "{group} 不是方案的外部测评组（{listed}）",
    "rating round {round_id} is closed: no more codes": "测评轮次 {round_id} 已结束：不再发放测评码",
    "no unused rating code is this one": "没有这个未使用的测评码",
    "already a rater of the round": "已是本轮的测评人",
    "{rater_id} is not a rater of rating round {round_id}": "{rater_id} 不是测评轮次 {round_id} 的测评人",
    "{person_id} is not rated in rating round {round_id}": "{person_id} 不在测评轮次 {round_id} 的测评范围内",
    "the rater would replace themself": "测评人不能替换为自己",
    "the same person twice": "同一人出现了两次",
    "already rated in the round": "已在本轮测评范围内",
    "rating round {round_id} is open": "测评轮次 {round_id} 仍在进行中",
    "the result of {period} is published: rating round {round_id} is final":
        "{period} 的结果已公布：测评轮次 {round_id} 不能再改",
    "only the scheme's administrators correct a rating round and read its history":
        "只有方案的管理员可以更正测评轮次并查看其记录",
    "rating round {round_id} is closed: reopen it first": "测评轮次 {round_id} 已结束：请先重新开启",
    "{value} was taken out of rating round {round_id} already (see its history)":
        "{value} 已被移出测评轮次 {round_id}（见其记录）",
    "give either mark or dimensions": "请提供 mark 或 dimensions 之一",
    "the scheme has no rater groups": "方案没有测评组",
    "name at least one rater: the scheme has no outside group to issue codes to":
        "请至少指定一名测评人：方案没有可发放测评码的外部测评组",
    "scheme {scheme_id} already has a rating round for {code}": "方案 {scheme_id} 已有 {code} 的测评轮次",
    "only the scheme's administrators key in a ballot on a rater's behalf": "只有方案的管理员可以代测评人录入测评票",
    "name the rater whose paper ballot this is": "请指定这张纸质测评票的测评人",
    "a ballot is written only by its rater; an administrator keying in a paper ballot says so with on_behalf":
        "测评票只能由测评人本人填写；管理员代录纸质测评票时须注明 on_behalf",
    "give rater_id and on_behalf: the caller is not a person": "请提供 rater_id 和 on_behalf：调用者不是人员",
    "{rater_id} is not a rater of this round": "{rater_id} 不是本轮的测评人",
    "a rater never rates themself": "测评人不能给自己打分",
    "{person_id} is not rated in this round (not in the scheme's people)":
        "{person_id} 不在本轮测评范围内（不是方案的考核对象）",
    "the same person twice in one ballot": "同一张测评票中同一人出现了两次",
    "the scheme rates with one mark per person, not by dimension": "方案对每人打一个分数，不分维度",
    "mark {mark} is above the scheme's maximum of {mark_max}": "分数 {mark} 超过了方案的最高分 {mark_max}",
    "the scheme rates by dimension: give a mark for each of {join}": "方案按维度打分：请为 {join} 各打一个分数",
    "{code} is not a rating dimension of the scheme ({join})": "{code} 不是方案的测评维度（{join}）",
    "no mark for the dimension {code}": "维度 {code} 没有分数",
    "only the scheme's administrators close a round": "只有方案的管理员可以结束测评",
    "rating round {round_id} is already closed": "测评轮次 {round_id} 已结束",
    "{group} is not a rater group of the scheme ({join})": "{group} 不是方案的测评组（{join}）",
    "{group} is an outside group: its raters have no account and rate with the round's one-time codes":
        "{group} 是外部测评组：其测评人没有账号，使用本轮的一次性测评码测评",
    "a rater is listed twice": "同一测评人出现了两次",
    "the deadline {isoformat} is not in the future": "截止时间 {isoformat} 不晚于现在",
    "the deadline is out of range": "截止时间超出范围",
    "rating round {round_id} closed at {closed_at}; no more ratings":
        "测评轮次 {round_id} 已于 {closed_at} 结束，不再接受测评",
    "rating round {round_id} took ballots until {isoformat}": "测评轮次 {round_id} 的测评截止于 {isoformat}",
    # schemes and their review
    "version {version} of scheme {id} is {value}: only a version its region's organisation department approved opens "
    "rating rounds or closes a period":
        "方案 {id} 的第 {version} 版{value}：只有经本地区组织部审核通过的版本才能开启测评或结算周期",
    "scheme {id} has no version {number}": "方案 {id} 没有第 {number} 版",
    "scheme {scheme_id} has no version {number}": "方案 {scheme_id} 没有第 {number} 版",
    "scheme {scheme_id} has no version {version}": "方案 {scheme_id} 没有第 {version} 版",
    "version {number} of scheme {scheme_id} is not its latest ({latest}): submit that one":
        "第 {number} 版不是方案 {scheme_id} 的最新版本（第 {latest} 版）：请报送最新版本",
    "version {number} of scheme {scheme_id} is {value}": "方案 {scheme_id} 的第 {number} 版{value}",
    "version {number} breaks {len} hard requirement(s) of region {region_id}; nothing was submitted":
        "第 {number} 版不符合地区 {region_id} 的 {len} 项硬性要求；未报送",
    "a draft, not submitted for review": "还是草稿，尚未报送审核",
    "submitted and waiting for review": "已报送，正在等待审核",
    "returned by the reviewers": "已被审核退回",
    "approved": "已审核通过",
    "only the region's organisation department (its administrators) reviews a scheme":
        "只有本地区组织部（地区管理员）可以审核方案",
    "version {number} of scheme {scheme_id} is {value}: only a submitted version is returned or approved":
        "方案 {scheme_id} 的第 {number} 版{value}：只有已报送的版本才能退回或审核通过",
    "{path} is not a point of a scheme's definition (it starts with one of {join})":
        "{path} 不是方案定义中的位置（应以 {join} 之一开头）",
    "give exactly one of unit_id and group": "unit_id 和 group 须且只须提供一个",
    "only the region's administrator changes a scheme's lead unit": "只有地区管理员可以变更方案的牵头单位",
    "a lead unit is only named for an evaluation group's scheme; this is a unit's":
        "只有考核组的方案才指定牵头单位；这是单位的方案",
    "a lead unit is only named for an evaluation group's scheme (give group, not unit_id)":
        "只有考核组的方案才指定牵头单位（请提供 group，而不是 unit_id）",
    "{indicator} is not a hand-marked indicator of the scheme ({value})":
        "{indicator} 不是方案中手工评分的指标（{value}）",
    "the same person and indicator twice": "同一人同一指标出现了两次",
    "{item} is not in the scheme's catalogue ({value})": "{item} 不在方案的加减分目录中（{value}）",
    "{item_code}: {item_total} points in {period} would pass the item's cap of {max_points}":
        "{item_code}：{period} 的 {item_total} 分将超过该事项 {max_points} 分的上限",
    "{same} {direction} points in {period} would pass the total cap of {value}":
        "{period} 的{direction:adjustment_direction} {same} 分将超过 {value} 分的总上限",
    "{item} is not on the scheme's negative list ({value})": "{item} 不在方案的负面清单中（{value}）",
    "no region {region_id} or unit {own} you administer": "您管理的地区或单位中没有地区 {region_id} 或单位 {own}",
    # scope
    "you may see this but not change it": "您可以查看，但不能修改",
    "no scheme {scheme_id}": "考核方案 {scheme_id} 不存在",
    "no rating round {round_id}": "测评轮次 {round_id} 不存在",
    "no result version {close_id}": "结果版本 {close_id} 不存在",
    "no objection {objection_id}": "异议 {objection_id} 不存在",
    "only the scheme's administrators review an objection": "只有方案的管理员可以处理异议",
    "{len} row(s): {message}{more}": "{len} 处有误：{message}{more}",
    "no unit {unit_id} of region {region_id} that you can see": "地区 {region_id} 中没有您可见的单位 {unit_id}",
    "no region {region_id} that you can see": "没有您可见的地区 {region_id}",
    "no unit {lead_unit_id} of region {region_id} in evaluation group {group} that you can see":
        "地区 {region_id} 的考核组 {group} 中没有您可见的单位 {lead_unit_id}",
    "not one of the scheme's people in {code}": "不是方案在 {code} 的考核对象",
    "no such person in region {region}": "地区 {region} 中没有此人",
    # supervision
    "no rectification notice {notice_id}": "整改通知 {notice_id} 不存在",
    "only the unit's administrator answers its rectification items": "只有单位管理员可以反馈其整改事项",
    "only the region's organisation department signs off or returns an item": "只有本地区组织部可以销号或退回整改事项",
    "an inspection on {visited_on} has not happened yet (today is {today})":
        "{visited_on} 的检查尚未发生（今天是 {today}）",
    "a notice issued on {issued_on} has not been issued yet (today is {today})":
        "{issued_on} 的通知尚未印发（今天是 {today}）",
    "a deadline before the notice's issue day ({issued_on})": "期限早于通知的印发日期（{issued_on}）",
    "no inspection {inspection_id} of unit {unit_id}": "单位 {unit_id} 没有检查 {inspection_id}",
    "a notice issued on {issued_on}, before its inspection on {visited_on}":
        "通知的印发日期 {issued_on} 早于检查日期 {visited_on}",
    "no unit {unit_id} of yours": "您管理的单位中没有 {unit_id}",
    "notice {id} has no item {item_id}": "整改通知 {id} 没有事项 {item_id}",
    "item {position} is {state}: nothing more to answer":
        "第 {position} 项处于“{state:rectification_state}”状态：无须再反馈",
    "a {decision} needs its reason": "“{decision:rectification_decision}”须说明原因",
    "item {position} is {state}: only an item {join} takes a {decision}":
        "第 {position} 项处于“{state:rectification_state}”状态：只有处于 {join} 状态的事项才能“"
        "{decision:rectification_decision}”",
    # a field's message
    "a reason is required": "须说明理由",
    "unknown grade": "未知的等次",
    "nothing to recompute": "没有需要重新计算的内容",
    "not an outside rater group": "不是外部测评组",
}
