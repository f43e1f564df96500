"""A bulletin's words: the period and the date in Chinese."""

from __future__ import annotations

from datetime import date

from shared.periods import Period

NUMERALS = "〇一二三四五六七八九"
QUARTERS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


def period_words(period: Period) -> str:
    """2025年第一季度, 2025年度, 2025年上半年, 2025年3月."""
    number = int(period.code[-1]) if period.kind in ("quarter", "half") else period.start.month
    return {"year": f"{period.year}年度", "quarter": f"{period.year}年{QUARTERS.get(number, '')}",
            "half": f"{period.year}年{'上' if number == 1 else '下'}半年",
            "month": f"{period.year}年{period.start.month}月"}[period.kind]


def date_words(day: date) -> str:
    """2026年12月6日."""
    return f"{day.year}年{day.month}月{day.day}日"


def title_of(region_name: str, period: Period) -> str:
    return f"关于{region_name}{period_words(period)}平时考核工作情况的通报"
