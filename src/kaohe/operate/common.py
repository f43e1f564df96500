"""What every operator command shares: the connection options, signing in, and printing tables
and problems (see :mod:`kaohe.operate`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kaohe.client import ApiError, Gateway, Unreachable, default_gateway

PERIOD = re.compile(r"^\d{4}(Q[1-4])?$")
GRADE_NAMES = {  # as the exports print them (shared.xlsx)
    "good": "好", "fairly_good": "较好", "average": "一般", "poor": "较差",
    "excellent": "优秀", "competent": "称职", "basically_competent": "基本称职", "incompetent": "不称职",
    "not_graded": "未定等次",
}

# -- connection options, the same on every command ------------------------------------------------

CONNECTION = "Connection"
GatewayOpt = Annotated[str | None, typer.Option(
    "--gateway", metavar="URL", rich_help_panel=CONNECTION, show_default=False,
    help="The gateway (default: http://KAOHE_HOST:KAOHE_GATEWAY_PORT, this machine's stack).")]
UsernameOpt = Annotated[str | None, typer.Option(
    "--username", envvar="KAOHE_USERNAME", rich_help_panel=CONNECTION, show_default=False,
    help="Sign in as this user.")]
PasswordOpt = Annotated[str | None, typer.Option(
    "--password", envvar="KAOHE_PASSWORD", rich_help_panel=CONNECTION, show_default=False,
    help="Their password (asked for when not given).")]
ApiKeyOpt = Annotated[str | None, typer.Option(
    "--api-key", envvar="KAOHE_API_KEY", rich_help_panel=CONNECTION, show_default=False,
    help="Or call with an API key (X-API-Key) instead of signing in.")]


@dataclass
class Login:
    gateway: str | None
    username: str | None
    password: str | None
    api_key: str | None


def console(*, stderr: bool = False) -> Console:
    out = Console(stderr=stderr, highlight=False, soft_wrap=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = 200  # a file or a pipe: do not fold tables at 80 columns
    return out


def usage(message: str, hint: str) -> typer.BadParameter:
    """A usage error, shown as typer shows one (with ``Try ... --help``), exit status 2."""
    return typer.BadParameter(message, param_hint=hint)


def credentials(login: Login, *, stdin_taken: bool = False) -> Login:
    if login.api_key and login.username:
        raise usage("give either --username (KAOHE_USERNAME) or --api-key (KAOHE_API_KEY), not both",
                     "'--username' / '--api-key'")
    if not login.api_key and not login.username:
        raise usage("sign in with --username and --password (or KAOHE_USERNAME and KAOHE_PASSWORD), "
                     "or give --api-key (KAOHE_API_KEY)", "'--username' / '--api-key'")
    if login.username and login.password is None:
        if stdin_taken:
            raise usage("standard input carries the new password: give the signing-in password "
                         "with --password or KAOHE_PASSWORD", "'--password'")
        login.password = typer.prompt(f"Password for {login.username}", hide_input=True)
    return login


@contextmanager
def session(login: Login, *, stdin_taken: bool = False) -> Iterator[Gateway]:
    """A signed-in gateway; an API error or an unreachable gateway ends the command with 1."""
    login = credentials(login, stdin_taken=stdin_taken)
    err = console(stderr=True)
    try:
        with Gateway(login.gateway or default_gateway(), notice=lambda text: err.print(text, style="yellow")) as api:
            if login.api_key:
                api.use_api_key(login.api_key)
            else:
                assert login.username is not None and login.password is not None
                try:
                    api.sign_in(login.username, login.password)
                except ApiError as exc:
                    exc.title = f"Signing in as {login.username} failed: {exc.title}"
                    raise
            yield api
    except ApiError as exc:
        print_problem(err, exc)
        raise typer.Exit(1) from None
    except Unreachable as exc:
        err.print(Text(f"Error: {exc}", style="bold red"))
        raise typer.Exit(1) from None


# -- printing -------------------------------------------------------------------------------------


def cell(value: Any) -> Text:
    """A table cell as plain text (never read as rich markup)."""
    if value is None:
        return Text("")
    if isinstance(value, Text):
        return value
    return Text(str(value))


def table(*columns: str, title: str | None = None, numeric: Sequence[str] = ()) -> Table:
    out = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        out.add_column(column, justify="right" if column in numeric else "left", overflow="fold")
    return out


def add_row(out: Table, *values: Any, style: str | None = None) -> None:
    out.add_row(*(cell(v) for v in values), style=style)


def print_problem(err: Console, exc: ApiError) -> None:
    where = f"  ({exc.method} {exc.path})" if exc.method else ""
    err.print(Text(f"Error {exc.status}: {exc.title}", style="bold red") + Text(where, style="dim"))
    if exc.detail and exc.detail.casefold() not in exc.title.casefold():
        err.print(Text(exc.detail))
    # Each listed row or field, unless it only repeats the detail (a whole-file error).
    rows = [e for e in exc.errors if isinstance(e, dict) and (e.get("reason") or e.get("message")) != exc.detail]
    if rows and all("row" in e for e in rows):
        listing = table("row", "column", "value", "reason", numeric=("row",))
        for e in rows:
            add_row(listing, e.get("row"), e.get("column"), e.get("value"), e.get("reason"))
        err.print(listing)
    elif rows:
        listing = table("field", "message")
        for e in rows:
            field = e.get("field") or ".".join(str(p) for p in e.get("loc", []))
            add_row(listing, field, e.get("message") or e.get("msg") or e)
        err.print(listing)
    for other in (e for e in exc.errors if not isinstance(e, dict)):
        err.print(Text(f"  - {other}"))
    if exc.request_id:
        err.print(Text(f"request id: {exc.request_id}", style="dim"))


def points(value: str | None) -> str:
    """A difference of two ratios in percentage points (0.05: 5.00 points)."""
    if value is None:
        return "-"
    try:
        return f"{Decimal(value) * 100:+.2f} percentage points"
    except InvalidOperation:
        return value


def percent(value: str | None) -> str:
    if value is None:
        return "-"
    try:
        return f"{Decimal(value) * 100:.2f}%"
    except InvalidOperation:
        return value


def grade_label(code: str) -> str:
    name = GRADE_NAMES.get(code)
    return f"{name} {code}" if name else code


def check_period(value: str | None) -> str:
    if value is None:
        raise usage("missing: 2025Q1 (a quarter) or 2025 (a year)", "PERIOD")
    if not PERIOD.match(value):
        raise usage(f"{value!r} is not a period: 2025Q1 (a quarter) or 2025 (a year)", "PERIOD")
    return value
