"""The bureau's report workbook: one summary row per file, findings per file, a score distribution chart."""

from __future__ import annotations

import math
import re
from pathlib import Path

from xlperf.findings import Report, plain_value
from xlperf.safe_io import mark_workbook, write_atomically
from xlperf.safe_text import put, put_row, xml_text
from xlperf.write.printfit import fit_table, page_setup

__all__ = ["write_report"]

PER_FILE_SHEETS_MAX = 200
_BAD = re.compile(r"[\[\]:*?/\\']")
BINS = [0, 60, 70, 80, 90, 95, 100.0001]
BIN_LABELS = ["<60", "60–70", "70–80", "80–90", "90–95", "≥95"]


def _print_setup(ws: object, title_rows: str | None, landscape: bool = True) -> None:
    """A4, fit to the page width only; header rows repeated where the table continues."""
    page_setup(ws, "landscape" if landscape else "portrait", title_rows)


def _count_axis(axis: object, largest: int) -> None:
    """A count axis: whole numbers only (1, 2, 3 … departments, never 0.2, 0.4 …), visible in Excel."""
    axis.majorUnit = 1 if largest <= 10 else math.ceil(largest / 10)  # type: ignore[attr-defined]
    axis.number_format = "0"  # type: ignore[attr-defined]
    axis.scaling.min = 0  # type: ignore[attr-defined]
    axis.delete = False  # type: ignore[attr-defined]


def _sheet_title(i: int, name: str) -> str:
    return f"{i:04d} {_BAD.sub('', xml_text(name, 64))}"[:31]


def write_report(report: Report, out: str | Path, *, protect: tuple[Path, ...] = ()) -> Path:
    """Write the report to ``out`` (through a temporary file; nothing partial is left on failure).

    Every text cell is written as a string, never a formula, whatever the submitted files contain;
    the workbook is marked as xlperf's output so a later folder run skips it.
    """
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.data_source import AxDataSource, NumData, NumVal, StrData, StrRef, StrVal
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    out = Path(out)
    rows = [{
        "序号": i, "部门": rep.department or "", "年度": rep.year, "计算总分": plain_value(rep.total_computed),
        "自评总分": plain_value(rep.total_self), "差异": float(rep.total_self - rep.total_computed)
        if rep.total_self is not None and rep.total_computed is not None else None,
        "错误": rep.errors, "警告": rep.warnings, "审核结论": rep.review_zh,
        "文件": rep.path,
    } for i, rep in enumerate(report.files, start=1)]
    df = pd.DataFrame(rows, columns=["序号", "部门", "年度", "计算总分", "自评总分", "差异", "错误", "警告", "审核结论", "文件"])
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = "汇总"
    header_fill, bold = PatternFill("solid", fgColor="305496"), Font(bold=True, color="FFFFFF")
    columns = [*list(df.columns), "问题明细"]
    for col, name in enumerate(columns, start=1):
        cell = put(ws, 1, col, name)
        cell.fill, cell.font = header_fill, bold
    per_file = len(report.files) <= PER_FILE_SHEETS_MAX
    detail = None if per_file else wb.create_sheet("问题明细")
    if detail is not None:
        put_row(detail, ["序号", "文件", "代码", "严重程度", "工作表", "单元格", "说明", "发现值", "应为", "规则编号",
                         "出错说明"])
    for r, (rep, record) in enumerate(zip(report.files, df.itertuples(index=False), strict=True), start=2):
        for c, value in enumerate(record, start=1):
            put(ws, r, c, None if pd.isna(value) else value)
        link_cell = put(ws, r, len(columns), "查看")
        if per_file and not rep.findings:
            link_cell.value = "无问题"  # no page of its own: a clean file is one line of the summary
            continue
        if per_file:
            fws = wb.create_sheet(_sheet_title(r - 1, rep.department or Path(rep.path).stem))
            put_row(fws, [f"{rep.department or '（未填单位名称）'}　文件：{Path(rep.path).name}　"
                          f"审核结论：{rep.review_zh}"])
            fws.merge_cells("A1:I1")
            put_row(fws, ["代码", "严重程度", "工作表", "单元格", "说明", "发现值", "应为", "规则编号", "出错说明"])
            for f in rep.findings:
                put_row(fws, [f.code, f.severity.zh, f.sheet, f.cell, f.message, plain_value(f.found),
                              plain_value(f.expected), f.rule, f.explanation])
            fit_table(fws, (7, 8, 14, 7, 60, 10, 10, 9, 30), first_row=2, title_rows="1:2")
            fws.row_dimensions[1].height = 20
            target = f"'{fws.title}'!A1"
        else:
            assert detail is not None
            target = f"'问题明细'!A{detail.max_row + 1}"
            for f in rep.findings:
                put_row(detail, [r - 1, rep.path, f.code, f.severity.zh, f.sheet, f.cell, f.message,
                                 plain_value(f.found), plain_value(f.expected), f.rule, f.explanation])
            if not rep.findings:
                put_row(detail, [r - 1, rep.path, "", "", "", "", "（未发现问题）"])
        link_cell.hyperlink = Hyperlink(ref=link_cell.coordinate, location=target)
        link_cell.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "A2"
    fit_table(ws, (5, 24, 6, 9, 9, 7, 6, 6, 9, 36, 14, 8), title_rows="1:1")
    if detail is not None:
        fit_table(detail, (5, 24, 7, 8, 12, 7, 50, 10, 10, 9, 24), title_rows="1:1")
    ws.auto_filter.ref = f"A1:{chr(ord('A') + len(columns) - 1)}{len(rows) + 1}"
    # Score distribution
    dist = wb.create_sheet("得分分布", 1)
    scores = pd.to_numeric(df["计算总分"], errors="coerce").dropna()
    counts = pd.cut(scores, bins=BINS, labels=BIN_LABELS, right=False).value_counts().reindex(BIN_LABELS, fill_value=0)
    put_row(dist, ["计算总分区间", "部门数"])
    for label, n in counts.items():
        put_row(dist, [str(label), int(n)])
    put_row(dist, ["平均分", round(float(scores.mean()), 2) if len(scores) else None], row=dist._current_row + 2)
    put_row(dist, ["中位数", round(float(scores.median()), 2) if len(scores) else None])
    chart = BarChart()
    chart.title = "计算总分分布"
    chart.y_axis.title = "部门数"
    chart.add_data(Reference(dist, min_col=2, min_row=1, max_row=1 + len(BIN_LABELS)), titles_from_data=True)
    cats = Reference(dist, min_col=1, min_row=2, max_row=1 + len(BIN_LABELS))
    cache = StrData(ptCount=len(BIN_LABELS), pt=[StrVal(idx=i, v=t) for i, t in enumerate(BIN_LABELS)])
    numbers = NumData(ptCount=len(BIN_LABELS), pt=[NumVal(idx=i, v=int(n)) for i, n in enumerate(counts)])
    for series in chart.series:  # text categories as text (openpyxl would write numRef); caches for previews
        series.cat = AxDataSource(strRef=StrRef(f=str(cats), strCache=cache))
        series.val.numRef.numCache = numbers
    _count_axis(chart.y_axis, int(counts.max()) if len(counts) else 0)
    chart.x_axis.delete = False
    chart.legend = None
    dist.column_dimensions["A"].width = 14
    dist.add_chart(chart, "D2")
    _print_setup(dist, None)
    mark_workbook(wb, "report")
    return write_atomically(out, wb.save, what="报告文件", protect=protect)


