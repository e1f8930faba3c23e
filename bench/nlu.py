"""Accuracy of Yume's Spanish date/time and service understanding on tests/nlu_devset.py.

    python bench/nlu.py              # Yume's parser, per kind and overall
    python bench/nlu.py --errors     # and every phrase it gets wrong
    python bench/nlu.py --libraries  # also Duckling, Recognizers-Text and dateparser,
                                     # when installed (they are not Yume dependencies)

Kinds named holdout_* are the issue-12 held-out phrasings, one kind per category of the
issue; they were written after the rules and are not tuned to. Kinds named review_* are a
second held-out set in the same categories, written by another hand (the review) after the
work and before its first run, and not tuned to either.

Yume's parser is scored strictly: the day, time, window, span and "as soon as possible"
must all be exactly the expected ones. Libraries are scored leniently (only the expected
fields are compared, anything extra is ignored), raw and with Yume's business-hours rule
applied to their hours, which is the most favourable reading of them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.nlu_devset import (  # noqa: E402
    CATALOGUE,
    DATE_TIME_KINDS,
    Case,
    cases,
    expected_services,
    expected_when,
)
from yume.nlu.services import match_services  # noqa: E402
from yume.nlu.when import BusinessClock, read_when  # noqa: E402

Found = dict[str, Any] | None
Parser = Callable[[Case], Found]


def yume_when(case: Case) -> Found:
    ref = case.ref
    now = ref.now.replace(tzinfo=ZoneInfo(ref.timezone))
    when = read_when(case.text, BusinessClock(now, ref.hours))
    return when.as_dict() if when else None


def yume_services(case: Case) -> list[str]:
    ids = match_services(case.text, list(enumerate(CATALOGUE)))
    return [CATALOGUE[i] for i in ids]


def is_right(case: Case, found: Found, strict: bool = True) -> bool:
    if case.kind == "service":
        return yume_services(case) == expected_services(case.expected)
    expected = expected_when(case.expected)
    if expected is None or found is None:
        return expected == found
    if strict:
        return found == expected
    return all(found.get(key) == value for key, value in expected.items())


def score(parser: Parser, kinds: list[str], strict: bool) -> dict[str, tuple[int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case in cases(kinds):
        right = is_right(case, None if case.kind == "service" else parser(case), strict)
        totals[case.kind][0] += right
        totals[case.kind][1] += 1
    return {kind: (right, total) for kind, (right, total) in totals.items()}


def print_table(title: str, table: dict[str, tuple[int, int]]) -> float:
    print(f"\n{title}")
    right_all = total_all = 0
    width = max(len(kind) for kind in [*table, "overall"])
    for kind, (right, total) in table.items():
        print(f"  {kind:<{width}} {right:>4}/{total:<4} {right / total:6.1%}")
        right_all, total_all = right_all + right, total_all + total
    overall = right_all / total_all
    print(f"  {'overall':<{width}} {right_all:>4}/{total_all:<4} {overall:6.1%}")
    return overall


def print_errors(parser: Parser) -> None:
    for case in cases():
        found = yume_services(case) if case.kind == "service" else parser(case)
        if not is_right(case, found if case.kind != "service" else None):
            print(f"  ✗ [{case.kind}] {case.reference} {case.text!r}: {found} ≠ {case.expected}")


# -- the libraries, for comparison -------------------------------------------------------------


def hour_rule(found: Found, case: Case) -> Found:
    """Yume's business-hours rule applied to a library's answer: 4:00 → 16:00 when the
    business is closed at 4 AM and open at 4 PM."""
    if not found:
        return found
    spans = [span for spans in case.ref.hours.values() for span in spans]

    def is_open(minute: int) -> bool:
        return any(start <= minute < end for start, end in spans)

    fixed = dict(found)
    for key in ("time", "from", "to"):
        value = fixed.get(key)
        if not value or value in ("00:00", "24:00"):
            continue
        minute = int(value[:2]) * 60 + int(value[3:5])
        if minute < 720 and not is_open(minute) and is_open(minute + 720):
            fixed[key] = f"{minute // 60 + 12:02d}:{value[3:5]}"
    return fixed


def _reference(case: Case) -> datetime:
    return case.ref.now


def duckling_parser() -> Parser | None:
    try:
        import duckling
    except ImportError:
        return None
    duckling.init()
    zones = duckling.load_time_zones("/usr/share/zoneinfo")
    lang = duckling.parse_lang("ES")
    locale = duckling.parse_locale("ES_MX", duckling.default_locale_lang(lang))
    dimensions = duckling.parse_dimensions(["time"])

    def parse(case: Case) -> Found:
        tz = ZoneInfo(case.ref.timezone)
        epoch = int(case.ref.now.replace(tzinfo=tz).timestamp())
        context = duckling.Context(duckling.parse_ref_time(zones, case.ref.timezone, epoch), locale)
        entities = duckling.parse(case.text, context, dimensions, False)
        return _duckling_value(entities[0]["value"]) if entities else None

    return parse


def _duckling_value(value: dict[str, Any]) -> Found:
    if value.get("type") == "interval":
        start, end = value.get("from", {}).get("value"), value.get("to", {}).get("value")
        found: dict[str, Any] = {}
        if start:
            found["date"], found["from"] = start[:10], start[11:16]
        if end:
            found.setdefault("date", end[:10])
            found["to"] = end[11:16]
        else:
            found["to"] = "24:00"
        return found
    moment = value.get("value", "")
    if value.get("grain") in ("hour", "minute", "second"):
        return {"date": moment[:10], "time": moment[11:16]}
    return {"date": moment[:10]}


def recognizers_parser() -> Parser | None:
    try:
        from recognizers_date_time import recognize_datetime
        from recognizers_text import Culture
    except ImportError:
        return None

    def parse(case: Case) -> Found:
        results = recognize_datetime(case.text, Culture.Spanish, reference=_reference(case))
        if not results or not results[0].resolution:
            return None
        values = results[0].resolution.get("values", [])
        return _recognizers_value(values, case) if values else None

    return parse


def _recognizers_value(values: list[dict[str, Any]], case: Case) -> Found:
    today = case.ref.now.date().isoformat()
    future = [v for v in values if (v.get("value") or v.get("start") or "9")[:10] >= today]
    value = (future or values)[0]
    kind = value.get("type", "")
    if kind in ("time", "datetime"):
        moment = value["value"]
        return (
            {"time": moment[:5]} if kind == "time" else {"date": moment[:10], "time": moment[11:16]}
        )
    if kind == "date":
        return {"date": value["value"][:10]}
    if kind in ("timerange", "datetimerange", "daterange"):
        start, end = value.get("start", ""), value.get("end", "")
        if kind == "daterange":
            return {"date": start[:10]}
        if kind == "timerange":
            return {"from": start[:5], "to": end[:5] or "24:00"}
        return {"date": start[:10], "from": start[11:16], "to": end[11:16] or "24:00"}
    return None


def dateparser_parser() -> Parser | None:
    try:
        from dateparser.search import search_dates
    except ImportError:
        return None

    def parse(case: Case) -> Found:
        base = _reference(case)
        settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future"}
        found = search_dates(case.text, languages=["es"], settings=settings)
        if not found:
            return None
        moment = found[0][1]
        result: dict[str, Any] = {"date": moment.date().isoformat()}
        if moment.time() != base.time() and (moment.hour, moment.minute) != (0, 0):
            result["time"] = moment.strftime("%H:%M")
        if moment - base > timedelta(days=400):
            return None
        return result

    return parse


LIBRARIES = {
    "Duckling (pyduckling-native-phihos)": duckling_parser,
    "Recognizers-Text (recognizers-text-suite)": recognizers_parser,
    "dateparser": dateparser_parser,
}


def compare_libraries(ours: float) -> None:
    print("\nDate/time kinds only, lenient scoring (expected fields compared, extras ignored):")
    lenient = score(yume_when, DATE_TIME_KINDS, strict=False)
    rows = [("Yume (rule-based, yume.nlu)", _overall(lenient), _overall(lenient))]
    for name, make in LIBRARIES.items():
        parser = make()
        if parser is None:
            print(f"  {name}: not installed, skipped")
            continue
        raw = score(_safe(parser), DATE_TIME_KINDS, strict=False)
        ruled = score(_safe(lambda c, p=parser: hour_rule(p(c), c)), DATE_TIME_KINDS, False)
        rows.append((name, _overall(raw), _overall(ruled)))
    print(f"  {'parser':<44} {'raw':>7} {'+ hours rule':>13}")
    for name, raw_score, ruled_score in rows:
        print(f"  {name:<44} {raw_score:7.1%} {ruled_score:13.1%}")
    print(f"\n(Yume strict, all kinds: {ours:.1%})")


def _safe(parser: Parser) -> Parser:
    def run(case: Case) -> Found:
        try:
            return parser(case)
        except Exception:
            return None

    return run


def _overall(table: dict[str, tuple[int, int]]) -> float:
    return sum(r for r, _ in table.values()) / sum(t for _, t in table.values())


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--errors", action="store_true", help="list every wrong phrase")
    options.add_argument("--libraries", action="store_true", help="compare installed libraries")
    args = options.parse_args()
    total = len(cases())
    dated = len(cases(DATE_TIME_KINDS))
    print(
        f"Yume NLU development set: {total} phrases ({dated} dates/times, {total - dated} services)"
    )
    table = score(yume_when, list(dict.fromkeys(c.kind for c in cases())), True)
    overall = print_table("Yume (strict)", table)
    for prefix, title in (("holdout_", "Issue-12 held-out"), ("review_", "Review held-out")):
        held = {kind: figures for kind, figures in table.items() if kind.startswith(prefix)}
        if held:
            right, total = (sum(f[i] for f in held.values()) for i in (0, 1))
            worst = min(r / t for r, t in held.values())
            print(f"\n{title}: {right}/{total} = {right / total:.1%}; worst category {worst:.1%}")
    if args.errors:
        print_errors(yume_when)
    if args.libraries:
        compare_libraries(overall)


if __name__ == "__main__":
    main()
