"""Hostile reports: each is one XP501 finding (or read within its bounds), never a crash; the submitted file
is never written; time and memory measured in fresh processes under RLIMIT_AS / RLIMIT_CPU, as in
tests/hostile/test_bounds.py (no wall-clock assertion)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from xlperf.ingest.docx import LIMITS, ReportUnreadable, read_report

from tests.hostile.helpers import MiB, run_limited
from .builders import EXAMPLE
from .hostile_docx import ENTITY_PROLOG, bomb, package, para, table


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("hostile")
    out = {
        "bomb": bomb(d / "bomb.docx"),
        "entities": package(d / "entities.docx", [para("&lol2;")], prolog=ENTITY_PROLOG),
        "huge-table": package(d / "huge-table.docx", table(30_000, 8)),
        "paragraphs": package(d / "paragraphs.docx", (para(f"第{i}项支出{i}.00万元，其中：甲{i}.00万元。")
                                                     for i in range(10_000))),
        "many-paragraphs": package(d / "many-paragraphs.docx", (para("文字") for _ in range(LIMITS.max_paragraphs + 5))),
        # what the real-report reading added: 分别 lists, amounts in words, ranges, text boxes inside text boxes
        "lists": package(d / "lists.docx", (para("、".join(["公务接待费", "人员经费及公用经费"] * 200) + "分别为"
                                                     + "、".join(["一百二十三万元", "百分之九十", "10-20万元"] * 300)
                                                     + "分别为" * 300) for _ in range(2_000))),
        "nested-boxes": package(d / "nested-boxes.docx", [_nested_boxes(30, i) for i in range(50)]),
    }
    (d / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    out["doc"] = d / "old.doc"
    (d / "report.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)  # a .doc renamed .docx
    out["renamed-doc"] = d / "report.docx"
    (d / "wps.wps").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    out["wps"] = d / "wps.wps"
    (d / "truncated.docx").write_bytes(out["paragraphs"].read_bytes()[:5000])
    out["truncated"] = d / "truncated.docx"
    (d / "empty.docx").write_bytes(b"")
    out["empty"] = d / "empty.docx"
    (d / "scan.pdf").write_bytes(_blank_pdf())
    out["scan"] = d / "scan.pdf"
    out["workbook"] = EXAMPLE
    return out


def _nested_boxes(depth: int, number: int) -> str:
    """A paragraph holding a text box's VML fallback holding a paragraph … ``depth`` times over."""
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    heads = "".join(f"<w:p {mc}><w:r><w:t>实际支出{k}.{number:02d}万元</w:t></w:r><w:r><mc:AlternateContent><mc:Fallback>"
                    "<w:txbxContent>" for k in range(depth))
    tail = "</w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    return heads + tail * depth


def _blank_pdf() -> bytes:
    """A one-page PDF without any text (what a scanner's image-only PDF reads as), written with pypdf."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("case, words", [
    ("bomb", "解压"), ("entities", "DOCTYPE"), ("doc", ".doc"), ("renamed-doc", ".doc"), ("wps", ".wps"),
    ("truncated", "损坏"), ("empty", "空文件"), ("scan", "扫描件"), ("workbook", "Excel 工作簿"),
])
def test_refused_with_a_chinese_message(case: str, words: str, cases: dict[str, Path]) -> None:
    with pytest.raises(ReportUnreadable) as err:
        read_report(cases[case])
    assert words in err.value.message, err.value.message


def test_bounded_reading(cases: dict[str, Path]) -> None:
    doc = read_report(cases["many-paragraphs"])
    assert len(doc.paragraphs) == LIMITS.max_paragraphs and "段落" in doc.truncated
    doc = read_report(cases["huge-table"])
    assert doc.truncated and sum(len(r) for t in doc.tables for r in t.rows) <= LIMITS.max_cells + 64
    doc = read_report(cases["paragraphs"])
    assert len(doc.paragraphs) == 10_000 and not doc.truncated
    doc = read_report(cases["nested-boxes"])  # only the outermost text of each is the document's
    assert [p.text for p in doc.paragraphs] == [f"实际支出0.{i:02d}万元" for i in range(50)]


def test_validate_reports_xp501_and_never_writes(cases: dict[str, Path]) -> None:
    from xlperf.validate import validate_with_context

    for case in ("bomb", "doc", "scan"):
        before = hashlib.sha256(cases[case].read_bytes()).hexdigest()
        rep, _ = validate_with_context(EXAMPLE, select=["XP5"], report_text=cases[case])
        assert [f.code for f in rep.findings] == ["XP501"], rep.findings
        assert rep.report_text is not None and rep.report_text.status == "unreadable"
        assert hashlib.sha256(cases[case].read_bytes()).hexdigest() == before


@pytest.mark.subprocess
@pytest.mark.parametrize("case", ["bomb", "entities", "huge-table", "paragraphs", "many-paragraphs", "lists",
                                  "nested-boxes"])
def test_time_and_memory_bounded(case: str, cases: dict[str, Path]) -> None:
    """The workbook and the report checked together in a fresh process limited to 512 MiB and 30 s of CPU."""
    out = run_limited(f"""
        from xlperf.validate import validate_with_context
        rep, _ = validate_with_context({str(EXAMPLE)!r}, report_text={str(cases[case])!r})
        peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) * 1024
        print(json.dumps({{"codes": [f.code for f in rep.findings], "rss": peak,
                          "text": rep.report_text.status if rep.report_text else None}}))
    """, cpu_seconds=30, memory=512 * MiB)
    assert "XP000" not in out["codes"], out
    assert out["text"] in ("checked", "unreadable") and out["rss"] < 512 * MiB
