"""Draft the 绩效自评报告 the framework prescribes (``report:``) as a Word document, from a workbook's values.

Every figure comes from the workbook through a placeholder, so the draft agrees with the workbook by
construction; the parts the department writes itself are highlighted 【请填写：…】 markers. The layout
follows the usual rules for official documents (GB/T 9704): A4, margins 37/35/28/26 mm (top, bottom, left,
right), 仿宋 三号 body on a fixed 28 pt line, 黑体 一、 headings, 楷体 （一） headings, a 二号 title, page
numbers “— 1 —” in the footer; tables in 五号 (小五 when a wide table needs it) whose column widths are
computed from the text width, the header row repeated on every page.

Everything from the workbook is written as plain text runs (python-docx escapes it; control characters are
dropped): no field, formula or link is ever made from a submitted value. The only field in the document is
the footer's page number, which is ours.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlperf.errors import XlperfError
from xlperf.framework.report import (
    BodyItem,
    ParagraphItem,
    ReportSpec,
    ReportTable,
    ScoresItem,
    Section,
    TableItem,
    WriteItem,
)
from xlperf.safe_text import xml_text
from xlperf.write.report_text import Piece, format_value, holds, missing_marker, render, text_of, tidy

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from xlperf.compiled import CompiledFramework
    from xlperf.data.models import DepartmentData
    from xlperf.engine.scoring import ScoreResult
    from xlperf.framework.models import Framework

__all__ = ["PAGE", "NoReportDeclared", "column_widths", "draft_report", "heading_number", "values_from_data"]


@dataclass(frozen=True)
class _Page:
    """A4 with the margins of GB/T 9704 (mm) and the type sizes used (pt)."""

    width: float = 210.0
    height: float = 297.0
    top: float = 37.0
    bottom: float = 35.0
    left: float = 28.0
    right: float = 26.0
    body_pt: float = 16.0  # 三号
    line_pt: float = 28.0
    title_pt: float = 22.0  # 二号
    table_pt: float = 10.5  # 五号
    table_small_pt: float = 9.0  # 小五: the smallest size a table uses (legible when printed)
    cell_margin_pt: float = 5.4  # Word's default left/right cell margin (0.19 cm)

    @property
    def text_width_pt(self) -> float:
        return (self.width - self.left - self.right) / 25.4 * 72


PAGE = _Page()

BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = ("黑体", "楷体_GB2312", BODY_FONT, BODY_FONT)
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"
MAX_FORM_ROWS = 1000
"""Rows of a form table drafted into a report table (a form table is bounded far below this)."""
MAX_REASON_CHARS = 300
"""Characters of an explanation or a department's reason shown in the score table."""


class NoReportDeclared(XlperfError):
    """The framework declares no ``report:``."""


# Values --------------------------------------------------------------------------------------------------------


def values_from_data(fw: Framework, data: DepartmentData,
                     result: ScoreResult | None = None) -> tuple[dict[str, object], ScoreResult]:
    """Every workbook name's value for a department's data (inputs, derived totals, rates, scores, self-scores
    and reasons), and its scores: what a draft is rendered from."""
    from xlperf.compiled import build_env, score
    from xlperf.engine.scoring import data_env

    env, _ = build_env(fw, data_env(data), dict(data.judgements))
    if result is None:
        result = score(fw, data)
    values: dict[str, object] = dict(env)
    for item in result.indicators:
        values[f"score_{item.id}"] = item.computed
        if item.is_leaf:
            values[f"self_{item.id}"] = item.self
            values[f"reason_{item.id}"] = item.reason
    values["score_total"] = result.total.computed
    values["self_total"] = result.total.self
    values["fw_id"], values["fw_version"] = fw.id, fw.version
    return values, result


# Numbering -----------------------------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (headings never reach 100)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def heading_number(depth: int, n: int) -> str:
    """The number of the n-th heading (1-based) at a depth (1-based), as official documents number them."""
    if depth == 1:
        return f"{_chinese(n)}、"
    if depth == 2:
        return f"（{_chinese(n)}）"
    if depth == 3:
        return f"{n}."
    return f"（{n}）"


