"""The whole-stack tests' counts (e.g. how many operations the hostile fuzz run reached), printed after
the run: a test records them with ``record_property("summary", line)``."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = list(dict.fromkeys(  # each phase's report (setup, call, teardown) carries the test's properties
        str(value) for reports in terminalreporter.stats.values() for report in reports
        for name, value in getattr(report, "user_properties", ()) if name == "summary"))
    if lines:
        terminalreporter.section("counts")
        for line in lines:
            terminalreporter.write_line(line)
