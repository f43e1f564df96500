"""What each demo account has to do, printed in Chinese after the demo county is loaded: its
``GET /api/v1/me/todo``, the first few items of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from kaohe.demo_county import PASSWORD, Account

KIND_LABELS = {"rating": "民主测评", "objection_review": "异议审核", "work_log": "周纪实", "monthly_report": "月汇报",
               "task": "重点任务"}
SHOWN = 5


def _item(item: dict[str, Any]) -> str:
    due = f"（截止 {item['due'][:10]}）" if item["due"] else ""
    late = "[逾期] " if item["overdue"] else ""
    return f"      {late}[{KIND_LABELS.get(item['kind'], item['kind'])}] {item['title']}{due}"


def todo_text(account: Account, todo: dict[str, Any]) -> list[str]:
    items = todo["items"]
    counts = "，".join(f"{KIND_LABELS[k]} {n}" for k, n in todo["counts"].items() if n and k in KIND_LABELS)
    head = f"    {account.username}：共 {len(items)} 项，逾期 {todo['overdue']} 项"
    lines = [head + (f"（{counts}）" if counts else "")]
    if not items:
        lines.append("      暂无待办")
    lines += [_item(i) for i in items[:SHOWN]]
    if len(items) > SHOWN:
        lines.append(f"      ……另有 {len(items) - SHOWN} 项")
    return lines


async def todo_lists(gateway: httpx.AsyncClient, accounts: Sequence[Account]) -> str:
    """Each account signs in and reads its to-do; an account whose to-do cannot be read says so."""
    lines = ["", "各账号的待办事项（GET /api/v1/me/todo，按截止时间排序）："]
    for account in accounts:
        token = await gateway.post("/api/v1/auth/token", data={"username": account.username, "password": PASSWORD})
        todo = None
        if token.status_code == 200:
            answer = await gateway.get("/api/v1/me/todo",
                                       headers={"authorization": f"Bearer {token.json()['access_token']}"})
            todo = answer.json() if answer.status_code == 200 else None
        lines += todo_text(account, todo) if todo is not None else [f"    {account.username}：待办暂时无法读取"]
    return "\n".join(lines)
