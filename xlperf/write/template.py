"""Write the standard evaluation workbook for a framework (openpyxl), optionally pre-filled.

Everything comes from the plan (positions, formulas) and the catalogue (labels, units, kinds): no
hand-made binary template. Inputs are defined names, unlocked, validated and explained; every other
cell is locked by sheet protection without a password.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrData, StrRef, StrVal
from openpyxl.chart.legend import Legend
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from xlperf.compiled import catalog, plan_for
from xlperf.dates import DATE_MAX, DATE_MIN
from xlperf.engine.rules import fmt_pts
from xlperf.expr import parse
from xlperf.framework.form import Block as FormBlock
from xlperf.framework.form import PageSetup
from xlperf.framework.models import Framework
from xlperf.plan.formulas import (
    BOOL_KINDS,
    CHART_COLS,
    FIRST_ROW,
    FORM_COLS,
    GRID_FIRST_COL,
    SCORE_COLS,
    Plan,
    column_range_name,
)
from xlperf.plan.layout import CHART_SHEET, GUIDE_SHEET, RESULT_SHEET, SCORE_SHEET
from xlperf.plan.names import NameSpec
from xlperf.write.cached import cache_results
from xlperf.write.printfit import (
    NARROW,
    fitted_widths,
    keep_sections_together,
    page_footer,
    print_scale,
    text_units,
)

__all__ = ["RESULT_HEADERS", "build_workbook", "text_lines", "write_template"]

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
STATED_FILL = PatternFill("solid", fgColor="DDEBF7")
COMPUTED_FILL = PatternFill("solid", fgColor="E2EFDA")
HEADER_FILL = PatternFill("solid", fgColor="305496")
BLOCK_FILL = PatternFill("solid", fgColor="D9E1F2")
MISMATCH_FILL = PatternFill("solid", fgColor="F8CBAD")
TEXT_NUMBER_FILL = PatternFill("solid", fgColor="FFC000")
NUMERIC_KINDS = ("money", "rate", "points", "count", "int", "date")
LINE_PT = 16.0
"""Height of one wrapped line of 11-point text in points (CJK fonts are taller than Latin ones)."""
HEADER_FONT = Font(bold=True, color="FFFFFF")
BOLD = Font(bold=True)
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
CENTER_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
PLAIN = Font()

NUMBER_FORMATS = {"money": "#,##0.00", "rate": "0.00%", "points": "0.00", "count": "0", "int": "0",
                  "flag": "@", "bool": "@", "tier": "@", "text": "@", "date": "yyyy-mm-dd"}
FIXED_TIME = datetime(2000, 1, 1)
RESULT_HEADERS = ("序号", "代码", "严重程度", "工作表", "单元格", "说明", "发现值", "应为", "规则编号",
                  "出错说明（提示性问题请在此填写原因和依据）")
YES_NO = '"是,否"'


def _dxf(fill: PatternFill) -> PatternFill:
    """A conditional format's fill: Excel takes a solid conditional fill from bgColor, LibreOffice from
    fgColor, so both are set."""
    color = fill.fgColor.rgb
    return PatternFill(fill_type="solid", fgColor=color, bgColor=color)


def text_lines(text: object, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (a CJK character is two units)."""
    per_line = max(1.0, width - 1.5)  # cell padding
    lines = 0
    for para in str(text).split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in para)
        lines += max(1, math.ceil(units / per_line))
    return lines


_TEXT_CALL = re.compile(r'TEXT\([^"]*?,"([^"]*)"\)')
_LITERAL = re.compile(r'"([^"]*)"')


def shown_text(formula: str) -> str:
    """The widest text a formula of literals joined with ``TEXT(x, "0.00%")`` shows, each TEXT as its widest
    value (100.00%): the 计算过程 column's text is a formula, and its row must be as high as it will be."""
    sample = _TEXT_CALL.sub(lambda m: '"100' + m.group(1).lstrip("0") + '"', formula)
    return "".join(_LITERAL.findall(sample))


