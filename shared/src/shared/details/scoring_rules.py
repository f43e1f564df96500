"""The Chinese details of the rules a scheme's definition must keep (indicators, grades, raters, the
year, bonuses, the procedure, shares), as the scoring service words them."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # the definition as a whole (what is named twice: a period kind in Chinese, a grouping or group as named)
    "annual": "年度",
    "the indicator tree is deeper than {MAX_DEPTH} levels": "指标体系超过了 {MAX_DEPTH} 层",
    "base.floor is above base.ceiling": "base.floor 大于 base.ceiling",
    "annual.bonus_pool_min is above annual.bonus_pool_max": "annual.bonus_pool_min 大于 annual.bonus_pool_max",
    "{code}: unknown metric {metric}; one of {join}": "{code}：未知的数据项 {metric}；应为 {join} 之一",
    "honours of level {level}: {item} is not a bonus item of the catalogue":
        "{level:honour_level}荣誉：{item} 不是目录中的加分事项",
    "tie key {key} is not a records metric": "并列排序依据 {key} 不是纪实数据项",
    "{grouping} is named twice": "{grouping:period_kind} 出现了两次",
    "negative item {code}: a cap needs a grade of the rule ({join})":
        "负面清单事项 {code}：限定等次须为规则中的等次（{join}）",
    "threshold grade {grade} is not a grade of the rule": "门槛等次 {grade} 不是规则中的等次",
    "failing grade {failing_grade} is not a grade of the rule": "不合格等次 {failing_grade} 不是规则中的等次",
    "{group} is not a rater group ({join})": "{group} 不是测评组（{join}）",
    "{group} is named twice": "{group:period_kind} 出现了两次",
    "{cap_at} is not a grade of the rule": "{cap_at} 不是规则中的等次",
    # indicators
    "duplicate indicator codes under {path}": "{path} 下的指标编码重复",
    "weights under {path} add up to {value}%, not 100%": "{path} 下的权重合计为 {value}%，而不是 100%",
    "{code}: negative weight": "{code}：权重为负数",
    "{code}: a node with children is not scored itself": "{code}：有下级指标的指标本身不计分",
    "{code}: only a leaf is a reverse indicator": "{code}：只有末级指标才能是反向指标",
    "{code}: a derived leaf needs a mapping": "{code}：由数据计算的末级指标须规定计分方式",
    "a level has no indicators": "某一层级没有指标",
    # grades
    "default grade {default} is not in the order": "默认等次 {default} 不在等次顺序中",
    "grade {grade} is not in the order": "等次 {grade} 不在等次顺序中",
    "a share is between 0 and 1": "比例应在 0 到 1 之间",
    "capped grade {grade} must rank above the default": "限定比例的等次 {grade} 须高于默认等次",
    "the capped shares add up to more than the whole group": "各限定比例之和超过了全体",
    "rounding is one of {join}": "取整方式应为 {join} 之一",
    "tie_at_cap is exclude or include": "tie_at_cap 应为 exclude 或 include",
    # raters
    "rating in unknown group {group}": "测评中有未知的测评组 {group}",
    "weight of dimension {code} is negative": "维度 {code} 的权重为负数",
    "dimension weights add up to {value}%, not 100%": "各维度权重合计为 {value}%，而不是 100%",
    "at least one rater group": "至少需要一个测评组",
    "weight of {group} is negative": "{group} 的权重为负数",
    "rater group weights add up to {total}%, not 100%": "各测评组权重合计为 {total}%，而不是 100%",
    # the year
    "the {part}s are {_pct} to 100% of the {whole} score, not {_pct3}":
        "{part:period_kind}占{whole}得分的 {_pct} 至 100%，而不是 {_pct3}",
    "one to {_words} {part} scores, not {len}": "应有一至{_words}个{part:period_kind}得分，而不是 {len} 个",
    "step {index}: one to four failing quarters, not {failing_quarters}":
        "第 {index} 步：不合格季度数应为一至四个，而不是 {failing_quarters}",
    "step {index}: the failing quarters ascend, each count once ({failing_quarters} after {previous})":
        "第 {index} 步：不合格季度数应递增且各出现一次（{previous} 之后是 {failing_quarters}）",
    "step {index}: the action is one of {join}": "第 {index} 步：处理方式应为 {join} 之一",
    "step {index}: only a 'grade' step names a grade": "第 {index} 步：只有“grade”步骤才指定等次",
    "step {index}: a 'grade' step names an annual grade below excellent ({join}), not {grade}":
        "第 {index} 步：“grade”步骤应指定低于优秀的年度等次（{join}），而不是 {grade}",
    "step {index}: {grade} is better than the earlier step's {bound}": "第 {index} 步：{grade} 优于前一步的 {bound}",
    "the number of excellent slots is not negative": "优秀名额数不能为负数",
    "the failing grade is one of {join}": "不合格等次应为 {join} 之一",
    "{person_id}: at most four quarters, graded among {join}": "{person_id}：最多四个季度，等次应为 {join} 之一",
    "{person_id}: cap {cap_at} is not an annual grade": "{person_id}：限定等次 {cap_at} 不是年度等次",
    # bonuses
    "withholding for {grade} is between 0 and 1": "{grade} 的预留比例应在 0 到 1 之间",
    "a person appears twice": "同一人出现了两次",
    "{person_id}: at most four quarter grades among {join}": "{person_id}：最多四个季度等次，应为 {join} 之一",
    "{person_id}: no coefficient for grade {grade}": "{person_id}：等次 {grade} 没有系数",
    "the bonus total is a finite amount": "奖金总额应为有限的数额",
    "the pool is {value}% to {value1}% of the bonus total, not {value2}%":
        "统筹部分应占奖金总额的 {value}% 至 {value1}%，而不是 {value2}%",
    "the bonus total is not negative": "奖金总额不能为负数",
    "coefficient of {grade} is negative": "{grade} 的系数为负数",
    # the procedure's definition and calendar
    "no working day within {MAX_GAP_DAYS} days after {day}": "{day} 之后 {MAX_GAP_DAYS} 天内没有工作日",
    "a procedure has at least one stage, the final one": "考核程序至少有一个环节，即最后的确定等次",
    "stage code {code} is used twice": "环节编码 {code} 使用了两次",
    "{code}: closes before it opens": "{code}：结束早于开始",
    "the final stage is the last one": "确定等次须是最后一个环节",
    "only one {produces} stage": "只能有一个“{produces:stage_produces}”环节",
    "the publicity comes after a draft stage": "公示须在拟定等次环节之后",
    "the publicity lasts at least {MIN_PUBLICITY_DAYS} working days (national rule)":
        "公示期至少 {MIN_PUBLICITY_DAYS} 个工作日（国家规定）",
    "the last stage produces the final result": "最后一个环节须确定等次",
    # shares
    "a share is {_HOW}": "比例应写作{_HOW}",
    "a share is {_HOW}, not {value}": "比例应写作{_HOW}，而不是 {value}",
    "a share's denominator is not 0: {value}": "比例的分母不能为 0：{value}",
    "a share is between 0 and 1 ({_HOW}), not {text}": "比例应在 0 到 1 之间（{_HOW}），而不是 {text}",
    "a decimal like 0.25 or a fraction like 1/3": "小数（如 0.25）或分数（如 1/3）",
    # the periods a scheme closes and builds (returned to the raise site as message and field)
    "{kind} is named twice": "{kind:period_kind} 出现了两次",
    "a {kind} is built, but the scheme does not close {kind1}s (periods.closes)":
        "{kind:period_kind}由其他周期汇总，但方案不结算{kind1:period_kind}（periods.closes）",
    "a {kind} is built from a shorter kind ({value})": "{kind:period_kind}应由更短的周期汇总（{value}）",
    "a {kind} is built from {from_}s, which the scheme does not close":
        "{kind:period_kind}由{from_:period_kind}汇总，但方案不结算{from_:period_kind}",
    "the year is built from quarters: the annual rules count failing and good quarters":
        "年度由季度汇总：年度规则统计不合格和“好”等次的季度",
    "the quarters are at least 60% of the annual score, not {share}": "季度至少占年度得分的 60%，而不是 {share}",
    "the year is built from quarters: close quarters too": "年度由季度汇总：还须结算季度",
    "the bottom list ranks monthly: close months (periods.closes)": "末位名单按月排名：须结算月度（periods.closes）",
    "group {name} is named twice": "组 {name} 出现了两次",
}
