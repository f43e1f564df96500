"""An explanation in words, in the caller's language, on Xiacun's quarter (see test_quarter's
``xiacun_quarter`` for the marks, ratings, items and events, each worked by hand there)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from scoring.results.sentences import number

from .test_quarter import xiacun_quarter

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ZH = {"accept-language": "zh-CN,zh;q=0.9"}
EN = {"accept-language": "en-US,en;q=0.9"}


@pytest.fixture
async def quarter(client: httpx.AsyncClient, records: httpx.AsyncClient) -> dict[str, Any]:
    q = await xiacun_quarter(client, records)
    assert (await client.post(f"/api/v1/scoring/rounds/{q['round']}/close")).status_code == 200
    assert (await client.post(f"{q['base']}/close")).status_code == 201
    return q


async def _sentences(client: httpx.AsyncClient, q: dict[str, Any], who: str, headers: dict[str, str]) -> list[str]:
    response = await client.get(f"{q['base']}/people/{q['county']['people'][who]}/explanation", headers=headers)
    assert response.status_code == 200, response.text
    said: list[str] = response.json()["sentences"]
    assert not any(UUID.search(s) for s in said)
    return said


async def test_a_rated_cadre_with_a_bonus_in_chinese_and_english(client: httpx.AsyncClient,
                                                                 quarter: dict[str, Any]) -> None:
    """A: 德 90 × 30% = 27, 绩 80 × 70% = 56, so 83 × 80% = 66.4; leadership (90 + 80) / 2 = 85 × 40% = 34,
    middle 70 × 30% = 21, staff 80 × 20% = 16, non-staff 60 × 10% = 6: 77 × 20% = 15.4; + 2 = 83.8;
    good, third of five (D, first, is capped at average)."""
    assert await _sentences(client, quarter, "A", ZH) == [
        "德 90 分 × 30% = 27 分", "绩 80 分 × 70% = 56 分", "指标得分 83 分 × 80% = 66.4 分",
        "班子成员 2 人平均 85 分 × 40% = 34 分", "中层干部 1 人平均 70 分 × 30% = 21 分",
        "其他在编人员 1 人平均 80 分 × 20% = 16 分", "不在编人员 1 人平均 60 分 × 10% = 6 分",
        "民主测评 77 分 × 20% = 15.4 分", "加分：荣誉 +2 分（市级表彰）", "总分：66.4 + 15.4 + 2 = 83.8 分",
        "等次：好（第 3 名，共 5 人）"]
    assert await _sentences(client, quarter, "A", EN) == [
        "德 90 × 30% = 27", "绩 80 × 70% = 56", "Indicator score 83 × 80% = 66.4",
        "Leadership: 2 rater(s), mean 85 × 40% = 34", "Middle cadres: 1 rater(s), mean 70 × 30% = 21",
        "Other on-establishment staff: 1 rater(s), mean 80 × 20% = 16",
        "Non-establishment staff: 1 rater(s), mean 60 × 10% = 6", "Democratic evaluation 77 × 20% = 15.4",
        "Bonus: 荣誉 +2 (市级表彰)", "Total: 66.4 + 15.4 + 2 = 83.8", "Grade: Good (rank 3 of 5)"]


async def test_one_group_only_counts_for_the_whole_evaluation(client: httpx.AsyncClient,
                                                             quarter: dict[str, Any]) -> None:
    """B: only leadership rated (80), so it carries 100% of the evaluation; 87 × 0.8 + 80 × 0.2 = 85.6."""
    assert await _sentences(client, quarter, "B", ZH) == [
        "德 80 分 × 30% = 24 分", "绩 90 分 × 70% = 63 分", "指标得分 87 分 × 80% = 69.6 分",
        "班子成员 1 人平均 80 分 × 100% = 80 分", "民主测评 80 分 × 20% = 16 分", "总分：69.6 + 16 = 85.6 分",
        "等次：好（第 2 名，共 5 人）"]


async def test_no_ratings_the_negative_list_and_a_threshold(client: httpx.AsyncClient,
                                                           quarter: dict[str, Any]) -> None:
    assert await _sentences(client, quarter, "C", ZH) == [
        "德 70 分 × 30% = 21 分", "绩 70 分 × 70% = 49 分", "指标得分 70 分", "无民主测评评分，指标得分即为总分",
        "总分 70 分", "等次：较好（第 4 名，共 5 人）"]
    assert (await _sentences(client, quarter, "D", ZH))[-3:] == [
        "总分 100 分", "违反工作纪律：等次不高于一般", "等次：一般（第 1 名，共 5 人）"]
    assert (await _sentences(client, quarter, "E", ZH))[-2:] == ["得分低于 60 分：等次不高于较差",
                                                                 "等次：较差（第 5 名，共 5 人）"]
    assert (await _sentences(client, quarter, "E", EN))[-2:] == ["Score below 60: grade no better than Poor",
                                                                 "Grade: Poor (rank 5 of 5)"]


async def test_without_a_language_the_sentences_are_english(client: httpx.AsyncClient,
                                                           quarter: dict[str, Any]) -> None:
    assert (await _sentences(client, quarter, "C", {}))[-1] == "Grade: Fairly good (rank 4 of 5)"


@pytest.mark.parametrize(("value", "shown"), [("83.800", "83.8"), ("16", "16"), ("1E+1", "10"),
                                              ("78.3333333333", "78.333333"), ("0.10", "0.1"), ("-2.50", "-2.5")])
def test_numbers_as_written_by_hand(value: str, shown: str) -> None:
    assert number(Decimal(value)) == shown