def _fit_row(ws: Worksheet, row: int, cells: Sequence[tuple[object, float]]) -> None:
    """Set a row's height so every wrapped text in it shows in full on screen and on paper."""
    lines = max((text_lines(text, width) for text, width in cells if text not in (None, "")), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = min(409.0, lines * LINE_PT + 4)


def _absolute(cell: str) -> str:
    col = cell.rstrip("0123456789")
    return f"${col}${cell[len(col):]}"


def _text_number_rule(ws: Worksheet, coordinate: str, top_left: str | None = None) -> None:
    """A number typed as text shows amber: the sheet's formulas read it as 0, and so does the validator.

    ``coordinate`` may be a column's range: the formula names its top-left cell, relative, as Excel expects."""
    ws.conditional_formatting.add(coordinate, FormulaRule(formula=[f"ISTEXT({top_left or coordinate})"],
                                                          fill=_dxf(TEXT_NUMBER_FILL), stopIfTrue=True))


def write_template(fw: Framework, out: str | Path, *, year: int | None = None, flavour: str = "native",
                   values: Mapping[str, Any] | None = None) -> Path:
    """Build and save the workbook; ``values`` pre-fills inputs by name (examples, tests)."""
    wb = build_workbook(fw, year=year, flavour=flavour, values=values)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    cache_results(out, fw, plan_for(fw, flavour))  # previews that never recalculate still show scores and charts
    return out


_STYLE_COLLECTIONS = ("_fonts", "_fills", "_borders", "_alignments", "_protections")
"""The workbook's style lists openpyxl's cell style descriptors add to (openpyxl.styles.styleable)."""


class _StyleIds(IndexedList):
    """A workbook's list of fonts (fills, borders …) that remembers the index of each style object by identity.

    Written by hand for measured speed: openpyxl hashes every field of a style, recursively, each time a cell's
    font, fill, border, alignment or protection is assigned, which was ~40 % of building the standard workbook
    (a few module-level styles assigned to thousands of cells). The same object gets the index openpyxl would
    give it (the styles xlperf assigns are never mutated); the object is kept, so its id is never reused.
    """

    def __init__(self, base: IndexedList) -> None:
        super().__init__(base)
        self._by_id: dict[int, tuple[object, int]] = {}

    def add(self, value: object) -> int:
        hit = self._by_id.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        index: int = super().add(value)
        self._by_id[id(value)] = (value, index)
        return index


def build_workbook(fw: Framework, *, year: int | None = None, flavour: str = "native",
                   values: Mapping[str, Any] | None = None) -> Workbook:
    plan = plan_for(fw, flavour)
    cat = catalog(fw)
    values = dict(values or {})
    values["fw_id"], values["fw_version"] = fw.id, fw.version
    year_name = fw.form.role("year")
    if year is not None and year_name:  # an explicit --year wins over the year of a data file
        values[year_name] = year
    wb = Workbook()
    for collection in _STYLE_COLLECTIONS:
        setattr(wb, collection, _StyleIds(getattr(wb, collection)))
    wb.remove(wb.active)  # type: ignore[arg-type]
    _guide(wb.create_sheet(GUIDE_SHEET), fw)
    for sheet in plan.blocks:
        _form_sheet(wb.create_sheet(sheet), sheet, plan, cat, values)
    _score_sheet(wb.create_sheet(SCORE_SHEET), plan, cat, values)
    _result_sheet(wb.create_sheet(RESULT_SHEET))
    for name, cell in plan.cells.items():
        ws_title = cell.sheet.replace("'", "''")
        col = "".join(ch for ch in cell.cell if ch.isalpha())
        row = "".join(ch for ch in cell.cell if ch.isdigit())
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{ws_title}'!${col}${row}")
    for tp in plan.tables.values():
        for column in tp.columns:
            range_name = column_range_name(tp.name, column)
            wb.defined_names[range_name] = DefinedName(range_name, attr_text=tp.range_ref(column))
    _charts(wb, plan)
    for ws in wb.worksheets:
        page_footer(ws)
    wb.active = 1
    wb.calculation.fullCalcOnLoad = True
    wb.properties.creator = "xlperf"
    wb.properties.title = fw.form.workbook_title or f"{fw.name} 部门整体支出绩效自评"
    wb.properties.created = wb.properties.modified = FIXED_TIME  # same framework → same file content
    return wb


# Sheets -------------------------------------------------------------------------------------------


def _setup(ws: Worksheet, title: str, headers: tuple[str, ...], widths: tuple[float, ...], landscape: bool,
           title_cell: str = "A1") -> None:
    ws[title_cell] = title
    ws[title_cell].font = Font(bold=True, size=14)
    for i, (head, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=2, column=i, value=head)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = CENTER_WRAP
        ws.column_dimensions[cell.column_letter].width = width
    _fit_row(ws, 2, tuple(zip(headers, widths, strict=True)))  # a wrapped header shows whole
    ws.freeze_panes = "A3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_setup.fitToPage = True  # sets sheet_properties.pageSetUpPr.fitToPage
    ws.print_title_rows = "1:2"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3  # the page number below the body, never on it
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def workbook_title(fw: Framework) -> str:
    """The framework's own title, else one generated from its name, id and version."""
    return fw.form.workbook_title or f"{fw.name}（{fw.id} 版本 {fw.version}）部门整体支出绩效自评填报工作簿"


def _leaf_word(fw: Framework) -> str:
    """What the framework's scored indicators are called: 三级指标 when every leaf is at level 3."""
    depth: dict[str, int] = {}

    def visit(items: list[Any], level: int) -> None:
        for item in items:
            depth[item.id] = level
            visit(item.children, level + 1)

    visit(fw.indicators, 1)
    levels = {depth[leaf.id] for leaf in fw.leaves()}
    return f"{'一二三四五六'[levels.pop() - 1]}级指标" if len(levels) == 1 and max(depth.values()) <= 6 else "末级指标"


def guide_lines(fw: Framework) -> list[tuple[str, str]]:
    """The 填报说明 lines: the framework's own, else the generated default."""
    if fw.form.guide is not None:
        return [(line.topic, line.text) for line in fw.form.guide]
    return _default_guide(_leaf_word(fw))


def _guide(ws: Worksheet, fw: Framework) -> None:
    ws["A1"] = workbook_title(fw)
    ws["A1"].font = Font(bold=True, size=14)
    # wrapped inside the printed columns: a long title overflowing to the right widened the printed area
    # and LibreOffice shrank the whole page to 8 pt to fit it
    ws.merge_cells("A1:B1")
    ws["A1"].alignment = WRAP
    ws.row_dimensions[1].height = 2 * 20 + 4
    lines = guide_lines(fw)
    _guide_body(ws, fw, lines)


def _default_guide(leaf_word: str) -> list[tuple[str, str]]:
    return [
        ("填报方法", "只在浅黄色（数据）和浅蓝色（报告中引用的数值）单元格中填写；绿色单元格由公式自动计算，已锁定。"),
        ("金额单位", "所有金额以“万元”为单位，保留两位小数；不要在数字后面输入“万元”或千分位逗号。"),
        ("比率", "比率按百分数输入，例如 97.65%（单元格已设为百分比格式，直接输入 97.65% 即可）。"),
        ("人数、个数", "填写整数。"),
        ("是/否", "从下拉列表中选择“是”或“否”。"),
        ("评分表", f"{leaf_word}的“计算得分”由公式按评分标准计算；评判类指标请在“评判得分/选项”列逐条填写，"
                 "并在“自评得分”列填写自评分、在“自评说明”列写明理由（低于满分时必填）。"),
        ("核对值", "“报告中填报或引用的数值”旁的“核对值”列给出按数据计算的应有值，不一致时单元格变为橙色。"),
        ("校验", "填完后点击功能区“绩效自评 → 一键校验”，结果写入本工作簿的“校验结果”工作表。命令行 "
               "xlperf validate 文件名.xlsx 只在屏幕上列出结果，不改动文件；加 --annotate 副本.xlsx 则另存一份"
               "带“校验结果”工作表和标注的副本，原文件不变。"),
        ("颜色说明", "浅黄 = 数据输入；浅蓝 = 报告中引用的数值；浅绿 = 公式计算；橙色 = 与核对值不一致；"
                 "琥珀色 = 以文本格式保存的数字。"),
        ("文本数字", "以文本格式保存的数字（含带单位、千分位逗号、全角数字或“%”的文字）在表内所有公式中按 0 计算，"
                 "单元格显示为琥珀色；一键校验同样按 0 计算，并报告为错误，说明中给出它表示的数。请把单元格格式设为"
                 "“常规”或“数值”后重新输入数字，或用“转换为数字”改正。"),
    ]


def _guide_body(ws: Worksheet, fw: Framework, lines: list[tuple[str, str]]) -> None:
    widths = (12, 64)  # portrait at full type size
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = widths
    for i, (key, text) in enumerate(lines, start=3):
        ws.cell(row=i, column=1, value=key).font = BOLD
        ws.cell(row=i, column=1).alignment = WRAP
        ws.cell(row=i, column=2, value=text).alignment = WRAP
        _fit_row(ws, i, ((key, widths[0]), (text, widths[1])))
    legend = [(INPUT_FILL, "数据输入"), (STATED_FILL, "报告中引用的数值"), (COMPUTED_FILL, "公式计算（锁定）"),
              (MISMATCH_FILL, "与核对值不一致"), (TEXT_NUMBER_FILL, "以文本格式保存的数字（不参与表内计算）")]
    base = len(lines) + 4
    for i, (fill, text) in enumerate(legend):
        ws.cell(row=base + i, column=1).fill = fill
        ws.cell(row=base + i, column=2, value=text)
    row = base + len(legend) + 1
    ws.cell(row=row, column=1, value="口径说明").font = BOLD
    for d in fw.decisions:
        row += 1
        ws.cell(row=row, column=1, value=d.topic).alignment = WRAP
        ws.cell(row=row, column=2, value=d.decision).alignment = WRAP
        _fit_row(ws, row, ((d.topic, widths[0]), (d.decision, widths[1])))
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # labels and text always on one page
    ws.page_setup.fitToPage = True  # sets sheet_properties.pageSetUpPr.fitToPage
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5


FORM_WIDTHS = (34.0, 16.0, 7.0, 14.0, 40.0)
"""The list blocks' columns (项目, 数值, 单位, 核对值, 说明), landscape at full type size."""


def _table_width(col: Any, shared: float) -> float:
    """A table column's width: the declared one, else the list blocks' width of a column it shares, else one
    from its kind and its header (wrapped on at most two lines)."""
    if col.width is not None:
        return float(col.width)
    if shared:
        return shared
    if col.kind == "text":
        return 24.0
    head = text_units(col.label + ("（自动计算）" if col.expr else "")) / 2 + 2
    return max(float(NARROW), min(12.0, head))


def sheet_widths(plan: Plan, sheet: str, orientation: str) -> list[float]:
    """A form sheet's column widths: the list blocks' five and every table column beside them, the wide ones
    narrowed until the sheet fits the page width at full type size (a 12-column table beside the form's five
    printed at 7 pt); text wraps in them instead (rows are sized to it)."""
    widths = list(FORM_WIDTHS)
    hidden: set[int] = set()
    tables = {t.name: t for t in plan.framework.form.tables}
    for _, block in plan.blocks[sheet]:
        if block.table is None:
            continue
        tp = plan.tables[block.table]
        for col in tables[block.table].columns:
            j = column_index_from_string(tp.columns[col.name]) - 1
            widths += [0.0] * (j + 1 - len(widths))
            widths[j] = _table_width(col, widths[j] if j < len(FORM_WIDTHS) else 0.0)
            if col.hidden:
                hidden.add(j)
    # declared widths give way too: a portrait form of 117 declared units printed at 6 pt (legibility first;
    # the declared proportions stay)
    printed = fitted_widths([0.0 if j in hidden else w for j, w in enumerate(widths)], orientation)
    return [widths[j] if j in hidden else max(w, 1.0) for j, w in enumerate(printed)]


def _form_sheet(ws: Worksheet, sheet: str, plan: Plan, cat: dict[str, NameSpec], values: Mapping[str, Any]) -> None:
    decl = next((s for s in plan.framework.form.sheets if s.name == sheet), None)
    page = decl.page if decl is not None else PageSetup()
    all_widths = sheet_widths(plan, sheet, "portrait" if page.orientation == "portrait" else "landscape")
    widths = tuple(all_widths[:len(FORM_WIDTHS)])
    _setup(ws, decl.title if decl is not None and decl.title else sheet, ("项目", "数值", "单位", "核对值", "说明"),
           widths, landscape=page.orientation != "portrait")
    for j, width in enumerate(all_widths[len(FORM_WIDTHS):], start=len(FORM_WIDTHS) + 1):
        ws.column_dimensions[get_column_letter(j)].width = round(width, 1)
    _page(ws, page)
    validations: dict[str, DataValidation] = {}
    helpers = {h.cell: h for h in plan.helpers if h.sheet == sheet}
    for title_row, block in plan.blocks[sheet]:
        if block.table is not None:
            _table(ws, plan, block.table, cat, values, validations, helpers)
            continue
        if block.grid is not None:
            _grid(ws, plan, title_row, block.grid, cat, values, validations, helpers)
            continue
        _list_block(ws, plan, title_row, block, cat, values, validations, helpers, widths)
    starts = [title_row for title_row, _ in plan.blocks[sheet]]
    sections = list(zip(starts, [s - 1 for s in starts[1:]] + [ws.max_row], strict=True))
    # a block that fits on a page starts on a new one rather than leave its header at the foot of this one
    orientation = "portrait" if page.orientation == "portrait" else "landscape"
    shown = [w for j, w in enumerate(all_widths, start=1) if not ws.column_dimensions[get_column_letter(j)].hidden]
    keep_sections_together(ws, sections, title_rows=2, orientation=orientation, scale=print_scale(shown, orientation))


def _list_block(ws: Worksheet, plan: Plan, title_row: int, block: Any, cat: dict[str, NameSpec],
                values: Mapping[str, Any], validations: dict[str, DataValidation], helpers: Mapping[str, Any],
                widths: tuple[float, ...]) -> None:
    """A block of named figures: a title row, then label, value, unit, check value and note per name."""
    cell = ws.cell(row=title_row, column=1, value=block.title)
    cell.font, cell.fill = BOLD, BLOCK_FILL
    ws.merge_cells(start_row=title_row, start_column=1, end_row=title_row, end_column=5)
    for offset, name in enumerate(block.names, start=1):
        row = title_row + offset
        spec = cat[name]
        cp = plan.cells[name]
        ws.cell(row=row, column=1, value=spec.label).alignment = WRAP
        ws.cell(row=row, column=3, value=spec.unit if spec.kind != "rate" else "%")
        target = ws[cp.cell]
        _style_value(ws, target, spec, cp.formula, values, validations)
        note = spec.note or ""
        if spec.role == "stated":
            check = helpers.get(f"{FORM_COLS['check']}{row}")
            if check is not None:
                _check_value(ws, cp.cell, check, spec)
                note = note or "应与核对值一致；不一致时请核对报告中的数字"
        elif spec.role in ("derived", "measure"):
            note = note or "自动计算"
        ws.cell(row=row, column=5, value=note).alignment = WRAP
        shown = target.value if isinstance(target.value, str) and not cp.formula else None
        _fit_row(ws, row, ((spec.label, widths[0]), (shown, widths[1]), (note, widths[4])))
        for col in range(1, 6):
            ws.cell(row=row, column=col).border = BORDER
        for col in range(2, 5):  # values beside a wrapped label or note line up with its first line
            ws.cell(row=row, column=col).alignment = TOP
        if spec.kind == "text" and not cp.formula:  # a long name wraps in its cell, never over the next ones
            target.alignment = WRAP


def _check_value(ws: Worksheet, stated: str, check: Any, spec: NameSpec) -> None:
    """A stated figure's check value beside it, and the stated cell marked when the two differ."""
    ccell = ws[check.cell]
    ccell.value = "=" + check.formula
    ccell.number_format = NUMBER_FORMATS.get(spec.kind, "0.00")
    ccell.fill = COMPUTED_FILL
    tol = "0.00005" if spec.kind == "rate" else "0.005"
    ws.conditional_formatting.add(
        stated, FormulaRule(formula=[f'AND(ISNUMBER({stated}),ISNUMBER({check.cell}),'
                                     f'ABS({stated}-{check.cell})>{tol})'], fill=_dxf(MISMATCH_FILL)))


def _grid(ws: Worksheet, plan: Plan, title_row: int, grid: FormBlock, cat: dict[str, NameSpec],
          values: Mapping[str, Any], validations: dict[str, DataValidation], helpers: Mapping[str, Any]) -> None:
    """A grid block as printed forms draw it: title, merged group headers, column headers, bordered rows."""
    last = 1 + len(grid.columns)
    title = ws.cell(row=title_row, column=1, value=grid.title)
    title.font, title.fill = BOLD, BLOCK_FILL
    ws.merge_cells(start_row=title_row, start_column=1, end_row=title_row, end_column=max(last, 5))
    head_row = title_row + 1
    if grid.header_groups:
        col = GRID_FIRST_COL
        for group in grid.header_groups:
            _header(ws.cell(row=head_row, column=col, value=group.label))
            for extra in range(col + 1, col + group.span):
                _header(ws.cell(row=head_row, column=extra))
            if group.span > 1:
                ws.merge_cells(start_row=head_row, start_column=col, end_row=head_row, end_column=col + group.span - 1)
            col += group.span
        for extra in range(col, last + 1):  # columns under no group: their header spans both rows
            _header(ws.cell(row=head_row, column=extra, value=grid.columns[extra - GRID_FIRST_COL]))
            _header(ws.cell(row=head_row + 1, column=extra))
            ws.merge_cells(start_row=head_row, start_column=extra, end_row=head_row + 1, end_column=extra)
        _header(ws.cell(row=head_row, column=1, value=grid.corner))
        _header(ws.cell(row=head_row + 1, column=1))
        ws.merge_cells(start_row=head_row, start_column=1, end_row=head_row + 1, end_column=1)
        head_row += 1
    else:
        _header(ws.cell(row=head_row, column=1, value=grid.corner))
    for j, label in enumerate(grid.columns, start=GRID_FIRST_COL):
        if ws.cell(row=head_row, column=j).coordinate not in ws.merged_cells:
            _header(ws.cell(row=head_row, column=j, value=label))
    for j, width in enumerate(grid.widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    for i, grid_row in enumerate(grid.rows, start=head_row + 1):
        row_label = ws.cell(row=i, column=1, value=grid_row.label)
        row_label.border, row_label.alignment = BORDER, WRAP
        for j, item in enumerate(grid_row.cells, start=GRID_FIRST_COL):
            cell = ws.cell(row=i, column=j)
            cell.border = BORDER
            if isinstance(item, str) and item.startswith("="):
                target = cat[item[1:].strip()]
                cell.value = "=" + helpers[cell.coordinate].formula
                cell.fill = COMPUTED_FILL
                cell.number_format = NUMBER_FORMATS.get(target.kind, "General")
            elif isinstance(item, str):
                cp = plan.cells[item]
                _style_value(ws, cell, cat[item], cp.formula, values, validations)
            elif item is not None:
                cell.value = item  # a fixed figure of the printed form (e.g. 分值)
                cell.number_format = "0.##"
    _fit_grid_rows(ws, title_row + 1, head_row + len(grid.rows), last)


def _fit_grid_rows(ws: Worksheet, first: int, last: int, last_col: int) -> None:
    """Each row of a grid as high as its wrapped text: headers (a merged one in its columns' width together)
    and row labels in narrow columns (全年执行数 over a 12-wide column printed cut by the border)."""
    spans = {(m.min_row, m.min_col): m.max_col for m in ws.merged_cells.ranges}
    width = [0.0] + [float(ws.column_dimensions[get_column_letter(j)].width or 8.43) for j in range(1, last_col + 1)]
    for r in range(first, last + 1):
        cells = []
        for j in range(1, last_col + 1):
            value = ws.cell(row=r, column=j).value
            if isinstance(value, str) and not value.startswith("="):
                cells.append((value, sum(width[j:spans.get((r, j), j) + 1])))
        _fit_row(ws, r, cells)


def _header(cell: Any) -> None:
    cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    cell.alignment = CENTER_WRAP


def _page(ws: Worksheet, page: PageSetup) -> None:
    """A sheet's declared print settings over the defaults :func:`_setup` wrote (which they equal by default)."""
    if not page.fit_width:
        ws.page_setup.fitToWidth = None
        ws.page_setup.fitToHeight = None
        ws.page_setup.fitToPage = False
    if page.repeat_rows != "1:2":
        ws.print_title_rows = page.repeat_rows


def _table(ws: Worksheet, plan: Plan, name: str, cat: dict[str, NameSpec], values: Mapping[str, Any],
           validations: dict[str, DataValidation], helpers: Mapping[str, Any]) -> None:
    """A table of rows: title, column headers, preset rows and room for the department's own rows."""
    tp = plan.tables[name]
    table = next(t for t in plan.framework.form.tables if t.name == name)
    last_col = len(table.columns)
    title = ws.cell(row=tp.title_row, column=1, value=table.title or (
        f"{table.label}（每行一项，可在空白行中增加本部门的项目；请先填第一列：第一列为空的行不计算本行的计算列）"))
    title.font, title.fill = BOLD, BLOCK_FILL
    ws.merge_cells(start_row=tp.title_row, start_column=1, end_row=tp.title_row, end_column=max(last_col, 5))
    for col in table.columns:
        _table_column(ws, tp, table, col, cat, values, validations, helpers)
    _fit_table_rows(ws, tp, table)


def _fit_table_rows(ws: Worksheet, tp: Any, table: Any) -> None:
    """The header row as high as its wrapped labels; text columns wrap, and each row is as high as its text
    (a 偏差原因 cut at the column's edge printed half a sentence)."""
    shown = [(tp.columns[c.name], c) for c in table.columns if not c.hidden]
    width = {letter: float(ws.column_dimensions[letter].width or 8.43) for letter, _ in shown}
    _fit_row(ws, tp.header_row, [(ws[f"{letter}{tp.header_row}"].value, width[letter]) for letter, _ in shown])
    texts = [letter for letter, c in shown if c.kind == "text" and c.expr is None]
    for r in range(tp.first_row, tp.last_row + 1):
        for letter, _ in shown:  # a record reads on one line: every value at the top of its row
            ws[f"{letter}{r}"].alignment = WRAP if letter in texts else TOP
        _fit_row(ws, r, [(ws[f"{letter}{r}"].value, width[letter]) for letter in texts])


def _table_column(ws: Worksheet, tp: Any, table: Any, col: Any, cat: dict[str, NameSpec], values: Mapping[str, Any],
                  validations: dict[str, DataValidation], helpers: Mapping[str, Any]) -> None:
    """One column of a table: its header, its cells (a formula, a preset or given value) and its validation."""
    name = table.name
    letter = tp.columns[col.name]
    if col.hidden:
        ws.column_dimensions[letter].hidden = True
    head = ws[f"{letter}{tp.header_row}"]
    head.value = col.label + ("（自动计算）" if col.expr else "")
    head.font, head.fill, head.border = HEADER_FONT, HEADER_FILL, BORDER
    head.alignment = CENTER_WRAP
    spec = cat[f"{name}.{col.name}"]
    given = values.get(f"{name}.{col.name}")
    for i, r in enumerate(range(tp.first_row, tp.last_row + 1)):
        cell = ws[f"{letter}{r}"]
        cell.border = BORDER
        cell.number_format = NUMBER_FORMATS.get(spec.kind, "General")
        if col.expr is not None:
            cell.value = "=" + helpers[f"{letter}{r}"].formula
            cell.fill = COMPUTED_FILL
            continue
        cell.fill = INPUT_FILL
        cell.protection = UNLOCKED
        value = given[i] if isinstance(given, list) and i < len(given) else (
            table.preset[i].get(col.name) if i < len(table.preset) else None)
        if value is None and i < len(table.preset) and not isinstance(given, list):
            value = prefilled_default(spec)  # a preset row is filled: its empty cell is the default
        if value is not None:
            cell.value = _cell_value(spec, value)
            if isinstance(cell.value, str):
                cell.data_type = "s"
    if col.expr is None:  # one rule and one validation range per column: per cell is quadratic in openpyxl
        span = f"{letter}{tp.first_row}:{letter}{tp.last_row}"
        if spec.kind in NUMERIC_KINDS:
            _text_number_rule(ws, span, f"{letter}{tp.first_row}")
        dv = _validation_for(spec, validations, ws)
        if dv is not None:
            dv.add(span)


def _style_value(ws: Worksheet, cell: Any, spec: NameSpec, formula: str | None, values: Mapping[str, Any],
                 validations: dict[str, DataValidation]) -> None:
    cell.border = BORDER
    cell.number_format = NUMBER_FORMATS.get(spec.kind, "General")
    if formula:
        cell.value = "=" + formula
        cell.fill = COMPUTED_FILL
        return
    if spec.role == "const":
        fw_value = values.get(spec.name)
        cell.value = fw_value
        cell.fill = COMPUTED_FILL
        return
    cell.fill = STATED_FILL if spec.role == "stated" else INPUT_FILL
    cell.protection = UNLOCKED
    value = values.get(spec.name)
    if value is None and spec.role == "input":
        value = prefilled_default(spec)
    if value is not None:
        cell.value = _cell_value(spec, value)
        if isinstance(cell.value, str):
            cell.data_type = "s"  # a data file's text ("=HYPERLINK(…)") is text, never a formula
    if spec.kind in NUMERIC_KINDS:
        _text_number_rule(ws, cell.coordinate)
    dv = _validation_for(spec, validations, ws)
    if dv is not None:
        dv.add(cell.coordinate)


def prefilled_default(spec: NameSpec) -> Any:
    """The declared default an empty cell gets, written into the cell when it reads otherwise in the sheet.

    The engine reads an empty cell as its ``default``; the sheet's formulas read it as 0, 否 or empty text.
    A default the sheet reads the same way (0, false, '') is left out, so the form shows only what matters."""
    default = spec.default
    if default is None or default is False or default == "" or (
            isinstance(default, Decimal) and not isinstance(default, bool) and default == 0):
        return None
    return default


def _cell_value(spec: NameSpec, value: Any) -> Any:
    if spec.kind in BOOL_KINDS:
        if isinstance(value, str):
            return value
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return int(value) if spec.kind in ("count", "int") else float(value)
    return value


def _date_validation(spec: NameSpec) -> DataValidation:
    """A date between the framework's bounds (expressions over the form's names, as the sheet computes them)
    or the sane range of any form; Excel and WPS then refuse text and numbers that are no such date."""
    def name_of(name: str) -> str:  # a bound reads the form's typed numbers (the year) as every formula does
        return f"N({name})"

    low = parse(spec.date_min).to_excel(name_of) if spec.date_min else _excel_date(DATE_MIN)
    high = parse(spec.date_max).to_excel(name_of) if spec.date_max else _excel_date(DATE_MAX)
    return DataValidation(type="date", operator="between", formula1=low, formula2=high,
                          error="请输入日期，例如 2021-12-31（年-月-日）。", prompt="请输入日期，例如 2021-12-31。")


def _excel_date(day: date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _validation_for(spec: NameSpec, cache: dict[str, DataValidation], ws: Worksheet) -> DataValidation | None:
    """One validation per input cell, so its input message is titled with the cell's own label."""
    key = spec.name
    if key in cache:
        return cache[key]
    title = spec.label[:32]
    if spec.kind == "money":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            error="金额必须是不小于 0 的数字（单位：万元，保留两位小数），不要输入“万元”或逗号。",
                            prompt="请输入金额，单位：万元，保留两位小数。")
    elif spec.kind in ("count", "int"):
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                            error="请输入不小于 0 的整数。", prompt="请输入整数。")
    elif spec.kind == "rate":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="10",
                            error="请输入百分数，例如 97.65%。", prompt="请输入百分数，例如 97.65%。")
    elif spec.kind == "date":
        dv = _date_validation(spec)
    elif spec.kind in BOOL_KINDS:
        dv = DataValidation(type="list", formula1=YES_NO, error="请从下拉列表中选择“是”或“否”。",
                            prompt="请选择“是”或“否”。")
    elif spec.kind == "tier":
        dv = DataValidation(type="list", formula1='"' + ",".join(spec.options) + '"',
                            error="请从下拉列表中选择。", prompt="请从下拉列表中选择：" + "、".join(spec.options))
    elif spec.kind == "points" and spec.max_points is not None:
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=fmt_pts(spec.max_points),
                            error=f"得分应在 0 到 {fmt_pts(spec.max_points)} 分之间。",
                            prompt=f"请填写得分（0–{fmt_pts(spec.max_points)} 分）。")
    elif spec.kind == "points":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            error="得分不能为负数。", prompt="请填写得分（保留两位小数）。")
    elif spec.role == "reason":
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="1000",
                            error="说明请控制在 1000 字以内。",
                            prompt="请写明自评依据；低于满分时必须写明扣分理由。")
    elif spec.kind == "text":
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="200",
                            error="请控制在 200 字以内。", prompt=f"请填写{spec.label}。")
    else:
        return None
    if spec.note and spec.role in ("input", "stated", "column"):
        dv.prompt = f"{dv.prompt}{spec.note}"[:250]
    dv.errorTitle, dv.promptTitle = "输入无效", title
    dv.showErrorMessage = dv.showInputMessage = True
    dv.allow_blank = True
    ws.add_data_validation(dv)
    cache[key] = dv
    return dv


