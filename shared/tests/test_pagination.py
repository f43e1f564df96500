"""The cursor of a page and the pages of a list put together in memory: every row once, in order;
a cursor no list gave is a 422 ``cursor_invalid``."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import Unprocessable
from shared.pagination import PageQuery, decode, encode


def test_a_cursor_round_trips_and_is_url_safe() -> None:
    key = [3, "张三", uuid.UUID(int=7)]
    cursor = encode(key)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert decode(cursor) == [3, "张三", str(uuid.UUID(int=7))]


@pytest.mark.parametrize("cursor", ["!!!", "", "bnVsbA", "e30", "W10", "not-a-cursor", "x" * 7])
def test_a_cursor_no_list_gave_is_refused(cursor: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        decode(cursor)
    assert (refused.value.code, refused.value.errors) == ("cursor_invalid", [
        {"field": "query.after", "message": refused.value.detail}])


@given(rows=st.lists(st.integers(min_value=-10**6, max_value=10**6), unique=True, max_size=30),
       limit=st.integers(min_value=1, max_value=7))
def test_pages_in_memory_give_every_row_once_in_order(rows: list[int], limit: int) -> None:
    seen: list[int] = []
    after = None
    while True:
        page, last = PageQuery(limit=limit, after=after).slice(rows, lambda r: (r,))
        assert len(page) <= limit
        seen += page
        if last is None:
            break
        after = encode(last)
    assert seen == sorted(rows)


def test_a_cursor_of_another_lists_shape_is_refused() -> None:
    for cursor in (encode(["a"]), encode([1, 2])):
        with pytest.raises(Unprocessable):
            PageQuery(limit=2, after=cursor).slice([1, 2, 3], lambda r: (r,))
