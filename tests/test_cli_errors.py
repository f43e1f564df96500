"""Every ``kaohe`` command, run as an operator runs it, ends an error with one line on standard error
and a non-zero status, never a traceback; and Typer's shell completion is there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kaohe.failures import DEBUG_HINT, message
from kaohe.local import unconfigured_environ
from shared.embedded_pg import free_port

KAOHE = str(Path(sys.executable).parent / "kaohe")
NOWHERE = f"127.0.0.1:{free_port()}"  # a port nothing listens on
DATABASE = f"postgresql://kaohe:secret@{NOWHERE}/kaohe"


def kaohe(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = unconfigured_environ()
    clean.update(KAOHE_HOME=str(cwd / "home"), COLUMNS="200", **env)
    return subprocess.run([KAOHE, *args], capture_output=True, text=True, env=clean, cwd=cwd, timeout=120,
                          check=False)


def one_error(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, done.stderr
    assert done.stderr.rstrip().splitlines()[-1] == errors[0]  # the last word, on one line
    for text in expected:
        assert text in errors[0], errors[0]
    return errors[0]


@pytest.mark.parametrize("args", [("migrate",), ("backup", "kaohe.backup"), ("restore", "--into", "copy", "b")])
def test_an_unreachable_database(tmp_path: Path, args: tuple[str, ...]) -> None:
    if args[0] == "restore":
        (tmp_path / "b").write_bytes(b"")
    one_error(kaohe(*args, cwd=tmp_path, KAOHE_DATABASE_URL=DATABASE), "cannot connect to the database")


def test_run_on_an_unreachable_database(tmp_path: Path) -> None:
    one_error(kaohe("run", cwd=tmp_path, KAOHE_DATABASE_URL=DATABASE), "cannot connect to the database")


def test_a_url_per_service_that_is_unreachable(tmp_path: Path) -> None:
    urls = {f"{s}_DATABASE_URL": DATABASE for s in ("RECORDS", "SCORING", "QUOTA", "GATEWAY")}
    one_error(kaohe("backup", "kaohe.backup", cwd=tmp_path, **urls), "cannot connect to the database")


def test_backup_and_restore_files(tmp_path: Path) -> None:
    one_error(kaohe("restore", "missing.backup", cwd=tmp_path, KAOHE_DATABASE_URL=DATABASE), "no backup file")
    (tmp_path / "notes.txt").write_text("not a backup\n")
    one_error(kaohe("restore", "notes.txt", cwd=tmp_path, KAOHE_DATABASE_URL=DATABASE), "not a kaohe backup")
    one_error(kaohe("backup", "no/such/folder/kaohe.backup", cwd=tmp_path, KAOHE_DATABASE_URL=DATABASE),
              "no folder")


def test_a_bad_setting(tmp_path: Path) -> None:
    one_error(kaohe("migrate", cwd=tmp_path, KAOHE_PG_PORT="five"), "invalid setting", "pg_port")


def test_gateway_clients_without_a_gateway(tmp_path: Path) -> None:
    gateway = f"http://{NOWHERE}"
    one_error(kaohe("demo", "--gateway", gateway, cwd=tmp_path))
    login = ("--gateway", gateway, "--username", "admin", "--password", "x")
    one_error(kaohe("export", "roster", "r", *login, cwd=tmp_path))
    one_error(kaohe("close", "s", "2025Q1", *login, cwd=tmp_path))


def test_usage_errors_are_one_line_too(tmp_path: Path) -> None:
    said = one_error(kaohe("close", "s", "2025Q9", "--username", "a", "--password", "b", cwd=tmp_path),
                     "'2025Q9' is not a period", "kaohe close --help")
    assert said.startswith("Error: Invalid value for PERIOD")
    for args in (("restore",), ("import", "roster", "missing.xlsx", "--region-id", "r")):
        done = kaohe(*args, cwd=tmp_path)
        one_error(done, "--help")
        assert done.returncode == 2  # as Click's usage errors


def test_openapi_into_a_missing_folder(tmp_path: Path) -> None:
    one_error(kaohe("openapi", "no/such/folder/openapi.json", cwd=tmp_path), "No such file or directory")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    debug = kaohe("--debug", "migrate", cwd=tmp_path, KAOHE_DATABASE_URL=DATABASE)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_an_unexpected_error_is_named_with_the_way_to_its_traceback() -> None:
    try:
        int("five")
    except ValueError as exc:
        said = message(exc)
    assert said == f"Error: unexpected ValueError: invalid literal for int() with base 10: 'five' ({DEBUG_HINT})"


def test_shell_completion(tmp_path: Path) -> None:
    # typed in bash, as a user does: the shell is found among the command's parents (shellingham), not
    # from $SHELL; a command with no shell above it (a service, setsid) is told none was found
    in_bash = ("bash", "-c", '"$0" "$@"; exit $?', KAOHE)  # not exec'd: bash stays the parent
    shown = subprocess.run([*in_bash, "--show-completion"], capture_output=True, text=True, cwd=tmp_path,
                           env={**unconfigured_environ(), "KAOHE_HOME": str(tmp_path / "home")}, timeout=120,
                           check=False)
    assert shown.returncode == 0, shown.stderr
    assert "_KAOHE_COMPLETE=complete_bash" in shown.stdout and "complete " in shown.stdout
    installed = subprocess.run([*in_bash, "--install-completion"], capture_output=True, text=True, cwd=tmp_path,
                               env={**unconfigured_environ(), "HOME": str(tmp_path)}, timeout=120, check=False)
    assert installed.returncode == 0, installed.stderr
    assert "kaohe" in (tmp_path / ".bashrc").read_text()
    completed = kaohe(cwd=tmp_path, _KAOHE_COMPLETE="complete_bash", COMP_WORDS="kaohe ba", COMP_CWORD="1")
    assert "backup" in completed.stdout.split()
