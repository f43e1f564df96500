"""Whether a person sees their own rank: where the scheme publishes ranks (``publish_ranks``, the
default); else their score and grade only. Administrators and leaders, who see the scheme, always
see ranks."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from scoring.schemes.service import latest_version


def published(definition: dict[str, Any]) -> bool:
    return bool(definition.get("publish_ranks", True))


async def published_by(session: AsyncSession, scheme_id: uuid.UUID) -> bool:
    """Under the scheme as it stands (its latest version)."""
    return published((await latest_version(session, scheme_id)).definition)


def without_rank(detail: dict[str, Any]) -> dict[str, Any]:
    """An explanation's detail without the rank (and the grade's reasons that tell it)."""
    out = dict(detail)
    if isinstance(out.get("grade"), dict):
        grade = {k: v for k, v in out["grade"].items() if k != "rank"}
        if isinstance(grade.get("reasons"), list):
            grade["reasons"] = [r for r in grade["reasons"] if not (isinstance(r, str) and r.startswith("rank "))]
        out["grade"] = grade
    return out
