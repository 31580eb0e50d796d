"""A submitted 校验结果 sheet (and the odd attributes around it) is the submitter's to forge.

Regression cases: a cell ``J²`` (a superscript digit, which ``str.isdigit`` accepts and ``int`` refuses)
made every validation of the file XP000; a row ``r="²"`` or a style ``s="²"`` refused the whole file as
“无法按 xlsx 读取”; a highlight record nested 5,000 deep, or holding a dict, made ``--annotate`` fail; one
cell at row 100,002 made ``--annotate`` create and save 1.2 million empty cells (35 s, 440 MB); a formula
``=HYPERLINK(…)`` in the sheet's title row survived live in the annotated copy marked as xlperf's output.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from xlperf.write.annotate import annotate_copy
from xlperf.validate import validate_file

from .helpers import EXAMPLE, Xlsx, run_limited, sha256, where

RESULT = "校验结果"
M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _raw_row(book: Xlsx, sheet: str, row_attr: str, cell_xml: str) -> Xlsx:
    data = book.xml(book.sheet_part(sheet)).find(f"{{{M}}}sheetData")
    row = etree.SubElement(data, f"{{{M}}}row", r=row_attr)
    row.append(etree.fromstring(f'<c xmlns="{M}" {cell_xml}</c>'))
    return book


def _superscript_attribute(book: Xlsx, attribute: str) -> Xlsx:
    """The example with one attribute of the workbook, styles or a sheet set to a superscript two."""
    if attribute == "localSheetId":
        wb = book.xml("xl/workbook.xml")
        names = wb.find(f"{{{M}}}definedNames")
        etree.SubElement(names, f"{{{M}}}definedName", name="局部", localSheetId="²").text = "'基本信息'!$A$1"
    elif attribute == "numFmtId":
        styles = book.xml("xl/styles.xml")
        next(styles.iter(f"{{{M}}}xf")).set("numFmtId", "²")
    elif attribute == "s":
        sheet, cell = where("reception_actual")
        book._cell(sheet, cell).set("s", "²")
    return book


ODD = {  # case id → the hostile workbook
    "explanation-cell-J²": lambda: _raw_row(Xlsx(EXAMPLE), RESULT, "100",
                                           'r="J²" t="inlineStr"><is><t>按规定执行，已报财政局备案</t></is>'),
    "row-r-²": lambda: _raw_row(Xlsx(EXAMPLE), RESULT, "²", 'r="A99" t="inlineStr"><is><t>x</t></is>'),
    "localSheetId-²": lambda: _superscript_attribute(Xlsx(EXAMPLE), "localSheetId"),
    "numFmtId-²": lambda: _superscript_attribute(Xlsx(EXAMPLE), "numFmtId"),
    "style-s-²": lambda: _superscript_attribute(Xlsx(EXAMPLE), "s"),
}


@pytest.mark.parametrize("case", list(ODD))
def test_superscript_digits_are_no_numbers(case: str, tmp_path: Path) -> None:
    path = ODD[case]().save(tmp_path / f"{case}.xlsx")
    rep = validate_file(path)
    assert rep.status == "invalid" and rep.total_computed is not None, [(f.code, f.message) for f in rep.findings]
    assert not [f for f in rep.findings if f.code in ("XP000", "XP102")]


MARKS = {  # case id → what the submitted hidden column L holds in row 4
    "nested-5000": "[" * 5000 + "]" * 5000,
    "dict-fill-and-note": json.dumps(["基本信息", "B4", {"a": 1}, {"b": 2}]),
    "whole-sheet-range": json.dumps(["预算编制", "A:XFD", None, None]),
    "colour-not-hex": json.dumps(["预算编制", "B4", "zz", None]),
    "note-a-list": json.dumps(["预算编制", "B4", None, ["x"]]),
}


@pytest.mark.parametrize("case", list(MARKS))
def test_forged_highlight_records_are_ignored(case: str, tmp_path: Path) -> None:
    path = Xlsx(EXAMPLE).set(RESULT, "L4", MARKS[case]).save(tmp_path / f"{case}.xlsx")
    digest = sha256(path)
    rep = validate_file(path)
    out = annotate_copy(path, tmp_path / "标注.xlsx", rep)
    from openpyxl import load_workbook

    assert not [f for f in rep.findings if f.sheet == "预算编制" and f.cell in ("A1", "B4", "B5")]
    before, after = load_workbook(path)["预算编制"], load_workbook(out)["预算编制"]
    for ref in ("A1", "B4", "B5"):  # a forged record changes no fill or note of cells without a finding
        assert after[ref].fill.fgColor.rgb == before[ref].fill.fgColor.rgb, ref
        assert (after[ref].comment is None) == (before[ref].comment is None), ref
    assert sha256(path) == digest


def test_a_forged_record_is_refused_before_any_sink_sees_it() -> None:
    """The button's sink (xlwings) would colour a range: the record itself is refused."""
    from openpyxl import load_workbook

    from xlperf.write.annotate import OpenpyxlSink, _legacy_row, _records

    sink = OpenpyxlSink(load_workbook(EXAMPLE))
    for text in MARKS.values():
        row = _legacy_row(text)
        assert row is None or _records(sink, [row])[0] == [], text
    good = _legacy_row(json.dumps(["预算编制", "B4", "FFC7CE", "原批注"]))
    assert good is not None and _records(sink, [good])[0] == []  # a colour of ours is no original fill
    good = _legacy_row(json.dumps(["预算编制", "B4", "FFFFFF", "原批注"]))
    assert good is not None and _records(sink, [good])[0] == [("预算编制", "B4", "FFFFFF", "原批注")]


