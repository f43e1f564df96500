"""Whole-stack tests: what the drills counted, and other counts a test records (e.g. how many
operations the hostile fuzz run reached), printed at the end of the run; and a stack home already
migrated, copied for each stack whose tests are about the running stack rather than its first start."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.testing import gateway_app_fixture, gateway_fixture  # noqa: F401  (the fixtures, for the demo's test)
from kaohe.local import unconfigured_environ
from shared.embedded_pg import free_port

# A test's counts travel as its reports' user properties (as ``record_property`` makes them), so they
# reach the summary from whichever process ran the test: property name -> summary section.
SECTIONS = {"drill": "drills", "fault drill": "fault drills", "summary": "counts"}


@pytest.fixture
def drill_report(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``drill_report(name, **counts)``: the counts a drill made, shown in the run's summary."""
    def report(name: str, **counts: object) -> None:
        request.node.user_properties.append(
            ("drill", f"{name}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    # a test records other counts with ``record_property("summary", line)``; each phase's report
    # (setup, call, teardown) carries the test's properties
    for prop, section in SECTIONS.items():
        lines = list(dict.fromkeys(
            str(value) for reports in terminalreporter.stats.values() for report in reports
            for name, value in getattr(report, "user_properties", ()) if name == prop))
        if lines:
            terminalreporter.section(section)
            for line in lines:
                terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def migrated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stopped stack home made by ``kaohe migrate``: the embedded server created, the database and
    the service roles provisioned, every schema at its migration head, no data. Made once a run;
    the first start on an empty folder (creation and migration from nothing) is ``test_stack``'s."""
    home = tmp_path_factory.mktemp("migrated") / "home"
    env = unconfigured_environ()
    env.update(KAOHE_HOME=str(home), KAOHE_PG_PORT=str(free_port()))
    done = subprocess.run([str(Path(sys.executable).parent / "kaohe"), "migrate"], capture_output=True, text=True,
                          env=env, cwd=home.parent, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (home / "pgdata" / "postmaster.pid").exists(), "the server was left running"
    return home


@pytest.fixture(scope="session")
def stack_home(migrated_home: Path) -> Callable[[Path], Path]:
    """``stack_home(path)``: a copy of ``migrated_home`` at ``path`` (owners and modes kept, as the
    embedded server requires), for ``start_stack`` to start without creating and migrating again."""
    def copy(home: Path) -> Path:
        home.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-a", str(migrated_home), str(home)], check=True, capture_output=True)
        return home
    return copy
