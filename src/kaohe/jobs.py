"""Jobs from the command line: every command that starts long work follows it with a progress bar, and
``kaohe jobs`` lists the recent ones.

A call that starts long work answers ``202 Accepted`` with the job (``Location``); :func:`follow` reads
the job again every half second, draws its progress (done of total, phase, elapsed) on standard error,
and gives back what the call would have answered had it finished at once — or raises the job's problem
as an :class:`ApiError`, so the command prints it as any other error. ``Gateway.post`` does this for
every command.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kaohe.client import ApiError, Gateway
from kaohe.operate import ApiKeyOpt, GatewayOpt, Login, PasswordOpt, UsernameOpt, add_row, console, session, table

SERVICES = ("records", "scoring", "quota")
POLL_SECONDS = 0.5
RUNNING = ("queued", "running")


def problem_error(job: dict[str, Any], method: str, path: str) -> ApiError:
    """The error a job that did not succeed stands for (its problem, or its cancellation), as an error answer to
    the call that started it (``method`` ``path``)."""
    problem = job.get("problem") or {}
    if job["state"] == "cancelled" or not problem:
        return ApiError(409, "The job was cancelled", f"{job['kind']} was cancelled before it committed; "
                                                      "nothing of it was written", code="job_cancelled",
                        method=method, path=path, body=job)
    errors = problem.get("errors")
    return ApiError(status=int(problem.get("status", 500)), title=str(problem.get("title", "The job failed")),
                    detail=problem.get("detail"), errors=errors if isinstance(errors, list) else [],
                    code=problem.get("code"), request_id=problem.get("request_id"), method=method, path=path,
                    body=problem)


def follow(api: Gateway, accepted: httpx.Response, *, err: Console | None = None) -> Any:
    """Follow the job a 202 answer names until it ends: its result, or its problem raised."""
    job: dict[str, Any] = accepted.json()
    location = accepted.headers.get("location") or job["location"]
    err = err or Console(stderr=True, highlight=False)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[phase]}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(job["kind"], total=job.get("total"), completed=job.get("done", 0),
                            phase=job.get("phase") or job["state"])
        while job["state"] in RUNNING:
            api.sleep(POLL_SECONDS)
            job = api.get(location)
            bar.update(task, total=job.get("total"), completed=job.get("done", 0),
                       phase=job.get("phase") or job["state"])
    if job["state"] != "succeeded":
        raise problem_error(job, accepted.request.method, accepted.request.url.path)
    return job.get("result")


def answered(api: Gateway, response: httpx.Response) -> Any:
    """A call's answer: its body, or, for a 202, the result of the job it started once it has ended."""
    if response.status_code == 202:
        return follow(api, response)
    return response.json() if response.content else None


def list_jobs(
    service: Annotated[list[str] | None, typer.Option(
        "--service", help="only this service's jobs (records, scoring, quota); again for more")] = None,
    state: Annotated[str | None, typer.Option(help="only jobs in this state: queued, running, succeeded, failed, "
                                                   "cancelled")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="jobs per service, newest first")] = 20,
    gateway: GatewayOpt = None, username: UsernameOpt = None, password: PasswordOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Recent jobs (imports, closes, allocations ...): yours, and your regions' when you administer them."""
    services = [s for s in SERVICES if not service or s in service]
    unknown = sorted(set(service or ()) - set(SERVICES))
    if unknown:
        raise typer.BadParameter(f"no service {', '.join(unknown)}: records, scoring or quota",
                                 param_hint="'--service'")
    with session(Login(gateway, username, password, api_key)) as api:
        jobs = [job for name in services
                for job in api.get(f"/api/v1/{name}/jobs", limit=limit, state=state)["items"]]
    jobs.sort(key=lambda job: job["created_at"], reverse=True)
    out = table("created", "kind", "state", "progress", "phase", "seconds", "id", title=f"{len(jobs)} jobs",
                numeric=("seconds",))
    for job in jobs:
        progress = f"{job['done']}/{job['total']}" if job.get("total") is not None else str(job["done"])
        add_row(out, job["created_at"][:19].replace("T", " "), job["kind"], job["state"], progress, job["phase"],
                job.get("elapsed_seconds"), job["id"])
    console().print(out)


def register(app: typer.Typer) -> None:
    """``kaohe jobs``."""
    app.command("jobs")(list_jobs)
