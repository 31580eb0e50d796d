"""One mutation per case: a clean workbook, ONE thing changed as a person (or Excel) would, one code expected.

Every case runs only the code under test (``select=[code]``) and compares the exact (code, sheet!cell)
list; the clean base workbook must give no finding for that code. Expected locations come from the
template layout (plan cells), expected numbers from the seed by hand.

Bases (tests/validator/conftest.py): "seed" = the seed department with its own inconsistencies corrected
(common.seed_clean_data), "quiet" = random_department(fw, 103), clean and with adjustments under 10%.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xlperf.checks.audit import AuditRuleWarning
from tests.support.futian_random import random_department
from xlperf.findings import FileReport, Severity
from xlperf.validate import validate_file
from xlperf.compiled import plan_for
from xlperf.ingest.reader import read_workbook
from xlperf.checks.registry import findings_of

from .common import QUIET_SEED, D, futian, pairs
from .xlsx_edit import Xlsx

INFO, PREP, EXEC, QTR = "基本信息", "预算编制", "预算执行", "季度支付"
SG, STAFF, ASSET, PROJ, SVC, SCORE = "三公经费与政府采购", "人员", "资产", "项目与重点工作", "信访与满意度", "评分表"

Mutation = Callable[[Xlsx], Any]


@dataclass(frozen=True)
class Case:
    id: str
    code: str
    mutate: Mutation
    expected: list[tuple[str, str]]
    base: str = "seed"
    framework: bool = False  # validate with the framework given explicitly (not read from the workbook)


def _loc(name: str) -> tuple[str, str]:
    cp = plan_for(futian()).cells[name]
    return cp.sheet, cp.cell


def setv(name: str, value: Any) -> Mutation:
    """Type ``value`` into the cell of a defined name (strings are stored as text, like Excel's text cells)."""
    return lambda x: x.set(*_loc(name), value)


def at(name: str) -> str:
    sheet, cell = _loc(name)
    return f"{sheet}!{cell}"


def _scale_project_adjusted(x: Xlsx) -> None:
    data = random_department(futian(), QUIET_SEED)
    x.set(EXEC, "B7", (data.budget.project_adjusted * D("1.5")).quantize(D("0.01")))


CASES: list[Case] = [
    # XP12x structure ---------------------------------------------------------------------------------
    Case("rename-quarterly-sheet", "XP120", lambda x: x.rename_sheet(QTR, "季度"), [("XP120", QTR)]),
    Case("rename-score-sheet", "XP120", lambda x: x.rename_sheet(SCORE, "评分"), [("XP120", SCORE)]),
    Case("delete-input-name", "XP121", lambda x: x.delete_name("paid_q1"), [("XP121", f"{QTR}!B5")]),
    # A deleted name of a computed cell breaks every formula that uses it (#NAME? in exec_rate_total …).
    Case("delete-computed-name", "XP129", lambda x: x.delete_name("total_actual"), [("XP129", f"{EXEC}!B15")]),
    Case("unknown-fw-id", "XP122", lambda x: x.set(INFO, "B11", "futian-2020"), [("XP122", f"{INFO}!B11")]),
    Case("other-fw-id-explicit-framework", "XP122", lambda x: x.set(INFO, "B11", "luohu-2021"),
         [("XP122", f"{INFO}!B11")], framework=True),
    Case("fw-version-changed", "XP127", lambda x: x.set(INFO, "B12", "0.9"), [("XP127", f"{INFO}!B12")]),
    # the 2021 framework used for another year's evaluation (the XP128 docstring's own example)
    Case("year-not-framework-year", "XP128", setv("eval_year", 2022), [("XP128", f"{INFO}!B5")]),
    Case("formula-replaced-by-number", "XP123", lambda x: x.set(EXEC, "B15", D("79260.57")),
         [("XP123", f"{EXEC}!B15")]),
    Case("score-formula-changed", "XP123", lambda x: x.set_formula(SCORE, "F44", "1"), [("XP123", f"{SCORE}!F44")]),
    Case("formula-cleared", "XP123", lambda x: x.set(EXEC, "B22", None), [("XP123", f"{EXEC}!B22")]),
    Case("check-column-overwritten", "XP123", lambda x: x.set(EXEC, "D39", D("0.9765")), [("XP123", f"{EXEC}!D39")]),
    Case("label-rewritten", "XP124", lambda x: x.set(STAFF, "A7", "临时工"), [("XP124", f"{STAFF}!A7")]),
    Case("fw-id-name-deleted", "XP125", lambda x: x.delete_name("fw_id"), [("XP125", "")]),
    Case("fw-id-emptied", "XP125", lambda x: x.set(INFO, "B11", None), [("XP125", "")]),
    Case("name-points-elsewhere", "XP126", lambda x: x.redefine_name("paid_q1", f"'{QTR}'!$B$30"),
         [("XP126", f"{QTR}!B5")]),
    # XP2xx cells ---------------------------------------------------------------------------------------
    Case("text-in-money", "XP201", setv("reception_actual", "约1.6"), [("XP201", f"{SG}!B7")]),
    Case("number-stored-as-text", "XP214", setv("reception_actual", "1.64"), [("XP214", f"{SG}!B7")]),
    Case("boolean-in-money", "XP201", setv("reception_actual", True), [("XP201", f"{SG}!B7")]),
    Case("yuan-not-wanyuan", "XP201", setv("procurement_plan", "1,234.56元"), [("XP201", f"{SG}!B18")]),
    Case("percent-in-money", "XP201", setv("paid_q3", "65.21%"), [("XP201", f"{QTR}!B7")]),
    Case("wanyuan-suffix", "XP202", setv("procurement_actual", "730.68万元"), [("XP202", f"{SG}!B19")]),
    Case("person-suffix", "XP202", setv("staff_onpost", "17人"), [("XP202", f"{STAFF}!B5")]),
    Case("percent-text", "XP203", setv("rate_total_stated", "97.65%"), [("XP203", f"{EXEC}!B39")]),
    Case("fullwidth-money", "XP204", setv("reception_actual", "１．６４"), [("XP204", f"{SG}!B7")]),
    Case("negative-money", "XP205", setv("public_actual", -25), [("XP205", f"{EXEC}!B12")]),
    Case("negative-self-score", "XP205", setv("self_key_tasks", -1), [("XP205", f"{SCORE}!G58")]),
    Case("fraction-count", "XP206", setv("staff_dispatched", 2.5), [("XP206", f"{STAFF}!B8")]),
    Case("fullwidth-fraction-count", "XP206", setv("fa_count", "１２．５"), [("XP206", f"{ASSET}!B4")]),
    Case("required-emptied", "XP207", setv("paid_q4", None), [("XP207", f"{QTR}!B8")]),
    Case("required-blank-text", "XP207", setv("paid_q4", "   "), [("XP207", f"{QTR}!B8")]),
    Case("four-decimals", "XP208", setv("paid_q1", D("12693.2845")), [("XP208", f"{QTR}!B5")]),
    Case("error-value", "XP209", lambda x: x.set_error(QTR, "B7", "#REF!"), [("XP209", f"{QTR}!B7")]),
    Case("thousands-text", "XP210", setv("project_initial", "42,507.85"), [("XP210", f"{PREP}!B7")]),
    Case("tier-not-an-option", "XP211", setv("j_disclose_budget", "已公开"), [("XP211", f"{SCORE}!E30")]),
    Case("yes-no-not-an-option", "XP211", setv("violation", "可能"), [("XP211", f"{EXEC}!B28")]),
    Case("rate-typed-as-percent-number", "XP212", setv("satisfaction", 95), [("XP212", f"{SVC}!B9")]),
    Case("formula-in-input", "XP213", lambda x: x.set_formula(PREP, "B4", "600+42.21", D("642.21")),
         [("XP213", f"{PREP}!B4")]),
    # a formula no program calculated: no cached result, so no value to read
    Case("formula-without-result", "XP215", lambda x: x.set_formula(PREP, "B4", "SUM(600,42.21)"),
         [("XP215", f"{PREP}!B4")]),
    # a constant formula without a result is still checked by its value: 600 + 81 = 681 ≠ 681.36
    Case("stated-as-constant-formula", "XP301", lambda x: x.set_formula(PREP, "B11", "600+81"),
         [("XP301", f"{PREP}!B11")]),
    # XP30x money --------------------------------------------------------------------------------------
    # 基本支出 年初预算 = 642.21 + 39.15 = 681.36, stated 681.00
    Case("basic-subtotal-off", "XP301", setv("basic_initial_stated", D("681.00")), [("XP301", f"{PREP}!B11")]),
    # the seed's own slip: 离退休 22.33 added to the text's composition → 43,211.54 ≠ 43,189.21
    Case("text-composition-extra-part", "XP301", setv("budget_text_retiree", D("22.33")), [("XP301", f"{PREP}!B17")]),
    # 合计 with the “三公” subtotal counted twice: 1,931.52 + 8.67 + 8.67 = 1,948.86 ≠ 1,940.19
    Case("table-total-double-counted", "XP301", setv("budget_table_total_stated", D("1948.86")),
         [("XP301", f"{SG}!B25")]),
    Case("repeated-total-differs", "XP302", setv("total_actual_stated", D("79206.57")), [("XP302", f"{EXEC}!B34")]),
    Case("procurement-budget-differs", "XP302", setv("procurement_plan_budget_table", D("7.30")),
         [("XP302", f"{SG}!B23")]),
    # 79,260.57 / 81,164.95 = 0.976537 → 97.65%; stated 97.63% (off by 0.02%)
    Case("rate-off-by-2bp", "XP303", setv("rate_total_stated", D("0.9763")), [("XP303", f"{EXEC}!B39")]),
    # a rate stated with fewer places is compared at what its cell shows (0.00%), as the sheet's highlight:
    # 0.977 shows 97.70%, 0.98 shows 98.00%, against 97.65% (both were tolerated at their own places)
    Case("rate-stated-to-0.1pct", "XP303", setv("rate_total_stated", D("0.977")), [("XP303", f"{EXEC}!B39")]),
    Case("rate-stated-to-1pct", "XP303", setv("rate_total_stated", D("0.98")), [("XP303", f"{EXEC}!B39")]),
    # 4.79 / 8.67 = 0.552479 → 55.25%; stated 55.23% (the seed's slip)
    Case("sangong-rate-off", "XP303", setv("sangong_rate_stated", D("0.5523")), [("XP303", f"{SG}!B27")]),
    # (0.625556 + 0.820168 + 0.869429 + 0.976537) / 4 = 0.822923 → 82.29%; stated 82.31%
    Case("average-rate-off", "XP303", setv("exec_avg_stated", D("0.8231")), [("XP303", f"{QTR}!B22")]),
    # XP30x budget / quarterly -----------------------------------------------------------------------------
    Case("reception-over-budget", "XP321", setv("reception_actual", D("6.20")), [("XP321", f"{SG}!B7")]),
    Case("procurement-over-plan", "XP321", setv("procurement_actual", D("2000.00")), [("XP321", f"{SG}!B19")]),
    Case("adjustment-over-10pct", "XP305", _scale_project_adjusted, [("XP305", f"{EXEC}!B26")], base="quiet"),
    Case("quarterly-decreases", "XP320", setv("paid_q2", D("8000.00")), [("XP320", f"{QTR}!B6")]),
    Case("q4-not-actual", "XP321", setv("paid_q4", D("79000.00")), [("XP321", f"{QTR}!B8")]),
    Case("quota-not-adjusted", "XP321", setv("quota_total", D("80454.91")), [("XP321", f"{QTR}!B4")]),
    Case("paid-over-quota", "XP321", setv("paid_q4", D("82000.00")),
         # JD-04 (四季度累计 ≠ 年度支出) and JD-09 (累计支付超过指标) both point at the cell
         [("XP321", f"{QTR}!B8"), ("XP321", f"{QTR}!B8")]),
    Case("in-use-over-total", "XP320", setv("fa_in_use", D("190.00")), [("XP320", f"{ASSET}!B7")]),
    Case("on-time-over-planned", "XP320", setv("projects_on_time", 20), [("XP320", f"{PROJ}!B5")]),
    Case("failed-over-tasks", "XP320", setv("key_tasks_failed", 6), [("XP320", f"{PROJ}!B10")]),
    Case("fa-net-over-original", "XP320", setv("fa_net", D("196.00")), [("XP320", f"{ASSET}!B6")]),
    Case("ia-net-over-original", "XP320", setv("ia_net", D("180.00")), [("XP320", f"{ASSET}!B13")]),
    # 108.67 + 172.00 = 280.67 > 200.00
    Case("assets-total-too-small", "XP321", setv("assets_total", D("200.00")), [("XP321", f"{ASSET}!B14")]),
    Case("abroad-without-budget", "XP321", setv("abroad_actual", D("2.30")), [("XP321", f"{SG}!B5")]),
    # 631.07 + 82,000.00 = 82,631.07 > 81,164.95 + 0.00
    Case("spent-over-available", "XP320", setv("project_actual", D("82000.00")), [("XP320", f"{EXEC}!B15")]),
    Case("satisfaction-over-100", "XP320", setv("satisfaction", D("1.05")), [("XP320", f"{SVC}!B9")]),
    Case("reply-rate-over-100", "XP320", setv("petition_reply_rate", D("1.2")), [("XP320", f"{SVC}!B5")]),
    # XP40x scoring ---------------------------------------------------------------------------------------------
    Case("self-over-points", "XP401", setv("self_project_timeliness", 7), [("XP401", f"{SCORE}!G59")]),
    Case("self-above-computed", "XP402", setv("self_procurement", D("1.5")), [("XP402", f"{SCORE}!G24")]),
    # 资产管理安全性 = 1 + 0 = 1 once an item is answered 0; self-score stays 2
    Case("judged-answer-lowered", "XP402", setv("j_asset_2", 0), [("XP402", f"{SCORE}!G41")]),
    Case("self-below-computed", "XP403", setv("self_key_tasks", 4), [("XP403", f"{SCORE}!G58")]),
    # 绩效目标完整性 self 2 of 3 (judged): its reason removed
    Case("reason-removed", "XP405", setv("reason_target_completeness", None), [("XP405", f"{SCORE}!I14")]),
    # 4.79 / 8.67 → 0.5525 by the rule; the saved result says 0.5523
    Case("cached-rate-tampered", "XP406", lambda x: x.set_cached(SG, "B14", "0.5523"), [("XP406", f"{SG}!B14")]),
    Case("cached-total-tampered", "XP406", lambda x: x.set_cached(SCORE, "F66", "95"), [("XP406", f"{SCORE}!F66")]),
    Case("self-score-removed", "XP407", setv("self_key_tasks", None), [("XP407", f"{SCORE}!G58")]),
    Case("judged-item-over-points", "XP408", setv("j_asset_1", 2), [("XP408", f"{SCORE}!E42")]),
    Case("judged-half-point-item-over", "XP408", setv("j_rules_1", 1), [("XP408", f"{SCORE}!E50")]),
]

REQUIRED = {"XP120", "XP121", "XP122", "XP123", "XP124", "XP125", "XP127", "XP128", "XP129", "XP214", "XP215",
            "XP201", "XP202", "XP203", "XP204", "XP205", "XP206", "XP207", "XP208", "XP210", "XP211", "XP212",
            "XP301", "XP302", "XP303", "XP305", "XP320", "XP321", "XP401",
            "XP402", "XP403", "XP405", "XP406", "XP408"}


def _mutated(bases: dict[str, Path], tmp_path: Path, case: Case) -> Path:
    x = Xlsx(bases[case.base])
    case.mutate(x)
    return x.save(tmp_path / f"{case.id}.xlsx")


def test_every_required_code_has_a_case() -> None:
    assert REQUIRED <= {c.code for c in CASES}


def test_bases_are_clean(clean_reports: dict[str, FileReport]) -> None:
    """The seed base has only the 87.93% adjustment note; the quiet base nothing at all."""
    assert pairs(clean_reports["seed"]) == [("XP305", f"{EXEC}!B26")]
    assert clean_reports["seed"].total_computed == clean_reports["seed"].total_self == D("94.32")
    assert pairs(clean_reports["quiet"]) == []


@pytest.mark.parametrize("case", CASES, ids=[f"{c.code}-{c.id}" for c in CASES])
def test_mutation(case: Case, bases: dict[str, Path], clean_reports: dict[str, FileReport], tmp_path: Path) -> None:
    assert case.code not in {f.code for f in clean_reports[case.base].findings}
    path = _mutated(bases, tmp_path, case)
    report = validate_file(path, futian() if case.framework else None, select=[case.code])
    assert pairs(report) == sorted(case.expected), report.flatten(["code", "location", "message"])
    for f in report.findings:
        assert f.message and any("\u4e00" <= ch <= "\u9fff" for ch in f.message)


# Severities and details of selected cases -------------------------------------------------------------------

def _run(bases: dict[str, Path], tmp_path: Path, case_id: str) -> FileReport:
    case = next(c for c in CASES if c.id == case_id)
    return validate_file(_mutated(bases, tmp_path, case), futian() if case.framework else None,
                         select=[case.code])


@pytest.mark.parametrize(("case_id", "severity", "status"), [
    ("unknown-fw-id", Severity.error, "error"),
    ("fw-version-changed", Severity.warning, "warnings"),
    ("other-fw-id-explicit-framework", Severity.error, "invalid"),
    ("fw-id-name-deleted", Severity.error, "error"),
    ("number-stored-as-text", Severity.error, "invalid"),  # 0 in the sheet's formulas, so in the score
    ("text-in-money", Severity.error, "invalid"),
    ("wanyuan-suffix", Severity.error, "invalid"),
    ("percent-text", Severity.error, "invalid"),
    ("fullwidth-money", Severity.error, "invalid"),
    ("thousands-text", Severity.error, "invalid"),
    ("formula-in-input", Severity.info, "ok"),
    ("delete-input-name", Severity.warning, "warnings"),
    ("reception-over-budget", Severity.warning, "warnings"),
    ("adjustment-over-10pct", Severity.info, "ok"),
    ("self-above-computed", Severity.error, "invalid"),
    ("self-below-computed", Severity.warning, "warnings"),
])
def test_severity_and_status(case_id: str, severity: Severity, status: str, bases: dict[str, Path],
                             tmp_path: Path) -> None:
    report = _run(bases, tmp_path, case_id)
    assert [f.severity for f in report.findings] == [severity]
    assert report.status == status


def test_found_and_expected_values(bases: dict[str, Path], tmp_path: Path) -> None:
    """The numbers a reviewer reads, computed by hand from the seed."""
    r = _run(bases, tmp_path, "sangong-rate-off").findings[0]
    assert (r.found, r.expected) == ("55.23%", "55.25%")
    assert "4.79 ÷ 8.67" in r.message
    r = _run(bases, tmp_path, "rate-off-by-2bp").findings[0]
    assert (r.found, r.expected) == ("97.63%", "97.65%")
    r = _run(bases, tmp_path, "basic-subtotal-off").findings[0]
    assert (r.found, r.expected) == ("681.00", "681.36")
    r = _run(bases, tmp_path, "text-composition-extra-part").findings[0]
    assert (r.found, r.expected) == ("43,189.21", "43,211.54")
    r = _run(bases, tmp_path, "table-total-double-counted").findings[0]
    assert (r.found, r.expected) == ("1,948.86", "1,940.19")
    r = _run(bases, tmp_path, "spent-over-available").findings[0]
    assert (r.found, r.expected) == (D("82631.07"), D("81164.95"))
    r = _run(bases, tmp_path, "assets-total-too-small").findings[0]
    assert (r.found, r.expected) == (D("200.00"), D("280.67"))
    r = _run(bases, tmp_path, "self-above-computed").findings[0]
    assert (r.found, r.expected) == (D("1.5"), D("1.38"))
    r = _run(bases, tmp_path, "judged-answer-lowered").findings[0]
    assert (r.found, r.expected) == (D("2"), D("1"))
    r = _run(bases, tmp_path, "cached-rate-tampered").findings[0]
    assert (r.found, r.expected) == ("0.5523", "0.5525")
    r = _run(bases, tmp_path, "cached-total-tampered").findings[0]
    assert (r.found, r.expected) == ("95", "94.32")


def test_adjustment_ratio_value(bases: dict[str, Path], tmp_path: Path) -> None:
    data = random_department(futian(), QUIET_SEED)
    b = data.budget
    initial = b.personnel_initial + b.public_initial + b.project_initial
    adjusted = b.personnel_adjusted + b.public_adjusted + (b.project_adjusted * D("1.5")).quantize(D("0.01"))
    ratio = ((adjusted - initial) / initial).quantize(D("0.0001"))
    f = _run(bases, tmp_path, "adjustment-over-10pct").findings[0]
    assert f.found == ratio and f.expected == D("0.10")


# Tolerated: harmless differences that must NOT be reported ---------------------------------------------------

TOLERATED: list[Case] = [
    Case("formula-spacing", "XP123", lambda x: x.set_formula(EXEC, "B15", "basic_actual + N( project_actual )"), []),
    Case("formula-case", "XP123", lambda x: x.set_formula(EXEC, "B15", "BASIC_ACTUAL+n(PROJECT_ACTUAL)"), []),
    # what Excel stores for 12,693.28
    Case("float-noise-money", "XP208", lambda x: x.set_number_text(QTR, "B5", "12693.280000000001"), []),
    Case("float-noise-rate", "XP303", lambda x: x.set_number_text(EXEC, "B39", "0.97650000000000003"), []),
    # 0.976537… stated more precisely than 0.01% and correct at its own precision (97.654%)
    Case("rate-stated-to-0.001pct", "XP303", setv("rate_total_stated", D("0.97654")), []),
    # the exact quotient pasted as a value (what Excel stores for =79260.57/81164.95 pasted as values)
    Case("rate-pasted-full-precision", "XP303",
         lambda x: x.set_number_text(EXEC, "B39", repr(79260.57 / 81164.95)), []),
    Case("cached-rate-correct", "XP406", lambda x: x.set_cached(SG, "B14", "0.5525"), []),
    Case("cached-total-float-noise", "XP406", lambda x: x.set_cached(EXEC, "B15", "79260.570000000007"), []),
    Case("reason-removed-at-full-marks", "XP405", setv("reason_asset_safety", None), []),
    Case("actual-equals-budget", "XP321", setv("reception_actual", D("5.00")), []),
    Case("quarter-unchanged", "XP320", setv("paid_q2", D("12693.28")), []),
    Case("q4-float-noise", "XP321", lambda x: x.set_number_text(QTR, "B8", "79260.570000000007"), []),
    Case("satisfaction-100", "XP320", setv("satisfaction", 1), []),
]


@pytest.mark.parametrize("case", TOLERATED, ids=[f"{c.code}-{c.id}" for c in TOLERATED])
def test_tolerated(case: Case, bases: dict[str, Path], tmp_path: Path) -> None:
    report = validate_file(_mutated(bases, tmp_path, case), select=[case.code])
    assert pairs(report) == [], report.flatten(["code", "location", "message"])


def test_computed_reason_not_required(clean_reports: dict[str, FileReport]) -> None:
    """预算执行率 self 4.94 of 6 has no reason in the seed: computed indicators need none (formula is the reason)."""
    assert "XP405" not in {f.code for f in clean_reports["seed"].findings}


# The tolerant forms: what value is read, and what is refused instead of guessed --------------------------------

TOLERANT = [  # name, typed text, the number it means (the finding's "应为"), its code
    ("procurement_plan", "1,234.56万元", D("1234.56"), "XP202"),
    ("rate_total_stated", "97.65%", D("0.9765"), "XP203"),
    ("reception_actual", "１．６４", D("1.64"), "XP204"),
    ("fa_count", "２６５", 265, "XP204"),
    ("project_initial", "42,507.85", D("42507.85"), "XP210"),
    ("staff_onpost", "17人", 17, "XP202"),
    ("paid_q1", "12693.28", D("12693.28"), "XP214"),
    ("satisfaction", "95%", D("0.95"), "XP203"),
]
REFUSED = [  # name, typed text, code: never guessed
    ("procurement_actual", "1,234.56元", "XP201"),  # 元, not 万元: ×0.0001 would be a guess
    ("paid_q2", "12,34", "XP201"),  # not a thousands pattern: 1234? 12.34?
    ("paid_q3", "65.21%", "XP201"),  # a percent where an amount belongs
    ("vehicle_actual", "3,15", "XP201"),  # a European decimal comma
    ("abroad_actual", "约1.6", "XP201"),
    ("staff_dispatched", "14.5人", "XP206"),
]


def test_text_numbers_read_as_the_sheet_reads_them(fw: Any, bases: dict[str, Path], tmp_path: Path) -> None:
    """Typed into Excel text cells (written here with openpyxl, as a program filling the template would):
    every one is one error at its cell and reads as 0, N() of a text in the sheet's formulas; the error
    names the number an unambiguous text means, and never guesses one for the others."""
    plan = plan_for(fw)
    wb = load_workbook(bases["seed"])
    for name, text, *_ in TOLERANT + REFUSED:
        cp = plan.cells[name]
        wb[cp.sheet][cp.cell].value = text
    path = tmp_path / "tolerant.xlsx"
    wb.save(path)
    read = read_workbook(path)
    at: dict[tuple[str, str], list[Any]] = {}
    for f in findings_of(read.notes):
        at.setdefault((f.sheet, f.cell), []).append(f)  # type: ignore[arg-type]
    for name, text, value, code in TOLERANT:
        cp = plan.cells[name]
        assert read.values[name] == 0, (name, text)
        found = at.get((cp.sheet, cp.cell), [])
        assert [(f.code, f.severity, f.expected) for f in found] == [(code, Severity.error, value)], (name, found)
    for name, text, code in REFUSED:
        cp = plan.cells[name]
        assert read.values[name] == 0, (name, text)
        refusal = [f for f in at.get((cp.sheet, cp.cell), []) if f.code == code]
        assert refusal and refusal[0].severity == Severity.error and refusal[0].expected is None, (name, text)


def test_text_money_in_shared_string(bases: dict[str, Path], tmp_path: Path) -> None:
    """The same through Excel's shared-string table: "1,234.56万元" is one error naming 1234.56 and reads 0."""
    path = Xlsx(bases["seed"]).set(SG, "B18", "1,234.56万元").save(tmp_path / "sst.xlsx")
    read = read_workbook(path)
    assert read.values["procurement_plan"] == 0
    found = [f for f in findings_of(read.notes) if (f.sheet, f.cell) == (SG, "B18")]
    assert [(f.code, f.severity, f.expected) for f in found] == [("XP202", Severity.error, Decimal("1234.56"))]
    assert "千分位逗号" in found[0].message and "万元" in found[0].message


# The runner ----------------------------------------------------------------------------------------------------

def test_crashing_check_becomes_xp000(bases: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Any, ctx: Any) -> Any:
        raise RuntimeError("kaputt")

    monkeypatch.setattr(AuditRuleWarning, "run", boom)
    path = Xlsx(bases["seed"]).set(QTR, "B6", D("8000.00")).save(tmp_path / "crash.xlsx")
    report = validate_file(path, select=["XP320", "XP321"])
    assert pairs(report) == [("XP000", ""), ("XP320", f"{QTR}!B6")]
    crash = next(f for f in report.findings if f.code == "XP000")
    assert "XP321" in crash.message and "kaputt" in crash.message


# Cached results as Excel saves them, computed by hand from the corrected seed ------------------------------------

HAND_CACHED = {  # (sheet, cell): value Excel shows after recalculation
    (PREP, "B6"): 681.36, (PREP, "B8"): 43189.21,  # 642.21 + 39.15; + 42,507.85
    (EXEC, "B6"): 710.04, (EXEC, "B8"): 81164.95, (EXEC, "B13"): 631.07, (EXEC, "B15"): 79260.57,
    (EXEC, "B18"): 0.9034, (EXEC, "B19"): 0.6386, (EXEC, "B20"): 0.8888, (EXEC, "B21"): 0.9773,
    (EXEC, "B22"): 0.9765,
    (EXEC, "B25"): 37975.74, (EXEC, "B26"): 0.8793,  # |81,164.95 − 43,189.21|; ÷ 43,189.21
    (QTR, "B11"): 0.6256, (QTR, "B12"): 0.8202, (QTR, "B13"): 0.8694, (QTR, "B14"): 0.9765,
    (QTR, "B15"): 0.8229,  # (0.6256 + 0.8202 + 0.8694 + 0.9765) / 4 = 0.822925
    (SG, "B10"): 8.67, (SG, "B11"): 4.79, (SG, "B14"): 0.5525, (SG, "B15"): 0.6386, (SG, "B20"): 0.3783,
    (STAFF, "B13"): 18, (STAFF, "B14"): 14, (STAFF, "B15"): 33,  # 17 + 1; 14 + 0; 17 + 1 + 1 + 14
    (STAFF, "B16"): 0.8571, (STAFF, "B17"): 0.4242,  # 18 / 21; 14 / 33
    (ASSET, "B8"): 1, (PROJ, "B6"): 1,
    # scores: 决策 5 + 5 + 2 + 6; 管理 1.38 + 2 + 3 + 2 + 2 + 2 + 1 + 1 + 0 + 3; 绩效 6 + 4.94 + 8 + 6 + 25 + 3 + 6
    (SCORE, "F5"): 5, (SCORE, "F11"): 5, (SCORE, "F14"): 2, (SCORE, "F16"): 6, (SCORE, "F4"): 10,
    (SCORE, "F13"): 8, (SCORE, "F3"): 18,
    (SCORE, "F24"): 1.38, (SCORE, "F26"): 2, (SCORE, "F29"): 3, (SCORE, "F23"): 6.38, (SCORE, "F33"): 2,
    (SCORE, "F36"): 2, (SCORE, "F32"): 4, (SCORE, "F41"): 2, (SCORE, "F44"): 1, (SCORE, "F40"): 3,
    (SCORE, "F46"): 1, (SCORE, "F47"): 0, (SCORE, "F45"): 1, (SCORE, "F49"): 3, (SCORE, "F48"): 3,
    (SCORE, "F22"): 17.38,
    (SCORE, "F55"): 6, (SCORE, "F54"): 6, (SCORE, "F57"): 4.94, (SCORE, "F58"): 8, (SCORE, "F59"): 6,
    (SCORE, "F56"): 18.94, (SCORE, "F61"): 25, (SCORE, "F60"): 25, (SCORE, "F64"): 3, (SCORE, "F65"): 6,
    (SCORE, "F63"): 9, (SCORE, "F53"): 58.94,
    (SCORE, "F66"): 94.32, (SCORE, "G66"): 94.32,  # 18 + 17.38 + 58.94
}


def test_hand_computed_cached_values_accepted(bases: dict[str, Path], tmp_path: Path) -> None:
    """A workbook recalculated by Excel carries these results; none may be called tampered."""
    x = Xlsx(bases["seed"])
    for (sheet, cell), value in HAND_CACHED.items():
        x.set_cached(sheet, cell, repr(value))
    path = x.save(tmp_path / "recalculated.xlsx")
    assert pairs(validate_file(path, select=["XP406"])) == []
    # … and each one, tampered by 0.01, is found at its cell
    x.set_cached(SCORE, "F22", repr(17.39))
    x.set_cached(STAFF, "B16", repr(0.8572))
    path = x.save(tmp_path / "tampered.xlsx")
    assert pairs(validate_file(path, select=["XP406"])) == sorted([("XP406", f"{SCORE}!F22"),
                                                                  ("XP406", f"{STAFF}!B16")])


def test_hand_cached_covers_every_computed_cell(fw: Any) -> None:
    """HAND_CACHED covers every named computed cell except the ones not derived from the seed's inputs."""
    plan = plan_for(fw)
    computed = {(cp.sheet, cp.cell) for cp in plan.cells.values()
                if cp.formula and cp.spec is not None and cp.spec.role in ("derived", "measure", "score")}
    assert computed - set(HAND_CACHED) == set()


def test_stated_average_of_displayed_quarter_rates(fw: Any, tmp_path: Path) -> None:
    """全年平均执行率 = mean of the four quarterly rates as displayed (the seed: 82.29% from 62.56%, 82.02%,
    86.94%, 97.65%). With payments 11,802.68 / 34,308.64 / 44,911.70 / 79,260.57 of 81,164.95 the quarters show
    58.17%, 84.54%, 73.78%, 97.65%: their mean is 3.1414 / 4 = 0.78535 → 78.54%, which is also what the
    workbook's own exec_avg cell shows and what the score uses (4.71 = 3.1414 + 2 × 0.7854). A report that copies
    78.54% is consistent with its own table; the unrounded mean (78.53%) is a different rounding convention,
    not an inconsistency of the figures."""
    from xlperf.data.models import DepartmentData
    from xlperf.compiled import data_model
    from xlperf.data.values import data_values
    from xlperf.write.template import write_template

    from .common import seed_clean_data

    raw = seed_clean_data().model_dump(mode="python")
    raw["quarterly"].update(paid_q1=D("11802.68"), paid_q2=D("34308.64"), paid_q3=D("44911.70"))
    raw["stated"].update(exec_q1_stated=D("0.5817"), exec_q2_stated=D("0.8454"), exec_q3_stated=D("0.7378"),
                         exec_avg_stated=D("0.7854"), progress_q1_stated=None, progress_q2_stated=None,
                         self_total_stated=D("94.09"))
    raw["self_scores"]["budget_execution"] = {"score": D("4.71"), "reason": ""}
    path = write_template(fw, tmp_path / "avg.xlsx", values=data_values(data_model(futian()).model_validate(raw)))
    report = validate_file(path)
    assert report.total_computed == D("94.09")  # the score uses the mean of the rounded rates
    assert pairs(report) == [("XP305", f"{EXEC}!B26")], report.flatten(["code", "location", "message"])


# Frameworks are data: another region's framework file ---------------------------------------------------------

DEMO_FW = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "demo-region-2023.yaml"
DEMO_DATA = DEMO_FW.with_name("demo-region-2023-data.yaml")


@pytest.fixture(scope="module")
def demo_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xlperf.ingest.datafile import load_data
    from xlperf.data.values import data_values
    from xlperf.loader import load_framework
    from xlperf.write.template import write_template

    fw = load_framework(DEMO_FW)
    return write_template(fw, tmp_path_factory.mktemp("demo") / "demo.xlsx", values=data_values(load_data(DEMO_DATA, load_framework(DEMO_FW))))


def test_other_framework_by_file(demo_workbook: Path) -> None:
    from xlperf.ingest.datafile import load_data
    from xlperf.loader import load_framework
    from xlperf.compiled import score

    report = validate_file(demo_workbook, str(DEMO_FW))
    assert report.framework == "demo-region-2023"
    # the demo data keeps the seed's year 2021 under a 2023 framework: only the year warning may appear
    assert [(f.code, f.severity) for f in report.findings if f.code in ("XP122", "XP128")] == [("XP128", Severity.warning)]
    assert report.total_computed == score(load_framework(DEMO_FW), load_data(DEMO_DATA, load_framework(DEMO_FW))).total.computed


def test_unknown_framework_without_file(demo_workbook: Path) -> None:
    report = validate_file(demo_workbook)
    assert report.status == "error"
    assert pairs(report) == [("XP122", f"{INFO}!B11")]
    assert "--framework" in report.findings[0].message


def test_wrong_framework_reports_only_the_mismatch(demo_workbook: Path) -> None:
    """Validated against futian-2021, a demo-region workbook is read at the wrong cells: every other finding
    (hundreds of formula, label and score findings) is noise. The mismatch is the one finding to report."""
    report = validate_file(demo_workbook, futian())
    assert pairs(report) == [("XP122", f"{INFO}!B11")], f"{len(report.findings)} findings"
