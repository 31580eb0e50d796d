"""No exception escapes a file: reading, scoring and checking failures become findings on that file, the
batch goes on, exit codes keep their meaning (an internal failure is 2, never 1) and JSON is complete."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from xlperf.validate import validate_file, validate_paths

from .helpers import EXAMPLE, REPO

BUILTIN = REPO / "xlperf" / "framework" / "builtin" / "futian-2021.yaml"


def test_reader_crash_is_xp000_on_that_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlperf.ingest import reader

    bad, good = tmp_path / "a-坏.xlsx", tmp_path / "b-好.xlsx"
    shutil.copy(EXAMPLE, bad)
    shutil.copy(EXAMPLE, good)
    real = reader._read_values

    def boom(out, cat):  # type: ignore[no-untyped-def]
        if out.path.name == bad.name:
            raise RecursionError("maximum recursion depth exceeded")
        return real(out, cat)

    monkeypatch.setattr(reader, "_read_values", boom)
    report = validate_paths([bad, good])
    first, second = report.files
    assert first.status == "error" and [f.code for f in first.findings] == ["XP000"]
    assert "RecursionError" in first.findings[0].message
    assert second.status == "invalid" and second.total_computed is not None  # the batch went on
    assert report.exit_code == 2  # an internal failure: never 1 ("errors found")


def test_crash_while_building_the_report_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a failure after the checks (here: sorting the findings' locations) leaves a report."""
    from xlperf import validate

    monkeypatch.setattr(validate, "_status", lambda findings: (_ for _ in ()).throw(MemoryError()))
    rep = validate_file(EXAMPLE)
    assert rep.status == "error" and [f.code for f in rep.findings] == ["XP000"]


def test_check_crash_makes_status_error_not_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    from xlperf.checks.structure import FormulaAltered

    monkeypatch.setattr(FormulaAltered, "run", lambda self, ctx: iter([1 / 0]))
    rep = validate_file(EXAMPLE)
    crash = [f for f in rep.findings if f.code == "XP000"]
    assert len(crash) == 1 and "XP123" in crash[0].message and "ZeroDivisionError" in crash[0].message
    assert rep.status == "error"
    assert any(f.code == "XP303" for f in rep.findings)  # the other checks ran


def _dividing_framework(tmp_path: Path) -> Path:
    """The built-in framework with one measure's numerator divided by an input that is 0 in the example
    (abroad_budget = 0.00): evaluating it raises ExprError on this data only."""
    text = BUILTIN.read_text(encoding="utf-8")
    old = "    num: sangong_actual\n"
    assert text.count(old) == 1
    path = tmp_path / "dividing.yaml"
    path.write_text(text.replace(old, "    num: sangong_actual / abroad_budget\n"), encoding="utf-8")
    return path


def test_expression_error_names_the_measure(tmp_path: Path) -> None:
    """A division by an input that is 0 is the data's problem, not xlperf's: XP409 at the indicator's score,
    naming the measure (“三公”经费控制率) and the reason; the file is scored (that indicator 0) and checked."""
    rep = validate_file(EXAMPLE, str(_dividing_framework(tmp_path)))
    assert not [f for f in rep.findings if f.code == "XP000"]
    hits = [f for f in rep.findings if f.code == "XP409"]
    assert len(hits) == 1 and "“三公”经费控制率" in hits[0].message and "除数为 0" in hits[0].message
    assert hits[0].sheet == "评分表"
    assert rep.status == "invalid" and rep.total_computed is not None
    assert any(f.code == "XP123" for f in rep.findings)  # checks that need no score still ran


def test_cli_json_complete_on_internal_failure(tmp_path: Path) -> None:
    from tests.support.cli import xlperf

    fw = _dividing_framework(tmp_path)
    run = xlperf("validate", "--json", "--framework", fw, EXAMPLE, EXAMPLE)
    assert run.code == 1 and "Traceback" not in run.err, run.err  # errors found, not a crash
    files = json.loads(run.out)["files"]
    assert [f["status"] for f in files] == ["invalid", "invalid"]
    assert all(any(x["code"] == "XP409" for x in f["findings"]) for f in files)


def test_long_text_is_cut_in_findings(tmp_path: Path) -> None:
    """A 30,000-character text in a label cell: the finding's message and found value stay short."""
    from xlperf.compiled import plan_for
    from xlperf.loader import load_framework

    from .helpers import Xlsx

    plan = plan_for(load_framework("futian-2021"))
    cp = next(c for c in plan.cells.values() if c.sheet in plan.blocks and c.spec is not None)
    label_cell = "A" + cp.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    path = Xlsx(EXAMPLE).set(cp.sheet, label_cell, "长" * 30_000).save(tmp_path / "long.xlsx")
    rep = validate_file(path)
    at = [f for f in rep.findings if (f.sheet, f.cell) == (cp.sheet, label_cell)]
    assert at, "the altered label is reported"
    assert all(len(f.message) <= 2001 and (not isinstance(f.found, str) or len(f.found) <= 257) for f in at)
