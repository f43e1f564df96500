"""How the operator commands reach the gateway: the connection options (the same on every command),
signing in, and the usage errors they share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.text import Text

from kaohe.client import ApiError, Gateway, Unreachable, default_gateway
from kaohe.operate.printing import console, print_problem

PERIOD = re.compile(r"^\d{4}(Q[1-4])?$")

# -- connection options, the same on every command ------------------------------------------------

CONNECTION = "Connection"


def _connection(flag: str, help: str, **options: Any) -> Any:
    return typer.Option(flag, rich_help_panel=CONNECTION, show_default=False, help=help, **options)


GatewayOpt = Annotated[str | None, _connection(
    "--gateway", "The gateway (default: http://KAOHE_HOST:KAOHE_GATEWAY_PORT, this machine's stack).", metavar="URL")]
UsernameOpt = Annotated[str | None, _connection("--username", "Sign in as this user.", envvar="KAOHE_USERNAME")]
PasswordOpt = Annotated[str | None, _connection("--password", "Their password (asked for when not given).",
                                                envvar="KAOHE_PASSWORD")]
ApiKeyOpt = Annotated[str | None, _connection("--api-key", "Or call with an API key (X-API-Key) instead of signing in.",
                                              envvar="KAOHE_API_KEY")]


@dataclass
class Login:
    gateway: str | None
    username: str | None
    password: str | None
    api_key: str | None


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


def check_period(value: str | None) -> str:
    if value is None:
        raise usage("missing: 2025Q1 (a quarter) or 2025 (a year)", "PERIOD")
    if not PERIOD.match(value):
        raise usage(f"{value!r} is not a period: 2025Q1 (a quarter) or 2025 (a year)", "PERIOD")
    return value
