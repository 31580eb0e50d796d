"""The workbook's own formulas, as a real spreadsheet engine computes them, agree with the Python engine.

Workbooks (the seed example, 60 seeded random departments, hand-built edge cases and the committed
example file) are written by ``write_template(..., values=data_values(data))``, recalculated and saved
by LibreOffice in one call (session fixture ``recalculated``), read back with the fast reader, and every
computed cell — each named total, rate, measure, ``score_*`` and ``score_total``, and the unnamed check,
self-score, difference, explanation and chart cells — is compared with ``xlperf.engine.scoring``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from xlperf.api import score_path
from xlperf.data.values import data_values
from tests.support.futian_random import _rules  # noqa: PLC2701 - the generator's own rule walk
from tests.support.futian_random import band_edges
from xlperf.framework.models import BandsRule, DeductionRule, Framework
from xlperf.compiled import score
from xlperf.validate import validate_file
from xlperf.compiled import plan_for
from xlperf.ingest.reader import read_workbook
from xlperf.ingest.xlsx import open_book
from xlperf.checks.registry import findings_of

from .helpers import (
    EXAMPLE_YAML, REPO, SHIPPED_EXAMPLE, Recalculated, agrees, case_ids, edge_cases, engine_expectations,
    error_cells, inputs_of, raw_number, shown,
)

EDGES = {c.id: c for c in edge_cases()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("case_id", case_ids())
def test_every_computed_cell_agrees_with_the_engine(case_id: str, recalculated: dict[str, Recalculated],
                                                    fw: Framework) -> None:
    case = recalculated[case_id]
    plan = plan_for(fw)
    book = open_book(case.saved)
    expected = engine_expectations(fw, case.data)
    values = data_values(case.data)
    known = {**expected.env, **{n: v for n, (v, _) in expected.named.items()}}
    problems: list[str] = []

    for name, (py, places) in expected.named.items():
        cp = plan.cells[name]
        loc = book.names.get(name)
        if loc is None:
            problems.append(f"{name}: defined name lost in the LibreOffice-saved file")
            continue
        raw = book.cell(*loc)
        lo = raw_number(raw)
        if lo is None or not agrees(lo, py, places):
            label = cp.spec.label if cp.spec else name
            ins = inputs_of(cp.formula or "", plan, values, known)
            problems.append(f"{name}（{label}）{loc[0]}!{loc[1]}: LibreOffice {shown(raw)} ≠ Python {py} "
                            f"(to {places} decimals)\n    ={cp.formula}\n    inputs: {ins}")

    for (sheet, cell), (py, places) in expected.helpers.items():
        raw = book.cell(sheet, cell)
        formula = plan.formulas()[(sheet, cell)]
        if callable(py):  # an explanation text
            missing = py(raw.value if raw is not None and raw.value else "")
            if missing:
                problems.append(f"{sheet}!{cell} text {shown(raw)} lacks {missing}\n    ={formula}")
        elif py == "":
            if raw is not None and raw.value not in (None, ""):
                problems.append(f"{sheet}!{cell}: LibreOffice {shown(raw)}, Python: blank\n    ={formula}")
        else:
            lo = raw_number(raw)
            if lo is None or places is None or not agrees(lo, py, places):
                problems.append(f"{sheet}!{cell}: LibreOffice {shown(raw)} ≠ Python {py} (to {places} decimals)"
                                f"\n    ={formula}\n    inputs: {inputs_of(formula, plan, values, known)}")

    errors = error_cells(book)
    if errors:
        problems.append(f"error values in the recalculated workbook: {errors[:20]}")
    if problems:
        print(f"\n{case_id}: {case.what}\n" + "\n".join(problems))
    assert not problems, f"{case_id} ({case.what}): {len(problems)} cell(s) disagree:\n" + "\n".join(problems[:15])


@pytest.mark.libreoffice
def test_every_named_and_helper_formula_is_compared(recalculated: dict[str, Recalculated], fw: Framework) -> None:
    """Nothing computed escapes the comparison: every formula of the plan is covered above."""
    plan = plan_for(fw)
    expected = engine_expectations(fw, recalculated["seed-example"].data)
    named = {(plan.cells[n].sheet, plan.cells[n].cell) for n in expected.named}
    uncovered = set(plan.formulas()) - named - set(expected.helpers)
    assert not uncovered, f"computed cells not compared with the engine: {sorted(uncovered)}"
    assert {n for n, c in plan.cells.items() if c.formula} == set(expected.named)
    for required in ("score_total", "self_total", "procurement_rate", "exec_avg", "total_adjustment"):
        assert required in expected.named
    assert all(f"score_{i.id}" in expected.named for i in fw.walk())


@pytest.mark.parametrize("case", edge_cases(), ids=lambda c: c.id)
def test_edge_case_scores_follow_the_framework_wording(case, fw: Framework) -> None:  # type: ignore[no-untyped-def]
    """The engine gives, at each edge, what the framework text says (so agreeing is not agreeing on a bug)."""
    expected = engine_expectations(fw, case.data)
    ids = {i.id for i in fw.walk()}
    wrong = []
    for key, want in case.expect.items():
        name = f"score_{key}" if key in ids else key
        got = expected.named[name][0]
        if got != want:
            wrong.append(f"{key}: engine {got}, framework wording {want}")
    assert not wrong, f"{case.id} ({case.what}): " + "; ".join(wrong)


def test_edge_cases_sit_on_every_band_edge(fw: Framework) -> None:
    """Each edge of each banded or thresholded measure is hit exactly by some hand-built case."""
    envs = [engine_expectations(fw, c.data).env for c in edge_cases()]
    missing = []
    for ind in fw.leaves():
        for rule in _rules(ind.rule):
            if isinstance(rule, BandsRule):
                edges = {e for b in rule.bands for e in (b.lower, b.upper) if e is not None}
            elif isinstance(rule, DeductionRule):
                edges = {rule.threshold}
            else:
                continue
            for edge in sorted(edges):
                if not any(env.get(rule.measure) == edge for env in envs):
                    missing.append(f"{ind.id}: {rule.measure} = {edge}")
    assert not missing, f"band edges without an exact edge case: {missing}"
    assert set(band_edges(fw)) >= {Decimal("0.05"), Decimal("0.1"), Decimal("0.6"), Decimal("0.75"),
                                   Decimal("0.8"), Decimal("0.9"), Decimal("0.95"), Decimal(1)}


def test_quarter_above_schedule_is_capped_as_decided(fw: Framework) -> None:
    """Decision 季度执行率超过序时进度: rates shown uncapped, scored capped; the score never exceeds 6."""
    result = score(fw, EDGES["edge-quarters-ahead"].data)
    measures = {m.id: m.value for m in result.measures}
    assert measures["exec_q1"] == Decimal("1.6")
    assert result.by_id("budget_execution").computed == Decimal(6)
    assert "封顶" in result.by_id("budget_execution").explanation


@pytest.mark.libreoffice
@pytest.mark.parametrize("case_id", case_ids())
def test_libreoffice_saved_workbook_reads_back_unchanged(case_id: str, recalculated: dict[str, Recalculated],
                                                         fw: Framework) -> None:
    """LibreOffice keeps the sheets, defined names and formulas: the reader and the structure checks see
    the standard workbook, the data read back is the data written, and so is its score."""
    case = recalculated[case_id]
    read = read_workbook(case.saved)
    structural = [f"{f.code} {f.location} {f.message}" for f in findings_of(read.notes) if f.code.startswith("XP12")]
    assert not structural, structural
    errors = [f"{f.code} {f.location} {f.message}" for f in findings_of(read.notes) if f.severity.value == "error"]
    assert not errors, errors
    assert read.data == case.data, "data read back from the LibreOffice-saved workbook differs from the data written"
    if not case_id.startswith("random-"):
        assert score_path(case.saved) == score(fw, case.data)
    report = validate_file(case.saved, select=["XP12", "XP406"])
    assert report.status != "error"
    assert not report.findings, [f"{f.code} {f.location} {f.message}" for f in report.findings]


@pytest.mark.subprocess
@pytest.mark.libreoffice
@pytest.mark.parametrize("case_id", ["seed-example", SHIPPED_EXAMPLE])
def test_xlperf_score_of_libreoffice_saved_example_matches_data_file(case_id: str,
                                                                     recalculated: dict[str, Recalculated]) -> None:
    def cli(path: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "xlperf", "score", str(path), "--json"], capture_output=True,
                              text=True, cwd=REPO, timeout=120)

    from_yaml = cli(EXAMPLE_YAML)
    from_book = cli(recalculated[case_id].saved)
    assert from_yaml.returncode == 0, from_yaml.stderr
    assert from_book.returncode == 0, from_book.stderr
    assert json.loads(from_book.stdout) == json.loads(from_yaml.stdout)
    assert from_book.stdout == from_yaml.stdout
