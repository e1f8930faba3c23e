"""`python -m yume templates`: the WhatsApp templates Yume needs, and submitting them."""

from __future__ import annotations

from collections.abc import Callable

import click

from yume.commands import connect, load_config
from yume.models import Organization
from yume.template_sync import NoBusinessAccount, TemplateStatus
from yume.templates import ALL, Template


def _organization(org_id: int) -> Organization:
    org = Organization.get_or_none(Organization.id == org_id)
    if org is None:
        raise click.ClickException(f"no existe el negocio {org_id}")
    return org


def describe(template: Template) -> str:
    lines = [
        f"{template.name}  ·  {template.category}  ·  {template.language}",
        f"  {template.body}",
    ]
    examples = template.examples or ("",) * len(template.variables)
    for index, (variable, example) in enumerate(
        zip(template.variables, examples, strict=True), start=1
    ):
        sample = f" (p. ej. «{example}»)" if example else ""
        lines.append(f"  {{{{{index}}}}} {variable}{sample}")
    if template.buttons:
        lines.append("  botones: " + " | ".join(template.buttons))
    return "\n".join(lines)


@click.group(invoke_without_command=True)
@click.pass_context
def templates(ctx: click.Context) -> None:
    """Show the WhatsApp templates Yume needs (sync submits them to Meta)."""
    if ctx.invoked_subcommand is None:
        click.echo("\n\n".join(describe(t) for t in ALL))


@templates.command()
@click.option("--org", "org_id", type=int, required=True, help="Business id.")
@click.option("--waba", default=None, help="Save this WhatsApp Business Account id first.")
def sync(org_id: int, waba: str | None) -> None:
    """Submit the templates to the business's WhatsApp account and show their status."""
    from yume.reminders_models import set_business_account_id
    from yume.template_sync import submit

    config = connect(load_config())
    org = _organization(org_id)
    if waba:
        set_business_account_id(org.id, waba)
    _report(lambda: submit(org, config))


@templates.command()
@click.option("--org", "org_id", type=int, required=True, help="Business id.")
def status(org_id: int) -> None:
    """Show Meta's approval status of each template for a business."""
    from yume.template_sync import statuses

    config = connect(load_config())
    org = _organization(org_id)
    _report(lambda: statuses(org, config))


def _report(fetch: Callable[[], list[TemplateStatus]]) -> None:

    try:
        rows = fetch()
    except NoBusinessAccount as exc:
        raise click.ClickException(str(exc)) from None
    width = max(len(row.name) for row in rows)
    for row in rows:
        note = f"  ({row.note})" if row.note else ""
        click.echo(f"{row.name:<{width}}  {row.language}  {row.status}{note}")
    approved = sum(row.status == "APPROVED" for row in rows)
    click.echo(f"{approved} de {len(rows)} aprobadas.")
