"""Every printed page of every output reads: each output is rendered to PDF by LibreOffice and measured from
the PDF itself (pdfplumber: every glyph's size and position), never from the page setup.

Outputs: the blank template, a filled workbook (form sheets, 评分表), an annotated copy (校验结果), the
校验报告 (``validate --report``), the 汇总 and the 退回修改通知 (``consolidate -o --returns``)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.futian_random import random_department
from tests.validator.common import CORPUS, run_cli
from tests.workbook.helpers import seed_data
from xlperf.data.values import data_values
from xlperf.devtools.printcheck import PageMeasure, measure, to_pdf
from xlperf.loader import load_framework
from tests.support.templates import template_copy

pytestmark = pytest.mark.libreoffice
BODY_MIN_PT = 9.0
DEPARTMENTS = 8
UNREADABLE = "福田区文化广电旅游体育局-绩效自评.xlsx"
EXPRESSION = re.compile(r"<=|>=|==|!=|abs\(|round\(|\b[a-z]+_[a-z_]+\b")


@dataclass(frozen=True)
class Outputs:
    pages: dict[str, list[PageMeasure]]  # output name → its measured pages
    findings: dict[str, int]  # department → number of findings (校验报告 pages)
    summary: list[tuple[int, str, str]]  # the 校验报告's 汇总 rows: 序号, 部门, 问题明细 (查看 | 无问题)
    notice_xlsx: tuple[Path, Path]  # a 退回修改通知 workbook and its PDF (its type and pages: test_notice_workbook.py)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    root = tmp_path_factory.mktemp("legible")
    fw = load_framework("futian-2021")
    inbox = root / "收件箱"
    for s in range(DEPARTMENTS):
        template_copy(fw, inbox / f"dept{s:02d}.xlsx", values=data_values(random_department(fw, s)))
    seed = template_copy(fw, inbox / "科技创新局.xlsx", values=data_values(seed_data()))  # the example's errors
    shutil.copy(CORPUS / "truncated.xlsx", inbox / UNREADABLE)
    files = {"blank": template_copy(fw, root / "blank.xlsx"), "example": root / "example.xlsx",
             "annotated": root / "annotated.xlsx", "report": root / "report.xlsx",
             "consolidation": root / "consolidation.xlsx"}
    shutil.copy(seed, files["example"])
    run_cli(["validate", "-q", str(files["example"]), "--annotate", str(files["annotated"])])
    run_cli(["validate", "-q", str(inbox), "--report", str(files["report"])])
    code, _, err = run_cli(["consolidate", "-q", str(inbox), "-o", str(files["consolidation"]), "--returns",
                            str(root / "退回"), "--deadline", "2099年3月31日", "--office", "福田区财政局预算绩效管理科",
                            "--contact", "张三 0755-82918000"])
    assert code == 1, err
    notices = sorted((root / "退回").glob("*-退回修改通知.docx"))
    assert len(notices) >= 3
    named = {**{k: v for k, v in files.items()}, **{f"notice:{p.stem}": p for p in notices}}
    # copied under another name: the PDF is named by the stem, which the unit's .docx notice shares
    notice_xlsx = Path(shutil.copy(sorted((root / "退回").glob("*-退回修改通知.xlsx"))[0], root / "通知工作簿.xlsx"))
    *pdfs, notice_pdf = to_pdf([*named.values(), notice_xlsx], root / "pdf")
    from xlperf.validate import validate_file

    findings = {}
    for p in sorted(inbox.iterdir()):
        rep = validate_file(p, fw)
        findings[rep.department or p.name] = len(rep.findings)
    from openpyxl import load_workbook

    ws = load_workbook(files["report"], read_only=True)["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    col = {h: i for i, h in enumerate(rows[0])}
    summary = [(int(r[col["序号"]]), str(r[col["部门"]] or ""), str(r[col["问题明细"]])) for r in rows[1:]]
    yield Outputs({k: measure(pdf) for k, pdf in zip(named, pdfs, strict=True)}, findings, summary,
                  (notice_xlsx, notice_pdf))


def _all(outputs: Outputs) -> Iterator[tuple[str, PageMeasure]]:
    for name, pages in outputs.pages.items():
        for page in pages:
            yield name, page


def test_every_page_has_body_text_of_9_pt_or_more(outputs: Outputs) -> None:
    small = [f"{name} 第 {p.number} 页：{p.smallest} pt（{p.text.strip()[:20]}）"
             for name, p in _all(outputs) if p.smallest is not None and p.smallest < BODY_MIN_PT]
    assert not small, "\n".join(small)


def test_no_text_is_clipped_or_runs_past_the_page(outputs: Outputs) -> None:
    clipped = [f"{name} 第 {p.number} 页：{'；'.join(p.clipped[:3])}" for name, p in _all(outputs) if p.clipped]
    assert not clipped, "\n".join(clipped)


def test_no_number_prints_as_hashes(outputs: Outputs) -> None:
    """A number wider than its column prints as ### (the 汇总's 年度 2021 in a column 4 wide did)."""
    hashed = [f"{name} 第 {p.number} 页" for name, p in _all(outputs) if "###" in p.text]
    assert not hashed, hashed


