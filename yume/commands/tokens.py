"""`python -m yume tokens`: API tokens for one business (its website, a spreadsheet…), which
read and write that organization only. The token is printed once; only its hash is kept."""

from __future__ import annotations

import click

from yume import api_tokens
from yume.api_tokens import ApiToken
from yume.commands import connect, load_config
from yume.models import Organization


@click.group("tokens")
def tokens() -> None:
    """API tokens that reach one business only."""


@tokens.command("create")
@click.option("--org", "org_id", type=int, required=True, help="The business (organization id).")
@click.option("--name", default="API", show_default=True, help="What it is for.")
def create(org_id: int, name: str) -> None:
    """Make a token for one business; it is shown only now."""
    connect(load_config())
    org = Organization.get_or_none(Organization.id == org_id)
    if org is None:
        raise click.ClickException(f"no existe el negocio {org_id}")
    row, token = api_tokens.issue(org, name)
    click.echo(f"Token {row.id} «{row.name}» para {org.name} (guárdalo; no se vuelve a mostrar):")
    click.echo(token)


@tokens.command("list")
@click.option("--org", "org_id", type=int, default=None, help="Only this business.")
def list_tokens(org_id: int | None) -> None:
    """The tokens, without their secret."""
    connect(load_config())
    rows = ApiToken.select(ApiToken, Organization).join(Organization).order_by(ApiToken.id)
    if org_id is not None:
        rows = rows.where(ApiToken.organization == org_id)
    for row in rows:
        state = "revocado" if row.revoked_at else "activo"
        made = row.created_at.strftime("%Y-%m-%d")
        click.echo(f"  {row.id}  {row.organization.name} · {row.name} · {made} · {state}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """Stop a token from working, at once."""
    connect(load_config())
    if not api_tokens.revoke(token_id):
        raise click.ClickException(f"no hay un token activo con id {token_id}")
    click.echo(f"Token {token_id} revocado.")
