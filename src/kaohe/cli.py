"""The ``kaohe`` operator command."""

from __future__ import annotations

import typer

from kaohe import stack
from kaohe.config import StackSettings

app = typer.Typer(help="kaohe (考核): run and operate the evaluation backend.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False)


@app.command()
def run() -> None:
    """Start the whole stack: database (embedded unless configured), migrations, four services."""
    raise typer.Exit(stack.run(StackSettings(), say=lambda line: typer.echo(line)))


@app.command()
def migrate() -> None:
    """Create what is missing and apply every service's migrations, then exit."""
    settings = StackSettings()
    database = stack.open_database(settings, typer.echo)
    try:
        stack.migrate(database.urls, typer.echo)
    finally:
        database.stop()
    typer.echo("All services are at their migration head.")


if __name__ == "__main__":
    app()
