"""The demo county's scheme review (方案审核): a unit's new version of its scheme written by the unit's
administrator, submitted, returned once by the county's organisation department for its indicators
without a scoring standard, put right in a new version, submitted again and approved."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

Ok = Callable[..., Awaitable[Any]]


async def signed_in(gateway: httpx.AsyncClient, ok: Ok, username: str, password: str) -> dict[str, str]:
    token = await ok(gateway.post, "/api/v1/auth/token", data={"username": username, "password": password})
    return {"authorization": f"Bearer {token['access_token']}"}


def with_standards(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition with a scoring standard in words on every indicator that lacks one."""
    out = copy.deepcopy(definition)
    level = list(out["indicators"])
    while level:
        for indicator in level:
            indicator.setdefault("standard", f"{indicator['name']}：按本单位平时考核细则逐项评分，"
                                             "有佐证材料的按实计分，无佐证的不得分")
        level = [child for indicator in level for child in indicator.get("children", [])]
    return out


async def returned_once_then_approved(gateway: httpx.AsyncClient, ok: Ok, scheme_id: str,
                                      definition: dict[str, Any], *, unit: dict[str, str],
                                      department: dict[str, str]) -> dict[str, Any]:
    """``definition`` written as a new version by the unit (``unit``: its administrator's headers),
    returned by the department (``department``) with a comment per indicator without its scoring
    standard, rewritten with them and approved. The approved version's number and the comments."""
    base = f"/api/v1/scoring/schemes/{scheme_id}/versions"
    draft = await ok(gateway.post, base, json={"definition": definition}, headers=unit)
    submitted = await ok(gateway.post, f"{base}/{draft['version']}/submit", headers=unit)
    comments = [{"path": v["field"].removeprefix("definition."), "comment": f"{v['message']}：请补充评分标准及规则"}
                for v in submitted["steps"][-1]["violations"] if v["requirement"] == "scoring_standards"]
    await ok(gateway.post, f"{base}/{draft['version']}/return", headers=department,
             json={"comments": comments or [{"path": None, "comment": "请完善后重新报送"}]})
    fixed = await ok(gateway.post, base, json={"definition": with_standards(definition)}, headers=unit)
    await ok(gateway.post, f"{base}/{fixed['version']}/submit", headers=unit)
    await ok(gateway.post, f"{base}/{fixed['version']}/approve", headers=department,
             json={"comment": "经审核，同意按此方案开展年度考核"})
    return {"version": fixed["version"], "comments": len(comments)}
