from __future__ import annotations

from shared.db import make_metadata
from sqlalchemy.orm import DeclarativeBase

SCHEMA = "quota"


class Base(DeclarativeBase):
    metadata = make_metadata(SCHEMA)
