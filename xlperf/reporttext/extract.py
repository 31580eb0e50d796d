"""Every figure a report quotes, with its context: pure functions over a :class:`ReportDocument`."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal

from xlperf.reporttext.document import Paragraph, ReportDocument, Table
from xlperf.reporttext.numbers import CN_AMOUNT, CN_NUMERAL, cn_fraction, cn_to_int, normalize, parse_decimal

__all__ = ["Figure", "Where", "canon", "extract_all", "extract_paragraph", "extract_table", "sentence_around"]

COUNT_WORDS = "个|人次|人|项|家|次|辆|台|件|套|名|场|所|条|篇|批|户|处|只|份"
_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
FIGURE = re.compile(
    rf"(?<![\d.,A-Za-z]){_NUM}\s*(?:(亿元|万元|元|%|分)|(万|千|亿)?\s*(余|多)?\s*({COUNT_WORDS})|(年))")
CN_COUNT = re.compile(rf"(?<![\d{CN_NUMERAL}第])([{CN_NUMERAL}]{{1,6}})(余|多)?({COUNT_WORDS})")
CN_MONEY = re.compile(rf"(?<![\d.{CN_AMOUNT}第])([零〇一二两三四五六七八九十][{CN_AMOUNT}]{{0,15}})(亿元|万元|元)")
CN_PERCENT = re.compile(r"百分之([零〇一二两三四五六七八九十百]{1,4})(?:点([零〇一二三四五六七八九]{1,4}))?")
CN_TENTHS = re.compile(r"(?<![\d一二三四五六七八九十])([一二三四五六七八九])成(?![本效果立为员绩熟交都功品就长型])")
"""九成, 四成: a share in tenths, always approximate (not 完成, 成本, 成效 …)."""
_RANGE_AFTER = re.compile(r"\s*[-－—~～至到]\s*\d")
_RANGE_BEFORE = re.compile(r"\d(?:\.\d+)?\s*(?:%|万元|亿元|元|万|亿)?\s*[-－—~～至到]\s*$")
"""10-20万元, 95%-100%, 3～5万元: a range the text allows, never one figure to compare."""
_APPROX_BEFORE = re.compile(r"(约|近|超过|逾|将近|大约|上万|达到近)\s*$")
_GROWTH = re.compile(r"(增加|减少|增长|下降|上升|降低|提高|减幅|增幅|增长率|下降率|节约|节省|节支|超支|少支|多支)了?\s*$")
_PRIOR = re.compile(r"上年|上一年|去年|上年度|同期")
_CMP_YEAR = re.compile(r"(比|较|与|同比|对比)\s*(\d{4})\s*年(度)?")
_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")
_OPERATOR = set("*×/÷=＝+<>≤≥＜＞")
_THRESHOLD_AFTER = re.compile(r"^\s*(以上|以下|以内|及以上|及以下|（含）|\(含\))")
_FORMULA_IN_CLAUSE = re.compile(r"[*×/÷=＝<>≤≥＜＞]|低于|高于|不超过|不低于|超过|达到.{0,4}的")
CLAUSE_BREAK = "，。；：！？,;:、（）()\n"
SENTENCE_BREAK = "。；！？\n"


def canon(text: str) -> str:
    """Text as the lexicon compares it: no spaces or quotes, ASCII brackets, full-width digits folded."""
    text = normalize(text)
    return re.sub(r"[\s“”\"‘’'「」『』]", "", text).replace("（", "(").replace("）", ")")


@dataclass
class Where:
    """Where a figure stands: section heading, paragraph number (or table and cell), the quoted sentence."""

    section: str
    paragraph: int
    sentence: str
    table: int = 0
    row: int = 0
    column: int = 0

    def place(self) -> str:
        """第N段, or 表N第r行第c列."""
        return f"第{self.paragraph}段" if not self.table else f"表{self.table}第{self.row}行第{self.column}列"

    def describe(self) -> str:
        return f"{self.section or '（报告开头）'} · {self.place()}"


@dataclass
class Figure:
    value: Decimal  # in the kind's canonical unit: money in 万元, a rate in percent, else as written
    kind: str  # money | rate | count | points | year | number
    unit: str  # as written (万元, 元, 亿元, %, 分, a measure word, 年)
    text: str  # the figure as written, with its unit
    decimals: int  # decimals shown, in the written unit
    scale: Decimal  # written unit → canonical unit
    where: Where
    context: str = ""  # words before the figure in its clause (canonical form)
    clause: str = ""  # the whole clause before the figure, for year labels and markers
    approx: bool = False
    growth: bool = False
    prior: bool = False
    formula: bool = False
    year_label: int | None = None
    start: int = 0
    end: int = 0
    block: int = 0  # index of the block in the document
    sentence_no: int = 0
    tied: str | None = None  # filled by the analysis
    extra: dict[str, str] = field(default_factory=dict)


def sentence_around(text: str, start: int, end: int, width: int = 80) -> str:
    """The sentence holding text[start:end], cut to about ``width`` characters around the figure."""
    left = max((text.rfind(ch, 0, start) for ch in "。！？\n"), default=-1) + 1
    right_candidates = [i for i in (text.find(ch, end) for ch in "。！？\n") if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    if right - left > width:
        half = (width - (end - start)) // 2
        left2, right2 = max(left, start - half), min(right, end + half)
        return ("…" if left2 > left else "") + text[left2:right2].strip() + ("…" if right2 < right else "")
    return text[left:right].strip()


def _kind(unit: str) -> tuple[str, Decimal]:
    if unit == "万元":
        return "money", Decimal(1)
    if unit == "元":
        return "money", Decimal("0.0001")
    if unit == "亿元":
        return "money", Decimal(10000)
    if unit == "%":
        return "rate", Decimal(1)
    if unit == "分":
        return "points", Decimal(1)
    if unit == "年":
        return "year", Decimal(1)
    return "count", Decimal(1)


def _decimals(number: str) -> int:
    return len(number.split(".", 1)[1]) if "." in number else 0


_CLAUSE_RE = re.compile("[" + re.escape(CLAUSE_BREAK) + "]")
_SENTENCE_RE = re.compile("[" + re.escape(SENTENCE_BREAK) + "]")
_SHORT_BRACKET = re.compile(r".{0,3}?[（(][^（）()]{1,2}[)）]")


class _Breaks:
    """Clause and sentence boundaries of one paragraph, found once (bisect per figure, not a scan)."""

    def __init__(self, text: str) -> None:
        # a short bracket inside a name (因公出国（境）费) does not break its clause; a longer one does
        self.clause = [m.start() for m in _CLAUSE_RE.finditer(text)
                       if m.group() not in "（）()" or not _SHORT_BRACKET.match(text, max(0, m.start() - 3))]
        self.sentence = [m.start() for m in _SENTENCE_RE.finditer(text)]
        self.full_stops = [i for i, ch in enumerate(text) if ch == "。"]

    @staticmethod
    def before(marks: list[int], pos: int) -> int:
        i = bisect.bisect_left(marks, pos)
        return marks[i - 1] + 1 if i else 0


def _clause_start(text: str, pos: int) -> int:
    return max((text.rfind(ch, 0, pos) for ch in CLAUSE_BREAK), default=-1) + 1


def _year_label(clause: str) -> tuple[int | None, bool]:
    """The year written in the clause that labels the figure (not a comparison base 比2020年), and whether a
    prior-year marker (上年, 比上年) is there."""
    compared = {m.start(2) for m in _CMP_YEAR.finditer(clause)}
    years = [int(m.group(1)) for m in _YEAR.finditer(clause) if m.start(1) not in compared
             and 1900 <= int(m.group(1)) <= 2200]
    return (years[-1] if years else None), bool(_PRIOR.search(clause))


def extract_paragraph(par: Paragraph, block: int) -> list[Figure]:
    text = normalize(par.text)
    found: list[Figure] = []
    for m in FIGURE.finditer(text):
        number, unit = m.group(1), m.group(2) or m.group(5) or m.group(6)
        value = parse_decimal(number)
        if value is None:
            continue
        if m.group(6):  # a year
            if "." in number or not 1900 <= value <= 2200 or len(number) != 4:
                continue
        if m.group(5) == "个" and text.startswith("百分点", m.end()):
            continue  # 提高2.3个百分点: a change of a rate, not a count
        mult = {"万": 10000, "千": 1000, "亿": 100000000}.get(m.group(3) or "", 1)
        kind, scale = _kind(unit)
        approx = bool(m.group(4)) or bool(_APPROX_BEFORE.search(text[max(0, m.start() - 4):m.start()]))
        found.append(_figure(text, par, block, m.start(), m.end(), value * mult, kind, unit, m.group(0).strip(),
                             _decimals(number), scale, approx))
    for m in CN_COUNT.finditer(text):
        value_int = cn_to_int(m.group(1))
        if not value_int or (m.group(1) in ("一",) and m.group(3) in ("个", "项")):
            continue  # 一个核心, 一项工作: an article, not a count
        found.append(_figure(text, par, block, m.start(), m.end(), Decimal(value_int), "count", m.group(3),
                             m.group(0), 0, Decimal(1), bool(m.group(2))))
    found.extend(_written_in_words(text, par, block))
    found.sort(key=lambda f: f.start)
    _ranges(text, found)
    _contexts(text, found)
    return found


def _written_in_words(text: str, par: Paragraph, block: int) -> list[Figure]:
    """Amounts and percentages written in Chinese numerals: 四亿三千一百八十九万元 (as precise as its last
    non-zero place: a negative number of decimals), 百分之九十七点六五, 九成 (approximate)."""
    return [*_amounts_in_words(text, par, block), *_percents_in_words(text, par, block)]


def _amounts_in_words(text: str, par: Paragraph, block: int) -> list[Figure]:
    found: list[Figure] = []
    for m in CN_MONEY.finditer(text):
        amount = cn_to_int(m.group(1))
        if not amount:
            continue
        kind, scale = _kind(m.group(2))
        digits = str(amount)
        places = -(len(digits) - len(digits.rstrip("0")))
        found.append(_figure(text, par, block, m.start(), m.end(), Decimal(amount), kind, m.group(2), m.group(0),
                             places, scale, False))
    return found


def _percents_in_words(text: str, par: Paragraph, block: int) -> list[Figure]:
    found: list[Figure] = []
    for m in CN_PERCENT.finditer(text):
        whole = cn_to_int(m.group(1))
        fraction = cn_fraction(m.group(2)) if m.group(2) else ""
        if whole is None or fraction is None:
            continue
        value = Decimal(f"{whole}.{fraction}" if fraction else whole)
        found.append(_figure(text, par, block, m.start(), m.end(), value, "rate", "%", m.group(0), len(fraction),
                             Decimal(1), False))
    for m in CN_TENTHS.finditer(text):
        tenths = Decimal(cn_to_int(m.group(1)) or 0) * 10
        found.append(_figure(text, par, block, m.start(), m.end(), tenths, "rate", "%", m.group(0), 0, Decimal(1),
                             True))
    return found


def _ranges(text: str, figures: list[Figure]) -> None:
    """A figure that is an end of a range (10-20万元, 95%-100%) is not a quoted figure."""
    for fig in figures:
        if _RANGE_AFTER.match(text, fig.end) or _RANGE_BEFORE.search(text[max(0, fig.start - 16):fig.start]):
            fig.formula = True
            fig.extra["range"] = "1"


def _figure(text: str, par: Paragraph, block: int, start: int, end: int, value: Decimal, kind: str, unit: str,
            shown: str, decimals: int, scale: Decimal, approx: bool) -> Figure:
    where = Where(par.section, par.number, sentence_around(par.text, start, end))
    before = text[max(0, start - 3):start].rstrip()
    after = text[end:end + 2].lstrip()
    formula = (bool(before and before[-1] in _OPERATOR) or bool(after and after[0] in _OPERATOR)
               or bool(_THRESHOLD_AFTER.match(text[end:end + 6])))
    return Figure(value * scale if kind != "count" else value, kind, unit, shown, decimals, scale, where,
                  approx=approx, formula=formula, start=start, end=end, block=block)


def _contexts(text: str, figures: list[Figure]) -> None:
    prev_end = 0
    breaks = _Breaks(text)
    for fig in figures:
        cstart = breaks.before(breaks.clause, fig.start)
        clause = text[cstart:fig.start]
        fig.clause = clause
        if _FORMULA_IN_CLAUSE.search(clause):
            fig.formula = True  # a threshold or a formula of a scoring rule (＜90%, 支出/指标×25%), not a quote
        fig.context = canon(text[max(cstart, prev_end if fig.kind != "year" else 0):fig.start])
        fig.extra["head"] = canon(text[breaks.before(breaks.sentence, fig.start):cstart])
        fig.year_label, fig.prior = _year_label(text[breaks.before(breaks.sentence, fig.start):fig.start]
                                                if not _YEAR.search(clause) else clause)
        if _PRIOR.search(clause):
            fig.prior = True
        fig.growth = bool(_GROWTH.search(text[max(0, fig.start - 6):fig.start]))
        fig.sentence_no = bisect.bisect_left(breaks.full_stops, fig.start)
        if fig.kind != "year":
            prev_end = fig.end


def _sentence_start(text: str, pos: int) -> int:
    return max((text.rfind(ch, 0, pos) for ch in SENTENCE_BREAK), default=-1) + 1


# Tables ------------------------------------------------------------------------------------------------------

CELL_FIGURE = re.compile(rf"^\s*([-+]?{_NUM})\s*(亿元|万元|元|%|分|{COUNT_WORDS})?\s*$")
_UNIT_NAME = re.compile(r"^(单位|部门|预算单位)(名称)?$")
_UNIT_LINE = re.compile(r"^\s*单位[:：]\s*(亿元|万元|元)\s*$")
MAX_LABEL = 24
"""A table cell longer than this is prose (a description, criteria), never a row or column label."""


def _cell_number(text: str) -> tuple[Decimal, str, int] | None:
    m = CELL_FIGURE.match(normalize(text))
    if not m:
        return None
    value = parse_decimal(m.group(1))
    return (value, m.group(3) or "", _decimals(m.group(2))) if value is not None else None


@dataclass
class TableView:
    """A report table with its header rows, row labels and numeric cells found."""

    table: Table
    header_rows: int
    numbers: dict[tuple[int, int], tuple[Decimal, str, int]]
    unit_col: int = -1  # a column giving each row's unit (计量单位: 人 / 万元 / %), -1 when none
    row_units: dict[int, str] = field(default_factory=dict)
    inherited: list[list[str]] = field(default_factory=list)  # a continued table's header rows, from before

    def header_row_texts(self) -> list[list[str]]:
        return [*self.inherited, *self.table.rows[:self.header_rows]]

    def column_header(self, col: int) -> str:
        parts: list[str] = []
        for row in self.header_row_texts():
            text = row[col].strip() if col < len(row) else ""
            if (text and len(text) <= MAX_LABEL and (not parts or parts[-1] != text)  # a vertical merge repeats
                    and not _UNIT_LINE.match(text)):  # 单位：万元 is the table's unit (Table.unit), no header
                parts.append(text)
        return "".join(parts)

    def row_label(self, row: int, col: int) -> str:
        """The short text cells left of ``col`` (a unit-name column, 单位名称, is not a label)."""
        cells = self.table.rows[row][:col]
        return "".join(c.strip() for i, c in enumerate(cells)
                       if c.strip() and len(c.strip()) <= MAX_LABEL and (row, i) not in self.numbers
                       and i != self.unit_col and not _UNIT_NAME.match(canon(self.column_header(i))))

    def raw_label(self, row: int) -> str:
        for i, c in enumerate(self.table.rows[row]):
            if c.strip() and (row, i) not in self.numbers:
                return c
        return ""


def view_table(table: Table) -> TableView:
    numbers = {}
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            got = _cell_number(cell)
            if got is not None:
                numbers[(r, c)] = got
    header = 0
    for r in range(len(table.rows)):
        if any(rc[0] == r for rc in numbers):
            break
        header += 1
    view = TableView(table, header, numbers)
    _unit_column(view)
    return view


UNIT_WORDS = frozenset({"万元", "元", "亿元", "%", "分", *COUNT_WORDS.split("|")})


def _unit_column(view: TableView) -> None:
    """A column whose every filled data cell is a unit word (计量单位: 人, 万元, %) gives its row's unit."""
    rows = view.table.rows[view.header_rows:]
    width = max((len(r) for r in rows), default=0)
    for c in range(width):
        cells = {i: normalize(r[c]).strip() for i, r in enumerate(rows, view.header_rows) if c < len(r) and r[c].strip()}
        if len(cells) >= 2 and all(u in UNIT_WORDS for u in cells.values()):
            view.unit_col, view.row_units = c, cells
            return


