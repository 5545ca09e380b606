"""`kaifang audit verify`."""

from __future__ import annotations

import typer

from kaifang.audit import service as audit_service
from kaifang.cli.common import runtime

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Seal pending records, then check the chain; exit 1 naming the first bad record."""
    rt = runtime()
    with rt.db.unit_of_work() as session:
        audit_service.seal_pending(
            session, algorithm=rt.settings.audit_hash, anchor=rt.audit_anchor
        )
    with rt.db.unit_of_work(write=False) as session:
        result = audit_service.verify_chain(session, anchor=rt.audit_anchor)
    if result.ok:
        typer.echo(f"audit log intact: {result.checked} records verified")
        return
    typer.echo(
        f"audit log TAMPERED at chain record {result.bad_seq} (row id {result.bad_id}): "
        f"{result.reason}",
        err=True,
    )
    raise typer.Exit(1)
