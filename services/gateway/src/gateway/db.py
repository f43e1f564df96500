from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import make_metadata

SCHEMA = "gateway"


class Base(DeclarativeBase):
    metadata = make_metadata(SCHEMA)
