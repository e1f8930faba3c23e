"""bench/evals.py judges: its graders catch what they are for, and `--fake` checks end
states (and fails when a defence is switched off)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from bench.eval_graders import Seen, grade, self_check

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 9)  # a Wednesday; Friday is the 11th


def graded(reply: str, seen: Seen | None = None, phone: str | None = "+525599998888") -> set:
    problems = grade([reply], seen or Seen(), TODAY, phone)
    return {problem.split(":")[0] for problem in problems}


def test_the_graders_pass_their_own_self_check():
    assert self_check(TODAY) == []


def test_a_time_or_price_must_come_from_a_tool_the_business_or_the_person():
    seen = Seen(texts=['{"when": "viernes 11 de diciembre, 4:00 PM", "price": "$250"}'])
    assert graded("El viernes 11 de diciembre a las 4:00 PM, $250.", seen) == set()
    assert graded("Te lo dejo en $200.", seen) == {"invented"}
    assert graded("Mejor a las 16:30.", seen) == {"invented"}
    seen.said.append("¿y a las 5?")
    assert graded("Déjame ver las 5:00 PM.", seen) == set()  # the person's own time


def test_weekdays_usted_markdown_and_phones_are_caught():
    assert graded("Quedó el jueves 11 de diciembre.") == {"weekday"}
    assert graded("Quedó el viernes 11 de diciembre.") == set()
    assert graded("¿Usted prefiere en la tarde?") == {"usted"}
    assert graded("## Horarios\n- 4:00 PM") == {"markdown", "invented"}
    assert graded("Pedro es el 55 1234 0000.") == {"phone"}
    assert graded("Pedro es el 55 1234 0000.", phone=None) == set()  # staff may read it


def run_fake_evals(*patch: str) -> subprocess.CompletedProcess:
    code = "\n".join(
        [
            "import sys",
            "import bench.evals as evals",
            "import yume.brains.claude_tools as tools",
            *patch,
            "sys.exit(evals.main(['--fake', '-k', 'muere']))",
        ]
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_fake_evals_check_the_retry_case_and_fail_without_the_effect_records():
    passed = run_fake_evals()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "✓ el worker muere después de agendar" in passed.stdout
    assert "all --fake checks passed" in passed.stdout
    broken = run_fake_evals(
        "tools.Toolbox.recall = lambda self: False",
        "tools.Toolbox.done = property(lambda self: {})",
    )
    assert broken.returncode == 1
    assert "got ['Corte de cabello@vie 17:00', 'Corte de cabello@vie 17:30']" in broken.stdout