def _score_sheet(ws: Worksheet, plan: Plan, cat: dict[str, NameSpec], values: Mapping[str, Any]) -> None:
    headers = ("编号", "指标", "分值", "评分标准", "评判得分/选项", "计算得分", "自评得分", "差异", "自评说明（低于满分必填）",
               "计算过程")
    widths = dict(zip(SCORE_COLS.values(), (20, 18, 5, 32, 8, 7, 7, 6, 18, 18), strict=True))
    _setup(ws, SCORE_SHEET, headers, tuple(widths.values()), landscape=True, title_cell=f"{SCORE_COLS['name']}1")
    c = SCORE_COLS
    validations: dict[str, DataValidation] = {}
    helpers = {h.cell: h for h in plan.helpers if h.sheet == SCORE_SHEET}
    level_fonts = {1: Font(bold=True, size=12), 2: Font(bold=True)}
    for srow in plan.score_rows:
        r = srow.row
        if srow.indicator is not None:
            ind = srow.indicator
            ws[f"{c['id']}{r}"] = ind.id
            ws[f"{c['name']}{r}"] = "  " * (srow.level - 1) + ind.name
            ws[f"{c['name']}{r}"].font = level_fonts.get(srow.level, PLAIN)
            ws[f"{c['points']}{r}"] = float(ind.points)
            ws[f"{c['points']}{r}"].number_format = "0.00"
            if ind.criteria:
                ws[f"{c['criteria']}{r}"] = ind.criteria
            explain = helpers.get(f"{c['explain']}{r}")
            _fit_row(ws, r, ((ws[f"{c['name']}{r}"].value, widths[c["name"]]),
                             (ind.criteria, widths[c["criteria"]]),
                             (values.get(f"reason_{ind.id}"), widths[c["reason"]]),
                             (shown_text(explain.formula or "") if explain else None, widths[c["explain"]])))
            score = plan.cells[f"score_{ind.id}"]
            _style_value(ws, ws[score.cell], cat[f"score_{ind.id}"], score.formula, values, validations)
            if ind.rule is not None:
                for key in ("self", "reason"):
                    cp = plan.cells[f"{key}_{ind.id}"]
                    _style_value(ws, ws[cp.cell], cat[cp.name], None, values, validations)  # type: ignore[index]
        elif srow.judged is not None:
            spec = srow.judged
            ws[f"{c['name']}{r}"] = "    ▸ " + spec.label
            if spec.max_points is not None:
                ws[f"{c['points']}{r}"] = float(spec.max_points)
                ws[f"{c['points']}{r}"].number_format = "0.00"
            if spec.kind == "count":
                ws[f"{c['criteria']}{r}"] = "填写个数（整数）"
            _fit_row(ws, r, ((ws[f"{c['name']}{r}"].value, widths[c["name"]]),))
            cp = plan.cells[spec.name]
            _style_value(ws, ws[cp.cell], spec, None, values, validations)
        else:
            ws[f"{c['name']}{r}"] = "总分"
            ws[f"{c['name']}{r}"].font = BOLD
            ws[f"{c['points']}{r}"] = float(plan.framework.total_points)
            for name in ("score_total", "self_total"):
                cp = plan.cells[name]
                _style_value(ws, ws[cp.cell], cat[name], cp.formula, values, validations)
        for col in c.values():
            cell = ws[f"{col}{r}"]
            cell.border = BORDER
            if col in (c["criteria"], c["name"], c["reason"], c["explain"]):
                cell.alignment = WRAP
            else:
                cell.alignment = TOP
        for col in ("self", "delta", "explain"):
            helper = helpers.get(f"{c[col]}{r}")
            if helper is not None:
                cell = ws[helper.cell]
                cell.value = "=" + helper.formula  # type: ignore[operator]
                cell.fill = COMPUTED_FILL
                cell.number_format = "0.00" if col != "explain" else "@"
                if col == "explain":
                    cell.number_format = "General"
                    cell.alignment = WRAP
    ws.conditional_formatting.add(
        f"{c['delta']}{FIRST_ROW}:{c['delta']}{plan.score_rows[-1].row}",
        # only once self-scores are entered: a blank form's branch rows (SUM of nothing = 0) are not mismatches
        FormulaRule(formula=[f'AND(ISNUMBER({c["delta"]}{FIRST_ROW}),{c["delta"]}{FIRST_ROW}<>0,'
                             f'{_absolute(plan.cells["self_total"].cell)}<>0)'], fill=_dxf(MISMATCH_FILL)))
    # Ids (column A) are for the tools, not for the reader: printed from the indicator names on.
    ws.print_area = f"{c['name']}1:{c['explain']}{plan.score_rows[-1].row}"


