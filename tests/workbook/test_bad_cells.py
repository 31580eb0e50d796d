"""What people really type into the workbook, read by ``xlperf score FILE.xlsx``.

Each case takes the seed example workbook, puts one hand-typed value into one named cell with openpyxl
(or removes a defined name, or changes the framework id or version), and checks that:

- an unambiguous form is read — the score equals the score of the data with the corrected value;
- a number typed as text reads as 0, as the sheet's N() reads it, with one error at the cell saying which
  number the text would be;
- an ambiguous form stops ``xlperf score`` with exit code 2 and a Chinese message naming the sheet and
  cell, never a traceback.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlperf.api import score_path
from xlperf.data.models import DepartmentData
from xlperf.data.values import data_values
from xlperf.findings import Severity
from xlperf.framework.models import Framework
from xlperf.compiled import score
from xlperf.compiled import plan_for
from xlperf.ingest.reader import UnreadableWorkbook, read_workbook
from xlperf.write.template import write_template
from xlperf.checks.registry import findings_of

from .helpers import CHINESE, REPO, futian, run_cli, seed_data, variant

D = Decimal


@dataclass(frozen=True)
class Typed:
    """``value`` typed into the cell of ``name``; ``corrected`` is the data it must read as (None: refused)."""

    id: str
    name: str
    value: Any
    section: str
    corrected: Any = None
    notes: tuple[str, ...] = ()  # finding codes expected at the cell (any of them)
    refused: tuple[str, ...] = ()  # error codes expected at the cell (any of them; empty: any error)
    section_is_judgements: bool = False


UNAMBIGUOUS = [
    Typed("bool-yes-text", "violation", "是", "budget", True),
    Typed("bool-no-text", "petition_channel", "否", "service", False),
    Typed("bool-true-value", "classified", True, "info", True),
    Typed("flag-yes-text", "j_supervision_fail", "是", "judgements", D(1), section_is_judgements=True),
]

# A number typed as text is what the sheet computes as 0 (its formulas read inputs through N()): the
# engine scores the same 0, and the error at the cell says which number the text would be (``corrected``).
TEXT_NUMBERS = [
    Typed("money-thousands-and-unit", "procurement_actual", "1,234.56万元", "procurement", D("1234.56"),
          notes=("XP202",)),
    Typed("money-thousands", "personnel_actual", "1,606.07", "budget", D("1606.07"), notes=("XP210",)),
    Typed("money-unit", "vehicle_actual", "3.15万元", "sangong", D("3.15"), notes=("XP202",)),
    Typed("money-fullwidth", "reception_budget", "１２．５０", "sangong", D("12.50"), notes=("XP204",)),
    Typed("money-as-text", "reception_actual", "1.64", "sangong", D("1.64"), notes=("XP214",)),
    Typed("rate-percent-text", "satisfaction", "97.65%", "service", D("0.9765"), notes=("XP203",)),
    Typed("rate-percent-text-low", "satisfaction", "85%", "service", D("0.85"), notes=("XP203",)),
    Typed("rate-fullwidth-percent", "satisfaction", "９７．６５％", "service", D("0.9765"), notes=("XP203",)),
    Typed("count-with-unit", "staff_onpost", "17人", "staff", 17, notes=("XP202",)),
    Typed("count-with-unit-changed", "staff_dispatched", "1人", "staff", 1, notes=("XP202",)),
    Typed("count-fullwidth", "projects_on_time", "１５", "projects", 15, notes=("XP204",)),
    Typed("points-with-unit", "j_effects", "20分", "judgements", D(20), notes=("XP202",), section_is_judgements=True),
]

AMBIGUOUS = [
    Typed("money-thousands-and-unit", "procurement_actual", "1,234.56万元", "procurement", D("1234.56"),
          notes=("XP202", "XP210")),
    Typed("money-thousands", "personnel_actual", "1,606.07", "budget", D("1606.07"), notes=("XP210",)),
    Typed("money-unit", "vehicle_actual", "3.15万元", "sangong", D("3.15"), notes=("XP202",)),
    Typed("money-fullwidth", "reception_budget", "１２．５０", "sangong", D("12.50"), notes=("XP204",)),
    Typed("money-as-text", "reception_actual", "1.64", "sangong", D("1.64"), notes=("XP214",)),
    Typed("rate-percent-text", "satisfaction", "97.65%", "service", D("0.9765"), notes=("XP203",)),
    Typed("rate-percent-text-low", "satisfaction", "85%", "service", D("0.85"), notes=("XP203",)),
    Typed("rate-fullwidth-percent", "satisfaction", "９７．６５％", "service", D("0.9765"), notes=("XP203", "XP204")),
    Typed("count-with-unit", "staff_onpost", "17人", "staff", 17, notes=("XP202",)),
    Typed("count-with-unit-changed", "staff_dispatched", "1人", "staff", 1, notes=("XP202",)),
    Typed("count-fullwidth", "projects_on_time", "１５", "projects", 15, notes=("XP204",)),
    Typed("bool-yes-text", "violation", "是", "budget", True),
    Typed("bool-no-text", "petition_channel", "否", "service", False),
    Typed("bool-true-value", "classified", True, "info", True),
    Typed("flag-yes-text", "j_supervision_fail", "是", "judgements", D(1), section_is_judgements=True),
    Typed("points-with-unit", "j_effects", "20分", "judgements", D(20), notes=("XP202",), section_is_judgements=True),
]

AMBIGUOUS = [
    Typed("money-approximate", "reception_actual", "约1.6", "sangong", refused=("XP201",)),
    Typed("money-in-yuan", "reception_budget", "12000元", "sangong", refused=("XP201",)),
    Typed("money-in-thousand-yuan", "vehicle_budget", "36.7千元", "sangong", refused=("XP201",)),
    Typed("money-percent", "procurement_plan", "97.65%", "procurement", refused=("XP201",)),
    Typed("money-negative", "public_actual", "-25.00", "budget", refused=("XP205",)),
    Typed("money-three-decimals", "paid_q1", "12693.284", "quarterly", refused=("XP208",)),
    Typed("rate-as-plain-percent-number", "satisfaction", 97.65, "service", refused=("XP212",)),
    # Excel turns "1-6" or "1/6" typed into a 万元 cell into a date (serial number 44202 with a date format):
    # that is no amount of money and must not be read as 44,202.00 万元.
    Typed("money-became-a-date", "reception_actual", datetime(2021, 1, 6), "sangong"),
    Typed("count-fraction", "staff_onpost", "17.5人", "staff", refused=("XP206",)),
    Typed("count-words", "staff_authorized", "二十一", "staff", refused=("XP201",)),
    Typed("bool-maybe", "violation", "maybe", "budget", refused=("XP211",)),
    Typed("bool-unclear", "petition_channel", "部分建立", "service", refused=("XP211",)),
    Typed("tier-not-an-option", "j_disclose_budget", "已公开", "judgements", refused=("XP211",),
          section_is_judgements=True),
]


@pytest.fixture(scope="module")
def fw() -> Framework:
    return futian()


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, fw: Framework) -> Path:
    return write_template(fw, tmp_path_factory.mktemp("bad-cells") / "good.xlsx", values=data_values(seed_data()))


def _where(fw: Framework, name: str) -> tuple[str, str]:
    cp = plan_for(fw).cells[name]
    return cp.sheet, cp.cell


def _typed_into(good: Path, out: Path, sheet: str, cell: str, value: Any) -> Path:
    wb = load_workbook(good)
    wb[sheet][cell].value = value
    wb.save(out)
    return out


def _corrected(case: Typed, value: Any = None) -> DepartmentData:
    base = seed_data()
    value = case.corrected if value is None else value
    if case.section_is_judgements:
        return variant(base, judgements={**base.judgements, case.name: value})
    return variant(base, **{case.section: {case.name: value}})


def _indicator_scores(payload: dict[str, Any]) -> dict[str, float]:
    return {i["id"]: i["computed"] for i in payload["indicators"]} | {"total": payload["total"]["computed"]}


def test_seed_workbook_reads_cleanly(good: Path, fw: Framework) -> None:
    read = read_workbook(good)
    assert findings_of(read.notes) == []
    assert read.data == seed_data()


@pytest.mark.parametrize("case", UNAMBIGUOUS, ids=lambda c: c.id)
def test_unambiguous_forms_are_read_and_noted(case: Typed, good: Path, tmp_path: Path, fw: Framework) -> None:
    sheet, cell = _where(fw, case.name)
    path = _typed_into(good, tmp_path / f"{case.id}.xlsx", sheet, cell, case.value)
    corrected = _corrected(case)
    expected = score(fw, corrected)

    read = read_workbook(path)
    errors = [f"{f.code} {f.location} {f.message}" for f in findings_of(read.notes) if f.severity == Severity.error]
    assert not errors, f"{case.value!r} in {sheet}!{cell} was refused: {errors}"
    assert read.data == corrected, f"{case.value!r} in {sheet}!{cell} read as something else"
    at_cell = [f for f in findings_of(read.notes) if (f.sheet, f.cell) == (sheet, cell)]
    if case.notes:
        assert any(f.code in case.notes for f in at_cell), (
            f"{case.value!r} in {sheet}!{cell}: expected a note {case.notes}, got "
            f"{[(f.code, f.location) for f in findings_of(read.notes)]}")
        assert all(CHINESE.search(f.message) for f in at_cell)
    assert score_path(path) == expected

    run = run_cli(["score", path, "--json"])
    assert run.code == 0, run.err
    assert _indicator_scores(json.loads(run.out)) == {
        **{i.id: float(i.computed) for i in expected.indicators}, "total": float(expected.total.computed)}


@pytest.mark.parametrize("case", TEXT_NUMBERS, ids=lambda c: c.id)
def test_number_typed_as_text_scores_as_the_sheet_does(case: Typed, good: Path, tmp_path: Path, fw: Framework) -> None:
    """One error at the cell naming the number the text means; the data (and so every score) holds 0 there,
    which is what N() gives the sheet's formulas; ``xlperf score`` stops naming the cell."""
    sheet, cell = _where(fw, case.name)
    path = _typed_into(good, tmp_path / f"{case.id}.xlsx", sheet, cell, case.value)
    read = read_workbook(path)
    at_cell = [f for f in findings_of(read.notes) if (f.sheet, f.cell) == (sheet, cell)]
    assert [(f.code, f.severity) for f in at_cell] == [(case.notes[0], Severity.error)], at_cell
    assert at_cell[0].expected == case.corrected and at_cell[0].found == case.value
    assert "按 0 计算" in at_cell[0].message and CHINESE.search(at_cell[0].message)
    assert read.data == _corrected(case, 0)

    run = run_cli(["score", path])
    assert run.code == 2 and f"{sheet}!{cell}" in run.err and "Traceback" not in run.err, run.err


