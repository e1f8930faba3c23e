"""What Claude costs: one `ClaudeUsage` row per Messages API call, and the arithmetic of
the estimate `python -m yume usage` prints.

Prices are USD per million tokens from the Anthropic pricing page as read for the project
(shared/reference/claude-rq-and-scheduling.md §1.1–1.2). Cache writes are priced at the
5-minute rate (Yume never asks for the 1-hour cache); reads at each model's own rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from peewee import CharField, DateField, ForeignKeyField, IntegerField

from yume.models import BaseModel, Conversation, Organization, UTCDateTimeField, utcnow
from yume.timeutil import zone


class ClaudeUsage(BaseModel):
    organization = ForeignKeyField(Organization, on_delete="CASCADE")
    conversation = ForeignKeyField(Conversation, null=True, on_delete="SET NULL")
    day = DateField()  # the organization's local day of the call
    model = CharField()
    input_tokens = IntegerField(default=0)  # uncached input
    output_tokens = IntegerField(default=0)
    cache_write_tokens = IntegerField(default=0)
    cache_read_tokens = IntegerField(default=0)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "claude_usage"
        indexes = ((("organization", "day"), False),)  # the usage report reads by org and day


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: Decimal
    output: Decimal
    cache_write: Decimal
    cache_read: Decimal


def _price(inp: str, out: str, write: str, read: str) -> Price:
    return Price(Decimal(inp), Decimal(out), Decimal(write), Decimal(read))


# Longest matching prefix wins, so dated ids ("claude-haiku-4-5-20251001") find their model.
PRICES: dict[str, Price] = {
    "claude-haiku-4-5": _price("1", "5", "1.25", "0.10"),
    "claude-haiku-5-5": _price("0.10", "0.50", "0.125", "0.01"),
    "claude-sonnet-4-5": _price("3", "15", "3.75", "0.30"),
    "claude-sonnet-4-6": _price("3", "15", "3.75", "0.30"),
    "claude-sonnet-5": _price("2", "10", "2.50", "0.20"),
    "claude-sonnet-5-5": _price("2", "10", "2.50", "0.10"),
    "claude-opus-4-5": _price("5", "25", "6.25", "0.50"),
    "claude-opus-4-6": _price("5", "25", "6.25", "0.50"),
    "claude-opus-4-7": _price("5", "25", "6.25", "0.50"),
    "claude-opus-4-8": _price("5", "25", "6.25", "0.50"),
    "claude-opus-5": _price("5", "25", "6.25", "0.50"),
    "claude-opus-5-5": _price("4", "20", "5", "0.20"),
    "claude-fable-5-1": _price("10", "50", "12.50", "0.25"),
    "claude-mythos-5-1": _price("10", "50", "12.50", "0.25"),
}
# Haiku 5.5 charges every token of a request whose prompt passes 100k tokens at 5×.
LONG_PROMPT = 100_000
LONG_PROMPT_PRICES: dict[str, Price] = {
    "claude-haiku-5-5": _price("0.50", "2.50", "0.625", "0.05"),
}

# Below these many tokens a prefix is silently never cached (§1.2); the evals check the
# static prefix against the model in use.
MIN_CACHEABLE: dict[str, int] = {
    "claude-haiku-4-5": 4096,
    "claude-opus-4-5": 4096,
    "claude-opus-4-6": 4096,
    "claude-opus-4-7": 2048,
    "claude-opus-4-8": 1024,
    "claude-sonnet-4-5": 1024,
    "claude-sonnet-4-6": 1024,
    "claude-sonnet-5": 1024,
    "claude-opus-5": 512,
    "claude-haiku-5-5": 512,
    "claude-sonnet-5-5": 512,
    "claude-opus-5-5": 512,
    "claude-fable-5-1": 512,
    "claude-mythos-5-1": 512,
}


def _lookup(table: dict[str, Any], model: str) -> Any:
    matches = [key for key in table if model == key or model.startswith(key + "-")]
    return table[max(matches, key=len)] if matches else None


def price_of(model: str, prompt_tokens: int = 0) -> Price | None:
    if prompt_tokens > LONG_PROMPT:
        long = _lookup(LONG_PROMPT_PRICES, model)
        if long is not None:
            return long
    return _lookup(PRICES, model)


def min_cacheable(model: str) -> int:
    return _lookup(MIN_CACHEABLE, model) or 4096


def read_usage(usage: Any) -> tuple[int, int, int, int]:
    """(input, output, cache write, cache read) from an SDK `usage` object."""
    return (
        int(getattr(usage, "input_tokens", 0) or 0),
        int(getattr(usage, "output_tokens", 0) or 0),
        int(getattr(usage, "cache_creation_input_tokens", 0) or 0),
        int(getattr(usage, "cache_read_input_tokens", 0) or 0),
    )


def record(
    organization: Organization,
    conversation: Conversation | None,
    model: str,
    usage: Any,
    now: datetime,
) -> ClaudeUsage:
    inp, out, write, read = read_usage(usage)
    return ClaudeUsage.create(
        organization=organization,
        conversation=conversation,
        day=now.astimezone(zone(organization.timezone)).date(),
        model=model,
        input_tokens=inp,
        output_tokens=out,
        cache_write_tokens=write,
        cache_read_tokens=read,
        created_at=now,
    )


def cost(model: str, inp: int, out: int, write: int = 0, read: int = 0) -> Decimal | None:
    """Estimated USD of one call (or of a sum of calls of one model in the same band)."""
    price = price_of(model, inp + write + read)
    if price is None:
        return None
    total = (
        inp * price.input + out * price.output + write * price.cache_write + read * price.cache_read
    )
    return total / Decimal(1_000_000)


@dataclass
class DayUsage:
    organization: str
    day: date
    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    cost_usd: Decimal | None


def daily(since: date, organization_id: int | None = None) -> list[DayUsage]:
    """Usage per organization, day and model from `since` on, each call priced alone."""
    rows = (
        ClaudeUsage.select(ClaudeUsage, Organization.name)
        .join(Organization)
        .where(ClaudeUsage.day >= since)
        .order_by(Organization.name, ClaudeUsage.day, ClaudeUsage.model)
    )
    if organization_id is not None:
        rows = rows.where(ClaudeUsage.organization == organization_id)
    summary: dict[tuple[str, date, str], DayUsage] = {}
    for row in rows:
        key = (row.organization.name, row.day, row.model)
        day = summary.setdefault(key, DayUsage(*key, 0, 0, 0, 0, 0, Decimal(0)))
        _add(day, row)
    return list(summary.values())


def _add(day: DayUsage, row: ClaudeUsage) -> None:
    counts = (row.input_tokens, row.output_tokens, row.cache_write_tokens, row.cache_read_tokens)
    day.calls += 1
    day.input_tokens += counts[0]
    day.output_tokens += counts[1]
    day.cache_write_tokens += counts[2]
    day.cache_read_tokens += counts[3]
    price = cost(row.model, *counts)
    day.cost_usd = None if price is None or day.cost_usd is None else day.cost_usd + price