def _result_sheet(ws: Worksheet) -> None:
    _setup(ws, "校验结果（由“一键校验”或 xlperf validate --annotate 生成）", RESULT_HEADERS,
           (4, 6, 5, 10, 6, 40, 8, 8, 7, 24),
           landscape=True)
    ws.row_dimensions[2].height = 34  # headers such as 严重程度 wrap to two lines in their narrow columns
    ws.protection.sheet = False


# Charts -------------------------------------------------------------------------------------------


def _period_labels(n: int) -> list[str]:
    if n == 4:
        return [f"{q}季度" for q in "一二三四"]
    if n == 2:
        return ["上半年", "全年"]
    if n == 12:
        return [f"{m}月" for m in range(1, 13)]
    return [f"第{i}期" for i in range(1, n + 1)]


def _string_categories(chart: Any, ws: Worksheet, col: int, first: int, labels: Sequence[str]) -> None:
    """Text categories as strRef (openpyxl writes numRef), with the labels cached for previews."""
    ref = Reference(ws, min_col=col, min_row=first, max_row=first + len(labels) - 1)
    cache = StrData(ptCount=len(labels), pt=[StrVal(idx=i, v=str(t)) for i, t in enumerate(labels)])
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(ref), strCache=cache))


def _series_titles(chart: Any, ws: Worksheet, row: int, cols: Sequence[int], titles: Sequence[str]) -> None:
    for series, col, title in zip(chart.series, cols, titles, strict=True):
        ref = Reference(ws, min_col=col, min_row=row)
        series.tx = SeriesLabel(strRef=StrRef(f=str(ref), strCache=StrData(ptCount=1, pt=[StrVal(idx=0, v=title)])))


