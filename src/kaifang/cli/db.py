"""`kaifang db ...`."""

from __future__ import annotations

import typer

from kaifang import migrate
from kaifang.cli.common import runtime

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    migrate.upgrade(runtime().db.engine, revision)
    typer.echo("database schema up to date", err=True)


@db_app.command("revision")
def revision(message: str = typer.Option(..., "-m")) -> None:
    """Autogenerate a migration from model changes (for developers)."""
    migrate.autogenerate(runtime().db.engine, message)
