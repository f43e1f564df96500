"""Exact numbers rendered for people and machines (shared with scoring)."""

from __future__ import annotations

from shared.numbers import decimal_str

__all__ = ["decimal_str"]
