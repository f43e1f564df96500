from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.db import make_metadata

SCHEMA = "records"


class Base(DeclarativeBase):
    metadata = make_metadata(SCHEMA)
