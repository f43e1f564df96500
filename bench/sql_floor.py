"""The floor a service's answer is measured against: one statement run straight on the database."""

from __future__ import annotations

import time

import asyncpg


async def fastest_fetch(conn: asyncpg.Connection, sql: str, *args: object, runs: int) -> float:
    """The seconds of the fastest of ``runs`` runs of ``sql`` on ``conn``, its rows fetched."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        await conn.fetch(sql, *args)
        best = min(best, time.perf_counter() - started)
    return best
