"""Closing a quarter at province and county scale, through the gateway: a province's as a job on the scoring workers.

    .venv/bin/python bench/close.py [--province 200000] [--raters 20]

Loads a province into records (people in 2,000-person units sharing one evaluation group, a
quarter of weekly records, ten days of attendance each) and, into scoring, a rating round with
``--raters`` raters per person in four groups (4,000,000 ratings for 200,000 people), a hand
mark per person and some bonus, deduction and negative-list items, all with COPY (the close is
what is measured, not the loading), and lets the database settle as it would have by the end of a
quarter (VACUUM ANALYZE, a checkpoint: no close races the autovacuum of a bulk load). The county's
close is answered within its call, as a small close is; the province's (``SCORING_CLOSE_JOB_PEOPLE``
people or more: 20,000, or the province's people if fewer) runs as a job, followed from POST
.../close to the job's end; its people are computed in parts (``SCORING_CLOSE_PART_PEOPLE``) by
whichever workers are free, then graded and stored in one step. Times the county's close and the
province's with one scoring worker, then the province's with two (a second worker process started
beside the first, as adding a worker does), each time after one mark has changed (a new version and its differences
from the one before), the best of each beside the floor: one SQL aggregate over the same ratings
table (a single scan), measured in the same run before and after the closes (the best of six).
The speed-up from the second worker is printed, and the peak memory of the workers together
(PSS). The floor is one process and two workers want two cores, so the run also says how much of
the second core it had: a fixed loop timed in two processes at once beside one alone, just before
and just after the closes (1.00: both cores were free; 2.00: other work on the machine left only
one core's worth).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from summary import load, print_sizes  # the province in records, shared with bench/summary.py

from kaohe.local import start_stack

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


def proportional_memory(process: psutil.Process) -> int:
    """The process's proportional set size (its private pages, and its share of those it shares),
    read from /proc; its RSS where that cannot be read."""
    try:
        with open(f"/proc/{process.pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(process.memory_info().rss)


def watch_memory(pids: list[int], stop: threading.Event, peak: list[int]) -> None:
    """The peak memory of the scoring workers together (their proportional set sizes), sampled
    twice a second."""
    processes = [psutil.Process(pid) for pid in pids]
    while not stop.is_set():
        total = 0
        for process in processes:
            try:
                total += proportional_memory(process)
            except psutil.NoSuchProcess:
                pass
        peak[0] = max(peak[0], total)
        # Reading a process's PSS walks its page tables: sampled every 50 ms it took a core's
        # worth of time from the close; the inputs stay in memory for seconds.
        stop.wait(0.5)


def scoring_workers(stack_pid: int) -> list[psutil.Process]:
    """The stack's scoring job workers (``python -m shared.jobs.worker scoring``)."""
    found = []
    for process in psutil.Process(stack_pid).children(recursive=True):
        try:
            line = process.cmdline()
        except psutil.NoSuchProcess:
            continue
        if "shared.jobs.worker" in line and "scoring" in line:
            found.append(process)
    return found


def another_worker(like: psutil.Process, log: Path) -> subprocess.Popen[bytes]:
    """One more scoring worker, started as the stack started its first (its command, environment and
    directory): what adding a worker on this machine does."""
    with log.open("ab") as out:
        return subprocess.Popen(like.cmdline(), env=like.environ(), cwd=like.cwd(), stdout=out,
                                stderr=subprocess.STDOUT)


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


async def floor(database: str, round_id: str, runs: int = 3) -> tuple[float, int]:
    conn = await asyncpg.connect(database)
    try:
        samples, rows = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            result = await conn.fetch("SELECT person_id, rater_group, sum(mark), count(*) FROM scoring.ratings "
                                      "WHERE round_id = $1 GROUP BY 1, 2", uuid.UUID(round_id))
            samples.append(time.perf_counter() - started)
            rows = len(result)
        ratings = await conn.fetchval("SELECT count(*) FROM scoring.ratings WHERE round_id = $1", uuid.UUID(round_id))
        del rows
        return min(samples), ratings
    finally:
        await conn.close()


async def queue_waits(database: str) -> list[float]:
    """For each close job that was split in parts, the seconds its parts and finishing step spent
    queued while a worker could have taken them: from when they were queued (or the step before
    ended) until a worker started them, added up (one worker: the job machinery's own latency)."""
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            "SELECT p.id, c.created_at, c.started_at, c.finished_at FROM scoring.jobs p "
            "JOIN scoring.jobs c ON c.parent_id = p.id WHERE p.kind = 'scoring.close' "
            "ORDER BY p.created_at, c.started_at")
    finally:
        await conn.close()
    waits: dict[uuid.UUID, float] = {}
    ended: dict[uuid.UUID, datetime] = {}
    for parent, created, started, finished in rows:
        before = ended.get(parent)
        ready = created if before is None else max(created, before)
        waits[parent] = waits.get(parent, 0.0) + max(0.0, (started - ready).total_seconds())
        ended[parent] = finished if before is None else max(before, finished)
    return list(waits.values())


