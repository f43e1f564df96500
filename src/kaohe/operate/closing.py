"""``kaohe close``: close a period of a scheme, or of every scheme of a region, and show it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from kaohe.client import ApiError, Gateway
from kaohe.operate.connection import (
    ApiKeyOpt,
    GatewayOpt,
    Login,
    PasswordOpt,
    UsernameOpt,
    check_period,
    session,
    usage,
)
from kaohe.operate.printing import GRADE_NAMES, add_row, console, grade_label, print_problem, table

CHANGES_SHOWN = 20

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
            raise usage("give SCHEME_ID or --region REGION_ID, not both", "SCHEME_ID / '--region'")
    elif scheme_id is None:
        raise usage("give SCHEME_ID and PERIOD, or --region REGION_ID and PERIOD", "SCHEME_ID / '--region'")
    period = check_period(period)
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
