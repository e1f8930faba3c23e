"""`python -m yume invite` (a signup link for a new or disconnected business) and
`python -m yume orgs` (every business with its connection and template status)."""

from __future__ import annotations

import click

from yume.commands import connect, load_config
from yume.config import Config
from yume.db import database
from yume.errors import DomainError
from yume.migrations import migrate
from yume.phones import InvalidPhone


def _ready(config: Config) -> Config:
    """Open the database and bring its schema up to date, as `serve` and `chat` do."""
    connect(config)
    migrate(database.obj)
    return config


@click.command()
@click.option("--name", default=None, help="The business's name (a new business).")
@click.option("--owner-phone", default=None, help="The owner's WhatsApp, e.g. '+52 55 1234 5678'.")
@click.option("--owner-name", default="Dueño", show_default=True, help="The owner's name.")
@click.option("--org", "org_id", type=int, default=None, help="A new link for this business.")
@click.option("--days", type=int, default=7, show_default=True, help="Days the link works.")
@click.option("--base-url", default=None, help="Default: YUME_PUBLIC_URL or this machine.")
def invite(
    name: str | None,
    owner_phone: str | None,
    owner_name: str,
    org_id: int | None,
    days: int,
    base_url: str | None,
) -> None:
    """Make a one-time signup link to /connect/<token> for a business's owner."""
    from yume.onboarding.links import create_invite

    config = _ready(load_config())
    if org_id is None and not (name and owner_phone):
        raise click.ClickException(
            "da --name y --owner-phone (o --org N para un negocio que ya existe)"
        )
    try:
        made = create_invite(name, owner_phone, org_id=org_id, owner_name=owner_name, days=days)
    except (DomainError, InvalidPhone) as exc:
        raise click.ClickException(str(exc)) from None
    base = base_url or config.public_url or f"http://127.0.0.1:{config.port}"
    org = made.organization
    click.echo(f"Negocio {org.id}: {org.name} · enlace válido {days} días, una sola vez:")
    click.echo(made.url(base))
    click.echo("Mándaselo al dueño: lo abre en su celular y toca «Conectar mi WhatsApp».")


@click.command()
def orgs() -> None:
    """List every business with its WhatsApp connection and template status."""
    from yume.models import Organization
    from yume.onboarding import readiness
    from yume.onboarding.links import connection_of
    from yume.onboarding.templates import APPROVED, statuses

    _ready(load_config())
    rows = list(Organization.select().order_by(Organization.id))
    if not rows:
        click.echo(
            "No hay negocios. Crea uno con `python -m yume invite --name … --owner-phone …`."
        )
        return
    for org in rows:
        connection = connection_of(org)
        state = connection.state + (f" ({connection.reason})" if connection.reason else "")
        number = connection.display_phone_number or org.whatsapp_phone_number_id or "sin número"
        click.echo(f"{org.id:>4}  {org.name}  ·  {number}  ·  {state}")
        verdicts = statuses(org)
        if verdicts:
            approved = sum(v.status == APPROVED for v in verdicts)
            waiting = [f"{v.name} {v.status}" for v in verdicts if v.status != APPROVED]
            line = f"      plantillas: {approved} de {len(verdicts)} aprobadas"
            click.echo(line + (f" · {', '.join(waiting)}" if waiting else ""))
        else:
            click.echo("      plantillas: sin enviar")
        lacking = readiness.missing(org)
        if lacking:
            click.echo(f"      falta configurar: {', '.join(lacking)}")
