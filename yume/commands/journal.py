"""`python -m yume journal`: what the webhook journal still holds, for ops.

A delivery waits there until the ingest job has stored it; one that failed keeps its error,
and after MAX_ATTEMPTS it waits for a person. `--retry` gives those another round (after a
fix is deployed) and asks for an ingest run.
"""

from __future__ import annotations

import click

from yume.commands import connect, load_config
from yume.queue import get_queue
from yume.webhook_journal import INGEST_JOB, MAX_ATTEMPTS, InboundWebhook

SHOWN = 20


@click.command("journal")
@click.option("--retry", is_flag=True, help="Try the deliveries that gave up once more.")
def journal(retry: bool) -> None:
    """Webhook deliveries not yet ingested, and the ones that failed."""
    config = load_config()
    connect(config)
    waiting = InboundWebhook.select().where(InboundWebhook.attempts < MAX_ATTEMPTS).count()
    stuck = InboundWebhook.select().where(InboundWebhook.attempts >= MAX_ATTEMPTS)
    stuck_count = stuck.count()
    click.echo(
        f"Entregas por procesar: {waiting} · detenidas tras {MAX_ATTEMPTS} intentos: {stuck_count}"
    )
    for row in stuck.order_by(InboundWebhook.id).limit(SHOWN):
        received = row.received_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        click.echo(f"  #{row.id}  {received}  {(row.last_error or '')[:160]}")
    if retry and stuck_count:
        again = (
            InboundWebhook.update(attempts=0)
            .where(InboundWebhook.attempts >= MAX_ATTEMPTS)
            .execute()
        )
        get_queue(config.redis_url).enqueue_unless_pending(INGEST_JOB)
        click.echo(f"{again} entregas vuelven a la cola.")
