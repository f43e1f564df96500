"""The Chinese details of the quota service's errors."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # publication
    "region {region_id} already has a published allocation for {year}: send supersedes with a reason to correct it":
        "地区 {region_id} 已公布 {year} 年度的名额分配：如需更正，请提供 supersedes 和原因",
    "nothing is published for region {region_id} in {year}": "地区 {region_id} 尚未公布 {year} 年度的名额分配",
    "run {id} is already published for {year}": "名额分配 {id} 已作为 {year} 年度的结果公布",
    "region {region_id} already has a published allocation for {year}, or it was just corrected":
        "地区 {region_id} 已公布 {year} 年度的名额分配，或刚刚更正过",
    "a reason is required with {flag}": "使用 {flag} 时须说明原因",
    "run {id} breaks {len} rule(s) of its policy: send accept_warnings with a reason to publish it anyway":
        "名额分配 {id} 违反了其政策的 {len} 条规则：如仍要公布，请提供 accept_warnings 和原因",
    # inputs
    "unit id {value} appears twice": "单位编号 {value} 出现了两次",
    "nothing is stored for region {region_id} in {year}": "地区 {region_id} 没有 {year} 年度的已存数据",
    "no headcount for {len} unit(s): the records roster of region {region_id} does not know them and none is stored: "
    "{join}": "{len} 个单位没有人数：地区 {region_id} 的人员名册中没有这些单位，也没有录入人数：{join}",
    "region {region_id} has no {missing} stored for {year}": "地区 {region_id} 没有 {year} 年度的 {missing} 数据",
    "records answered {status_code} for the headcounts": "纪实管理服务获取人数时返回了 {status_code}",
    "records answered {status_code} for the honours": "纪实管理服务获取荣誉时返回了 {status_code}",
    "no allocation run {run_id}": "名额分配记录 {run_id} 不存在",
    "{len} unit(s) are not units of region {region_id}": "{len} 个单位不属于地区 {region_id}",
    # the allocation policy
    "unit id {id} appears twice": "单位编号 {id} 出现了两次",
    "headcount of {id} is negative": "{id} 的人数为负数",
    "grade {grade} of {id} has no ratio in the policy (known: {known})":
        "{id} 的等次 {grade} 在政策中没有比例（已有：{known}）",
    "points of {id} are negative": "{id} 的分数为负数",
    "commendation must be one of {join}": "表彰级别应为以下之一：{join}",
    "group {value} has the id of a unit": "考核组 {value} 与某个单位的编号相同",
    "ratio for grade {grade} must be between 0 and 1": "等次 {grade} 的比例应在 0 到 1 之间",
    "unit_cap_ratio must be between 0 and 1": "unit_cap_ratio 应在 0 到 1 之间",
    "township_uplift_kind must be one of {join}": "township_uplift_kind 应为以下之一：{join}",
    "township_uplift must not be negative": "township_uplift 不能为负数",
    "an absolute township_uplift is in ratio points and must be at most 1":
        "按百分点上浮的 township_uplift 以比例计，最大为 1",
    "pool_min must be between 0 and 1": "pool_min 应在 0 到 1 之间",
    "pool_max must be between 0 and 1": "pool_max 应在 0 到 1 之间",
    "pool_min must not be above pool_max": "pool_min 不能大于 pool_max",
    "designated slots must not be negative": "指定名额不能为负数",
    "leftover must be one of {join}": "leftover 应为以下之一：{join}",
    "a kind cannot be both tilted and compared against": "同一类单位不能既倾斜又作为比较对象",
    "designated slots come either from the table (designated) or from conditions keyed in per unit "
    "(designated_rules), not both":
        "指定名额要么来自表格（designated），要么来自逐个单位录入的条件（designated_rules），不能两者都有",
    "grade {grade} has no ratio in ratio_by_grade": "等次 {grade} 在 ratio_by_grade 中没有比例",
    "commendation level must be one of {join}": "表彰级别应为以下之一：{join}",
    "there are no units to allocate between": "没有可分配名额的单位",
    # apportionment
    "{name} must not be negative": "{name} 不能为负数",
    "{name} names units that have no population: {value}": "{name} 中有没有人数的单位：{value}",
    "{name} of {unit} must not be negative": "{unit} 的 {name} 不能为负数",
    "there are no units to apportion between": "没有可分配名额的单位",
    "{len} units is more than the limit of {max_units}": "{len} 个单位超过了 {max_units} 个的上限",
    "seats must not be negative": "名额数不能为负数",
    "seats must be at most {MAX_SEATS}": "名额数最多为 {MAX_SEATS}",
    "population of {unit} is negative": "{unit} 的人数为负数",
    "every population is zero": "所有单位的人数都为零",
    "max_seats of {unit} ({hi}) is below its min_seats ({lo})": "{unit} 的 max_seats（{hi}）小于其 min_seats（{lo}）",
    "seats ({seats}) are fewer than the sum of minimums ({floor_total})":
        "名额数（{seats}）少于各单位最低名额之和（{floor_total}）",
    "seats ({seats}) are more than the units can take ({capacity}): raise max_seats or give populations to the units "
    "that have none":
        "名额数（{seats}）多于各单位所能容纳的（{capacity}）：请提高 max_seats，或为没有人数的单位提供人数",
    "unknown method {method}; known: {known}": "未知的分配方法 {method}；可用方法：{known}",
    # a field's message
    "required with {flag}": "使用 {flag} 时必填",
    "duplicate ids: {duplicates}": "编号重复：{duplicates}",
    "no headcount for {u}": "{u} 没有人数",
}
