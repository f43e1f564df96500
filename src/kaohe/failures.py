"""How ``kaohe`` ends on an error: one line on standard error and exit status 1, never a traceback.

Errors an operator can meet and fix (a database that cannot be reached or refuses, a missing file,
a bad setting, a failed ``pg_dump``) are said as they are; anything else is named with a hint to
run again with ``--debug`` (or ``KAOHE_DEBUG=1``), which shows the traceback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import Any

import asyncpg
import httpx
import typer
from alembic.util import CommandError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from kaohe.client import ApiError, Unreachable

DEBUG_HINT = "run again with --debug (or KAOHE_DEBUG=1) for the traceback"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _settings(exc: ValidationError) -> str:
    problems = [f"{'.'.join(str(p) for p in e['loc']) or exc.title}: {e['msg']}" for e in exc.errors()]
    return f"invalid setting ({exc.title}): {'; '.join(problems)}"


def expected(exc: BaseException) -> str | None:
    """The one-line message of an error an operator can act on, or None for an unexpected one."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return expected(exc.orig) or f"the database refused: {_first_line(str(exc.orig))}"
    if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError):
        return f"the database refused: {_first_line(str(exc))}"
    if isinstance(exc, ConnectionError | socket.gaierror | TimeoutError) or (
            isinstance(exc, OSError) and "Connect call failed" in str(exc)):
        return f"cannot connect to the database: {exc}"
    if isinstance(exc, OSError):  # a missing file or folder, one not allowed, ...
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    if isinstance(exc, ValidationError):
        return _settings(exc)
    if isinstance(exc, subprocess.CalledProcessError):
        stderr = exc.stderr if isinstance(exc.stderr, str) else ""
        return f"{os.path.basename(str(exc.cmd[0]))} failed: {_first_line(stderr) or f'exit {exc.returncode}'}"
    if isinstance(exc, ApiError):
        return f"the gateway answered {exc.status}: {exc.title}"
    if isinstance(exc, Unreachable):
        return str(exc)
    if isinstance(exc, httpx.HTTPError):
        return f"cannot reach the gateway: {exc}"
    if isinstance(exc, RuntimeError | CommandError | SQLAlchemyError):
        more = len(str(exc).strip().splitlines()) > 1
        return _first_line(str(exc)) + (" (--debug shows the rest)" if more else "")
    return None


def message(exc: BaseException) -> str:
    known = expected(exc)
    if known:
        return f"Error: {known}"
    return f"Error: unexpected {type(exc).__name__}: {_first_line(str(exc))} ({DEBUG_HINT})"


def debugging() -> bool:
    return os.environ.get("KAOHE_DEBUG", "").lower() in ("1", "true", "yes") or "--debug" in sys.argv[1:]


class Kaohe(typer.Typer):
    """A Typer app whose errors end the command with one line: a usage error with status 2 (as Click's),
    any other with 1."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = super().__call__(*args, standalone_mode=False, **kwargs)
        except typer.Abort:  # Ctrl-C or end of input at a prompt
            typer.echo("Aborted.", err=True)
            sys.exit(1)
        except typer.TyperException as exc:  # a usage error (Click's, as Typer carries it)
            context = getattr(exc, "ctx", None)
            said = _first_line(exc.format_message())  # empty for the help shown when no argument is given
            if said:
                hint = f" (see {context.command_path} --help)" if context is not None else ""
                typer.echo(f"Error: {said}{hint}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:
            if debugging():
                raise
            typer.echo(message(exc), err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)
