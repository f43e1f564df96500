"""Column shapes the scoring tables share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.orm import Mapped, mapped_column


def now_column() -> Mapped[datetime]:
    """A timestamp the database sets to the transaction's time when the row is inserted."""
    return mapped_column(DateTime(timezone=True), server_default=func.now())
