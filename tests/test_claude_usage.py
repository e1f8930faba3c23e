"""Claude's usage: one row per call, priced per model; `python -m yume usage` reports it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from click.testing import CliRunner

from tests.conftest import DATABASE_URL, SECRET_KEY
from yume.brains.usage import ClaudeUsage, cost, daily, min_cacheable, price_of, record
from yume.commands.usage import usage

NOW = datetime.now(UTC)


ENV = {"DATABASE_URL": DATABASE_URL, "YUME_SECRET_KEY": SECRET_KEY}


def tokens(inp: int, out: int, write: int = 0, read: int = 0) -> SimpleNamespace:
    return SimpleNamespace(
        input_tokens=inp,
        output_tokens=out,
        cache_creation_input_tokens=write,
        cache_read_input_tokens=read,
    )


def test_it_prices_each_model_with_its_cache_multipliers():
    assert cost("claude-haiku-4-5", 1000, 100, 4000, 8000) == Decimal("0.0073")
    assert cost("claude-haiku-4-5-20251001", 1_000_000, 0) == Decimal(1)
    assert cost("claude-sonnet-5-5", 0, 0, 0, 1_000_000) == Decimal("0.1")
    assert price_of("claude-haiku-5-5", 150_000).input == Decimal("0.50")  # the long band
    assert cost("some-other-model", 1, 1) is None
    assert min_cacheable("claude-haiku-4-5") == 4096
    assert min_cacheable("claude-sonnet-4-5-20250929") == 1024


def test_it_sums_usage_per_organization_day_and_model(cast):
    record(cast.org, None, "claude-haiku-4-5", tokens(1000, 100, 4000, 0), NOW)
    record(cast.org, None, "claude-haiku-4-5", tokens(200, 50, 0, 4000), NOW)
    record(cast.other_org, None, "claude-haiku-4-5", tokens(10, 10), NOW)
    record(cast.org, None, "claude-haiku-4-5", tokens(5, 5), NOW - timedelta(days=40))
    days = daily(date.today() - timedelta(days=2))
    mine = next(d for d in days if d.organization == "Barbería Don Chuy")
    assert (mine.calls, mine.input_tokens, mine.cache_write_tokens, mine.cache_read_tokens) == (
        2,
        1200,
        4000,
        4000,
    )
    assert mine.cost_usd == cost("claude-haiku-4-5", 1000, 100, 4000, 0) + cost(
        "claude-haiku-4-5", 200, 50, 0, 4000
    )
    assert len(days) == 2 and ClaudeUsage.select().count() == 4


def test_the_usage_command_reports_days_and_cost(cast):
    record(cast.org, None, "claude-haiku-4-5", tokens(1000, 100, 4000, 8000), NOW)
    result = CliRunner().invoke(usage, ["--days", "7"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "Barbería Don Chuy" in result.output and "claude-haiku-4-5" in result.output
    assert "0.0073" in result.output and "Total: 1 llamadas" in result.output
    only_other = CliRunner().invoke(usage, ["--org", str(cast.other_org.id)], env=ENV)
    assert "Sin uso de Claude" in only_other.output
