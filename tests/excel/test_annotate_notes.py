"""The user's own notes survive annotation, and add-in prefixes in saved UDF formulas are not 'altered'."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment

from xlperf.checks.structure import normalize_formula
from xlperf.write.annotate import OpenpyxlSink, apply_findings
from xlperf.findings import FileReport, Finding, Severity

SEED = Path(__file__).resolve().parents[2] / "workbooks" / "examples" / "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"


def _report(*cells: tuple[str, str]) -> FileReport:
    findings = [Finding(code="XP302", severity=Severity.error, message=f"问题 {c}", sheet=s, cell=c) for s, c in cells]
    return FileReport(path="x.xlsx", status="invalid", findings=findings)


def test_user_note_is_kept_beside_ours_and_restored() -> None:
    wb = load_workbook(SEED)
    wb["预算执行"]["B40"].comment = Comment("财务科：此数取自决算报表", "张三")
    sink = OpenpyxlSink(wb)
    apply_findings(sink, _report(("预算执行", "B40")))
    text = wb["预算执行"]["B40"].comment.text
    assert text.startswith("[XP302 错误] 问题 B40") and text.endswith("原批注：财务科：此数取自决算报表")
    apply_findings(sink, _report(("预算执行", "B41")))  # B40 fixed: our highlight goes, the user's note returns
    assert wb["预算执行"]["B40"].comment.text == "财务科：此数取自决算报表"
    assert wb["预算执行"]["B41"].comment.text.startswith("[XP302 错误]")


def test_addin_prefixes_are_ignored_when_comparing_formulas() -> None:
    plain = 'xlperf_score("futian-2021","procurement","procurement_rate",procurement_rate)'
    assert normalize_formula("[1]!" + plain) == normalize_formula(plain)
    assert normalize_formula("'xlperf.xlam'!" + plain) == normalize_formula(plain)
    assert normalize_formula("xlperf.xlam!" + plain) == normalize_formula(plain)
    assert normalize_formula('IF(A1="[1]!x",1,0)') != normalize_formula('IF(A1="x",1,0)')  # strings untouched