_FIGURE = re.compile(r"^\s*[-+−]?[\d,]*\.?\d+\s*(%|‰|万元|元|分|个|人|项|次)?\s*$|^\s*$")
"""A cell that is a figure (a number, with its unit or %): right-aligned in a figure column."""


# Table widths --------------------------------------------------------------------------------------------------


def _char_em(ch: str) -> float:
    """Width of a character in em: CJK and full-width forms are square, the rest about half."""
    return 1.0 if ord(ch) >= 0x2E80 else 0.55


def _width_em(text: str) -> float:
    return sum(_char_em(c) for c in text)


def _longest_unbreakable_em(text: str) -> float:
    """The widest piece a line cannot be broken in: a run of Latin letters, digits and punctuation (a CJK
    character may start a new line anywhere)."""
    best = run = 0.0
    for ch in text:
        if ord(ch) >= 0x2E80 or ch.isspace():
            best, run = max(best, run), 0.0
            best = max(best, _char_em(ch) if not ch.isspace() else 0.0)
        else:
            run += _char_em(ch)
    return max(best, run)


def column_widths(rows: Sequence[Sequence[str]], available_pt: float, font_pt: float,
                  margin_pt: float = PAGE.cell_margin_pt, indents_em: Sequence[float] = ()) -> list[float] | None:
    """Column widths (pt) filling ``available_pt``: each column at least as wide as its longest unbreakable
    piece (a number never breaks; ``indents_em`` adds a row's first-column indent), then widened towards what
    its text wants on one line, the narrowest wants first (water-filling: a long text column takes what the
    others leave, never squeezes a short one). None when even the unbreakable pieces do not fit.

    Written by hand: neither python-docx nor Word's autofit (which LibreOffice does not honour in a fixed
    layout) computes widths for a given page."""
    columns = max((len(r) for r in rows), default=0)
    if columns == 0:
        return []
    least = [0.0] * columns
    wanted = [0.0] * columns
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            lead = indents_em[r] if c == 0 and r < len(indents_em) else 0.0
            least[c] = max(least[c], (lead + _longest_unbreakable_em(text)) * font_pt + 2 * margin_pt + 1)
            wanted[c] = max(wanted[c], (lead + _width_em(text)) * font_pt + 2 * margin_pt + 1)
    wanted = [max(w, lo) for w, lo in zip(wanted, least, strict=False)]
    if sum(least) > available_pt:
        return None
    if sum(wanted) <= available_pt:
        spare = available_pt - sum(wanted)
        return [w + spare * w / sum(wanted) for w in wanted]
    low, high = 0.0, available_pt
    for _ in range(60):  # the level L with sum(min(wanted, max(least, L))) == available
        level = (low + high) / 2
        if sum(min(w, max(lo, level)) for w, lo in zip(wanted, least, strict=False)) > available_pt:
            high = level
        else:
            low = level
    widths = [min(w, max(lo, low)) for w, lo in zip(wanted, least, strict=False)]
    spare = available_pt - sum(widths)
    grow = [c for c in range(columns) if widths[c] < wanted[c]] or list(range(columns))
    return [w + (spare / len(grow) if c in grow else 0.0) for c, w in enumerate(widths)]


# The document --------------------------------------------------------------------------------------------------


