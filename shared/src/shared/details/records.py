"""The Chinese details of the records service's errors."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # attendance, changes, honours
    "{value} recorded day(s) would change: say why": "将改变 {value} 个已记录的日子：请说明原因",
    "give unit_id or person_id": "请提供 unit_id 或 person_id",
    "the {replace} would change ({join}): say why": "{replace}将被修改（{join}）：请说明原因",
    "an instant out of range": "时间超出范围",
    "give unit_id, or region_id and group": "请提供 unit_id，或同时提供 region_id 和 group",
    "no {replace} {record_id}": "{replace} {record_id} 不存在",
    "no unit {value}": "单位 {value} 不存在",
    "unknown time zone {value}": "未知的时区 {value}",
    "honour {honour_id} is voided already": "荣誉记录 {honour_id} 已作废",
    "give region_id, unit_id or person_id": "请提供 region_id、unit_id 或 person_id",
    "an honour is a person's or a unit's: give exactly one of person_id and unit_id":
        "荣誉属于个人或单位：person_id 和 unit_id 须且只须提供一个",
    "give person_id or unit_id, exactly one": "person_id 和 unit_id 须且只须提供一个",
    "no such unit": "没有该单位",
    "unit {unit_id} does not exist": "单位 {unit_id} 不存在",
    "no such person": "没有此人",
    "person {person_id} does not exist": "人员 {person_id} 不存在",
    "person {person_id} was not on the roster on {awarded_on}": "人员 {person_id} 在 {awarded_on} 不在人员名册中",
    "the person was not placed in a unit that day": "此人当天未在任何单位任职",
    "no such person in the units you see": "您可见的单位中没有此人",
    "person {person_id} was placed in a unit you do not see on {awarded_on}":
        "人员 {person_id} 在 {awarded_on} 任职于您不可见的单位",
    "honours are recorded by the unit's administrator": "荣誉由单位管理员登记",
    "after today": "晚于今天",
    "an honour awarded on {awarded_on} is in the future": "获奖日期 {awarded_on} 尚未到来",
    "no honour {honour_id}": "荣誉记录 {honour_id} 不存在",
    "an honour is voided by its unit's administrator": "荣誉记录由其单位管理员作废",
    "what a unit owes is for its administrator and leaders": "单位的待办情况仅供其管理员和领导查看",
    # monthly reports, work logs, comments
    "there is already a monthly report for {month}; change it with PATCH /api/v1/records/monthly-reports/{existing}":
        "{month} 的月工作汇报已存在；请用 PATCH /api/v1/records/monthly-reports/{existing} 修改",
    "no monthly report {report_id}": "月工作汇报 {report_id} 不存在",
    "no {kind} {target_id}": "{kind:record_kind} {target_id} 不存在",
    "no one marks their own record": "不能给自己的记录评分",
    "leaders comment; members do not": "由领导点评，普通人员不能点评",
    "{text} is not a month like 2025-03": "{text} 不是月份（应写作 2025-03）",
    "there is already a weekly record for {week}; change it with PATCH /api/v1/records/work-logs/{existing}":
        "{week} 的周工作纪实已存在；请用 PATCH /api/v1/records/work-logs/{existing} 修改",
    "no weekly record {log_id}": "周工作纪实 {log_id} 不存在",
    "{week} is not an ISO week like 2025-W03": "{week} 不是 ISO 周（应写作 2025-W03）",
    "the person is not on the roster in {named}": "此人在 {named} 不在人员名册中",
    "a record cannot be made for a time to come: {message}": "不能为尚未到来的时间填写记录：{message}",
    # roster
    "give `year` (year-end headcount) or `on` (a date)": "请提供 `year`（年末人数）或 `on`（日期）",
    "active_to is before active_from": "active_to 早于 active_from",
    "a move needs unit_id unless it is a leave": "除离职外，人员变动须提供 unit_id",
    "may be left out, but not null": "可以省略，但不能为 null",
    "search for something": "请输入搜索内容",
    "not a cursor": "不是有效的游标",
    "`after` is not a cursor this search gave": "`after` 不是本次搜索给出的游标",
    "no section {section_id} in unit {unit_id}": "单位 {unit_id} 中没有科室 {section_id}",
    "unit {unit_id} already has a section named {name}": "单位 {unit_id} 已有名为 {name} 的科室",
    "{name} left on {value}; re-hire with a new placement instead": "{name} 已于 {value} 离职；请以新的任职重新录用",
    "the change on {on} is not after the current placement began ({active_from})":
        "{on} 的变动不晚于当前任职的起始日期（{active_from}）",
    "only the province creates regions": "只有省级可以创建地区",
    "parent region {parent_id} does not exist": "上级地区 {parent_id} 不存在",
    "region {region_id} does not exist": "地区 {region_id} 不存在",
    "only the region changes its units": "只有所属地区可以修改其单位",
    "a unit's roster is kept by its administrator": "单位的人员名册由其管理员维护",
    "people are placed by the unit's administrator": "人员任职由单位管理员安排",
    "section {section_id} is not a section of unit {unit_id}": "科室 {section_id} 不属于单位 {unit_id}",
    "a person's placement is changed by their unit's administrator": "人员任职由其所在单位的管理员变更",
    "the {what} belongs to a unit you do not manage (the person was placed there then)":
        "该{what}属于您不管理的单位（此人当时在该单位任职）",
    "a {what} is written by the person or their unit's administrator": "{what}由本人或其单位管理员填写",
    "{len} co-owner(s) cannot share the task: {value}": "{len} 名协同负责人不能分担该任务：{value}",
    "name at least one field": "请至少指定一个字段",
    "unknown field {value}; the fields are {join}": "未知字段 {value}；可用字段为 {join}",
    "no evaluation group {group} in region {region_id}": "地区 {region_id} 中没有考核组 {group}",
    # tasks
    "the lead's {lead_share} and the co-owners' {others} add up to {value}, not 1":
        "牵头人的 {lead_share} 与协同负责人的 {others} 合计 {value}，而不是 1",
    "the co-owners' shares add up to {others}: nothing is left to the lead":
        "协同负责人的份额合计 {others}：牵头人已无份额",
    "tasks are assigned by the unit's administrator": "任务由单位管理员分派",
    "the task is due after the person has left": "任务的期限晚于此人离职的日期",
    "no task {task_id}": "任务 {task_id} 不存在",
    "a task is corrected by its unit's administrator": "任务由其单位管理员更正",
    "the task would be due after the person has left the unit": "任务的期限将晚于此人离开该单位的日期",
    "progress is reported by the person or their unit's administrator": "进度由本人或其单位管理员报告",
    "rectification and closing are the administrator's": "整改和关闭由管理员执行",
    "the task is {status}; only the administrator reopens it":
        "任务处于“{status:task_status}”状态；只有管理员可以重新打开",
    "only a supervised task (督办) has a rectification trail": "只有督办任务才有整改记录",
    "completion is confirmed by the unit's leader or administrator": "完成情况由单位领导或管理员确认",
    "the task is {status} already": "任务已处于“{status:task_status}”状态",
    "a task cannot be confirmed done on a later day": "不能确认任务在以后的日期完成",
    # the record a value names
    "weekly record": "周工作纪实",
    "monthly report": "月工作汇报",
}