def _result_cells(path: Path, tag: str = "c") -> list[etree._Element]:
    part = Xlsx(path).sheet_part(RESULT)
    with zipfile.ZipFile(path) as zf:
        return list(etree.fromstring(zf.read(part)).iter(f"{{{M}}}{tag}"))


@pytest.mark.subprocess
def test_a_far_row_does_not_make_a_million_cells(tmp_path: Path) -> None:
    """One cell at row 100,002 of 校验结果: the copy holds about as many cells as the example's own copy."""
    far = Xlsx(EXAMPLE).set(RESULT, "L100002", "x").save(tmp_path / "far.xlsx")
    out = run_limited(f"""
        from xlperf.write.annotate import annotate_copy
        from xlperf.validate import validate_file
        rep = validate_file({str(far)!r})
        annotate_copy({str(far)!r}, {str(tmp_path / "far-标注.xlsx")!r}, rep)
        print(json.dumps("ok"))
    """, cpu_seconds=60, memory=1024 * 1024 * 1024)
    assert out == "ok"
    plain = annotate_copy(EXAMPLE, tmp_path / "plain-标注.xlsx", validate_file(EXAMPLE))
    for tag in ("row", "c"):  # it was 100,002 rows of empty cells
        assert len(_result_cells(tmp_path / "far-标注.xlsx", tag)) <= len(_result_cells(plain, tag)) + 10, tag


HOSTILE_FORMULAS = {  # cell of the submitted 校验结果 → a formula (without "=")
    "A1": 'HYPERLINK("http://evil.example/说明","校验未通过，点此查看说明")',
    "B2": "cmd|' /C calc'!A0",
    "M4": 'HYPERLINK("http://evil.example","x")',
    "F200000": "1+1",
}


def test_formulas_and_links_in_a_submitted_result_sheet_become_text(tmp_path: Path) -> None:
    book = Xlsx(EXAMPLE)
    for ref, formula in HOSTILE_FORMULAS.items():
        book.set_formula(RESULT, ref, formula, "x")
    path = book.save(tmp_path / "公式.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb[RESULT]["C1"].hyperlink = "http://evil.example/"
    wb.save(path)
    digest = sha256(path)
    out = annotate_copy(path, tmp_path / "标注.xlsx", validate_file(path))
    assert sha256(path) == digest
    cells = _result_cells(out)
    assert not [c.get("r") for c in cells if c.find(f"{{{M}}}f") is not None]
    result = load_workbook(out)[RESULT]
    for ref, formula in HOSTILE_FORMULAS.items():
        if ref == "F200000":
            continue  # beyond the rows xlperf rewrites: kept, as text
        assert result[ref].value == "=" + formula and result[ref].data_type == "s", ref
    assert result["F200000"].value in (None, "=1+1")
    assert result["C1"].hyperlink is None
    part = Xlsx(out).sheet_part(RESULT)
    rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    with zipfile.ZipFile(out) as zf:
        assert rels not in zf.namelist() or b"evil.example" not in zf.read(rels)