def _spin(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i
    return time.perf_counter() - started


def two_cores(n: int = 3_000_000, runs: int = 3) -> float:
    """How long a fixed loop takes in each of two processes at once, over how long it takes in
    one alone (the best of ``runs`` each): 1.00 when two cores are free."""
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        list(pool.map(_spin, [n // 10] * 2))  # both workers started
        alone = min(pool.submit(_spin, n).result() for _ in range(runs))
        pair = min(max(pool.map(_spin, [n, n])) for _ in range(runs))
    return pair / alone


def close_phases(log: str, people: int) -> dict[str, float]:
    """The phase timings the scoring service logged for the first close of ``people`` people (a
    job's: its gathering and staging, then its finishing step)."""
    found: dict[str, float] = {}
    for line in log.splitlines():
        start = line.find("{")
        if '"scoring.close"' not in line or start < 0:
            continue
        entry = json.loads(line[start:])
        if entry.get("people") == people and not entry.get("unchanged"):
            found.update(entry["seconds"])
            if not entry.get("staged"):
                return found
    return found


def closed(client: httpx.Client, scheme_id: str) -> tuple[float, int, dict[str, object]]:
    """One close as the caller sees it: POST, then the job followed to its end (every 50 ms); the
    seconds, the status the close answers with, and its body."""
    started = time.perf_counter()
    response = client.post(f"/api/v1/scoring/schemes/{scheme_id}/periods/2025Q1/close")
    if response.status_code == 202:
        location = response.headers["location"]
        while True:
            job = client.get(location).json()
            if job["state"] not in ("queued", "running"):
                break
            time.sleep(0.05)
        assert job["state"] == "succeeded", job
        return time.perf_counter() - started, 200 if job["result"].get("unchanged") else 201, job["result"]
    assert response.status_code in (200, 201), response.text
    return time.perf_counter() - started, response.status_code, response.json()


def timed_close(client: httpx.Client, scheme_id: str, pids: list[int], runs: int, changed: str | None = None,
                changes: int = 3, first: bool = True) -> tuple[float, float, list[float], int, dict[str, object]]:
    """Seconds of the first close (if ``first``), the best of re-closes (same inputs), and of
    ``changes`` closes each after a mark changed (if ``changed``: the database URL); the workers'
    peak memory (PSS) in bytes."""
    peak = [0]
    stop = threading.Event()
    watcher = threading.Thread(target=watch_memory, args=(pids, stop, peak), daemon=True)
    watcher.start()
    body: dict[str, object] = {}
    try:
        seconds = 0.0
        if first:
            seconds, _, body = closed(client, scheme_id)
            assert body.get("version"), body
        again = []
        for _ in range(runs):
            taken, _, same = closed(client, scheme_id)
            again.append(taken)
            assert same["unchanged"], same
        after_change = []
        for _ in range(changes if changed is not None else 0):
            asyncio.run(change_a_mark(changed, scheme_id))  # type: ignore[arg-type]
            taken, _, body = closed(client, scheme_id)
            after_change.append(taken)
            assert not body["unchanged"] and len(body["changes"]) <= 1, body  # type: ignore[arg-type]
    finally:
        stop.set()
        watcher.join()
    return seconds, min(again) if again else 0.0, after_change, peak[0], body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--province", type=int, default=200_000)
    parser.add_argument("--county", type=int, default=2_000)
    parser.add_argument("--raters", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stack = start_stack(root / "home", root / "stack.log", extra_env={
            "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "600", "SCORING_UPSTREAM_TIMEOUT_SECONDS": "600",
            "KAOHE_JOB_WORKERS": "1", "SCORING_CLOSE_JOB_PEOPLE": str(min(20_000, args.province)),
            "KAOHE_LOG_FORMAT": "json"})  # close_phases reads the scoring worker's JSON lines
        extra: subprocess.Popen[bytes] | None = None
        try:
            stack.wait_ready(180)  # a busy machine starts the stack slowly
            [first_worker] = scoring_workers(stack.process.pid)
            pg = stack.database_url()
            with httpx.Client(base_url=stack.gateway, timeout=900) as client:
                token = client.post("/api/v1/auth/token",
                                    data={"username": "admin", "password": "kaohe-demo-first"}).json()["access_token"]
                client.headers["authorization"] = f"Bearer {token}"
                region = client.post("/api/v1/records/regions", json={"code": "prov", "name": "省"}).json()
                started = time.perf_counter()
                ids = asyncio.run(load(pg, region["id"], args.province, unit_size=args.county))
                province_scheme = client.post("/api/v1/scoring/schemes", json={
                    "region_id": region["id"], "group": "G", "name": "全省", "definition": SCHEME}).json()["id"]
                county_scheme = client.post("/api/v1/scoring/schemes", json={
                    "region_id": region["id"], "unit_id": ids["county_unit"], "name": "一县",
                    "definition": SCHEME}).json()["id"]
                everyone = asyncio.run(people_of(pg))
                province_round = asyncio.run(load_scoring(pg, province_scheme, everyone, args.raters, seed=1))
                county_people = asyncio.run(people_of(pg, ids["county_unit"]))
                county_round = asyncio.run(load_scoring(pg, county_scheme, county_people, args.raters, seed=2))
                loaded = time.perf_counter() - started
                settled = asyncio.run(settle(pg))
                floors = [asyncio.run(floor(pg, province_round)), asyncio.run(floor(pg, county_round))]
                one = [first_worker.pid]
                county = timed_close(client, county_scheme, one, 3)
                cores = [two_cores()]
                province = timed_close(client, province_scheme, one, 1, changed=pg, changes=2)
                extra = another_worker(first_worker, root / "worker.log")
                time.sleep(5)  # started and listening
                both = [first_worker.pid, extra.pid]
                province_two = timed_close(client, province_scheme, both, 0, changed=pg, changes=3, first=False)
                cores.append(two_cores())
            (before, _), (county_before, _) = floors
            province_floor, ratings = asyncio.run(floor(pg, province_round))
            county_floor, county_ratings = asyncio.run(floor(pg, county_round))
            province_floor, county_floor = min(before, province_floor), min(county_before, county_floor)
            phases = close_phases(stack.output(), args.province)
            county_phases = close_phases(stack.output(), args.county)
            waits = asyncio.run(queue_waits(pg))
            asyncio.run(scoring_sizes(pg))
        finally:
            if extra is not None:
                extra.send_signal(signal.SIGTERM)
                extra.wait(60)
            stack.interrupt()
    print(f"loaded {args.province:,} people and {ratings + county_ratings:,} ratings in {loaded:.0f} s "
          f"(VACUUM ANALYZE and a checkpoint after it: {settled:.0f} s)")
    best = {}
    for name, workers, (first, again, after_change, peak, body), seconds, count in (
            ("county", 1, county, county_floor, county_ratings), ("province", 1, province, province_floor, ratings),
            ("province", 2, province_two, province_floor, ratings)):
        closes = [t for t in (first, *after_change) if t]
        best[(name, workers)] = min(closes)
        how = "within the call" if name == "county" else f"{workers} worker{'s' if workers > 1 else ''}"
        print(f"{name}, {how}: close of {body['people']:,} people with "
              f"{count:,} ratings: {', '.join(f'{t:.2f}' for t in closes)} s"
              f"{' (the first, then each after one mark changed)' if first else ' (each after one mark changed)'}"
              f"{f'; re-close, same inputs: {again:.2f} s' if again else ''}; one SQL aggregate of the ratings "
              f"{seconds:.2f} s → the best {best[(name, workers)]:.2f} s is {best[(name, workers)] / seconds:.2f}× "
              f"the floor; workers' memory peak {peak / 2**20:.0f} MB (PSS)")
    print(f"  the second worker: {best[('province', 1)] / best[('province', 2)]:.2f}× as fast "
          f"({best[('province', 1)]:.2f} s → {best[('province', 2)]:.2f} s)")
    print(f"  two processes at once took {cores[0]:.2f}× (before the province's closes) and {cores[1]:.2f}× (after) "
          "the time of one alone (1.00: two cores free; 2.00: one core's worth)")
    if waits:
        print(f"  queued while a worker was free (parts and finishing step, per province close): "
              f"{', '.join(f'{w:.2f}' for w in waits)} s")
    for name, found in (("province", phases), ("county", county_phases)):
        if found:
            print(f"  the {name}'s first close, as its log lines give it (seconds; the records summary runs while "
                  "the ratings are summed):")
            print("   ", ", ".join(f"{phase} {seconds:.2f}" for phase, seconds in found.items()))


if __name__ == "__main__":
    main()