def _table_kind(unit: str, header: str, table_unit: str) -> tuple[str, Decimal, str]:
    if unit:
        kind, scale = _kind(unit)
        return kind, scale, unit
    if "%" in header:  # 执行率（%）: the column's cells are percentages written without the sign
        return "rate", Decimal(1), "%"
    if "率" in header or "比例" in header:
        return "number", Decimal(1), ""
    for money in ("万元", "亿元", "元"):
        if money in header:
            kind, scale = _kind(money)
            return kind, scale, money
    if "分" in header:
        return "points", Decimal(1), "分"
    if table_unit:
        kind, scale = _kind(table_unit)
        return kind, scale, table_unit
    return "number", Decimal(1), ""


def extract_table(view: TableView, block: int) -> list[Figure]:
    table = view.table
    out = []
    for (r, c), (value, unit, decimals) in sorted(view.numbers.items()):
        header = view.column_header(c)
        kind, scale, shown_unit = _table_kind(unit or view.row_units.get(r, ""), canon(header), table.unit)
        label = view.row_label(r, c)
        shown_label = view.raw_label(r).strip() or label
        sentence = f"{' '.join(table.title.split())}｜{shown_label}｜{header}：{table.rows[r][c].strip()}"[:80]
        where = Where(table.section, table.after_paragraph, sentence, table.number, r + 1, c + 1)
        caption = canon(table.title)
        value_c = value * scale if kind != "count" else value
        local = canon(label) + "|" + canon(header)
        fig = Figure(value_c, kind, shown_unit, table.rows[r][c].strip(), decimals, scale, where,
                     context=caption + "|" + local, clause=label + header, year_label=_table_year(local, caption),
                     block=block, prior=bool(_PRIOR.search(local)), growth=bool(_CHANGE_HEADER.search(local)))
        fig.extra.update(row=str(r), col=str(c), label=canon(label), header=canon(header), caption=caption)
        out.append(fig)
    return out


_CHANGE_HEADER = re.compile(r"增减|增长|变动|同比|增幅|降幅|比上年")
"""A column (or row) of changes: 增减率, 增减额, 同比增长 — never the figure it changes."""


def _table_year(local: str, caption: str) -> int | None:
    """The year labelling a cell: its row's or column's (2020年 | 2021年 columns), else the caption's last."""
    for text in (local, caption):
        years = [int(y) for y in re.findall(r"(\d{4})年", text) if 1900 <= int(y) <= 2200]
        if years:
            return years[-1]
    return None


def extract_all(doc: ReportDocument) -> tuple[list[Figure], list[TableView]]:
    figures: list[Figure] = []
    views: list[TableView] = []
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            figures.extend(extract_paragraph(block, i))
        else:
            view = view_table(block)
            if block.continued and view.header_rows == 0 and views:  # its header rows stayed on the page before
                view.inherited = views[-1].header_row_texts()
            views.append(view)
            figures.extend(extract_table(view, i))
    return figures, views
