"""The Word 退回修改通知's words, without rendering (the PDF is measured in tests/print/test_legible.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from docx import Document

from tests.validator.common import CORPUS, SEED_XLSX
from xlperf.findings import FileReport, Finding, Severity
from xlperf.loader import load_framework
from xlperf.validate import validate_file
from xlperf.write.notice_docx import NoticeOptions, notice_paragraphs, unit_name, write_notice_docx

OPTIONS = NoticeOptions(office="福田区财政局", contact="李四 0755-1234", deadline="2022年4月1日", date=dt.date(2022, 3, 20))


def _text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_notice_says_who_what_where_and_by_when(tmp_path: Path) -> None:
    fw = load_framework("futian-2021")
    rep = validate_file(SEED_XLSX, fw)
    text = _text(write_notice_docx(rep, fw, tmp_path / "n.docx", OPTIONS))
    for part in ("退回修改通知", "深圳市福田区科技创新局：", "福田区财政局", "2022年3月20日", "李四 0755-1234",
                 "2022年4月1日", "“预算编制”表", "B17", "合计与分项之和不符"):
        assert part in text, part


def test_rule_expressions_never_reach_the_notice() -> None:
    bad = Finding(code="XP320", severity=Severity.error, sheet="资产", cell="B7", rule="ZC-01",
                  message="abs(fixed_assets_total - fixed_assets_sum) <= 0.01 不成立")
    rep = FileReport(path="x/甲局.xlsx", status="ok", department="甲局", findings=[bad])
    items = notice_paragraphs(rep, None, OPTIONS)["items"]
    assert isinstance(items, list) and len(items) == 1
    words = items[0][2]
    assert not re.search(r"<=|abs\(|[a-z]+_[a-z]+", words), words
    assert "强制性审核不通过（审核规则 ZC-01）" in words and "不大于" in words


def test_unreadable_file_is_addressed_by_its_file_name(tmp_path: Path) -> None:
    target = tmp_path / "福田区文化广电旅游体育局-2021年绩效自评.xlsx"
    target.write_bytes((CORPUS / "truncated.xlsx").read_bytes())
    rep = validate_file(target, load_framework("futian-2021"))
    assert rep.status == "error" and unit_name(rep) == "福田区文化广电旅游体育局"
    text = _text(write_notice_docx(rep, None, tmp_path / "n.docx", OPTIONS))
    assert "福田区文化广电旅游体育局：" in text and "无法读取" in text
