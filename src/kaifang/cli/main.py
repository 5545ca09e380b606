"""The `kaifang` command."""

from __future__ import annotations

import typer

from kaifang.cli.accounts import token_app, user_app
from kaifang.cli.audit import audit_app
from kaifang.cli.db import db_app
from kaifang.cli.demo import demo_app
from kaifang.cli.governance import governance_app
from kaifang.cli.harvest import harvest_app
from kaifang.cli.privacy import privacy_app
from kaifang.cli.search import search_app
from kaifang.cli.serve import serve, worker

app = typer.Typer(
    help="Kaifang (开放) public-data open platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve)
app.command("worker")(worker)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(search_app, name="search")
app.add_typer(privacy_app, name="privacy")
app.add_typer(governance_app)
app.add_typer(harvest_app, name="harvest")

if __name__ == "__main__":
    app()
