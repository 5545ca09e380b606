"""`kaifang demo load`."""

from __future__ import annotations

import typer

from kaifang.cli.common import runtime, unit_of_work
from kaifang.demo import tenancy
from kaifang.demo.catalog import load_demo_catalog
from kaifang.demo.plan2021 import load_demo_open_lists
from kaifang.demo.tables import make_attacher
from kaifang.demo.usage2021 import load_demo_index, load_demo_usage

demo_app = typer.Typer(
    help="The demo city (台州市, real regions and organizations).", no_args_is_help=True
)


def _load_plan() -> str:
    """The demo 2021 open lists, usage events and index snapshot (each only once)."""
    with unit_of_work() as session:
        lists = load_demo_open_lists(session)
        events = load_demo_usage(session)
        snapshots = load_demo_index(session)
    return (
        f"demo 2021 plan: {lists} new open lists, {events} new usage events, "
        f"{snapshots} new index snapshots"
    )


@demo_app.command("load")
def load(
    catalog: bool = typer.Option(True, help="also load the demo catalogue"),
    plan: bool = typer.Option(True, help="also load the 2021 open lists, usage and index"),
) -> None:
    """Load (idempotently) the demo city and print the demo accounts."""
    with unit_of_work() as session:
        regions = tenancy.load_regions(session)
        orgs = tenancy.load_organizations(session)
        accounts = tenancy.load_accounts(session, orgs)
    datasets, summary = 0, ""
    if catalog:
        with unit_of_work() as session:
            rt = runtime()
            datasets = load_demo_catalog(
                session,
                template=rt.settings.catalog_code_template,
                attach=make_attacher(rt.settings, rt.blobs),
            )
        summary = _load_plan() if plan else ""
    typer.echo(
        f"demo city loaded: {regions} new regions, {len(orgs)} organizations, "
        f"{datasets} new datasets"
    )
    if summary:
        typer.echo(summary)
    typer.echo("demo accounts (demo data — change or remove before production):")
    for acc in accounts:
        scope = acc.org or (acc.region and f"region {acc.region}") or "platform"
        typer.echo(f"  {acc.role:9} {acc.username:12} password: {acc.password:20} ({scope})")