def _set_fonts(rpr_owner: Any, east_asia: str, size_pt: float | None = None, *, bold: bool | None = None) -> None:
    """Fonts of a style or run: the Chinese face for CJK text, Times New Roman for digits and Latin (theme
    fonts removed, or Word would ignore the names)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = rpr_owner.font
    font.name = LATIN_FONT
    if size_pt is not None:
        font.size = Pt(size_pt)
    if bold is not None:
        font.bold = bold
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _setup(doc: DocxDocument) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Mm, Pt, RGBColor

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE.width), Mm(PAGE.height)
    section.top_margin, section.bottom_margin = Mm(PAGE.top), Mm(PAGE.bottom)
    section.left_margin, section.right_margin = Mm(PAGE.left), Mm(PAGE.right)
    section.footer_distance = Mm(20)
    normal = doc.styles["Normal"]
    _set_fonts(normal, BODY_FONT, PAGE.body_pt)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(PAGE.line_pt)
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = True
    for depth, face in enumerate(HEADING_FONTS, start=1):
        style = doc.styles[f"Heading {depth}"]
        _set_fonts(style, face, PAGE.body_pt, bold=depth == 3)
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        pf = style.paragraph_format
        pf.space_before = pf.space_after = Pt(0)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(PAGE.line_pt)
        pf.first_line_indent = Pt(2 * PAGE.body_pt)
        pf.keep_with_next = True
    _footer_page_number(section)


def _footer_page_number(section: Any) -> None:
    """“— 1 —” centred in the footer, 四号 (the page number is a PAGE field: ours, not the workbook's)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.first_line_indent = 0
    _set_fonts(para.add_run("— "), "宋体", 14)
    run = para.add_run()
    _set_fonts(run, "宋体", 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)
    _set_fonts(para.add_run(" —"), "宋体", 14)


def _add_pieces(para: Paragraph, pieces: list[Piece], size_pt: float | None = None,
                figures: list[tuple[str, str]] | None = None) -> None:
    from docx.enum.text import WD_COLOR_INDEX

    for piece in pieces:
        if not piece.text:
            continue
        run = para.add_run(xml_text(piece.text))
        if size_pt is not None:
            from docx.shared import Pt

            run.font.size = Pt(size_pt)
        if piece.missing:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        elif piece.name is not None and figures is not None:
            figures.append((piece.name, piece.text))


class _Drafter:
    """Walks the report declaration and writes each part into the document."""

    def __init__(self, doc: DocxDocument, spec: ReportSpec, values: Mapping[str, object],
                 kinds: Mapping[str, str], labels: Mapping[str, str], fw: Framework,
                 scores: ScoreResult | None, figures: list[tuple[str, str]] | None = None) -> None:
        self.figures = figures
        self.doc, self.spec, self.values, self.kinds, self.labels = doc, spec, values, kinds, labels
        self.fw, self.scores = fw, scores
        self.tables = {t.id: t for t in spec.tables}
        # style objects, looked up once: python-docx finds a style given by name by scanning them all
        self.heading_styles = [doc.styles[f"Heading {d}"] for d in range(1, len(HEADING_FONTS) + 1)]
        self.grid_style = doc.styles["Table Grid"]
        self.cell_styles: dict[str, Any] = {}

    def pieces(self, template: str) -> list[Piece]:
        return render(tidy(template), self.values, self.kinds, self.labels)

    # Parts ---------------------------------------------------------------------------------------------------

    def title(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
        from docx.shared import Pt

        para = self.doc.add_paragraph()
        _set_style(para, self.doc.styles["Title"])
        pf = para.paragraph_format
        pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(36)
        pf.space_after = Pt(PAGE.line_pt)
        pf.first_line_indent = Pt(0)
        style = self.doc.styles["Title"]
        _set_fonts(style, TITLE_FONT, PAGE.title_pt, bold=False)
        from docx.shared import RGBColor

        style.font.color.rgb = RGBColor(0, 0, 0)
        _strip_border(style)
        _add_pieces(para, self.pieces(self.spec.title), figures=self.figures)

    def header(self) -> None:
        for field in self.spec.header:
            para = self.doc.add_paragraph()
            para.paragraph_format.first_line_indent = 0
            pieces = [Piece(f"{field.label}：")]
            if field.value:
                pieces += self.pieces(field.value)
            _add_pieces(para, pieces, figures=self.figures)

    def body(self, items: list[BodyItem]) -> None:
        for item in items:
            if isinstance(item, ParagraphItem):
                if holds(item.when, self.values):
                    self.paragraph(self.pieces(item.text))
            elif isinstance(item, WriteItem):
                if holds(item.when, self.values):
                    self.paragraph([Piece(missing_marker(item.write), True)])
            elif isinstance(item, TableItem):
                self.table(self.tables[item.table])
            elif isinstance(item, ScoresItem):
                self.score_table(item)

    def paragraph(self, pieces: list[Piece]) -> None:
        from docx.shared import Pt

        para = self.doc.add_paragraph()
        para.paragraph_format.first_line_indent = Pt(2 * PAGE.body_pt)
        _add_pieces(para, pieces, figures=self.figures)

    def sections(self, sections: list[Section], depth: int = 1) -> None:
        for n, sec in enumerate(sections, start=1):
            para = self.doc.add_paragraph()
            _set_style(para, self.heading_styles[min(depth, len(HEADING_FONTS)) - 1])
            para.add_run(xml_text(heading_number(depth, n) + sec.heading))
            self.body(sec.body)
            self.sections(sec.children, depth + 1)

    # Tables --------------------------------------------------------------------------------------------------

    def table(self, table: ReportTable) -> None:
        rows = self.form_rows(table) + [[self.pieces(cell) for cell in row] for row in table.rows]
        self.caption(self.pieces(table.title), table.unit)
        header = [[Piece(c)] for c in table.columns]
        bold_rows = {len(rows) - 1} if table.total_row else set()
        self.grid(header, rows, bold_rows=bold_rows, numeric_from=1)

    def form_rows(self, table: ReportTable) -> list[list[list[Piece]]]:
        """One row per filled row of the form table ``rows_from`` (a row whose first column is empty is not
        filled), each cell the ``each`` template with that row's values."""
        if table.rows_from is None or table.each is None:
            return []
        form = next((t for t in self.fw.form.tables if t.name == table.rows_from), None)
        if form is None:
            return []
        names = [f"{form.name}.{c.name}" for c in form.columns]
        columns = {n: v if isinstance(v, tuple) else () for n in names for v in [self.values.get(n)]}
        count = min(len(columns[names[0]]), MAX_FORM_ROWS)
        out: list[list[list[Piece]]] = []
        for i in range(count):
            first = columns[names[0]][i]
            if first is None or (isinstance(first, str) and not first.strip()):
                continue
            row = {n: (col[i] if i < len(col) else None) for n, col in columns.items()}
            values = {**self.values, **row}
            cells = [render(tidy(cell), values, self.kinds, self.labels) for cell in table.each]
            # a row's optional cell left blank (no 偏差原因 for a target met) is a blank cell, not a marker
            out.append([[p if not p.missing else Piece("") for p in cell] for cell in cells])
        return out

    def caption(self, title: list[Piece], unit: str | None) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        para = self.doc.add_paragraph()
        pf = para.paragraph_format
        pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
        pf.first_line_indent = Pt(0)
        pf.keep_with_next = True
        pf.space_before = Pt(6)
        _add_pieces(para, title, figures=self.figures)
        for run in para.runs:
            _set_fonts(run, "黑体", 14)
        if unit:
            line = self.doc.add_paragraph()
            lf = line.paragraph_format
            lf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            lf.first_line_indent = Pt(0)
            lf.keep_with_next = True
            _add_pieces(line, [Piece(f"单位：{unit}")], size_pt=12)

    def grid(self, header: list[list[Piece]], rows: list[list[list[Piece]]], *, bold_rows: set[int] = frozenset(),  # type: ignore[assignment]
             numeric_from: int = 1, indents: Sequence[int] = (), left_columns: Sequence[int] = ()) -> Table:
        """A bordered table filling the text width: widths from its text, header repeated on each page."""
        texts = [[text_of(c) for c in header]] + [[text_of(c) for c in row] for row in rows]
        size = PAGE.table_pt
        lead = [0.0] + [float(i) for i in indents]  # the header row has no indent
        widths = column_widths(texts, PAGE.text_width_pt, size, indents_em=lead)
        if widths is None:
            size = PAGE.table_small_pt
            widths = column_widths(texts, PAGE.text_width_pt, size, indents_em=lead)
        if widths is None:  # even 小五 cannot hold every number on one line: share the width evenly
            widths = [PAGE.text_width_pt / len(header)] * len(header)
        table = self.doc.add_table(rows=len(rows) + 1, cols=len(header))  # at once: add_row is slow
        table.style = self.grid_style
        _fixed_layout(table, widths)
        self.row(table, 0, header, widths, size, bold=True, header=True)
        for r, row in enumerate(rows):
            self.row(table, r + 1, row, widths, size, bold=r in bold_rows, numeric_from=numeric_from,
                     indent=indents[r] if r < len(indents) else 0, left_columns=left_columns)
        return table

    def row(self, table: Table, index: int, cells: list[list[Piece]], widths: list[float], size: float, *, bold: bool = False,
            header: bool = False, numeric_from: int = 1, indent: int = 0, left_columns: Sequence[int] = ()) -> None:
        from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.shared import Pt

        new = table.rows[index]
        tr_pr: Any = new._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if header:
            tr_pr.append(OxmlElement("w:tblHeader"))
        style = self.cell_style(size)
        for c, (cell, pieces) in enumerate(zip(new.cells, cells, strict=False)):
            cell.width = Pt(widths[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = cell.paragraphs[0]
            _set_style(para, style)
            pf = para.paragraph_format
            if header:
                pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif c >= numeric_from and c not in left_columns and _FIGURE.match(text_of(pieces)):
                pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT  # figures line up; a text (数量, a 偏差原因) reads from the left
            if c == 0 and indent:
                pf.left_indent = Pt(size * indent)
            _add_pieces(para, pieces, figures=self.figures)
            if bold:
                for run in para.runs:
                    run.font.bold = True

    def cell_style(self, size: float) -> Any:
        """The paragraph style of table cells at a size (one per size, made on first use): no indent, single
        line spacing; set once on the style rather than on each of hundreds of cells."""
        from docx.enum.style import WD_STYLE_TYPE
        from docx.enum.text import WD_LINE_SPACING
        from docx.shared import Pt

        name = f"表格文字 {size:g}pt"
        if name not in self.cell_styles:
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            style.font.size = Pt(size)
            pf = style.paragraph_format
            pf.first_line_indent = Pt(0)
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
            self.cell_styles[name] = style
        return self.cell_styles[name]

    def score_table(self, item: ScoresItem) -> None:
        from xlperf.engine.rules import fmt_pts

        columns = ["评价指标", "分值", "自评得分", "计算得分"] + (["扣分原因"] if item.reasons else [])
        rows: list[list[list[Piece]]] = []
        indents: list[int] = []
        bold: set[int] = set()
        for ind, level in _indicators(self.fw):
            if item.scores == "leaves" and ind.children:
                continue
            computed = self.values.get(f"score_{ind.id}")
            own = self._self_score(ind.id, bool(ind.children))
            row = [[Piece(ind.name)], [Piece(fmt_pts(ind.points))], self._points_cell(own),
                   self._points_cell(computed)]
            if item.reasons:
                row.append([Piece(self._reason(ind.id, ind.points, computed, own, bool(ind.children)))])
            if ind.children:
                bold.add(len(rows))
            rows.append(row)
            indents.append(level - 1 if item.scores == "all" else 0)
        total = [[Piece("合计")], [Piece(fmt_pts(self.fw.total_points))],
                 self._points_cell(self.values.get("self_total")), self._points_cell(self.values.get("score_total"))]
        if item.reasons:
            total.append([Piece("")])
        bold.add(len(rows))
        rows.append(total)
        indents.append(0)
        self.caption([Piece("评价指标评分情况")], "分")
        self.grid([[Piece(c)] for c in columns], rows, bold_rows=bold, indents=indents,
                  left_columns=(4,) if item.reasons else ())

    def _self_score(self, indicator_id: str, branch: bool) -> object:
        if self.scores is not None:
            for res in self.scores.indicators:
                if res.id == indicator_id:
                    return res.self
        if not branch:
            return self.values.get(f"self_{indicator_id}")
        return None

    def _points_cell(self, value: object) -> list[Piece]:
        shown = format_value(value, "分")
        return [Piece(shown if shown is not None else "—")]

    def _reason(self, indicator_id: str, points: Decimal, computed: object, own: object, branch: bool) -> str:
        """Why points were lost: the engine's arithmetic for a leaf scored below its points, and the
        department's own reason where it scored itself below them."""
        if branch:
            return ""
        parts: list[str] = []
        lost = isinstance(computed, Decimal) and computed < points
        if lost and self.scores is not None:
            for res in self.scores.indicators:
                if res.id == indicator_id:
                    parts.append(res.explanation)
        reason = self.values.get(f"reason_{indicator_id}")
        if isinstance(reason, str) and reason.strip() and isinstance(own, Decimal) and own < points:
            parts.append(f"自评说明：{reason.strip()}")
        return "；".join(p if len(p) <= MAX_REASON_CHARS else p[:MAX_REASON_CHARS - 1] + "…" for p in parts)


def _set_style(para: Paragraph, style: Any) -> None:
    """A paragraph's style by id: python-docx's ``paragraph.style = …`` rescans every style for the
    default one each time (about 10 ms a cell)."""
    para._p.style = style.style_id


def _indicators(fw: Framework) -> list[tuple[Any, int]]:
    out: list[tuple[Any, int]] = []

    def visit(items: list[Any], level: int) -> None:
        for ind in items:
            out.append((ind, level))
            visit(ind.children, level + 1)

    visit(fw.indicators, 1)
    return out


def _strip_border(style: Any) -> None:
    """The default template's Title has a bottom border; an official title has none."""
    from docx.oxml.ns import qn

    ppr = style.element.find(qn("w:pPr"))
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _fixed_layout(table: Table, widths: list[float]) -> None:
    """A fixed layout with the computed widths (tblW, tblGrid, each cell): Word and LibreOffice then keep
    the columns as computed instead of re-fitting them to the text."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr: Any = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width: Any = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(int(sum(widths) * 20)))
    for col, w in zip(table.columns, widths, strict=False):
        col.width = Pt(w)


def draft_report(compiled: CompiledFramework, values: Mapping[str, object],
                 scores: ScoreResult | None = None, *, figures: list[tuple[str, str]] | None = None) -> bytes:
    """The drafted report (.docx bytes) of a framework's ``report:`` for one workbook's values.

    ``values`` maps workbook names to their values (as :func:`values_from_data` gives them); ``scores``, when
    given, supplies the engine's explanation of every point lost for the score table. When ``figures`` is a
    list, every figure drafted from a placeholder is appended to it as (workbook name, text as written), in
    document order (for round-trip tests: each is a figure the report checker must tie back)."""
    import docx

    fw = compiled.fw
    spec = fw.report
    if spec is None:
        raise NoReportDeclared(f"评价框架 {fw.id} 没有声明报告（report:），无法起草自评报告")
    catalog = compiled.catalog
    kinds = {name: s.kind for name, s in catalog.items()}
    labels = {name: s.label for name, s in catalog.items()}
    doc = docx.Document()
    _setup(doc)
    drafter = _Drafter(doc, spec, values, kinds, labels, fw, scores, figures)
    drafter.title()
    drafter.header()
    drafter.body(spec.preamble)
    drafter.sections(spec.sections)
    props = doc.core_properties
    props.title = xml_text(text_of(drafter.pieces(spec.title)), 250)
    props.author = "xlperf"
    props.comments = "由 xlperf report 根据评价工作簿起草；【请填写：…】处须由部门填写。"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
