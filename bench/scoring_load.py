"""The scoring side of a province's quarter for the benchmarks, written with COPY: a closed rating
round, a hand mark per person, some bonus, deduction and negative-list items; and the database
settled afterwards as it would be by the end of a quarter."""

from __future__ import annotations

import random
import sys
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from summary import print_sizes  # the province in records, shared with bench/summary.py

GROUPS = (("leadership", 2), ("middle", 4), ("staff", 10), ("non_staff", 4))  # 20 raters per person
SCHEME = {
    "indicators": [{"code": "ji", "name": "绩", "weight": "0.5"},
                   {"code": "ontime", "name": "纪实按时", "weight": "0.25", "metric": "weekly_on_time_rate",
                    "mapping": {"kind": "linear"}},
                   {"code": "att", "name": "出勤", "weight": "0.25", "metric": "attendance_rate",
                    "mapping": {"kind": "steps", "steps": [["60", "60"], ["80", "80"], ["95", "100"]]}}],
    "raters": {"share": "0.2", "groups": {"leadership": "0.4", "middle": "0.3", "staff": "0.2", "non_staff": "0.1"}},
    "adjustments": {"items": {"honour": {"name": "荣誉", "direction": "bonus", "max_points": "3"},
                              "safety": {"name": "安全生产", "direction": "deduction", "max_points": "5"}}},
    "negative_items": {"discipline": {"name": "违反工作纪律", "effect": "cap", "grade": "average"}},
    "grades": {"caps": [{"grade": "good", "max_share": "0.4"}], "default": "fairly_good",
               "tie_keys": ["weekly_on_time_rate"]},
    "thresholds": [{"grade": "poor", "below": "60"}],
}


async def load_scoring(database: str, scheme_id: str, people: list[uuid.UUID], raters: int, *, seed: int) -> str:
    """A closed round with ``raters`` ratings per person, a mark each, and a few items."""
    rng = random.Random(seed)
    conn = await asyncpg.connect(database)
    try:
        round_id = uuid.uuid4()
        scheme = uuid.UUID(scheme_id)
        await conn.execute("INSERT INTO scoring.rating_rounds (id, scheme_id, period, status, opened_by) "
                           "VALUES ($1, $2, '2025Q1', 'open', 'bench')", round_id, scheme)
        group_of = {}
        bounds = []
        for group, count in GROUPS:
            bounds += [group] * count
        for index, person in enumerate(people):
            group_of[person] = bounds[index % len(bounds)]
        await conn.copy_records_to_table("round_raters", schema_name="scoring",
                                         records=[(round_id, p, g) for p, g in group_of.items()],
                                         columns=["round_id", "rater_id", "rater_group"])
        await conn.copy_records_to_table("round_people", schema_name="scoring",
                                         records=[(round_id, p) for p in people], columns=["round_id", "person_id"])
        by_group: dict[str, list[uuid.UUID]] = {}
        for person, group in group_of.items():
            by_group.setdefault(group, []).append(person)
        batch: list[tuple[object, ...]] = []
        for person in people:
            for group, count in GROUPS:
                pool = by_group[group]
                chosen = set()
                while len(chosen) < count * raters // 20:
                    rater = pool[rng.randrange(len(pool))]
                    if rater != person:
                        chosen.add(rater)
                for rater in chosen:
                    batch.append((round_id, person, rater, group, rng.randrange(6000, 10001) / 100))
            if len(batch) >= 500_000:
                await conn.copy_records_to_table("ratings", schema_name="scoring", records=batch,
                                                 columns=["round_id", "person_id", "rater_id", "rater_group", "mark"])
                batch = []
        if batch:
            await conn.copy_records_to_table("ratings", schema_name="scoring", records=batch,
                                             columns=["round_id", "person_id", "rater_id", "rater_group", "mark"])
        await conn.copy_records_to_table("marks", schema_name="scoring", records=[
            (scheme, "2025Q1", p, "ji", rng.randrange(5000, 10001) / 100, "bench") for p in people],
            columns=["scheme_id", "period", "person_id", "indicator", "mark", "marked_by"])
        items = [(uuid.uuid4(), scheme, "2025Q1", p, "honour" if i % 2 else "safety", 2 if i % 2 else -3, "证明",
                  "党委", "bench") for i, p in enumerate(rng.sample(people, len(people) // 50))]
        await conn.copy_records_to_table("adjustments", schema_name="scoring", records=items, columns=[
            "id", "scheme_id", "period", "person_id", "item", "points", "evidence", "approved_by", "created_by"])
        await conn.copy_records_to_table("negative_events", schema_name="scoring", records=[
            (uuid.uuid4(), scheme, "2025Q1", p, "discipline", "通报", "bench")
            for p in rng.sample(people, len(people) // 200)],
            columns=["id", "scheme_id", "period", "person_id", "item", "note", "created_by"])
        await conn.execute("UPDATE scoring.rating_rounds SET status = 'closed', closed_at = now() WHERE id = $1",
                           round_id)
        await conn.execute("ANALYZE scoring.ratings")
        return str(round_id)
    finally:
        await conn.close()


async def settle(database: str) -> float:
    """VACUUM ANALYZE and a checkpoint after the bulk load; the seconds it took."""
    conn = await asyncpg.connect(database)
    try:
        started = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE)")
        await conn.execute("CHECKPOINT")
        return time.perf_counter() - started
    finally:
        await conn.close()


async def scoring_sizes(database: str) -> None:
    """Scoring's tables after the closes: ratings, and a result row per person per version."""
    conn = await asyncpg.connect(database)
    try:
        await print_sizes(conn, "scoring")
    finally:
        await conn.close()


async def change_a_mark(database: str, scheme_id: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        await conn.execute("UPDATE scoring.marks SET mark = CASE WHEN mark >= 99 THEN mark - 1 ELSE mark + 1 END "
                           "WHERE (scheme_id, person_id, indicator) = (SELECT scheme_id, person_id, indicator "
                           "FROM scoring.marks WHERE scheme_id = $1 ORDER BY person_id LIMIT 1)", uuid.UUID(scheme_id))
    finally:
        await conn.close()


async def people_of(database: str, unit: str | None = None) -> list[uuid.UUID]:
    conn = await asyncpg.connect(database)
    try:
        if unit is None:
            rows = await conn.fetch("SELECT person_id FROM records.assignments ORDER BY person_id")
        else:
            rows = await conn.fetch("SELECT person_id FROM records.assignments WHERE unit_id = $1 ORDER BY person_id",
                                    uuid.UUID(unit))
        return [r[0] for r in rows]
    finally:
        await conn.close()
