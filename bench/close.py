"""Closing a quarter at province and county scale, through the gateway: a province's as a job on the scoring workers.

    .venv/bin/python bench/close.py [--province 200000] [--raters 20]

Loads a province into records (people in 2,000-person units sharing one evaluation group, a
quarter of weekly records, ten days of attendance each) and, into scoring, a rating round with
``--raters`` raters per person in four groups (4,000,000 ratings for 200,000 people), a hand
mark per person and some bonus, deduction and negative-list items, all with COPY (the close is
what is measured, not the loading), and lets the database settle as it would have by the end of a
quarter (VACUUM ANALYZE, a checkpoint: no close races the autovacuum of a bulk load), and again
before each close after the first (a province's closes are hours apart: the autovacuum of the
200,000 results the last one stored took a core for 10-20 s, beside the next one). The county's
close is answered within its call, as a small close is; the province's (``SCORING_CLOSE_JOB_PEOPLE``
people or more: 20,000, or the province's people if fewer) runs as a job, followed from POST
.../close to the job's end; its people are computed in parts (``SCORING_CLOSE_PART_PEOPLE``) by
the worker that gathered the inputs and whichever others are free, then graded and stored in one
step. Times the county's close and the province's with one scoring worker, then the province's
with two (a second worker process started beside the first, as adding a worker does), each time
after one mark has changed (a new version and its differences from the one before), the best of
each beside the floor: one SQL aggregate over the same ratings table (a single scan), measured in
the same run before and after the closes (the best of six). The round is closed before the first
close, as a close requires: that close sums its ratings (the one scan) and keeps the sums; the
closes after it read them (``scoring.results.round_sums``), so the first is printed on its own as
well.
The speed-up from the second worker is printed, and the peak memory of the workers together
(PSS). The floor is one process and two workers want two cores, so the run also says how much of
the second core it had: a fixed loop timed in two processes at once beside one alone, just before
and just after the closes (1.00: both cores were free; 2.00: other work on the machine left only
one core's worth).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scoring_load import SCHEME, change_a_mark, load_scoring, people_of, scoring_sizes, settle
from sql_floor import fastest_fetch
from summary import load  # the province in records, shared with bench/summary.py
from workers import another_worker, scoring_workers, two_cores, watch_memory

from kaohe.local import start_stack


async def floor(database: str, round_id: str, runs: int = 3) -> tuple[float, int]:
    conn = await asyncpg.connect(database)
    try:
        best = await fastest_fetch(conn, "SELECT person_id, rater_group, sum(mark), count(*) FROM scoring.ratings "
                                   "WHERE round_id = $1 GROUP BY 1, 2", uuid.UUID(round_id), runs=runs)
        ratings = await conn.fetchval("SELECT count(*) FROM scoring.ratings WHERE round_id = $1", uuid.UUID(round_id))
        return best, ratings
    finally:
        await conn.close()


async def part_starts(database: str) -> list[float]:
    """For each close job that was split in parts, how long after its parts were queued the first part task
    began: how soon another worker joined the one that gathered the inputs (which computes parts itself
    meanwhile; with one worker, only once the close was stored)."""
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(
            "SELECT min(c.created_at) AS queued, min(c.started_at) AS began FROM scoring.jobs p "
            "JOIN scoring.jobs c ON c.parent_id = p.id "
            "WHERE p.kind = 'scoring.close' AND c.kind = 'scoring.close_part' "
            "GROUP BY p.id, p.created_at ORDER BY p.created_at")
    finally:
        await conn.close()
    return [max(0.0, (began - queued).total_seconds()) for queued, began in rows if began is not None]


def close_phases(log: str, people: int) -> list[dict[str, float]]:
    """The phase timings the scoring service logged for each new version of ``people`` people, in
    order (a job's: its gathering and staging, then its finishing step)."""
    found: list[dict[str, float]] = []
    staged: dict[str, float] = {}
    for line in log.splitlines():
        start = line.find("{")
        if '"scoring.close"' not in line or start < 0:
            continue
        entry = json.loads(line[start:])
        if entry.get("people") == people and not entry.get("unchanged"):
            staged.update(entry["seconds"])
            if not entry.get("staged"):
                found.append(staged)
                staged = {}
    return found


def summing(first: float, floor: float) -> str:
    """The first close of a round (it sums the ratings, and keeps the sums the closes after it read) to the floor."""
    return f" (the first, summing the ratings and keeping the sums: {first / floor:.2f}×)" if first else ""


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
                changes: int = 3, first: bool = True,
                sum_again: bool = False) -> tuple[float, float, list[float], int, dict[str, object], float]:
    """Seconds of the first close (if ``first``), the best of re-closes (same inputs), and of
    ``changes`` closes each after a mark changed (if ``changed``: the database URL); the workers'
    peak memory (PSS) in bytes; and the seconds of the close that summed the round's ratings: the
    first, or (``sum_again``) the first after a change, the round's kept sums dropped before it, as
    closing the round again after reopening it would."""
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
        for number in range(changes if changed is not None else 0):
            asyncio.run(change_a_mark(changed, scheme_id))  # type: ignore[arg-type]
            if sum_again and number == 0:
                asyncio.run(forget_sums(changed))  # type: ignore[arg-type]
            asyncio.run(settle(changed))  # type: ignore[arg-type]  # the last close's results vacuumed, as hours later
            taken, _, body = closed(client, scheme_id)
            after_change.append(taken)
            assert not body["unchanged"] and len(body["changes"]) <= 1, body  # type: ignore[arg-type]
    finally:
        stop.set()
        watcher.join()
    return (seconds, min(again) if again else 0.0, after_change, peak[0], body,
            seconds or (after_change[0] if sum_again and after_change else 0.0))


