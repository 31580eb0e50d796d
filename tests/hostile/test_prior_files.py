"""Last year's workbook (``xlperf template --prior``) and the prior-year record (XP322) are submitted files too.

Regression cases found by attacking the entry points beyond ``validate``: last year's cell holding 1E+30, 20
nines or 1E+999999999 made ``template --prior`` die with ``decimal.InvalidOperation`` (exit 3); -5, "1_000" or
"٣" were taken silently. A forged ``xlperf-prior-source`` record nested 20,000 deep was XP000; a recorded
1E+999999999 reached the JSON renderer and killed the whole batch's ``--json`` output (decimal.Overflow).
"""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from tests.validator.common import run_cli
from xlperf.findings import FileReport, Finding, Report, Severity
from xlperf.ingest.prior import read_prior, recorded_prior
from xlperf.validate import validate_file

from .helpers import EXAMPLE, Xlsx, fw, sha256, where

PRIOR_INPUT = "reception_actual"  # an input the shipped framework asks last year's figure of (prior: true)

# (case id, how it is stored: "text" or "number", the stored text, words the refusal must hold)
LAST_YEAR = [
    ("huge-exponent", "number", "1E+999999999", "超出合理范围"),
    ("huge-exponent-text", "text", "1E+999999999", "超出合理范围"),
    ("1e30", "number", "1E+30", "超出合理范围"),
    ("twenty-nines", "number", "9" * 20, "超出合理范围"),
    ("tiny-exponent", "number", "1E-999999", "超出合理范围"),
    ("negative", "number", "-5", "负数"),
    ("three-decimals", "number", "1.234", "两位小数"),
    ("underscore", "text", "1_000", "不是数字"),
    ("arabic-indic", "text", "٣", "不是数字"),
    ("nan", "text", "NaN", "不是数字"),
]


def _last_year(tmp_path: Path, how: str, stored: str) -> Path:
    sheet, cell = where(PRIOR_INPUT)
    book = Xlsx(EXAMPLE)
    if how == "text":
        book.set(sheet, cell, stored)
    else:
        book.set_number_text(sheet, cell, stored)
    return book.save(tmp_path / f"上年-{abs(hash(stored))}.xlsx")


@pytest.mark.parametrize("case", LAST_YEAR, ids=[c[0] for c in LAST_YEAR])
def test_last_years_cell_is_read_as_the_validator_reads_it(case: tuple[str, str, str, str], tmp_path: Path) -> None:
    _cid, how, stored, words = case
    path = _last_year(tmp_path, how, stored)
    prior = read_prior(fw(), path)
    name = "prev_" + PRIOR_INPUT
    sheet, cell = where(PRIOR_INPUT)
    assert name not in prior.values and name in prior.unmatched
    assert prior.refused[name].startswith(f"{sheet}!{cell}：") and words in prior.refused[name], prior.refused


def test_template_prior_refuses_the_cell_and_says_where(tmp_path: Path) -> None:
    path = _last_year(tmp_path, "number", "1E+30")
    digest = sha256(path)
    out = tmp_path / "本年.xlsx"
    code, stdout, stderr = run_cli(["template", "-o", out, "--prior", path])
    assert code == 0 and "Traceback" not in stderr and "内部错误" not in stderr, stderr
    sheet, cell = where(PRIOR_INPUT)
    assert f"未取用，上年文件 {sheet}!{cell}：数值 1E+30 超出合理范围" in stdout, stdout
    from openpyxl import load_workbook

    psheet, pcell = where("prev_" + PRIOR_INPUT)
    assert load_workbook(out)[psheet][pcell].value is None  # nothing guessed into this year's workbook
    assert sha256(path) == digest


def _with_record(tmp_path: Path, name: str, record_text: str) -> Path:
    """The example with a forged ``xlperf-prior-source`` custom property (the text as given, escaped)."""
    from xml.sax.saxutils import escape

    book = Xlsx(EXAMPLE)
    book.parts["docProps/custom.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
        f'name="xlperf-prior-source"><vt:lpwstr>{escape(record_text)}</vt:lpwstr></property></Properties>').encode()
    book.order.append("docProps/custom.xml")
    return book.save(tmp_path / f"{name}.xlsx")


RECORDS = [  # (case id, the record's text): none of them is a record a template wrote
    ("nested-20000", "[" * 20_000),
    ("huge-exponent", json.dumps({"values": {"prev_reception_actual": "1E+999999999"}})),
    ("4000-digit-int", '{"values": {"prev_reception_actual": 1' + "0" * 4000 + "}}"),
    ("nan", json.dumps({"values": {"prev_reception_actual": "NaN"}})),
    ("infinity", json.dumps({"values": {"prev_reception_actual": "Infinity"}})),
    ("1e30", json.dumps({"values": {"prev_reception_actual": "1E+30"}})),
    ("values-a-list", json.dumps({"values": [1, 2]})),
    ("key-not-text", '{"values": {"1": 2}}'),
]


