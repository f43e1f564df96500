"""``kaohe admin create-user|create-key``: users and API keys."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.text import Text

from kaohe.operate.connection import ApiKeyOpt, GatewayOpt, Login, PasswordOpt, UsernameOpt, credentials, session, usage
from kaohe.operate.printing import console

app = typer.Typer(help="Users and API keys.", no_args_is_help=True)


class Role(StrEnum):
    province_admin = "province_admin"
    region_admin = "region_admin"
    unit_admin = "unit_admin"
    leader = "leader"
    member = "member"


class Scope(StrEnum):
    results_read = "results:read"
    inputs_write = "inputs:write"
    apportion = "apportion"


@app.command("create-user")
def create_user(
    new_username: Annotated[str, typer.Argument(metavar="USERNAME", help="letters, digits and . _ @ - (3 to 64)")],
    role: Annotated[Role, typer.Option("--role", help="what the user may do", case_sensitive=False)],
    region_id: Annotated[str | None, typer.Option("--region-id", help="a region_admin's region")] = None,
    unit_id: Annotated[str | None, typer.Option("--unit-id", help="a unit_admin's or leader's unit")] = None,
    person_id: Annotated[str | None, typer.Option("--person-id", help="a leader's or member's person")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the new user's password from the first line of standard input "
                                 "(otherwise it is asked for, twice).")] = False,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Create a user with a role (POST /api/v1/admin/users)."""
    login = Login(gateway, username, password, api_key)
    login = credentials(login, stdin_taken=password_stdin)
    if password_stdin:
        new_password = sys.stdin.readline().rstrip("\r\n")
        if not new_password:
            raise usage("standard input has no password on its first line", "'--password-stdin'")
    else:
        new_password = typer.prompt(f"New password for {new_username}", hide_input=True, confirmation_prompt=True)
    body = {"username": new_username, "password": new_password, "role": role.value, "region_id": region_id,
            "unit_id": unit_id, "person_id": person_id}
    with session(login) as api:
        user = api.post("/api/v1/admin/users", json={k: v for k, v in body.items() if v is not None})
    out = console()
    # the most specific binding: a member's person, a unit account's unit, a region administrator's region
    scope = next((f"{name} {user[key]}" for name, key in (("person", "person_id"), ("unit", "unit_id"),
                                                           ("region", "region_id")) if user.get(key)), "province-wide")
    out.print(Text(f"Created user {user['username']} ({user['role']}, {scope}); id {user['id']}."))


@app.command("create-key")
def create_key(
    name: Annotated[str, typer.Argument(help="who the key is for, e.g. the provincial system's name")],
    scopes: Annotated[list[Scope], typer.Option("--scope", help="what the key may do (repeat for several)")],
    region_id: Annotated[str | None, typer.Option(
        "--region-id", help="the region the key acts for (needed for results:read and inputs:write)")] = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Create an API key for a provincial system (POST /api/v1/admin/api-keys); the key is printed once."""
    body: dict[str, Any] = {"name": name, "scopes": list(dict.fromkeys(s.value for s in scopes))}
    if region_id is not None:
        body["region_id"] = region_id
    with session(Login(gateway, username, password, api_key)) as api:
        key = api.post("/api/v1/admin/api-keys", json=body)
    err = console(stderr=True)
    region = f", region {key['region_id']}" if key.get("region_id") else ""
    err.print(Text(f"Created API key {key['name']} (id {key['id']}, prefix {key['prefix']}, "
                   f"scopes {', '.join(key['scopes'])}{region})."))
    err.print(Text("This is the only time the key is shown: store it now. Systems send it as the X-API-Key "
                   "header.", style="bold yellow"))
    typer.echo(key["key"])
