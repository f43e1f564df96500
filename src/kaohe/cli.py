"""The ``kaohe`` operator command.

``run``, ``migrate``, ``backup``, ``restore`` work on this machine's stack and database; ``demo``,
``admin``, ``import``, ``export``, ``allocate`` and ``close`` are clients of a running gateway
(see :mod:`kaohe.operate`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kaohe import backups, jobs, operate, stack
from kaohe.config import StackSettings
from kaohe.failures import Kaohe

app = Kaohe(help="kaohe (考核): run and operate the evaluation backend.",
            no_args_is_help=True, add_completion=True,
            pretty_exceptions_show_locals=False)


def say(line: str) -> None:
    """Progress, on standard error (standard output carries results)."""
    typer.echo(line, err=True)


@app.callback()
def main(debug: Annotated[bool, typer.Option(
        "--debug", envvar="KAOHE_DEBUG", help="Show the traceback of an unexpected error.")] = False) -> None:
    """kaohe (考核): run and operate the evaluation backend."""
    # ``--debug`` is read where errors are handled (kaohe.failures), around the whole command.


@app.command()
def run(access_log: Annotated[bool, typer.Option(
        "--access-log", help="one line per request on this console (default: a file, named at start)")] = False,
        ) -> None:
    """Start the whole stack: database (embedded unless configured), migrations, four services."""
    settings = StackSettings()
    if access_log:
        settings.access_log = "console"
    raise typer.Exit(stack.run(settings, say=lambda line: typer.echo(line)))


@app.command()
def settings(write: Annotated[bool, typer.Option("--write", help="rewrite the files that differ")] = False) -> None:
    """Check (or --write) deploy/env.example and the README's settings table against the settings classes."""
    from kaohe import settings_doc

    changed = settings_doc.write() if write else settings_doc.stale()
    names = ", ".join(str(path.relative_to(settings_doc.ROOT)) for path in changed)
    if write:
        typer.echo(f"Rewrote {names}." if changed else "Every settings document was up to date.")
    elif changed:
        typer.echo(f"{names} differ from the settings classes; run `kaohe settings --write` (or `make settings`).",
                   err=True)
        raise typer.Exit(1)
    else:
        typer.echo("deploy/env.example and the README's settings table match the settings classes.")


@app.command()
def migrate() -> None:
    """Create what is missing and apply every service's migrations, then exit."""
    settings = StackSettings()
    database = stack.open_database(settings, say, join_running=True)
    try:
        stack.migrate(database.urls, say)
    finally:
        database.stop()
    typer.echo("All services are at their migration head.")


@app.command()
def backup(path: Annotated[Path, typer.Argument(metavar="PATH", dir_okay=False, help="the file to write")]) -> None:
    """Write every service's schema to PATH (pg_dump archives in one tar file), also while the stack runs."""
    settings = StackSettings()
    database = stack.open_database(settings, say, join_running=True)
    try:
        done = backups.backup(settings, database, path)
    finally:
        database.stop()
    typer.echo(f"Backed up {', '.join(done.manifest.schemas)} to {path} ({done.size:,} bytes in "
               f"{done.seconds:.1f} s).")


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(metavar="PATH", dir_okay=False, help="a file written by kaohe backup")],
    into: Annotated[str | None, typer.Option(
        "--into", metavar="DATABASE", help="A new database on the same server, created and provisioned where kaohe "
        "may (the embedded server, one shared URL); with a URL per service it must exist with the services' "
        "roles and schemas. Default: the configured database, whose schemas must hold no table yet.")] = None,
) -> None:
    """Restore a backup into a fresh database, each service's schema owned by its own role."""
    settings = StackSettings()
    database = stack.open_database(settings, say, join_running=True)
    try:
        done = backups.restore(settings, database, path, into)
    finally:
        database.stop()
    where = into or "the configured database"
    typer.echo(f"Restored {', '.join(done.manifest.schemas)} from {path} into {where} in {done.seconds:.1f} s.")
    if into and database.embedded is not None:
        typer.echo(f"Run the stack on it with KAOHE_DATABASE_NAME={into} kaohe run.")
    elif into:
        typer.echo(f"Point KAOHE_DATABASE_URL (or each service's URL) at the database {into}.")


@app.command("demo")
def demo_county(
    gateway: str | None = typer.Option(None, help="the running gateway (default: this machine's stack)"),
    username: str = typer.Option(stack.DEMO_ADMIN[0], envvar="KAOHE_ADMIN_USERNAME", help="an administrator"),
    password: str = typer.Option(stack.DEMO_ADMIN[1], envvar="KAOHE_ADMIN_PASSWORD", help="their password"),
    seed: int = typer.Option(2025, help="the same seed gives the same county"),
    scale: float = typer.Option(1.0, min=0.05, max=1.0, help="people per unit, as a share of the full demo"),
    force: bool = typer.Option(False, "--force", help="load even if the database already holds data"),
) -> None:
    """Load the demo county into the running stack and run its whole year (see `kaohe run`)."""
    settings = StackSettings()
    url = gateway or f"http://{settings.host}:{settings.gateway_port}"
    loaded = stack.load_demo_county(url, stack.service_urls(settings), (username, password), typer.echo,
                                    scale=scale, seed=seed, force=force)
    raise typer.Exit(0 if loaded else 1)


@app.command("openapi")
def openapi_document(
    path: Annotated[Path, typer.Argument(help="where to write it")] = Path("openapi.json"),
    clients: Annotated[Path | None, typer.Option(help="also generate the Python and TypeScript clients here")] = None,
) -> None:
    """Write the merged OpenAPI document of every public route (no database or running stack
    needed), and optionally the client libraries generated from it."""
    from kaohe import openapi

    typer.echo(f"wrote {openapi.write_document(path)}")
    if clients is not None:
        for kind, generate in (("python", openapi.generate_python), ("typescript", openapi.generate_typescript)):
            done = generate(path, clients / kind)
            if done.returncode != 0:
                typer.echo(f"the {kind} client failed: {(done.stderr or done.stdout).strip()[-500:]}", err=True)
                raise typer.Exit(1)
            typer.echo(f"wrote the {kind} client to {clients / kind}")


app.add_typer(operate.admin_app, name="admin")
app.add_typer(operate.import_app, name="import")
app.add_typer(operate.export_app, name="export")
app.command("allocate")(operate.allocate)
app.command("close")(operate.close)
jobs.register(app)


if __name__ == "__main__":
    app()
