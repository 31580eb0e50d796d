"""One code, one severity: every finding the validator emits has its code's catalogue severity.

``xlperf rules`` tells a reviewer what a code means and how serious it is; a code emitted once as an error
and once as a warning makes that table lie (XP122 was both, XP213 was listed as 提示 yet could be 错误).
Checked over the seed example, the hostile corpus and every mutation of the rule tests, with all checks on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xlperf.checks.registry import by_code
from xlperf.findings import FileReport, Severity
from xlperf.validate import validate_file
from xlperf.ingest import reader
from xlperf.checks.registry import NOTE_CHECKS
from xlperf.ingest.notes import Noted

from .common import CORPUS, SEED_XLSX, futian
from .test_rules import CASES, TOLERATED, Case, _mutated

CATALOGUE = by_code()


def _mismatches(report: FileReport) -> list[tuple[str, str, str]]:
    """(code, emitted severity, catalogue severity) of every finding whose severity is not its code's."""
    out = []
    for f in report.findings:
        check = CATALOGUE.get(f.code)
        assert check is not None, f"{f.code} is emitted but not in the catalogue (xlperf rules)"
        if f.severity != check.severity:
            out.append((f.code, f.severity.value, check.severity.value))
    return out


def test_seed_example() -> None:
    report = validate_file(SEED_XLSX)
    assert report.findings, "the seed example has known findings"
    assert _mismatches(report) == []


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_hostile_corpus(name: str) -> None:
    assert _mismatches(validate_file(CORPUS / name)) == []


@pytest.mark.parametrize("case", CASES + TOLERATED, ids=[f"{c.code}-{c.id}" for c in CASES + TOLERATED])
def test_rule_mutations(case: Case, bases: dict[str, Path], tmp_path: Path) -> None:
    report = validate_file(_mutated(bases, tmp_path, case), futian() if case.framework else None)
    assert _mismatches(report) == []


def test_a_formula_in_an_input_is_information() -> None:
    """The one cell note that is not an error: a formula typed in an input, read by its result."""
    assert NOTE_CHECKS[Noted.FORMULA_IN_INPUT].severity == Severity.info


@pytest.mark.parametrize(("case_id", "code", "severity"), [
    ("fw-version-changed", "XP127", "warning"),
    ("year-not-framework-year", "XP128", "warning"),
    ("delete-computed-name", "XP129", "error"),
    ("delete-input-name", "XP121", "warning"),
    ("number-stored-as-text", "XP214", "error"),
    ("formula-without-result", "XP215", "error"),
    ("formula-in-input", "XP213", "info"),
    ("unknown-fw-id", "XP122", "error"),
])
def test_each_case_has_its_own_code(case_id: str, code: str, severity: str, bases: dict[str, Path],
                                    tmp_path: Path) -> None:
    """The cases that used to share a code with another severity now each have their own."""
    case = next(c for c in CASES if c.id == case_id)
    report = validate_file(_mutated(bases, tmp_path, case), futian() if case.framework else None)
    emitted = {(f.code, f.severity.value) for f in report.findings if f.code == code}
    assert emitted == {(code, severity)}, report.flatten(["code", "severity", "location"])
