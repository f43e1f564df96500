"""Whole-stack tests: what the drills counted, printed at the end of the run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

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
    if not config.stash.get(DRILLS, []):
        return
    terminalreporter.section("drills")
    for name, counts in config.stash[DRILLS]:
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
