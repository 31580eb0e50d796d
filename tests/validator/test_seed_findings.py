"""The shipped seed workbook must report every inconsistency in the seed's own figures, and nothing else.

Each expectation is worked out here from the seed text (shared/seeds/000_7caf6f40ccb13888.txt), not taken
from the validator's output.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from xlperf.ingest.datafile import load_data
from xlperf.data.values import data_values
from xlperf.findings import FileReport, Severity
from xlperf.validate import validate_file
from xlperf.ingest.reader import read_workbook

from .common import SEED_XLSX, SEED_YAML, D, pairs


def pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(D('0.01'), rounding=ROUND_HALF_UP)}%"


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


# --- the seed's figures, as printed -------------------------------------------------------------------------
PERSONNEL_I, PUBLIC_I, RETIREE_TEXT, PROJECT_I, TOTAL_I = D("642.21"), D("39.15"), D("22.33"), D("42507.85"), D("43189.21")
PROJECT_ADJ, PROJECT_ACT = D("80454.91"), D("78629.50")  # 财政拨款收入及支出情况表 项目支出
TOTAL_ADJ, TOTAL_ACT = D("81164.95"), D("79260.57")  # 总计 (the 2.项目管理 text quotes these for 项目)
PROC_TABLE, PROC_TEXT, PROC_ACTUAL = D("7.30"), D("1931.52"), D("730.68")
SG_BUDGET, SG_ACTUAL, SG_RATE_STATED, TABLE_TOTAL = D("8.67"), D("4.79"), D("0.5523"), D("24.64")
PAID_Q1, PAID_Q2, PROGRESS_Q2_STATED = D("12693.28"), D("33284.43"), D("0.2537")
PERSONNEL_ACT, WAGES_TEXT, SUBSIDY_TEXT = D("606.07"), D("489.49"), D("15.48")  # 4.人员管理: 其中…
PROJECT_RATE_TEXT = D("0.9765")  # 2.项目管理 quotes the department's 97.65% as 项目's 执行率

# --- the hand computation ----------------------------------------------------------------------------------
TEXT_COMPOSITION = PERSONNEL_I + PUBLIC_I + RETIREE_TEXT + PROJECT_I  # 正文：人员+公用+离退休+项目
TABLE_SUM = PROC_TABLE + SG_BUDGET  # 政府采购 + “三公”小计; the printed 24.64 counts the 8.67 twice
SG_RATE = SG_ACTUAL / SG_BUDGET  # 0.552479…
PROGRESS_Q2 = PAID_Q2 / TOTAL_ADJ  # 0.410084… (cumulative; 25.37% = (33,284.43 − 12,693.28) / 81,164.95)
PROC_SCORE = (PROC_ACTUAL / PROC_TEXT).quantize(D("0.0001")) + 1  # 执行率 × 1 + policy 1 = 1.3783
ADJUST = ((TOTAL_ADJ - TOTAL_I) / TOTAL_I).quantize(D("0.0001"))  # 87.93%
PERSONNEL_PARTS = WAGES_TEXT + SUBSIDY_TEXT  # 人员经费 = 工资福利支出 + 对个人和家庭的补助 (政府收支分类)
PROJECT_RATE = PROJECT_ACT / PROJECT_ADJ  # 97.73%

EXPECTED = [  # (code, location, found, expected, severity)
    ("XP301", "预算编制!B17", money(TOTAL_I), money(TEXT_COMPOSITION), Severity.error),
    ("XP301", "预算执行!B11", money(PERSONNEL_ACT), money(PERSONNEL_PARTS), Severity.error),
    ("XP302", "预算执行!B40", money(TOTAL_ADJ), money(PROJECT_ADJ), Severity.error),
    ("XP302", "预算执行!B41", money(TOTAL_ACT), money(PROJECT_ACT), Severity.error),
    ("XP303", "预算执行!B42", pct(PROJECT_RATE_TEXT), pct(PROJECT_RATE), Severity.error),
    ("XP303", "季度支付!B24", pct(PROGRESS_Q2_STATED), pct(PROGRESS_Q2), Severity.error),
    ("XP302", "三公经费与政府采购!B23", money(PROC_TABLE), money(PROC_TEXT), Severity.error),
    ("XP301", "三公经费与政府采购!B25", money(TABLE_TOTAL), money(TABLE_SUM), Severity.error),
    ("XP303", "三公经费与政府采购!B27", pct(SG_RATE_STATED), pct(SG_RATE), Severity.error),
    ("XP402", "评分表!G24", D(2), PROC_SCORE.quantize(D("0.01")), Severity.error),
    ("XP305", "预算执行!B26", ADJUST, D("0.10"), Severity.info),
]


def test_hand_computation() -> None:
    """The arithmetic behind EXPECTED, as a reader of the seed would check it."""
    assert TEXT_COMPOSITION == D("43211.54") != TOTAL_I
    assert PERSONNEL_I + PUBLIC_I + PROJECT_I == TOTAL_I  # the table's composition is fine
    assert TABLE_SUM == D("15.97") and TABLE_SUM + SG_BUDGET == TABLE_TOTAL
    assert pct(SG_RATE) == "55.25%"
    assert pct(PROGRESS_Q2) == "41.01%"
    assert pct((PAID_Q2 - PAID_Q1) / TOTAL_ADJ) == "25.37%"  # what the text actually computed
    assert pct(PAID_Q1 / TOTAL_ADJ) == "15.64%"  # the text's Q1 figure agrees
    assert PROC_SCORE == D("1.3783") and PROC_SCORE.quantize(D("0.01")) == D("1.38")
    assert pct(ADJUST) == "87.93%"
    assert PERSONNEL_PARTS == D("504.97") and PERSONNEL_ACT - PERSONNEL_PARTS == D("101.10")
    assert pct(PROJECT_RATE) == "97.73%" != pct(PROJECT_RATE_TEXT)


@pytest.fixture(scope="module")
def report() -> FileReport:
    return validate_file(SEED_XLSX)


def test_every_inconsistency_and_nothing_else(report: FileReport) -> None:
    assert pairs(report) == sorted((code, loc) for code, loc, *_ in EXPECTED)


@pytest.mark.parametrize(("code", "location", "found", "expected", "severity"), EXPECTED,
                         ids=[f"{c}-{loc}" for c, loc, *_ in EXPECTED])
def test_numbers(report: FileReport, code: str, location: str, found: object, expected: object,
                 severity: Severity) -> None:
    f = next(f for f in report.findings if (f.code, f.location) == (code, location))
    assert (f.found, f.expected) == (found, expected)
    assert f.severity == severity


def test_messages_show_the_arithmetic(report: FileReport) -> None:
    msg = {(f.code, f.location): f.message for f in report.findings}
    assert "642.21" in msg[("XP301", "预算编制!B17")] and "22.33" in msg[("XP301", "预算编制!B17")]
    assert "43,211.54" in msg[("XP301", "预算编制!B17")]
    assert "4.79 ÷ 8.67" in msg[("XP303", "三公经费与政府采购!B27")]
    assert "33,284.43 ÷ 81,164.95" in msg[("XP303", "季度支付!B24")]
    assert "7.30" in msg[("XP301", "三公经费与政府采购!B25")] and "15.97" in msg[("XP301", "三公经费与政府采购!B25")]
    assert "730.68" in msg[("XP402", "评分表!G24")] and "1,931.52" in msg[("XP402", "评分表!G24")]
    assert "87.93%" in msg[("XP305", "预算执行!B26")] and "10%" in msg[("XP305", "预算执行!B26")]


def test_totals_and_status(report: FileReport) -> None:
    # self: 18 (决策) + 18 (管理) + 58.94 (绩效) = 94.94 as the seed states; computed: 2 → 1.38 for 政府采购
    assert report.total_self == D("94.94")
    assert report.total_computed == D("94.94") - D(2) + D("1.38") == D("94.32")
    assert report.status == "invalid"
    assert (report.department, report.year, report.framework) == ("深圳市福田区科技创新局", 2021, "futian-2021")
    assert report.errors == 10 and report.warnings == 0


def test_workbook_holds_the_seed_yaml() -> None:
    """The shipped workbook is the seed example: every input equals the YAML's figure."""
    read = read_workbook(SEED_XLSX)
    assert read.data is not None
    expected = data_values(load_data(SEED_YAML))
    got = data_values(read.data)
    assert got == expected