@pytest.mark.parametrize("case", RECORDS, ids=[c[0] for c in RECORDS])
def test_forged_prior_record_is_no_record(case: tuple[str, str], tmp_path: Path) -> None:
    cid, text = case
    path = _with_record(tmp_path, cid, text)
    assert not recorded_prior(path)
    rep = validate_file(path)
    assert not [f for f in rep.findings if f.code in ("XP000", "XP322")], [(f.code, f.message) for f in rep.findings]
    code, stdout, stderr = run_cli(["validate", "-q", "--json", path])
    assert code == 1 and "内部错误" not in stderr, stderr
    assert json.loads(stdout)["files"][0]["status"] == "invalid"  # the seed's own findings


def test_a_valid_record_still_counts(tmp_path: Path) -> None:
    path = _with_record(tmp_path, "ok", json.dumps({"values": {"prev_reception_actual": "1.64"}}))
    assert recorded_prior(path) == {"prev_reception_actual": Decimal("1.64")}
    assert any(f.code == "XP322" for f in validate_file(path).findings)  # the example's cell is empty


@pytest.mark.parametrize("case", [("ok", json.dumps({"values": {"prev_reception_actual": "1.64"}})), *RECORDS[:4]],
                         ids=["ok", *[c[0] for c in RECORDS[:4]]])
def test_the_record_read_from_the_book_is_the_files(case: tuple[str, str], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """XP322 takes the custom properties part the reader kept (the file is not opened a third time): the same
    record, or the same absence of one, as reading the file."""
    from xlperf.ingest.reader import read_workbook

    path = _with_record(tmp_path, case[0], case[1])
    expected = recorded_prior(path)
    book = read_workbook(path).book
    assert book.custom_known

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("the file was opened again")

    monkeypatch.setattr(zipfile, "ZipFile", refused)
    assert recorded_prior(path, book) == expected


ABSURD = [Decimal("1E+999999999"), Decimal("-1E+999999999"), Decimal("1E-999999999"), Decimal("NaN"),
          Decimal("sNaN"), Decimal("Infinity"), 10**4000, float("inf"), float("nan"), 1e300]


def test_absurd_numbers_in_a_finding_reach_every_output_as_short_text(tmp_path: Path) -> None:
    """Whatever a check puts into found/expected, JSON, terminal, report, annotated copy and notice are written."""
    from xlperf.write.annotate import annotate_copy
    from xlperf.render.excel import write_report
    from xlperf.render.json import report_dict
    from xlperf.render.text import print_report
    from xlperf.review.returns import write_returns

    findings = [Finding(code="XP301", name="stated-sum-mismatch", severity=Severity.error, message="金额不符",
                        sheet="预算编制", cell="B7", found=v, expected=v) for v in ABSURD]
    for f in findings:
        assert not isinstance(f.found, Decimal) or f.found.is_finite() and abs(f.found.adjusted()) <= 30
        assert len(str(f.found)) <= 32
    rep = FileReport(path=str(EXAMPLE), status="invalid", framework="futian-2021", department="科技局", year=2021,
                     findings=findings)
    files = report_dict(Report(files=[rep]))["files"]
    assert len(files[0]["findings"]) == len(ABSURD)
    json.dumps(files, allow_nan=False)
    from io import StringIO

    from rich.console import Console

    print_report(Report(files=[rep]), Console(file=StringIO(), width=120))
    write_report(Report(files=[rep]), tmp_path / "报告.xlsx")
    annotate_copy(EXAMPLE, tmp_path / "标注.xlsx", rep)
    written, _ = write_returns([rep], tmp_path / "退回", fw())
    assert written and written[0].problem is None
    for out in (tmp_path / "报告.xlsx", tmp_path / "标注.xlsx", written[0].notice):
        assert _numeric_cells_are_finite(out), out.name


def _numeric_cells_are_finite(path: Path) -> bool:
    """Every number cell of every sheet holds a finite number Excel can read (not inf, nan or 1E+999999999)."""
    import math

    from lxml import etree

    m = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            for c in etree.fromstring(zf.read(name)).iter(f"{m}c"):
                v = c.find(f"{m}v")
                if c.get("t", "n") == "n" and v is not None and not math.isfinite(float(v.text)):
                    return False
                if c.get("t", "n") == "n" and v is not None and abs(float(v.text)) > 1e22:
                    return False
    return True
