"""The seed's own report (shared/seeds/000_…txt, built as a .docx here) against the shipped example workbook.

Expected findings were read off the seed by hand (line numbers of the seed file), each with its arithmetic:

=====  ==========================  =======================================================================
code   seed line                   why
=====  ==========================  =======================================================================
XP502  72 (预算安排表 政府采购 7.30)  line 148: 政府采购预算数为1931.52万元 (the workbook's 采购计划)
XP502  155 项目预算总指标81,164.95    line 130: 项目支出 年度预算总指标 80,454.91 (81,164.95 is the total)
XP502  155 实际支出79,260.57          line 131: 项目支出 年度总支出 78,629.50
XP502  155 预算执行率97.65%           line 132: 78,629.50 ÷ 80,454.91 = 97.73%
XP502  173 “三公”经费控制率55.23%     4.79 ÷ 8.67 = 55.248…% → 55.25%
XP502  242 第二季度预算执行率25.37%   the quarter's increment (33,284.43 − 12,693.28) ÷ 81,164.95 = 25.37%;
                                   the Q2 rate is 33,284.43 ÷ 81,164.95 ÷ 50% = 82.02% (line 203)
XP503  88 “2020年…预算支出43,189.21”  43,189.21 is the 2021 年初预算 (lines 51, 135, 146)
XP504  88 其中 642.21+39.15+22.33+42,507.85 = 43,211.54 > 43,189.21
XP507  91 “产出”、“效益”三个一级绩效指标  two items listed for three
XP508  77 合计 24.64                 7.30 + 5.00 + 0.00 + 3.67 = 15.97 (the 小计 8.67 counted twice)
=====  ==========================  =======================================================================

Not findings (checked by hand): line 88 growth 1,607.45 / (43,189.21 − 1,607.45) = 3.866% → 3.87% ✓;
line 242 第一季度 15.64% = 12,693.28 ÷ 81,164.95 (the cumulative progress, a figure the workbook has);
line 95 包括 710.04 + 80,454.91 = 81,164.95 ✓ and 其中 631.07 + 78,629.50 = 79,260.57 ✓; line 159 其中 原值 and 净值
of the same assets (not a list of parts); line 162 其中 489.49 + 15.48 ≤ 606.07; table 收支 总计 = 基本 + 项目 in
every column; quarter table 序时进度 25%…100% (no such workbook figure).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xlperf.validate import validate_with_context

from .builders import EXAMPLE

EXPECTED = sorted([
    ("XP502", Decimal("7.30")),
    ("XP502", Decimal("81164.95")),
    ("XP502", Decimal("79260.57")),
    ("XP502", Decimal("97.65")),
    ("XP502", Decimal("55.23")),
    ("XP502", Decimal("25.37")),
    ("XP503", 2020),
    ("XP504", Decimal("642.21") + Decimal("39.15") + Decimal("22.33") + Decimal("42507.85")),
    ("XP507", 3),
    ("XP508", Decimal("24.64")),
])


def _found(value: object) -> object:
    return Decimal(str(value)) if isinstance(value, float | Decimal) else value


def test_seed_report_findings_exactly(seed_docx: Path) -> None:
    rep, _ctx = validate_with_context(EXAMPLE, select=["XP5"], report_text=seed_docx)
    got = sorted((f.code, _found(f.found)) for f in rep.findings)
    assert got == EXPECTED, [(f.code, f.found, f.message[:120]) for f in rep.findings]
    assert rep.report_text is not None and rep.report_text.status == "checked"


def test_seed_expected_values_and_locations(seed_docx: Path) -> None:
    rep, _ctx = validate_with_context(EXAMPLE, select=["XP5"], report_text=seed_docx)
    by = {(f.code, _found(f.found)): f for f in rep.findings}
    procurement = by[("XP502", Decimal("7.30"))]
    assert _found(procurement.expected) == Decimal("1931.52") and "三公经费与政府采购!" in procurement.message
    assert procurement.text is not None and procurement.text.table == 3 and procurement.text.column == 2
    quarter = by[("XP502", Decimal("25.37"))]
    assert _found(quarter.expected) == Decimal("82.0200")
    assert quarter.text is not None and "第二季度预算执行率为25.37%" in quarter.text.sentence
    assert "存在问题" in quarter.text.section
    sangong = by[("XP502", Decimal("55.23"))]
    assert _found(sangong.expected) == Decimal("55.2500")  # the workbook rounds rates to 0.01%
    year = by[("XP503", 2020)]
    assert year.expected == 2021 and year.text is not None and year.text.sentence.startswith("2020年科创局部门预算支出")
    total = by[("XP508", Decimal("24.64"))]
    assert _found(total.expected) == Decimal("7.30") + Decimal("5.00") + Decimal("0.00") + Decimal("3.67")
    parts = by[("XP504", Decimal("43211.54"))]
    assert _found(parts.expected) == Decimal("43189.21")
    levels = {f.code: f.severity.value for f in rep.findings}  # futian declares no report: TextRules defaults
    assert levels == {"XP502": "error", "XP503": "warning", "XP504": "error", "XP507": "warning", "XP508": "error"}


def test_without_report_no_text_checks() -> None:
    rep, _ctx = validate_with_context(EXAMPLE, select=["XP5"])
    assert rep.findings == [] and rep.report_text is None