async def forget_sums(database: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        await conn.execute("DELETE FROM scoring.round_sums")
    finally:
        await conn.close()


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
                province_two = timed_close(client, province_scheme, both, 0, changed=pg, changes=3, first=False,
                                           sum_again=True)
                cores.append(two_cores())
            (before, _), (county_before, _) = floors
            province_floor, ratings = asyncio.run(floor(pg, province_round))
            county_floor, county_ratings = asyncio.run(floor(pg, county_round))
            province_floor, county_floor = min(before, province_floor), min(county_before, county_floor)
            phases = close_phases(stack.output(), args.province)
            county_phases = close_phases(stack.output(), args.county)
            waits = asyncio.run(part_starts(pg))
            asyncio.run(scoring_sizes(pg))
        finally:
            if extra is not None:
                extra.send_signal(signal.SIGTERM)
                extra.wait(60)
            stack.interrupt()
    print(f"loaded {args.province:,} people and {ratings + county_ratings:,} ratings in {loaded:.0f} s "
          f"(VACUUM ANALYZE and a checkpoint after it: {settled:.0f} s)")
    best = {}
    for name, workers, (first, again, after_change, peak, body, summed), seconds, count in (
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
              f"the floor{summing(summed, seconds)}"
              f"; workers' memory peak {peak / 2**20:.0f} MB (PSS)")
    print(f"  the second worker: {best[('province', 1)] / best[('province', 2)]:.2f}× as fast "
          f"({best[('province', 1)]:.2f} s → {best[('province', 2)]:.2f} s)")
    print(f"  two processes at once took {cores[0]:.2f}× (before the province's closes) and {cores[1]:.2f}× (after) "
          "the time of one alone (1.00: two cores free; 2.00: one core's worth)")
    if waits:
        print(f"  the first part task began after the parts were queued (per province close; with one worker only "
              f"once the close was stored): {', '.join(f'{w:.2f}' for w in waits)} s")
    for name, found in (("province", phases), ("county", county_phases[:1])):
        for number, timings in enumerate(found, 1):
            if number == 1:
                print(f"  the {name}'s closes, as their log lines give them (seconds; the records summary runs while "
                      "the ratings are summed):")
            print(f"    {number}.", ", ".join(f"{phase} {taken:.2f}" for phase, taken in timings.items()))


if __name__ == "__main__":
    main()
