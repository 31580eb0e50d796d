"""Every string xlperf writes into a workbook is data, never a formula (issue 10 §6).

Read from the saved XML: a ``<f>`` element is a live formula in Excel; user text must be an inline or shared
string wherever it lands (report summary, per-file sheets, 校验结果, comments).
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import Workbook, load_workbook

from validator.xlsx_edit import Xlsx
from xlperf.write.annotate import annotate_copy
from xlperf.findings import FileReport, Finding, Report, Severity
from xlperf.safe_text import FORMULA_TRIGGERS, put
from xlperf.render.excel import write_report

from .conftest import xlperf

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
HYPERLINK = '=HYPERLINK("http://evil.example/x","点我领取")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "=5", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "=1\x01\x02+1"]


def _sheet_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")}


def _formulas(xml: bytes) -> list[str]:
    return [f.text or "" for f in etree.fromstring(xml).iter(f"{M}f")]


def _strings(path: Path) -> str:
    """All text of all parts (shared strings, inline strings, comments), for 'is the text there' checks."""
    with zipfile.ZipFile(path) as zf:
        return "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml"))


@pytest.mark.parametrize("text", HOSTILE)
def test_put_writes_a_string_cell(text: str, tmp_path: Path) -> None:
    wb = Workbook()
    put(wb.active, 1, 1, text)
    wb.save(tmp_path / "t.xlsx")
    xml = _sheet_parts(tmp_path / "t.xlsx")["xl/worksheets/sheet1.xml"]
    assert _formulas(xml) == []
    cell = etree.fromstring(xml).find(f".//{M}c")
    assert cell is not None and cell.get("t") == "inlineStr"
    value = load_workbook(tmp_path / "t.xlsx").active["A1"].value
    assert value.lstrip("\r\n")[:1] == text.lstrip("\r")[:1]  # XML normalises a CR; the trigger stays text
    assert "\x01" not in value


def test_triggers_are_the_owasp_set() -> None:
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


def _hostile_report(n: int) -> Report:
    files = []
    for i in range(n):
        findings = [Finding(code="XP201", name="text-in-number-cell", severity=Severity.error, message=text,
                            sheet=text, cell="B7", found=text, expected=text, indicator=text) for text in HOSTILE]
        files.append(FileReport(path=f"/收件箱/{HYPERLINK}-{i}.xlsx", status="invalid", department=HYPERLINK,
                                year=2021, total_computed=Decimal("90.5"), total_self=Decimal("91"),
                                findings=findings))
    return Report(files=files)


@pytest.mark.parametrize("n", [2, 201], ids=["per-file-sheets", "one-detail-sheet"])
def test_report_workbook_holds_no_formula(n: int, tmp_path: Path) -> None:
    out = write_report(_hostile_report(n), tmp_path / "报告.xlsx")
    parts = _sheet_parts(out)
    assert len(parts) >= 3
    for name, xml in parts.items():
        assert _formulas(xml) == [], name
    wb = load_workbook(out)
    assert wb["汇总"]["B2"].value == HYPERLINK and wb["汇总"]["B2"].data_type == "s"
    assert wb["汇总"]["J2"].value == f"/收件箱/{HYPERLINK}-0.xlsx"
    assert DDE in _strings(out)


def test_annotated_copy_holds_no_user_formula(seed: Path, tmp_path: Path) -> None:
    report = _hostile_report(1).files[0]
    findings = [f.model_copy(update={"sheet": "三公经费与政府采购"}) for f in report.findings]
    # The seed's framework: an annotated copy keeps only the plan's formulas, so without it none would stay.
    report = report.model_copy(update={"findings": findings, "framework": "futian-2021"})
    out = annotate_copy(seed, tmp_path / "标注.xlsx", report)
    before = {n: _formulas(x) for n, x in _sheet_parts(seed).items()}
    assert sum(map(len, before.values())) > 100  # the template's formulas are there to keep
    after = {n: _formulas(x) for n, x in _sheet_parts(out).items()}
    result_part = Xlsx(out).sheet_part("校验结果")
    assert after[result_part] == []  # the 校验结果 sheet: no formula at all
    for name in before:
        if name != result_part:
            assert after[name] == before[name], name  # the template's own formulas, unchanged, none added
    wb = load_workbook(out)
    result = wb["校验结果"]
    assert [result.cell(row=r, column=6).value for r in range(4, 4 + len(HOSTILE))][:3] == HOSTILE[:3]
    comment = wb["三公经费与政府采购"]["B7"].comment
    assert comment is not None and HYPERLINK in comment.text and "\x01" not in comment.text


def test_end_to_end_hostile_submission(seed: Path, tmp_path: Path) -> None:
    """A submitter's department =HYPERLINK(…), a DDE string in a money cell, a formula replaced by =5, and a
    file named =HYPERLINK(…).xlsx: the bureau's report and the annotated copy hold them as text only."""
    src = tmp_path / '=HYPERLINK("evil.example").xlsx'
    (Xlsx(seed).set("基本信息", "B4", HYPERLINK).set("三公经费与政府采购", "B7", DDE)
     .set_formula("预算执行", "B15", "5", Decimal(5)).save(src))
    report, annotated = tmp_path / "报告.xlsx", tmp_path / "标注.xlsx"
    run = xlperf("validate", "-q", src, "--report", report, "--annotate", annotated)
    assert run.code == 1, run.err
    assert "Traceback" not in run.out + run.err
    for name, xml in _sheet_parts(report).items():
        assert _formulas(xml) == [], name
    text = _strings(report)
    assert "=5" in text and "cmd|" in text and "evil.example" in text  # the values are there, as text
    for name, xml in _sheet_parts(annotated).items():
        for formula in _formulas(xml):
            assert "HYPERLINK" not in formula and "cmd|" not in formula, (name, formula)
    wb = load_workbook(annotated)
    assert wb["基本信息"]["B4"].value == HYPERLINK and wb["基本信息"]["B4"].data_type == "s"
    assert re.search(r"cmd\|", "".join(str(c.value) for c in wb["校验结果"]["F"] if c.value))
