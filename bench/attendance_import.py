"""Attendance import through the public API against a raw COPY into the same table, in one run.

    .venv/bin/python bench/attendance_import.py [--rows 1000000] [--again 10]

Starts the stack on a throwaway embedded database, creates a unit with enough people, uploads
one CSV of N attendance rows to the gateway (multipart, as a browser would), then deletes them
and loads the same rows with PostgreSQL COPY into the same (indexed) table. Prints rows/s for
both, their ratio, and the records service's peak memory while it streamed the file. With
``--again N`` the same sheet is uploaded a second time with every Nth row's status changed (to
旷工): the path where every row may replace an existing day and each changed day keeps its history.

With ``--xlsx`` the same rows are also written as an .xlsx workbook (openpyxl) and, after the CSV's rows are
deleted, uploaded the same way; the run prints the workbook read by ``python-calamine`` alone and by the
import's reader alone beside the CSV's, and the .xlsx upload's time against the CSV upload's (target ≤ 2×):

    .venv/bin/python bench/attendance_import.py --rows 200000 --xlsx
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
import psutil

from kaohe.local import start_stack

STATUSES = ("出勤", "出勤", "出勤", "出勤", "出差", "病假", "事假", "年休假")


def watch_memory(pid: int, stop: threading.Event, peak: list[int]) -> None:
    process = psutil.Process(pid)
    while not stop.is_set():
        peak[0] = max(peak[0], process.memory_info().rss)
        stop.wait(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--again", type=int, default=0, help="re-upload with every Nth row changed")
    parser.add_argument("--xlsx", action="store_true", help="the same rows as an .xlsx workbook too")
    args = parser.parse_args()
    days = -(-args.rows // args.people)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        stack = start_stack(root / "home", root / "stack.log", extra_env={
            "GATEWAY_IMPORT_BODY_BYTES": str(512 * 1024 * 1024), "GATEWAY_BODY_TIMEOUT_SECONDS": "900",
            "GATEWAY_RATE_LIMIT": "1000000/minute", "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "600"})
        try:
            stack.wait_ready(90)
            with stack.admin_client(timeout=600) as client:
                region = client.post("/api/v1/records/regions", json={"code": "bench", "name": "县"}).json()
                unit = client.post("/api/v1/records/units", json={"region_id": region["id"], "code": "U",
                                                                   "name": "单位", "kind": "department"}).json()
                for i in range(args.people):
                    client.post("/api/v1/records/persons", json={
                        "unit_id": unit["id"], "staff_no": f"P{i:06d}", "name": f"人{i}", "staff_category": "staff",
                        "active_from": "2020-01-01"}).raise_for_status()
                start = date(2021, 1, 1)
                lines = ["工号,日期,状态"]
                for d in range(days):
                    day = (start + timedelta(days=d)).isoformat()
                    for i in range(args.people):
                        if len(lines) > args.rows:
                            break
                        lines.append(f"P{i:06d},{day},{STATUSES[(i + d) % len(STATUSES)]}")
                body = ("\n".join(lines) + "\n").encode()
                records_pid = int(re.search(r"records started \(pid=(\d+)\)", stack.output()).group(1))  # type: ignore[union-attr]
                baseline = psutil.Process(records_pid).memory_info().rss
                peak = [baseline]
                stop = threading.Event()
                watcher = threading.Thread(target=watch_memory, args=(records_pid, stop, peak), daemon=True)
                watcher.start()
                started = time.perf_counter()
                response = client.post("/api/v1/records/attendance/import",
                                       files={"file": ("attendance.csv", body, "text/csv")})
                api_seconds = time.perf_counter() - started
                stop.set()
                response.raise_for_status()
                result = response.json()
                again = None
                if args.again:
                    changed = [line if n % args.again else line.rsplit(",", 1)[0] + ",旷工"
                               for n, line in enumerate(lines[1:], start=1)]
                    again_body = ("\n".join([lines[0], *changed]) + "\n").encode()
                    started = time.perf_counter()
                    response = client.post("/api/v1/records/attendance/import",
                                           files={"file": ("attendance.csv", again_body, "text/csv")})
                    again = (time.perf_counter() - started, response.raise_for_status().json())
                workbook = xlsx_run(client, stack.database_url(), lines, body) if args.xlsx else None
            copy_seconds = asyncio.run(copy_reference(stack.database_url(), args.rows))
        finally:
            stack.interrupt()
    api_rate, copy_rate = result["rows"] / api_seconds, args.rows / copy_seconds
    print(f"{args.rows:,} attendance rows ({len(body) / 1e6:.1f} MB CSV), {args.people:,} people, table indexed")
    print(f"API (upload to the gateway): {api_seconds:6.2f} s  {api_rate:>10,.0f} rows/s  ({result})")
    print(f"raw COPY, same table       : {copy_seconds:6.2f} s  {copy_rate:>10,.0f} rows/s")
    print(f"API / COPY = {api_rate / copy_rate:.2f} (target >= 0.50)")
    if again is not None:
        print(f"the same sheet again, every {args.again}th row changed: {again[0]:6.2f} s  "
              f"{result['rows'] / again[0]:>10,.0f} rows/s  ({again[1]})")
    print(f"records service memory: {baseline / 2**20:.0f} MB before, {peak[0] / 2**20:.0f} MB peak (target < 300 MB)")
    if workbook is not None:
        seconds, xlsx_result, size, reads = workbook
        print(f"the same rows as .xlsx ({size / 1e6:.1f} MB), uploaded after the CSV's rows were deleted:")
        print(f"  python-calamine alone reading the .xlsx : {reads['calamine']:6.2f} s")
        print(f"  the import's reader alone, .xlsx        : {reads['xlsx']:6.2f} s")
        print(f"  the import's reader alone, CSV          : {reads['csv']:6.2f} s   "
              f"(.xlsx / CSV = {reads['xlsx'] / reads['csv']:.2f})")
        print(f"  API, .xlsx: {seconds:6.2f} s  {xlsx_result['rows'] / seconds:>10,.0f} rows/s  "
              f"({ {k: v for k, v in xlsx_result.items() if k != 'layout'} })")
        print(f"  .xlsx / CSV through the API = {seconds / api_seconds:.2f} (target <= 2.00)")


def xlsx_run(client: httpx.Client, database: str, lines: list[str],
             body: bytes) -> tuple[float, dict[str, object], int, dict[str, float]]:
    """The CSV's rows as a workbook: read alone (calamine, then the import's reader, beside the CSV), then
    uploaded once the CSV's rows are gone, so both uploads write the same new rows."""
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    from records.attendance.importer import read_rows

    book = Workbook(write_only=True)
    sheet = book.create_sheet("考勤")
    for line in lines:
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    reads = {}
    started = time.perf_counter()
    for _ in CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).iter_rows():
        pass
    reads["calamine"] = time.perf_counter() - started
    for kind, content in (("xlsx", data), ("csv", body)):
        started = time.perf_counter()
        for _ in read_rows(io.BytesIO(content))[1]:
            pass
        reads[kind] = time.perf_counter() - started
    asyncio.run(_delete_attendance(database))
    started = time.perf_counter()
    response = client.post("/api/v1/records/attendance/import", files={"file": ("attendance.xlsx", data)})
    seconds = time.perf_counter() - started
    return seconds, response.raise_for_status().json(), len(data), reads


async def _delete_attendance(database: str) -> None:
    conn = await asyncpg.connect(database)
    try:
        await conn.execute("TRUNCATE records.attendance, records.attendance_changes")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def copy_reference(database: str, rows: int) -> float:
    """Take the rows out again and put them back with COPY, as a DBA would."""
    conn = await asyncpg.connect(database)
    try:
        await conn.execute("CREATE TEMP TABLE saved AS SELECT person_id, day, unit_id, status, note "
                           "FROM records.attendance")
        buffer = io.BytesIO()
        await conn.copy_from_table("saved", output=buffer, format="csv")
        await conn.execute("TRUNCATE records.attendance")
        await conn.execute("CHECKPOINT")
        buffer.seek(0)
        started = time.perf_counter()
        await conn.copy_to_table("attendance", schema_name="records", source=buffer, format="csv",
                                 columns=["person_id", "day", "unit_id", "status", "note"])
        return time.perf_counter() - started
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
