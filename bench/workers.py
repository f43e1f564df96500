"""The machine under a benchmark: the scoring workers' memory, one more worker, and how much of a
second core the run had."""

from __future__ import annotations

import concurrent.futures
import subprocess
import threading
import time
from pathlib import Path

import psutil


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
    """One more scoring worker, started as the stack started its first (its command, environment,
    directory and niceness: the Procfile runs workers at nice 10, below the web processes and the
    database): what adding a worker on this machine does. Started at the bench's own niceness instead,
    the second worker took the cores from the first and from the database, and a province's close
    with both took 7.6-7.8 s where it took 4.4-5.4 s with both at nice 10 (the same machine)."""
    with log.open("ab") as out:
        started = subprocess.Popen(like.cmdline(), env=like.environ(), cwd=like.cwd(), stdout=out,
                                   stderr=subprocess.STDOUT)
    psutil.Process(started.pid).nice(like.nice())
    return started


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
