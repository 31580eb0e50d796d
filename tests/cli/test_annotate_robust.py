"""--annotate and --report never crash: merged cells, files openpyxl cannot load, hostile 校验结果 sheets
(issue 10: "--annotate / --report crash")."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from validator.common import SEED_XLSX
from xlperf.write.annotate import OpenpyxlSink, apply_findings
from xlperf.findings import FileReport, Finding, Severity
from xlperf.validate import validate_file

from .conftest import sha256, xlperf

SG = "三公经费与政府采购"


def _finding(sheet: str, cell: str, code: str = "XP303") -> Finding:
    return Finding(code=code, name="x", severity=Severity.error, message=f"{cell} 有误", sheet=sheet, cell=cell)


def test_finding_inside_a_merged_range_is_noted_at_its_top_left_cell() -> None:
    wb = load_workbook(SEED_XLSX)
    wb[SG].merge_cells("A27:B27")
    report = FileReport(path="x.xlsx", status="invalid", findings=[_finding(SG, "B27"), _finding(SG, "B7", "XP201")])
    assert apply_findings(OpenpyxlSink(wb), report) == 2
    assert wb[SG]["A27"].comment is not None and "XP303" in wb[SG]["A27"].comment.text
    from xlperf.findings import Severity
    from xlperf.write.annotate import SEVERITY_COLORS

    assert wb[SG]["A27"].fill.fgColor.rgb.endswith(SEVERITY_COLORS[Severity.error])
    assert wb[SG]["B7"].comment is not None and "XP201" in wb[SG]["B7"].comment.text


def test_unaddressable_cells_are_skipped() -> None:
    """A finding (or a mark left in a submitted 校验结果 sheet) naming a cell openpyxl cannot address."""
    wb = load_workbook(SEED_XLSX)
    report = FileReport(path="x.xlsx", status="invalid",
                        findings=[_finding(SG, "ZZZZ1"), _finding(SG, "not a cell"), _finding(SG, "B7")])
    apply_findings(OpenpyxlSink(wb), report)
    assert wb[SG]["B7"].comment is not None


def test_cli_annotates_a_submission_with_merged_cells(tmp_path: Path) -> None:
    wb = load_workbook(SEED_XLSX)
    wb[SG].merge_cells("A7:B7")  # a required input is now inside a merged range (and empty: XP207 there)
    src = tmp_path / "合并单元格.xlsx"
    wb.save(src)
    located = [f for f in validate_file(src).findings if (f.sheet, f.cell) == (SG, "B7")]
    assert located, "the merged cell must carry a finding for this test to mean anything"
    out = tmp_path / "标注.xlsx"
    run = xlperf("validate", "-q", src, "--annotate", out)
    assert "Traceback" not in run.out + run.err
    assert run.code == 1, run.err
    note = load_workbook(out)[SG]["A7"].comment
    assert note is not None and located[0].code in note.text


def _styles_openpyxl_cannot_load(tmp_path: Path) -> Path:
    """The seed with a style sheet whose cell format points at fonts and fills that do not exist."""
    bad = (b"<styleSheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'><cellXfs count='1'>"
           b"<xf numFmtId='999999' fontId='77' fillId='88'/></cellXfs></styleSheet>")
    out = tmp_path / "坏样式.xlsx"
    with zipfile.ZipFile(SEED_XLSX) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, bad if info.filename == "xl/styles.xml" else zin.read(info.filename))
    return out


def test_file_openpyxl_cannot_load_still_gets_its_copy_rebuilt_from_the_template(tmp_path: Path) -> None:
    """Issue 20: a file the validator could read always gets its annotated copy; when openpyxl cannot load
    it, the copy is the template with the values the validator read, and says so."""
    from xlperf.write.annotate import REBUILT_NOTE

    src = _styles_openpyxl_cannot_load(tmp_path)
    expected = validate_file(src)
    assert expected.status == "invalid" and expected.findings  # the validator itself reads it
    before = sha256(src)
    out, rep = tmp_path / "标注.xlsx", tmp_path / "报告.xlsx"
    run = xlperf("validate", "-q", src, "--annotate", out, "--report", rep)
    assert "Traceback" not in run.out + run.err
    assert run.code == 1, run.err  # errors found, every output written
    assert "XP303" in run.out  # the validator's findings, all the same
    wb = load_workbook(out)
    assert REBUILT_NOTE in str(wb["校验结果"].cell(row=3, column=6).value)
    codes = [r[1] for r in wb["校验结果"].iter_rows(min_row=4, values_only=True) if r[1]]
    assert codes == [f.code for f in expected.findings]
    assert sha256(src) == before
    as_json = xlperf("validate", "-q", "--json", src, "--annotate", tmp_path / "标注2.xlsx")
    assert as_json.code == 1 and len(json.loads(as_json.out)["files"][0]["findings"]) == len(expected.findings)


def test_unreadable_file_gets_no_copy_and_says_so(tmp_path: Path) -> None:
    src = tmp_path / "坏.xlsx"
    src.write_bytes(b"PK\x03\x04 not really a zip")
    run = xlperf("validate", "-q", src, "--annotate", tmp_path / "标注.xlsx")
    assert run.code == 2 and "未写出标注副本" in run.err
    assert not (tmp_path / "标注.xlsx").exists()


def test_a_submitted_result_sheet_with_merged_cells_and_forged_marks(tmp_path: Path) -> None:
    wb = load_workbook(SEED_XLSX)
    ws = wb["校验结果"] if "校验结果" in wb.sheetnames else wb.create_sheet("校验结果")
    ws.merge_cells("A3:L9")
    ws.cell(row=20, column=12, value='["三公经费与政府采购", "ZZ99999999", "NOTACOLOR", "x"]')
    ws.cell(row=21, column=12, value='["没有这张表", "B7", null, null]')
    src = tmp_path / "伪造.xlsx"
    wb.save(src)
    out = tmp_path / "标注.xlsx"
    run = xlperf("validate", "-q", src, "--annotate", out)
    assert "Traceback" not in run.out + run.err
    assert run.code == 1, run.err
    result = load_workbook(out)["校验结果"]
    assert result.cell(row=3, column=1).value == "汇总"
