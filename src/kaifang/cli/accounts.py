"""`kaifang user ...` and `kaifang token ...`."""

from __future__ import annotations

import typer

from kaifang.auth import service as auth_service
from kaifang.auth.actor import SYSTEM
from kaifang.cli.common import fail, unit_of_work

user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@user_app.command("create")
def create_user(
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option(..., "--password"),
    role: str = typer.Option("user", "--role", help="user, officer, reviewer, admin, auditor"),
    org: str | None = typer.Option(None, "--org", help="organization id, slug or name"),
    region: str | None = typer.Option(None, "--region", help="region code; none = platform"),
) -> None:
    """Create an account (reviewers/admins without --region cover the whole platform)."""
    with unit_of_work() as session:
        org_id = auth_service.find_organization(session, org).id if org else None
        user = auth_service.create_user(
            session,
            actor=SYSTEM,
            username=username,
            password=password,
            role=role,
            organization_id=org_id,
            region_code=region,
        )
        typer.echo(f"created user {user.username} (id {user.id}, role {user.role})", err=True)


@token_app.command("create")
def create_token(
    username: str = typer.Option(..., "--username"),
    expires: int | None = typer.Option(None, "--expires", help="days until expiry"),
    name: str = typer.Option("cli", "--name"),
) -> None:
    """Issue an API token and print only the token."""
    with unit_of_work() as session:
        user = auth_service.find_user(session, username)
        if user is None:
            fail("用户不存在 (user not found)")
            return
        _token, raw = auth_service.create_token(
            session, user=user, actor=SYSTEM, name=name, expires_days=expires
        )
    typer.echo(raw)


@token_app.command("revoke")
def revoke_token(
    token: str | None = typer.Option(None, "--token", help="the token value"),
    token_id: int | None = typer.Option(None, "--id"),
    username: str | None = typer.Option(None, "--username", help="revoke all of a user's tokens"),
) -> None:
    """Revoke a token by value or id, or all tokens of a user."""
    with unit_of_work() as session:
        count = auth_service.revoke_token(
            session, actor=SYSTEM, token_id=token_id, raw=token, username=username
        )
    if count == 0:
        fail("没有可撤销的令牌 (no matching active token)")
    typer.echo(f"revoked {count} token(s)", err=True)
