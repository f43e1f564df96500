"""``kaohe export roster|tasks|attendance|results|allocation|template``: download a sheet."""

from __future__ import annotations

from contextlib import suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from kaohe.client import filename_of
from kaohe.operate.connection import ApiKeyOpt, GatewayOpt, Login, PasswordOpt, UsernameOpt, check_period, session
from kaohe.operate.printing import console

app = typer.Typer(help="Download a sheet (XLSX with Chinese headers, or CSV where offered).",
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


@app.command("roster")
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


def _unit_period_export(name: str, what: str) -> None:
    """``kaohe export NAME UNIT_ID PERIOD``: a unit's NAME in a period (tasks and attendance alike)."""

    @app.command(name, help=f"A unit's {what} in a period.")
    def export(
        unit_id: Annotated[str, typer.Argument(metavar="UNIT_ID")],
        period: Annotated[str, typer.Argument(metavar="PERIOD", help="2025Q1 or 2025")],
        output: OutOpt = None, fmt: FormatOpt = None,
        gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
        api_key: ApiKeyOpt = None,
    ) -> None:
        kind = _format(fmt, output)
        _download(Login(gateway, username, password, api_key), f"/api/v1/records/{name}/export", output,
                  f"{name}-{unit_id}-{period}.{kind}", unit_id=unit_id, period=check_period(period), format=kind)


_unit_period_export("tasks", "tasks due")
_unit_period_export("attendance", "attendance")


@app.command("results")
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
              f"/api/v1/scoring/schemes/{scheme_id}/periods/{check_period(period)}/results.xlsx", output,
              f"results-{scheme_id}-{period}.xlsx", version=version)


@app.command("allocation")
def export_allocation(
    run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="an allocation run (`kaohe allocate` prints it)")],
    output: OutOpt = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """An allocation run's report as XLSX: every unit's slots, the township/department comparison, a chart."""
    _download(Login(gateway, username, password, api_key), f"/api/v1/quota/allocations/{run_id}/report.xlsx",
              output, f"allocation-{run_id}.xlsx")


TemplateKind = StrEnum("TemplateKind", ["roster", "tasks", "attendance"])  # the names are the values


@app.command("template")
def export_template(
    kind: Annotated[TemplateKind, typer.Argument(help="roster, tasks or attendance")],
    output: OutOpt = None,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """An import template: the importer's headers and one example row."""
    _download(Login(gateway, username, password, api_key), f"/api/v1/records/templates/{kind.value}.xlsx", output,
              f"{kind.value}-template.xlsx")
