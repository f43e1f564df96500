"""``kaohe import roster|tasks|attendance``: upload a sheet, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from kaohe.operate.connection import ApiKeyOpt, GatewayOpt, Login, PasswordOpt, UsernameOpt, session
from kaohe.operate.printing import console

app = typer.Typer(help="Upload a sheet (.xlsx, .xls, .ods, or CSV/TXT in UTF-8, GBK or UTF-16); all or "
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


@app.command("roster")
def import_roster(
    file: SheetArg,
    region_id: Annotated[str, typer.Option("--region-id", help="the region whose units the sheet names")],
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None, dry_run: DryRunOpt = False, sheet: SheetOpt = None,
) -> None:
    """The roster: 工号, 姓名, 单位编码, 科室, 人员类别, 起始日期 (new people added, changes as transfers)."""
    _upload(Login(gateway, username, password, api_key), f"/api/v1/records/regions/{region_id}/roster/import", file,
            dry_run=dry_run, sheet=sheet)


def _records_import(name: str, help: str) -> None:
    """``kaohe import NAME FILE``: a sheet with no region of its own (its rows name the people)."""

    @app.command(name, help=help)
    def upload(
        file: SheetArg,
        gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
        api_key: ApiKeyOpt = None, dry_run: DryRunOpt = False, sheet: SheetOpt = None,
    ) -> None:
        _upload(Login(gateway, username, password, api_key), f"/api/v1/records/{name}/import", file,
                dry_run=dry_run, sheet=sheet)


_records_import("tasks", "Key work tasks: 工号, 任务名称, 强度, 难度, 数量, 完成时限 (, 督办).")
_records_import("attendance", "Attendance: 工号, 日期, 状态 (, 姓名, 备注); the same file again changes nothing.")