@pytest.mark.parametrize("case", AMBIGUOUS, ids=lambda c: c.id)
def test_ambiguous_forms_stop_with_the_cell_named(case: Typed, good: Path, tmp_path: Path, fw: Framework) -> None:
    sheet, cell = _where(fw, case.name)
    path = _typed_into(good, tmp_path / f"{case.id}.xlsx", sheet, cell, case.value)
    read = read_workbook(path)
    at_cell = [f for f in findings_of(read.notes) if (f.sheet, f.cell) == (sheet, cell) and f.severity == Severity.error]
    assert at_cell, f"{case.value!r} in {sheet}!{cell} was not refused: {[(f.code, f.location) for f in findings_of(read.notes)]}"
    assert not case.refused or any(f.code in case.refused for f in at_cell), [(f.code, f.message) for f in at_cell]

    run = run_cli(["score", path])
    assert run.code == 2, (run.code, run.out, run.err)
    assert f"{sheet}!{cell}" in run.err, run.err
    assert CHINESE.search(run.err) and "Traceback" not in run.err + run.out, run.err
    assert run.out == ""


@pytest.mark.subprocess
def test_ambiguous_cell_in_a_real_process(good: Path, tmp_path: Path, fw: Framework) -> None:
    """The installed command, not only the in-process entry point: exit 2, the cell, no traceback."""
    sheet, cell = _where(fw, "reception_actual")
    assert (sheet, cell) == ("三公经费与政府采购", "B7")
    path = _typed_into(good, tmp_path / "约.xlsx", sheet, cell, "约1.6")
    proc = subprocess.run([sys.executable, "-m", "xlperf", "score", str(path), "--json"], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "三公经费与政府采购!B7" in proc.stderr and "约1.6" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_missing_defined_name_is_read_from_the_template_position(good: Path, tmp_path: Path, fw: Framework) -> None:
    wb = load_workbook(good)
    del wb.defined_names["paid_q1"]
    path = tmp_path / "no-name.xlsx"
    wb.save(path)
    sheet, cell = _where(fw, "paid_q1")
    read = read_workbook(path)
    notes = [f for f in findings_of(read.notes) if f.code == "XP121"]
    assert [(f.sheet, f.cell, f.severity) for f in notes] == [(sheet, cell, Severity.warning)]
    assert "paid_q1" in notes[0].message and CHINESE.search(notes[0].message)
    assert read.data == seed_data()
    run = run_cli(["score", path, "--json"])
    assert run.code == 0, run.err
    assert _indicator_scores(json.loads(run.out)) == _indicator_scores(
        json.loads(run_cli(["score", REPO / "workbooks/examples/futian-kcj-2021.yaml", "--json"]).out))


def test_unknown_framework_id_stops_with_the_cell_named(good: Path, tmp_path: Path, fw: Framework) -> None:
    sheet, cell = _where(fw, "fw_id")
    path = _typed_into(good, tmp_path / "other-fw.xlsx", sheet, cell, "shenzhen-2020")
    with pytest.raises(UnreadableWorkbook) as info:
        read_workbook(path)
    assert [(f.code, f.sheet, f.cell) for f in findings_of(info.value.notes)] == [("XP122", sheet, cell)]
    run = run_cli(["score", path])
    assert run.code == 2 and run.out == ""
    assert "shenzhen-2020" in run.err and CHINESE.search(run.err) and "Traceback" not in run.err
    assert f"{sheet}!{cell}" in run.err, f"the message does not name the cell of the framework id: {run.err!r}"


def test_other_framework_id_with_explicit_framework_stops(good: Path, tmp_path: Path, fw: Framework) -> None:
    sheet, cell = _where(fw, "fw_id")
    path = _typed_into(good, tmp_path / "other-fw.xlsx", sheet, cell, "demo-region-2023")
    read = read_workbook(path, fw)
    mismatch = [f for f in findings_of(read.notes) if f.code == "XP122"]
    assert [(f.sheet, f.cell, f.severity) for f in mismatch] == [(sheet, cell, Severity.error)]
    run = run_cli(["score", path, "--framework", fw.id])
    assert run.code == 2 and run.out == ""
    assert "demo-region-2023" in run.err and "Traceback" not in run.err
    assert "请用 --framework" not in run.err, f"--framework {fw.id} was given, yet the message asks for it: {run.err!r}"
    assert f"{sheet}!{cell}" in run.err, run.err


def test_other_framework_version_is_read_with_a_warning(good: Path, tmp_path: Path, fw: Framework) -> None:
    sheet, cell = _where(fw, "fw_version")
    path = _typed_into(good, tmp_path / "old-version.xlsx", sheet, cell, "0.9")
    read = read_workbook(path)
    mismatch = [f for f in findings_of(read.notes) if f.code == "XP127"]
    assert [(f.sheet, f.cell, f.severity, f.found, f.expected) for f in mismatch] == [
        (sheet, cell, Severity.warning, "0.9", fw.version)]
    assert read.data == seed_data()
    run = run_cli(["score", path, "--json"])
    assert run.code == 0, run.err
    assert json.loads(run.out)["total"]["computed"] == float(score(fw, seed_data()).total.computed)


def test_workbook_of_a_framework_file_scores_with_the_framework_option(tmp_path: Path) -> None:
    """Frameworks are data: a workbook generated for a framework *file* must be scorable with --framework FILE,
    exactly as its data file is."""
    frameworks = REPO / "tests" / "data" / "frameworks"
    fw_file, data_file = frameworks / "demo-region-2023.yaml", frameworks / "demo-region-2023-data.yaml"
    book = tmp_path / "demo.xlsx"
    made = run_cli(["template", "-o", book, "--framework", fw_file, "--data", data_file])
    assert made.code == 0, made.err
    from_data = run_cli(["score", data_file, "--framework", fw_file, "--json"])
    assert from_data.code == 0, from_data.err
    from_book = run_cli(["score", book, "--framework", fw_file, "--json"])
    assert from_book.code == 0, f"xlperf score {book.name} --framework {fw_file.name}: {from_book.err}"
    assert json.loads(from_book.out) == json.loads(from_data.out)
