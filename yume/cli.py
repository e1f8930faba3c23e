"""`python -m yume`: the commands a solo developer runs."""

from __future__ import annotations

import dataclasses
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click

from yume import log_privacy
from yume.commands import connect, load_config, secrets_for
from yume.config import Config
from yume.db import database
from yume.errors import DomainError
from yume.migrations import migrate


def without_password(url: str | None) -> str:
    """A URL fit to print: its password (and TLS query settings) left out."""
    parts = urlsplit(url or "")
    if parts.password is None:
        return (url or "").split("?", 1)[0]
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc, query=""))


def _migrate_quietly() -> None:
    applied = migrate(database.obj)
    if applied:
        click.echo(f"Esquema listo ({', '.join(applied)}).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Yume: la recepcionista de WhatsApp para barberías, salones y spas."""
    log_privacy.install()  # no phone numbers in any process's logs


@main.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations (DATABASE_URL)."""
    config = load_config()
    connect(config, "migrate" if config.production else None)
    applied = migrate(database.obj)
    click.echo("Migraciones aplicadas: " + ", ".join(applied) if applied else "Nada que migrar.")


def _serve(config: Config, host: str, port: int) -> None:
    from yume.app import create_app
    from yume.embedded import start_background

    database.close()
    app = create_app(config)
    if config.embedded:
        start_background(config)
    mode = (
        "embebido (sin Redis)" if config.embedded else f"Redis {without_password(config.redis_url)}"
    )
    base = without_password(config.database_url)
    click.echo(f"Yume escuchando en http://{host}:{port}  ·  base {base}  ·  {mode}")
    click.echo(
        f"API: http://{host}:{port}/api/v1/openapi.json  ·  salud: http://{host}:{port}/health"
    )
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT or 8000.")
def serve(host: str, port: int | None) -> None:
    """Run everything in one process (creates the schema on first run)."""
    config = load_config()
    connect(config)
    _migrate_quietly()
    _serve(config, host, port or config.port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT or 8000.")
@click.option("--no-serve", is_flag=True, help="Create the demo business and exit.")
def demo(host: str, port: int | None, no_serve: bool) -> None:
    """Create the demo barbershop (once) and serve it; the API needs no token."""
    from yume.demo import create_demo

    config = load_config()
    connect(config)
    _migrate_quietly()
    org = create_demo()
    _describe(org)
    if not no_serve:
        _serve(dataclasses.replace(config, demo_mode=True), host, port or config.port)


def _describe(org: object) -> None:
    from yume.formatting import local_date_time, money
    from yume.models import ACTIVE_STATUSES, Appointment, Organization, ServiceType, Staff, utcnow
    from yume.phones import display_phone
    from yume.timeutil import zone

    assert isinstance(org, Organization)
    tz = zone(org.timezone)
    click.echo(f"\nNegocio {org.id}: {org.name} ({org.timezone})")
    for member in Staff.select().where(Staff.organization == org).order_by(Staff.id):
        phone = display_phone(member.phone)
        click.echo(f"  {member.role:5}  {member.name:20} {phone}  (staff_id {member.id})")
    for service in ServiceType.select().where(ServiceType.organization == org):
        click.echo(
            f"  servicio {service.id}: {service.name} · {service.duration_minutes} min · "
            f"{money(service.price_mxn)}"
        )
    upcoming = (
        Appointment.select()
        .where(
            (Appointment.organization == org)
            & (Appointment.start_at >= utcnow())
            & Appointment.status.in_(ACTIVE_STATUSES)
        )
        .order_by(Appointment.start_at)
    )
    count = upcoming.count()  # before .first(), which limits the query it is called on
    first = upcoming.first()
    click.echo(
        f"  {count} cita{'' if count == 1 else 's'} próxima{'' if count == 1 else 's'}"
        + (f", la primera: {local_date_time(first.start_at, tz)}" if first else "")
    )
    tomorrow = (utcnow().astimezone(tz) + timedelta(days=1)).date().isoformat()
    click.echo(
        "\nPrueba: curl 'http://127.0.0.1:8000/api/v1/organizations/"
        f"{org.id}/availability?service_id=1&date={tomorrow}'\n"
    )


@main.command()
@click.option("--org", "org_id", type=int, default=None, help="Business id (default: the first).")
@click.option(
    "--from",
    "phone",
    default="+52 55 5555 0101",
    show_default=True,
    help="Who you are: a customer's phone, or a staff member's to get staff powers.",
)
@click.option("--name", default="Ana López", show_default=True, help="WhatsApp profile name.")
def chat(org_id: int | None, phone: str, name: str) -> None:
    """Talk to a business from the terminal, through the real webhook, job and brain."""
    from yume.chat import Simulator
    from yume.models import Organization

    config = load_config()
    connect(config)
    _migrate_quietly()
    org = (
        Organization.get_or_none(Organization.id == org_id)
        if org_id
        else (Organization.select().order_by(Organization.id).first())
    )
    if org is None:
        raise click.ClickException(
            "no hay ese negocio; crea uno con `python -m yume demo --no-serve`"
        )
    _log_to_file(CHAT_LOG)
    try:
        simulator = Simulator(config, org.id, phone, name, echo=click.echo)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Chateando con {org.name} como {phone}. Escribe «salir» para terminar; "
        f"un número toca el botón o la opción con ese número. (Registro: {CHAT_LOG})\n"
    )
    while True:
        try:
            line = input("Tú: ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if line.lower() in ("salir", "exit", "quit"):
            break
        if line:
            simulator.say(line)


CHAT_LOG = "yume-chat.log"


def _log_to_file(path: str) -> None:
    """The chat's terminal shows the conversation only: Yume's log goes to a file, and
    only errors to stderr."""
    import logging

    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    to_stderr = logging.StreamHandler()
    to_stderr.setLevel(logging.ERROR)
    logging.basicConfig(level=logging.INFO, handlers=[to_file, to_stderr], force=True)


@main.command()
@click.option("--burst", is_flag=True, help="Work until the queue is empty, then exit.")
def worker(burst: bool) -> None:
    """Run an RQ worker (needs REDIS_URL)."""
    from jobs.worker import run_worker

    config = _redis_config()
    secrets_for(config, "worker")
    run_worker(config, burst=burst)


@main.command()
@click.option("--burst", is_flag=True, help="Enqueue what is due, then exit.")
def scheduler(burst: bool) -> None:
    """Run rq-scheduler with Yume's periodic jobs (needs REDIS_URL)."""
    from jobs.worker import run_scheduler

    config = _redis_config()
    secrets_for(config, "scheduler")
    run_scheduler(config, burst=burst)


@main.command()
def web() -> None:
    """Procfile web: gunicorn on $PORT; with YUME_ONE_DYNO=1 also the worker and scheduler."""
    from jobs.worker import run_web

    config = load_config()
    secrets_for(config, "web")
    sys.exit(run_web(config))


@main.command("secret-key")
def secret_key() -> None:
    """Print a new YUME_SECRET_KEY (a Fernet key) to put in the environment."""
    from yume.crypto import new_key

    click.echo(new_key())


def _redis_config() -> Config:
    config = load_config()
    if not config.redis_url:
        raise click.ClickException("REDIS_URL no está configurado (sin Redis usa `serve`)")
    return config


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
def import_command(file: Path) -> None:
    """Create a whole business from a JSON or YAML file (see README)."""
    from yume.importer import BusinessFileError, import_business

    config = load_config()
    connect(config)
    _migrate_quietly()
    try:
        org = import_business(file)
    except (BusinessFileError, DomainError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Importado: negocio {org.id} «{org.name}».")


def _register_extras() -> None:
    """Commands that live beside their feature: template sync (reminders), Claude usage, the
    webhook journal and business API tokens."""
    from yume.commands.journal import journal
    from yume.commands.onboarding import invite, orgs
    from yume.commands.templates import templates
    from yume.commands.tokens import tokens
    from yume.commands.usage import usage

    main.add_command(invite)
    main.add_command(orgs)
    main.add_command(journal)
    main.add_command(templates)
    main.add_command(tokens)
    main.add_command(usage)


_register_extras()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
