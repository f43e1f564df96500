"""Operator commands: thin clients of the running stack's gateway.

``kaohe admin create-user|create-key``, ``kaohe import roster|tasks|attendance``, ``kaohe export
roster|tasks|attendance|results|allocation|template``, ``kaohe allocate`` and ``kaohe close``. Each
signs in (``--username``/``--password``, or ``--api-key``), calls the public API, prints what came
back as tables, and on an error answer prints the problem (title, detail, every listed field or
row) and exits with 1, never with a traceback. Progress and notices go to standard error; results
(and an API key, once) to standard output.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kaohe.client import ApiError, Gateway, Unreachable, default_gateway, filename_of

PERIOD = re.compile(r"^\d{4}(Q[1-4])?$")
GRADE_NAMES = {  # as the exports print them (shared.xlsx)
    "good": "好", "fairly_good": "较好", "average": "一般", "poor": "较差",
    "excellent": "优秀", "competent": "称职", "basically_competent": "基本称职", "incompetent": "不称职",
    "not_graded": "未定等次",
}
KIND_ORDER = {"township": 0, "street": 1, "department": 2, "institution": 3}
CHANGES_SHOWN = 20

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


def _usage(message: str, hint: str) -> typer.BadParameter:
    """A usage error, shown as typer shows one (with ``Try ... --help``), exit status 2."""
    return typer.BadParameter(message, param_hint=hint)


def _credentials(login: Login, *, stdin_taken: bool = False) -> Login:
    if login.api_key and login.username:
        raise _usage("give either --username (KAOHE_USERNAME) or --api-key (KAOHE_API_KEY), not both",
                     "'--username' / '--api-key'")
    if not login.api_key and not login.username:
        raise _usage("sign in with --username and --password (or KAOHE_USERNAME and KAOHE_PASSWORD), "
                     "or give --api-key (KAOHE_API_KEY)", "'--username' / '--api-key'")
    if login.username and login.password is None:
        if stdin_taken:
            raise _usage("standard input carries the new password: give the signing-in password "
                         "with --password or KAOHE_PASSWORD", "'--password'")
        login.password = typer.prompt(f"Password for {login.username}", hide_input=True)
    return login


@contextmanager
def session(login: Login, *, stdin_taken: bool = False) -> Iterator[Gateway]:
    """A signed-in gateway; an API error or an unreachable gateway ends the command with 1."""
    login = _credentials(login, stdin_taken=stdin_taken)
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


def _period(value: str | None) -> str:
    if value is None:
        raise _usage("missing: 2025Q1 (a quarter) or 2025 (a year)", "PERIOD")
    if not PERIOD.match(value):
        raise _usage(f"{value!r} is not a period: 2025Q1 (a quarter) or 2025 (a year)", "PERIOD")
    return value


# -- kaohe admin ------------------------------------------------------------------------------------

admin_app = typer.Typer(help="Users and API keys.", no_args_is_help=True)


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


@admin_app.command("create-user")
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
    login = _credentials(login, stdin_taken=password_stdin)
    if password_stdin:
        new_password = sys.stdin.readline().rstrip("\r\n")
        if not new_password:
            raise _usage("standard input has no password on its first line", "'--password-stdin'")
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


@admin_app.command("create-key")
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


# -- kaohe import -----------------------------------------------------------------------------------

import_app = typer.Typer(help="Upload a sheet (.xlsx, .xls, .ods, or CSV/TXT in UTF-8, GBK or UTF-16); all or "
                              "nothing.", no_args_is_help=True)
SheetArg = Annotated[Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False, readable=True,
                                          help="the sheet with the import's Chinese headers (a title row above "
                                               "them and sign-off lines below are fine)")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="check everything and say what the import would do; "
                                                           "write nothing")]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="the workbook sheet to read (default: the first "
                                                              "that has the header)")]


def _upload(login: Login, path: str, file: Path, *, dry_run: bool = False, sheet: str | None = None) -> None:
    params: dict[str, str] = {"dry_run": "true"} if dry_run else {}
    if sheet is not None:
        params["sheet"] = sheet
    with session(login) as api:  # the server tells the format from the content
        result = api.post(path, params=params, files={"file": (file.name, file.read_bytes(),
                                                                 "application/octet-stream")})
    layout = result.get("layout") or {}
    last = ("skipped", "dry_run", "layout")  # the counts first, then the rows that were not data
    counts = " · ".join(f"{key} {value}" for key, value in [*((k, v) for k, v in result.items() if k not in last),
                                                            ("skipped", result.get("skipped", 0))])
    where = f" (sheet {layout['sheet']}, header on row {layout['header_row']})" if layout.get("sheet") else ""
    verb = "Would import" if result.get("dry_run") else "Imported"
    console().print(Text(f"{verb} {file.name}{where}: {counts}"))


@import_app.command("roster")
def import_roster(
    file: SheetArg,
    region_id: Annotated[str, typer.Option("--region-id", help="the region whose units the sheet names")],
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None, dry_run: DryRunOpt = False, sheet: SheetOpt = None,
) -> None:
    """The roster: 工号, 姓名, 单位编码, 科室, 人员类别, 起始日期 (new people added, changes as transfers)."""
    _upload(Login(gateway, username, password, api_key), f"/api/v1/records/regions/{region_id}/roster/import", file,
            dry_run=dry_run, sheet=sheet)


@import_app.command("tasks")
def import_tasks(
    file: SheetArg,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None, dry_run: DryRunOpt = False, sheet: SheetOpt = None,
) -> None:
    """Key work tasks: 工号, 任务名称, 强度, 难度, 数量, 完成时限 (, 督办)."""
    _upload(Login(gateway, username, password, api_key), "/api/v1/records/tasks/import", file, dry_run=dry_run,
            sheet=sheet)


@import_app.command("attendance")
def import_attendance(
    file: SheetArg,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None, dry_run: DryRunOpt = False, sheet: SheetOpt = None,
) -> None:
    """Attendance: 工号, 日期, 状态 (, 姓名, 备注); the same file again changes nothing."""
    _upload(Login(gateway, username, password, api_key), "/api/v1/records/attendance/import", file,
            dry_run=dry_run, sheet=sheet)


# -- kaohe export -----------------------------------------------------------------------------------

export_app = typer.Typer(help="Download a sheet (XLSX with Chinese headers, or CSV where offered).",
                         no_args_is_help=True)
OutOpt = Annotated[Path | None, typer.Option(
    "-o", "--output", dir_okay=False, writable=True, show_default=False,
    help="Where to write (default: the name the server offers, in this folder).")]


class Format(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


FormatOpt = Annotated[Format | None, typer.Option(
    "--format", show_default=False, help="csv or xlsx (default: from the -o file's suffix, else xlsx).")]


def _format(fmt: Format | None, output: Path | None) -> str:
    if fmt is not None:
        return fmt.value
    return "csv" if output is not None and output.suffix.lower() == ".csv" else "xlsx"


def _download(login: Login, path: str, output: Path | None, fallback: str, **params: Any) -> None:
    with session(login) as api:
        response = api.send("GET", path, params=params, ok=(200, 202))
        if response.status_code == 202:  # a large export is written by a job: follow it, then fetch its file
            from kaohe.jobs import follow

            response = api.send("GET", follow(api, response)["file"])
    target = output or Path(filename_of(response) or fallback)
    partial = target.with_name(f".{target.name}.part")  # written whole, then renamed: never half a file
    try:
        partial.write_bytes(response.content)
        partial.replace(target)
    except OSError as exc:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        console(stderr=True).print(Text(f"Error: cannot write {target}: {exc.strerror or exc}", style="bold red"))
        raise typer.Exit(1) from None
    console().print(Text(f"Wrote {target} ({len(response.content):,} bytes)."))


@export_app.command("roster")
def export_roster(
    region_id: Annotated[str, typer.Argument(metavar="REGION_ID")],
    on: Annotated[str | None, typer.Option("--on", metavar="DATE", help="the roster on this day (default: today)")]
    = None,
    output: OutOpt = None, fmt: FormatOpt = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """The region's roster on a day, in the import's own columns."""
    kind = _format(fmt, output)
    _download(Login(gateway, username, password, api_key), f"/api/v1/records/regions/{region_id}/roster/export",
              output, f"roster-{region_id}.{kind}", on=on, format=kind)


@export_app.command("tasks")
def export_tasks(
    unit_id: Annotated[str, typer.Argument(metavar="UNIT_ID")],
    period: Annotated[str, typer.Argument(metavar="PERIOD", help="2025Q1 or 2025")],
    output: OutOpt = None, fmt: FormatOpt = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """A unit's tasks due in a period."""
    kind = _format(fmt, output)
    _download(Login(gateway, username, password, api_key), "/api/v1/records/tasks/export", output,
              f"tasks-{unit_id}-{period}.{kind}", unit_id=unit_id, period=_period(period), format=kind)


