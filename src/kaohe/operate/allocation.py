"""``kaohe allocate``: a region's excellent slots for a year, shown as a table (and published)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from kaohe.client import ApiError, Gateway
from kaohe.operate.connection import ApiKeyOpt, GatewayOpt, Login, PasswordOpt, UsernameOpt, session
from kaohe.operate.printing import add_row, console, percent, points, table

KIND_ORDER = {"township": 0, "street": 1, "department": 2, "institution": 3}

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
