"""The launcher's process supervision on real processes: restarts with backoff, a clean stop."""

from __future__ import annotations

import io
import re
import threading
import time

from honcho.printer import Printer

from kaohe.supervise import Backoff, Supervisor


def test_the_delay_doubles_on_quick_deaths_up_to_the_cap_and_resets_after_a_stable_run() -> None:
    backoff = Backoff(first=1, cap=30, stable=30)
    assert [backoff.after(0.5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.after(31) == 1  # it ran long enough: recovered
    assert backoff.after(2) == 2


def supervise(processes: dict[str, str], *, stop_after: float, **options: float) -> tuple[str, int | None, float]:
    out = io.StringIO()
    supervisor = Supervisor(printer=Printer(out), backoff=Backoff(first=0.2, cap=0.8, stable=5), **options)
    for name, command in processes.items():
        supervisor.add_process(name, command)
    timer = threading.Timer(stop_after, supervisor.stop, args=(130,))
    timer.start()
    started = time.monotonic()
    try:
        code = supervisor.loop()
    finally:
        timer.cancel()
    return out.getvalue(), code, time.monotonic() - started


def test_a_process_that_keeps_dying_is_restarted_with_backoff_while_the_other_keeps_running() -> None:
    out, code, _ = supervise({"flaky": "echo up; exit 3", "steady": "exec sleep 60"}, stop_after=3.2)
    assert code == 130
    restarts = re.findall(r"system +\| flaky stopped \(rc=3\) after [\d.]+ s; restart (\d+) in ([\d.]+) s", out)
    # 0.2 + 0.4 + 0.8 + 0.8 s of waiting (plus the starts) fit in 3.2 s; the delay stops at the cap
    assert [n for n, _ in restarts][:4] == ["1", "2", "3", "4"]
    assert [float(d) for _, d in restarts][:4] == [0.2, 0.4, 0.8, 0.8]
    assert len(re.findall(r"flaky  \| up", out)) == len(re.findall(r"flaky started \(pid=\d+\)", out))
    assert len(re.findall(r"steady started", out)) == 1  # never touched
    assert "sending SIGTERM to steady" in out and "steady stopped (rc=-15)" in out


def test_a_process_that_ignores_sigterm_is_killed_after_the_wait() -> None:
    out, code, took = supervise({"stubborn": "trap '' TERM; exec sleep 60"}, stop_after=0.5, kill_wait=1)
    assert code == 130
    assert "sending SIGKILL to stubborn" in out and "stubborn stopped (rc=-9)" in out
    assert took < 5
