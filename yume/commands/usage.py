"""`python -m yume usage`: Claude's tokens per organization and day, with the estimated cost."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import click

from yume.brains.usage import DayUsage, daily
from yume.commands import connect, load_config

HEADER = ("negocio", "día", "modelo", "llamadas", "entrada", "salida", "caché+", "caché→", "USD")


def _usd(amount: Decimal | None) -> str:
    return "?" if amount is None else f"{amount:.4f}"


def _row(day: DayUsage) -> tuple[str, ...]:
    return (
        day.organization,
        day.day.isoformat(),
        day.model,
        str(day.calls),
        f"{day.input_tokens:,}",
        f"{day.output_tokens:,}",
        f"{day.cache_write_tokens:,}",
        f"{day.cache_read_tokens:,}",
        _usd(day.cost_usd),
    )


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for row in rows:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in pairs]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _total(days: list[DayUsage]) -> str:
    costs = [d.cost_usd for d in days]
    known = sum((c for c in costs if c is not None), Decimal(0))
    calls = sum(d.calls for d in days)
    unknown = " (sin precio para algún modelo)" if None in costs else ""
    return f"Total: {calls} llamadas, USD {known:.4f} estimados{unknown}."


@click.command("usage")
@click.option("--days", default=30, show_default=True, help="How many days back to report.")
@click.option("--org", "org_id", type=int, default=None, help="Only this business id.")
def usage(days: int, org_id: int | None) -> None:
    """Claude tokens and estimated cost per business and day."""
    connect(load_config())
    since = date.today() - timedelta(days=max(days, 1) - 1)
    found = daily(since, org_id)
    if not found:
        click.echo(f"Sin uso de Claude desde el {since.isoformat()}.")
        return
    click.echo(_table([HEADER, *(_row(d) for d in found)]))
    click.echo("caché+ = escritura en caché, caché→ = lectura de caché; precios por modelo.")
    click.echo(_total(found))
