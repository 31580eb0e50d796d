"""Highlights are undone even after the department deleted 校验结果 (issue: a finance officer's day).

The record of each highlight lives in the very hidden sheet xlperf_marks, which deleting 校验结果 does not
touch; when every record is gone, the next run finds our highlights by colour and note and restores the
template's fill (see test_annotate_records.py). Expected fills come from a freshly generated template (the
same framework, an independent build)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment

from xlperf.write.annotate import SEVERITY_COLORS, OpenpyxlSink, annotate_copy, apply_findings
from xlperf.findings import FileReport
from xlperf.validate import validate_file
from xlperf.plan.layout import RESULT_SHEET

from .helpers import REPO

SEED = REPO / "workbooks" / "examples" / "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"
TEMPLATE = REPO / "workbooks" / "futian-2021.xlsx"


def _rgb(cell: object) -> str | None:
    fill = cell.fill  # type: ignore[attr-defined]
    if fill is None or fill.fill_type != "solid":
        return None
    return fill.fgColor.rgb[-6:] if isinstance(fill.fgColor.rgb, str) else None


def test_highlights_are_undone_after_the_results_sheet_was_deleted(tmp_path: Path) -> None:
    report = validate_file(SEED)
    targets = sorted({(f.sheet, f.cell) for f in report.findings if f.sheet and f.cell})
    assert len(targets) >= 5
    # the department had its own note on the first flagged cell
    source = load_workbook(SEED)
    sheet0, cell0 = targets[0]
    source[sheet0][cell0].comment = Comment("部门自己的批注", "财务科")
    with_note = tmp_path / "with-note.xlsx"
    source.save(with_note)

    annotated = annotate_copy(with_note, tmp_path / "annotated.xlsx", validate_file(with_note))
    wb = load_workbook(annotated)
    assert all(_rgb(wb[s][c]) in SEVERITY_COLORS.values() for s, c in targets)
    del wb[RESULT_SHEET]  # the guide says it may be deleted

    apply_findings(OpenpyxlSink(wb), FileReport(path="x", status="ok", framework=report.framework))
    template = load_workbook(TEMPLATE)
    for s, c in targets:
        assert _rgb(wb[s][c]) == _rgb(template[s][c]), (s, c)
        if (s, c) == (sheet0, cell0):
            assert wb[s][c].comment is not None and wb[s][c].comment.text == "部门自己的批注"
        else:
            assert wb[s][c].comment is None, (s, c, wb[s][c].comment.text)


def test_a_users_own_colour_is_left_alone(tmp_path: Path) -> None:
    """A cell the user coloured like our highlight but with a note of their own is not ours to undo."""
    wb = load_workbook(SEED)
    sheet, cell = next((f.sheet, f.cell) for f in validate_file(SEED).findings if f.sheet and f.cell)
    from openpyxl.styles import PatternFill

    wb[sheet][cell].fill = PatternFill("solid", fgColor=SEVERITY_COLORS[next(iter(SEVERITY_COLORS))])
    wb[sheet][cell].comment = Comment("我自己标的颜色", "财务科")
    del wb[RESULT_SHEET]
    apply_findings(OpenpyxlSink(wb), FileReport(path="x", status="ok", framework="futian-2021"))
    assert _rgb(wb[sheet][cell]) in SEVERITY_COLORS.values() and wb[sheet][cell].comment.text == "我自己标的颜色"
