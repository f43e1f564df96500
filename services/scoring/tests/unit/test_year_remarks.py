"""The year export's remarks column says, in Chinese, every reason the year's grading gives."""

from __future__ import annotations

from fractions import Fraction

from scoring.domain.year import YearCandidate, grade_year
from scoring.results.exports import year_reason_zh, year_remarks


def test_every_reason_of_the_year_is_said_in_chinese() -> None:
    people = [
        YearCandidate("a", Fraction(90), ("good",) * 4),
        YearCandidate("b", Fraction(90), ("good", "good", "good", "fairly_good")),
        YearCandidate("c", Fraction(88), ("poor", "good", "good", "good")),
        YearCandidate("d", Fraction(87), ("poor", "poor", "good", "good")),
        YearCandidate("e", Fraction(86), ("good",) * 3, cap_at="competent",
                      ungraded_quarters=("2025Q4 not graded (negative list: excluded)",)),
        YearCandidate("f", Fraction(85), ("good",) * 4, excluded_reason="立案审查期间"),
        YearCandidate("g", Fraction(84), ("good",) * 4),
        YearCandidate("h", Fraction(84), ("good",) * 4),
        YearCandidate("i", Fraction(83), ("poor", "poor", "poor", "good")),
    ]
    graded = {r.person_id: r for r in grade_year(people, excellent_slots=2, poor_quarter_bars_excellent=True,
                                                 four_good_breaks_ties=True).results}
    said = {pid: [year_reason_zh(reason) for reason in r.reasons] for pid, r in graded.items()}
    assert "年度得分90分同分，四个季度均为“好”者排名在前" in said["a"]
    assert "年度得分90分同分，排在四个季度均为“好”者之后" in said["b"]
    assert "1个季度考核为“较差”：由单位主要负责人谈话提醒" in said["c"]
    assert "1个季度考核为“较差”，不得评为优秀" in said["c"]
    assert "2个季度考核为“较差”：由单位主要负责人谈话提醒，通报批评" in said["d"]
    assert [s for s in said["i"] if s and s.startswith("3个季度")] == [
        "3个季度考核为“较差”：由单位主要负责人谈话提醒，通报批评，年度等次最高定为“基本称职”"]
    assert "负面清单：等次不高于“称职”" in said["e"]
    assert "2025年第四季度未定等次，得分照计" in said["e"]
    assert year_remarks(None, {"grade": {"reasons": list(graded["f"].reasons)}}) == "不定等次：立案审查期间"
    # every reason but the rank line is said (the rank and grade have their own columns)
    for pid, result in graded.items():
        for reason, zh in zip(result.reasons, said[pid], strict=True):
            assert zh is not None or reason.startswith(("rank ", "four quarters graded good")), (pid, reason)