def test_notice_workbook_prints_every_message_whole(outputs: Outputs) -> None:
    """The 退回修改通知 workbook's rows are as high as their wrapped 问题说明 (they printed one line each)."""
    from openpyxl import load_workbook

    ws = load_workbook(outputs.notice_xlsx[0], read_only=True).worksheets[0]
    messages = [str(row[4]) for row in ws.iter_rows(values_only=True) if len(row) > 4 and row[0] is not None
                and isinstance(row[0], int) and row[4]]
    assert messages and max(len(m) for m in messages) > 60  # long enough to wrap in its column
    printed = re.sub(r"\s+", "", "".join(p.text for p in measure(outputs.notice_xlsx[1])))

    def whole(message: str) -> bool:  # every character in order, close together (a cut cell loses its end)
        text = re.sub(r"\s+", "", message)
        pos = printed.find(text[:8])
        for ch in text:
            pos = printed.find(ch, pos) if pos >= 0 else -1
            if pos < 0:
                return False
            pos += 1
        return True

    cut = [m for m in messages if not whole(m)]
    assert not cut, cut


HEADING = re.compile(r"(?m)^\s*(\d+)\.\s*(.*?)\s*文件：")
FINDING = re.compile(r"\bXP\d{3}\b")


def test_report_has_a_section_per_department_with_findings_and_no_page_for_a_clean_one(outputs: Outputs) -> None:
    """One 问题明细 sheet: the sections in the 汇总's order, one per file with findings, none for a clean
    file; no page of headers alone; no section heading at the foot of a page without its first finding."""
    pages = outputs.pages["report"]
    detail = [p.text for p in pages if p.text.lstrip().startswith("校验问题明细")]
    assert detail and pages[-len(detail):] == [p for p in pages if p.text in detail]  # the last sheet, unbroken
    clean = {d for d, n in outputs.findings.items() if n == 0}
    assert clean and len(clean) < len(outputs.findings)  # the fixture has both kinds
    # the 汇总 agrees with the independent validation: 无问题 exactly for the clean files
    assert {d for _, d, link in outputs.summary if link == "无问题"} == clean
    wanted = [seq for seq, _, link in outputs.summary if link == "查看"]
    headings = [(int(m[1]), re.sub(r"\s+", "", m[2])) for text in detail for m in HEADING.finditer(text)]
    assert [seq for seq, _ in headings] == wanted, headings
    names = {seq: re.sub(r"\s+", "", name) for seq, name, _ in outputs.summary}
    assert all(name.startswith(names[seq]) for seq, name in headings if names[seq]), headings
    flat = re.sub(r"\s+", "", "".join(detail))
    assert not any(d and d in flat for d in clean), "a clean file has a section"
    for n, text in enumerate(detail, start=1):
        assert FINDING.search(text), f"问题明细 page {n} holds no finding (headers only)"
        last = list(HEADING.finditer(text))
        if last:
            assert FINDING.search(text, last[-1].end()), f"page {n} ends with the heading of section {last[-1][1]}"


def test_notice_is_one_page_official_and_plain(outputs: Outputs) -> None:
    notices = {k: v for k, v in outputs.pages.items() if k.startswith("notice:")}
    for name, pages in notices.items():
        assert len(pages) == 1, f"{name}: {len(pages)} pages"
        text = pages[0].text
        flat = re.sub(r"\s+", "", text)
        for part in ("退回修改通知", "福田区财政局预算绩效管理科", "张三0755-82918000", "2099年3月31日", "特此通知"):
            assert part in flat, f"{name} lacks {part}"
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", flat), f"{name}: no date"
        assert not EXPRESSION.search(text), f"{name}: {EXPRESSION.search(text)}"
    unreadable = next(v for k, v in notices.items() if k.startswith("notice:福田区文化广电旅游体育局"))
    assert "福田区文化广电旅游体育局：" in re.sub(r"\s+", "", unreadable[0].text)
    seed = next(v for k, v in notices.items() if "科技创新局" in k)[0].text
    assert "“预算编制”表" in seed and "B17" in seed  # sheet and cell of what to fix


def test_count_charts_tick_whole_units(outputs: Outputs) -> None:
    """The 汇总's charts of unit counts (等级分布, 不通过最多的审核规则) mark whole units: LibreOffice drew 0.5 steps
    for a few units, and 0.1 steps up to 1 when no unit was counted."""
    charts = [p for p in outputs.pages["consolidation"]  # each chart on a page of its own, its title on top
              if p.text.strip().startswith(("等级分布（计算总分）", "不通过最多的审核规则"))]
    assert len(charts) == 2, [p.text[:40] for p in charts]
    fractions = [f"第 {p.number} 页：{m}" for p in charts for m in re.findall(r"(?<![\d.])\d+\.\d+(?![\d.])", p.text)]
    assert not fractions, fractions
