"""`kaifang search reindex`."""

from __future__ import annotations

import typer

from kaifang.cli.common import unit_of_work
from kaifang.search import service as search_service

search_app = typer.Typer(help="The catalogue search index.", no_args_is_help=True)


@search_app.command("reindex")
def reindex() -> None:
    """Rebuild every dataset's search document (after a restore or an upgrade)."""
    with unit_of_work() as session:
        count = search_service.reindex_all(session)
    typer.echo(f"reindexed {count} datasets")