@export_app.command("attendance")
def export_attendance(
    unit_id: Annotated[str, typer.Argument(metavar="UNIT_ID")],
    period: Annotated[str, typer.Argument(metavar="PERIOD", help="2025Q1 or 2025")],
    output: OutOpt = None, fmt: FormatOpt = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """A unit's attendance in a period."""
    kind = _format(fmt, output)
    _download(Login(gateway, username, password, api_key), "/api/v1/records/attendance/export", output,
              f"attendance-{unit_id}-{period}.{kind}", unit_id=unit_id, period=_period(period), format=kind)


@export_app.command("results")
def export_results(
    scheme_id: Annotated[str, typer.Argument(metavar="SCHEME_ID")],
    period: Annotated[str, typer.Argument(metavar="PERIOD", help="2025Q1 (a unit's quarter) or 2025 (the year)")],
    version: Annotated[int | None, typer.Option("--version", min=1, help="a result version (default: the latest)")]
    = None,
    output: OutOpt = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """A scheme's results for a period as XLSX: rank, staff number, name, unit, score, grade."""
    _download(Login(gateway, username, password, api_key),
              f"/api/v1/scoring/schemes/{scheme_id}/periods/{_period(period)}/results.xlsx", output,
              f"results-{scheme_id}-{period}.xlsx", version=version)


@export_app.command("allocation")
def export_allocation(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="an allocation run (`kaohe allocate` prints it)")],
    output: OutOpt = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """An allocation run's report as XLSX: every unit's slots, the township/department comparison, a chart."""
    _download(Login(gateway, username, password, api_key), f"/api/v1/quota/allocations/{run_id}/report.xlsx",
              output, f"allocation-{run_id}.xlsx")


class TemplateKind(StrEnum):
    roster = "roster"
    tasks = "tasks"
    attendance = "attendance"


@export_app.command("template")
def export_template(
    kind: Annotated[TemplateKind, typer.Argument(help="roster, tasks or attendance")],
    output: OutOpt = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """An import template: the importer's headers and one example row."""
    _download(Login(gateway, username, password, api_key), f"/api/v1/records/templates/{kind.value}.xlsx", output,
              f"{kind.value}-template.xlsx")


# -- kaohe allocate ---------------------------------------------------------------------------------


def _unit_names(api: Gateway, region_id: str) -> dict[str, str]:
    try:
        units = api.every("/api/v1/records/units", region_id=region_id)
    except ApiError:
        return {}  # names are a courtesy: the ids still say which unit
    return {str(u["id"]): str(u["name"]) for u in units}


def allocation_table(run: dict[str, Any], names: dict[str, str]) -> Table:
    result = run["result"]
    out = table("unit", "kind", "headcount", "floor", "designated", "tilt", "remainder", "total", "ratio",
                title=f"Excellent slots, region {run['region_id']}, {run['year']}",
                numeric=("headcount", "floor", "designated", "tilt", "remainder", "total", "ratio"))

    def label(unit: dict[str, Any]) -> str:
        members = unit.get("members") or []
        if members:
            return f"{unit['id']} ({' + '.join(names.get(m, m) for m in members)})"
        return names.get(str(unit["id"]), str(unit["id"]))

    units = sorted(result["units"], key=lambda u: (KIND_ORDER.get(u["kind"], 9), label(u)))
    for unit in units:
        add_row(out, label(unit), unit["kind"], unit["headcount"], unit["floor"], unit["designated"], unit["tilt"],
                unit["remainder"], unit["total"], percent(unit["ratio"]))
    sums = {key: sum(int(u[key]) for u in units) for key in ("headcount", "floor", "designated", "tilt",
                                                               "remainder", "total")}
    ratio = str(Decimal(sums["total"]) / sums["headcount"]) if sums["headcount"] else None
    out.add_section()
    add_row(out, "total", "", sums["headcount"], sums["floor"], sums["designated"], sums["tilt"], sums["remainder"],
            sums["total"], percent(ratio), style="bold")
    return out


def allocation_comparison(run: dict[str, Any]) -> list[str]:
    result = run["result"]
    policy = run.get("policy") or {}
    tilt = "/".join(policy.get("tilt_kinds") or ["township"])
    compared = "/".join(policy.get("comparison_kinds") or ["department", "street"])
    wanted = policy.get("township_uplift")
    absolute = (policy.get("township_uplift_kind") or result.get("uplift_kind")) == "absolute"
    if absolute:  # the townships' ratio minus the comparison's, in percentage points
        uplift = f"uplift {points(result.get('uplift_points'))} (absolute)"
        asked = None if wanted is None else f"policy {points(str(wanted))}"
    else:  # the townships' ratio over the comparison's, less 1
        uplift = f"uplift {percent(result['uplift'])} (relative)"
        asked = None if wanted is None else f"policy {percent(str(wanted))}"
    lines = [f"township_ratio {percent(result['township_ratio'])} ({tilt}) vs department_ratio "
             f"{percent(result['department_ratio'])} ({compared}): {uplift}"
             + (f" ({asked}, needs {percent(result['required_township_ratio'])})" if asked is not None else "")]
    if result["feasible"]:
        lines.append("feasible: the township uplift is reached")
    else:
        lines.append(f"not feasible: shortfall of {result['shortfall']} township slot(s) to reach the uplift")
    pool = result["pool"]
    lines.append(f"pool: {pool['collected']} collected, {pool['used']} used, {pool['left']} left"
                 + (f" ({pool['left_reason']})" if pool.get("left_reason") else ""))
    lines += [f"warning {w['code']}: {w['message']}" for w in result.get("warnings", [])]
    return lines


def publication_lines(published: dict[str, Any]) -> list[str]:
    """What a publication says beyond its slots: the warnings accepted, what it superseded."""
    lines = [f"accepted warning {w['code']}: {w['message']}" for w in published.get("warnings", [])]
    if published.get("supersedes_id"):
        lines.append(f"supersedes publication {published['supersedes_id']} ({published['reason']}); changes:")
        lines += [f"  {c['unit_id']}: {c['before'] if c['before'] is not None else '-'} -> "
                  f"{c['after'] if c['after'] is not None else '-'}" for c in published["changes"]]
        if not published["changes"]:
            lines.append("  none: every unit keeps its slots")
    return lines


def allocate(
    region_id: Annotated[str, typer.Argument(metavar="REGION_ID")],
    year: Annotated[int, typer.Argument(metavar="YEAR", min=2000, max=2100)],
    publish: Annotated[bool, typer.Option("--publish", help="publish the run (one per region and year)")] = False,
    accept_warnings: Annotated[bool, typer.Option(
        "--accept-warnings", help="publish although the run has warnings (needs --reason)")] = False,
    supersede: Annotated[bool, typer.Option("--supersede", help="replace the region's published allocation for "
                                                                "the year (needs --reason)")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="why the warnings are accepted or the "
                                                                "publication is corrected")] = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Allocate the region's excellent slots for a year from its stored units and policy, and show the run."""
    out = console()
    with session(Login(gateway, username, password, api_key)) as api:
        run = api.post(f"/api/v1/quota/regions/{region_id}/years/{year}/allocations")
        out.print(allocation_table(run, _unit_names(api, region_id)))
        for line in allocation_comparison(run):
            out.print(Text(line))
        out.print(Text(f"run {run['id']}  (report: kaohe export allocation {run['id']} -o allocation.xlsx)"))
        if publish:
            body = {"accept_warnings": accept_warnings, "supersedes": supersede, "reason": reason}
            published = api.post(f"/api/v1/quota/allocations/{run['id']}/publish",
                                 json={k: v for k, v in body.items() if v})
            out.print(Text(f"Published run {published['run_id']} for {published['year']}: "
                           f"{sum(published['slots'].values())} excellent slots, at {published['published_at']}.",
                           style="bold green"))
            for line in publication_lines(published):
                out.print(Text(line))
        else:
            out.print(Text("Not published (add --publish to publish a run)."))


# -- kaohe close --------------------------------------------------------------------------------------


@dataclass
class Closed:
    scheme: dict[str, Any]
    close: dict[str, Any] | None = None
    published: bool = False
    already_published: bool = False
    error: ApiError | None = None


def _close_one(api: Gateway, scheme: dict[str, Any], period: str, publish: bool) -> Closed:
    """Close (and publish); an error answer is kept in the outcome, with the close if that went through."""
    outcome = Closed(scheme=scheme)
    try:
        outcome.close = close = api.post(f"/api/v1/scoring/schemes/{scheme['id']}/periods/{period}/close")
        if publish:
            if close.get("published_at"):
                outcome.already_published = True
            else:
                outcome.close = api.post(f"/api/v1/scoring/results/{close['id']}/publish")
                outcome.published = True
    except ApiError as exc:
        outcome.error = exc
    return outcome


def _grades(close: dict[str, Any]) -> dict[str, int]:
    """The close's grade counts, best grade first (a scheme's own grade codes after the known ones)."""
    grades = (close.get("summary") or {}).get("grades") or {}
    return {k: int(grades[k]) for k in _best_first(grades)}


def _best_first(codes: Iterable[str]) -> list[str]:
    known = list(GRADE_NAMES)
    return sorted(set(codes), key=lambda g: (g == "not_graded", known.index(g) if g in known else len(known), g))


def _person_names(api: Gateway, ids: list[str]) -> dict[str, str]:
    names = {}
    for person_id in ids:
        try:
            person = api.get(f"/api/v1/records/persons/{person_id}")
        except ApiError:
            continue  # a name is a courtesy
        names[person_id] = f"{person.get('name', '')} {person.get('staff_no', '')}".strip()
    return names


def _show_close(out: Console, api: Gateway, outcome: Closed) -> None:
    close, scheme = outcome.close, outcome.scheme
    assert close is not None
    out.print(Text(f"{scheme.get('name', scheme['id'])} · {close['period']} · version {close['version']} "
                   f"(scheme version {close['scheme_version']}) · {close['people']} people", style="bold"))
    if close.get("unchanged"):
        out.print(Text(f"Unchanged: the inputs are those of version {close['version']}; no new version was made."))
    grades = table("grade", "people", numeric=("people",))
    for code, count in _grades(close).items():
        add_row(grades, grade_label(code), count)
    out.print(grades)
    changes = close.get("changes")
    if changes is None:
        if not close.get("unchanged"):
            out.print(Text(f"The first version of {close['period']}."))
    elif not changes:
        out.print(Text("No one's score or grade changed from the previous version."))
    else:
        shown = changes[:CHANGES_SHOWN]
        names = _person_names(api, [c["person_id"] for c in shown])
        listing = table("person", "score before", "score after", "grade before", "grade after",
                        title=f"{len(changes)} people changed from version {close['version'] - 1}",
                        numeric=("score before", "score after"))
        for c in shown:
            add_row(listing, names.get(c["person_id"], c["person_id"]), c["score"][0], c["score"][1],
                    grade_label(c["grade"][0]) if c["grade"][0] else "", grade_label(c["grade"][1]) if c["grade"][1]
                    else "")
        out.print(listing)
        if len(changes) > CHANGES_SHOWN:
            out.print(Text(f"... and {len(changes) - CHANGES_SHOWN} more."))
    if outcome.published:
        out.print(Text(f"Published version {close['version']} at {close['published_at']}.", style="bold green"))
    elif outcome.already_published:
        out.print(Text(f"Version {close['version']} was already published at {close['published_at']}."))
    elif outcome.error is None:
        out.print(Text(f"Not published (add --publish). Result version id {close['id']}."))


def _close_region(out: Console, api: Gateway, region_id: str, period: str, publish: bool) -> int:
    err = console(stderr=True)
    schemes = api.every("/api/v1/scoring/schemes", region_id=region_id)
    if not schemes:
        err.print(Text(f"Region {region_id} has no scheme you may close.", style="bold red"))
        return 1
    outcomes: list[Closed] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as progress:
        task = progress.add_task(f"Closing {period}", total=len(schemes))
        for scheme in schemes:
            progress.update(task, description=f"Closing {period}: {scheme['name']}")
            outcomes.append(_close_one(api, scheme, period, publish))
            progress.advance(task)
        progress.update(task, description=f"Closed {period}")
    grade_codes = _best_first(code for o in outcomes if o.close for code in _grades(o.close))
    summary = table("scheme", "version", "people", *(grade_label(c) for c in grade_codes), "changed", "published",
                    "outcome", title=f"{period}, region {region_id}",
                    numeric=("version", "people", *(grade_label(c) for c in grade_codes), "changed"))
    totals = {code: 0 for code in grade_codes}
    people = 0
    for o in outcomes:
        if o.close is None:
            assert o.error is not None
            add_row(summary, o.scheme["name"], "", "", *([""] * len(grade_codes)), "", "", str(o.error),
                    style="red")
            continue
        close, grades = o.close, _grades(o.close)
        people += int(close["people"])
        for code in grade_codes:
            totals[code] += grades.get(code, 0)
        changed = "" if close.get("changes") is None else len(close["changes"])
        published = "yes" if close.get("published_at") else "no"
        state = "unchanged" if close.get("unchanged") else "new version"
        if o.published:
            state += ", published"
        if o.error is not None:
            state += f"; publishing failed: {o.error}"
        add_row(summary, o.scheme["name"], close["version"], close["people"],
                *(grades.get(code, 0) for code in grade_codes), changed, published, state,
                style="red" if o.error else None)
    summary.add_section()
    add_row(summary, f"{len(outcomes)} schemes", "", people, *(totals[c] for c in grade_codes), "", "", "",
            style="bold")
    out.print(summary)
    failed = sum(1 for o in outcomes if o.error)
    new = sum(1 for o in outcomes if o.close and not o.close.get("unchanged"))
    published_now = sum(1 for o in outcomes if o.published)
    closed = sum(1 for o in outcomes if o.close is not None)
    out.print(Text(f"{closed} of {len(outcomes)} closed ({new} new versions), {published_now} published, "
                   f"{failed} failed."))
    for o in outcomes:
        if o.error is not None:
            err.print(Text(f"{o.scheme['name']} ({o.scheme['id']}):", style="bold"))
            print_problem(err, o.error)
    return 1 if failed else 0


def close(
    scheme_id: Annotated[str | None, typer.Argument(
        metavar="SCHEME_ID", show_default=False, help="the scheme (leave out with --region)")] = None,
    period: Annotated[str | None, typer.Argument(
        metavar="PERIOD", show_default=False, help="2025Q1 (a quarter) or 2025 (the year)")] = None,
    region: Annotated[str | None, typer.Option(
        "--region", metavar="REGION_ID", help="close every scheme of the region, with a progress bar")] = None,
    publish: Annotated[bool, typer.Option("--publish", help="publish each new result version")] = False,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Close a period of a scheme (or of every scheme of a region) into a result version, and show it.

    kaohe close SCHEME_ID PERIOD [--publish]  ·  kaohe close --region REGION_ID PERIOD [--publish]
    """
    if region is not None:
        if period is None:
            scheme_id, period = None, scheme_id
        if scheme_id is not None:
            raise _usage("give SCHEME_ID or --region REGION_ID, not both", "SCHEME_ID / '--region'")
    elif scheme_id is None:
        raise _usage("give SCHEME_ID and PERIOD, or --region REGION_ID and PERIOD", "SCHEME_ID / '--region'")
    period = _period(period)
    out = console()
    with session(Login(gateway, username, password, api_key)) as api:
        if region is not None:
            code = _close_region(out, api, region, period, publish)
        else:
            assert scheme_id is not None
            scheme = api.get(f"/api/v1/scoring/schemes/{scheme_id}")
            outcome = _close_one(api, scheme, period, publish)
            if outcome.close is not None:
                _show_close(out, api, outcome)
            if outcome.error is not None:
                raise outcome.error
            code = 0
    raise typer.Exit(code)
