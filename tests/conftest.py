"""Whole-stack tests: what the drills counted, and other counts a test records (e.g. how many
operations the hostile fuzz run reached), printed at the end of the run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gateway.testing import gateway_app_fixture, gateway_fixture  # noqa: F401  (the fixtures, for the demo's test)

DRILLS = pytest.StashKey[list[tuple[str, dict[str, object]]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[DRILLS] = []


@pytest.fixture
def drill_report(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``drill_report(name, **counts)``: the counts a drill made, shown in the run's summary."""
    def report(name: str, **counts: object) -> None:
        request.config.stash[DRILLS].append((name, counts))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if config.stash.get(DRILLS, []):
        terminalreporter.section("drills")
        for name, counts in config.stash[DRILLS]:
            terminalreporter.write_line(f"{name}: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                                                for k, v in counts.items()))
    # a test records other counts with ``record_property("summary", line)``; each phase's report
    # (setup, call, teardown) carries the test's properties
    lines = list(dict.fromkeys(
        str(value) for reports in terminalreporter.stats.values() for report in reports
        for name, value in getattr(report, "user_properties", ()) if name == "summary"))
    if lines:
        terminalreporter.section("counts")
        for line in lines:
            terminalreporter.write_line(line)