def _visible_axes(chart: Any) -> None:
    """openpyxl leaves ``delete`` unset, which Excel reads as a deleted (hidden) axis."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _data_table(ws: Worksheet, row: int, cols: Sequence[str], last: int, number_format: str) -> None:
    """The small table a chart draws from, styled like the form (header row, borders, fixed decimals)."""
    for col in cols:
        head = ws[f"{col}{row}"]
        head.font, head.fill, head.border = HEADER_FONT, HEADER_FILL, BORDER
        head.alignment = CENTER_WRAP
        for r in range(row + 1, last + 1):
            ws[f"{col}{r}"].border = BORDER
            if col != cols[0]:
                ws[f"{col}{r}"].number_format = number_format
                ws[f"{col}{r}"].fill = COMPUTED_FILL


CM_PER_ROW = 0.53  # a 15-point row


CHART_WIDTH_CM = 24.0  # inside a landscape A4 page's printed width at 100 %: the chart's type stays full size
CHART_HEIGHT_CM = {"schedule": 11.0, "scores": 15.0}


def _charts(wb: Workbook, plan: Plan) -> None:
    """Only the charts the framework declares (a schedule chart only with a schedule rule), each on a page of
    the chart sheet: a chart printed under a form's or the 评分表's print titles carried a header that was not
    its own. The tables they draw from stay where their formulas are (beside the form, below the 评分表)."""
    helpers = {(h.sheet, h.cell): h.formula for h in plan.helpers}
    charts: list[tuple[str, Any]] = []
    if plan.schedule_chart is not None:
        charts.append(("schedule", _schedule_chart(wb, plan, helpers)))
    if plan.score_chart_level is not None:
        charts.append(("scores", _score_chart(wb[SCORE_SHEET], plan, plan.score_chart_level, helpers)))
    if charts:
        _chart_sheet(wb, charts)


def _chart_sheet(wb: Workbook, charts: Sequence[tuple[str, Any]]) -> None:
    """A plain, protected sheet right after the 评分表 holding only the charts, one landscape A4 page each
    (a plain sheet, not an Excel chart sheet: LibreOffice prints a chart sheet written by openpyxl blank)."""
    ws = wb.create_sheet(CHART_SHEET, wb.sheetnames.index(SCORE_SHEET) + 1)
    ws["A1"] = "图表（根据各表数据自动生成，请勿修改）"
    ws["A1"].font = Font(bold=True, size=14)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3  # the page number below the body, never on it
    ws.print_options.horizontalCentered = True
    ws.protection.sheet = True
    row = 3
    for n, (kind, chart) in enumerate(charts):
        if n:  # a page of its own, the chart a row below the break: LibreOffice also draws an object that
            ws.row_breaks.append(Break(id=row - 2))  # starts right at a break at the foot of the page before
        chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM[kind]
        ws.add_chart(chart, f"A{row}")
        row += math.ceil(chart.height / CM_PER_ROW) + 2
    columns = math.ceil(CHART_WIDTH_CM / CM_PER_COLUMN) + 1
    ws.print_area = f"A1:{get_column_letter(columns)}{row - 2}"


CM_PER_COLUMN = 1.7  # a default-width (8.43 characters) column


def _schedule_chart(wb: Workbook, plan: Plan, helpers: dict[tuple[str, str], str | None]) -> Any:
    """The line chart of cumulative payments against the schedule, with the table it draws from (beside the
    form, outside its printed columns)."""
    sc = plan.schedule_chart
    assert sc is not None
    ws: Worksheet = wb[sc.sheet]
    form_end = ws.max_row
    label_col, prog_col, sched_col = CHART_COLS
    titles = ("累计支出进度", "序时进度")
    ws[f"{label_col}2"], ws[f"{prog_col}2"], ws[f"{sched_col}2"] = "期间", *titles
    labels = _period_labels(len(sc.schedule))
    for n, (label, share) in enumerate(zip(labels, sc.schedule, strict=True)):
        r = sc.first_row + n
        ws[f"{label_col}{r}"] = label
        ws[f"{prog_col}{r}"] = "=" + helpers[(sc.sheet, f"{prog_col}{r}")]  # type: ignore[operator]
        ws[f"{sched_col}{r}"] = share
    last = sc.first_row + len(sc.schedule) - 1
    _data_table(ws, 2, CHART_COLS, last, "0.00%")
    for col in CHART_COLS:
        ws.column_dimensions[col].width = 16
    chart = LineChart()
    chart.title = "累计支出进度与序时进度"
    chart.y_axis.title = "进度"
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.add_data(Reference(ws, min_col=8, max_col=9, min_row=2, max_row=last), titles_from_data=True)
    _string_categories(chart, ws, 7, sc.first_row, labels)
    _series_titles(chart, ws, 2, (8, 9), titles)
    _visible_axes(chart)
    chart.legend = Legend(legendPos="b")
    ws.print_area = f"A1:E{max(form_end, last)}"  # the form; the chart prints on the chart sheet
    return chart


def _score_chart(ws: Worksheet, plan: Plan, level: int, helpers: dict[tuple[str, str], str | None]) -> Any:
    """The bar chart of one level's computed and self-assessed scores, with the table it draws from (below
    the score table, outside the 评分表's printed area: the chart prints on the chart sheet)."""
    rows = [r for r in plan.score_rows if r.indicator is not None and r.level == level]
    base = plan.score_rows[-1].row + 3
    titles = ("计算得分", "自评得分")
    ws[f"B{base}"], ws[f"C{base}"], ws[f"D{base}"] = f"{level}级指标", *titles
    names = []
    for i, r in enumerate(rows, start=1):
        assert r.indicator is not None
        names.append(r.indicator.name)
        ws[f"B{base + i}"] = r.indicator.name
        ws[f"C{base + i}"] = "=" + helpers[(SCORE_SHEET, f"C{base + i}")]  # type: ignore[operator]
        ws[f"D{base + i}"] = "=" + helpers[(SCORE_SHEET, f"D{base + i}")]  # type: ignore[operator]
        for col in "CD":
            ws[f"{col}{base + i}"].alignment = Alignment(horizontal="center")
    _data_table(ws, base, ("B", "C", "D"), base + len(rows), "0.00")
    ws.row_dimensions[base].height = 2 * LINE_PT + 4
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"{level}级指标：计算得分与自评得分"
    chart.add_data(Reference(ws, min_col=3, max_col=4, min_row=base, max_row=base + len(rows)),
                   titles_from_data=True)
    _string_categories(chart, ws, 2, base + 1, names)
    _series_titles(chart, ws, base, (3, 4), titles)
    _visible_axes(chart)
    chart.x_axis.scaling.orientation = "maxMin"  # first indicator on top, as in the table
    chart.legend = Legend(legendPos="b")
    ws.print_area = f"{SCORE_COLS['name']}1:{SCORE_COLS['explain']}{plan.score_rows[-1].row}"
    return chart
