"""The 退回修改通知 workbook prints legibly, measured from the PDF LibreOffice renders (pdfplumber's glyphs):
type of 9 pt or more (it was fitted to one page at ~7 pt), nothing cut or drawn over, every column on each
page (the widths fit the page), as many pages as the findings take, the column headers at the top of every
page, every 问题说明 whole, and rules shown with ≤ / ≥, never a program's ``<=``."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.workbook.helpers import seed_data
from xlperf.data.values import data_values
from xlperf.devtools.printcheck import PageMeasure, measure, to_pdf
from xlperf.findings import FileReport, notice_rows
from xlperf.loader import load_framework
from xlperf.review.returns import return_unit
from xlperf.validate import validate_file
from xlperf.write.template import write_template

pytestmark = pytest.mark.libreoffice
BODY_MIN_PT = 9.0
PROGRAM = re.compile(r"<=|>=|==|!=|abs\(|round\(|\b[a-z]+_[a-z_]+\b")


def _long(rep: FileReport, copies: int) -> FileReport:
    """The seed's findings as if found on ``copies`` times as many cells (a unit with many problems)."""
    findings = [f.model_copy(update={"cell": f"{f.cell}{k}" if f.cell else f.cell})
                for k in range(copies) for f in rep.findings]
    return rep.model_copy(update={"findings": findings})


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[FileReport, list[PageMeasure]]]:
    root = tmp_path_factory.mktemp("notice-print")
    fw = load_framework("futian-2021")
    # 公务接待费 spent above its budget: the audit rule (reception_actual <= reception_budget) fails too
    values = {**data_values(seed_data()), "reception_actual": Decimal("6.20")}
    seed = write_template(fw, root / "科技创新局.xlsx", values=values)
    rep = validate_file(seed, fw)
    assert rep.review == "revise"
    reports = {"seed": rep, "long": _long(rep, 6)}
    notices = {}
    for name, r in reports.items():
        folder = root / name
        folder.mkdir()
        unit = return_unit(r, folder, fw, set(), deadline="2099年3月31日")
        assert unit is not None and unit.problem is None
        notices[name] = Path(unit.notice).rename(root / f"{name}.xlsx")  # PDFs are named by the stem
    pdfs = to_pdf(list(notices.values()), root / "pdf")
    return {name: (reports[name], measure(pdf)) for name, pdf in zip(notices, pdfs, strict=True)}


@pytest.mark.parametrize("name", ["seed", "long"])
def test_every_page_reads(printed: dict[str, tuple[FileReport, list[PageMeasure]]], name: str) -> None:
    _, pages = printed[name]
    small = [(p.number, p.smallest) for p in pages if p.smallest is not None and p.smallest < BODY_MIN_PT]
    assert not small, small
    assert not [c for p in pages for c in p.clipped], [c for p in pages for c in p.clipped][:5]
    for p in pages:  # every column on every page: the table is not split across pages side by side
        flat = re.sub(r"\s+", "", p.text)
        assert all(head in flat for head in ("序号", "工作表", "单元格", "规则", "问题说明", "发现值", "应为")), \
            f"page {p.number} lacks the column headers: {flat[:80]}"
        assert not PROGRAM.search(p.text), PROGRAM.search(p.text)


def test_a_long_notice_runs_to_more_pages_with_every_message_whole(
        printed: dict[str, tuple[FileReport, list[PageMeasure]]]) -> None:
    rep, pages = printed["long"]
    assert len(pages) >= 3, len(pages)  # 6 × the seed's findings: the type keeps its size, the pages grow
    printed_text = re.sub(r"\s+", "", "".join(p.text for p in pages))
    fix, explain = notice_rows(rep)
    assert len(fix) + len(explain) >= 60
    for f in [*fix, *explain]:
        message = re.sub(r"\s+", "", f.message)
        assert printed_text.count(message[-12:]) >= 1, message  # the end of each message, not cut off


def test_the_seed_notice_shows_its_audit_rule_with_a_sign(
        printed: dict[str, tuple[FileReport, list[PageMeasure]]]) -> None:
    rep, pages = printed["seed"]
    text = "".join(p.text for p in pages)
    assert any(f.rule == "YS-05" for f in rep.findings)  # the audit rule on 公务接待费, in its 规则 column
    assert "YS-05 提示性：公务接" in text and "≤" in text, text[:600]
