"""Declarations of a framework's data-collection form: inputs, derived figures, stated figures, audit
rules (审核公式), tables of rows the department adds, and the layout of the form's sheets.

Every region and year issues its own form as well as its own indicators, so none of this is Python:
a framework file declares it under ``form:`` and the data model, the workbook, the reader and the
validator are built from these declarations. Nothing here computes.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from xlperf.expr import parse

__all__ = [
    "DEFAULT_UNITS",
    "NAME_RE",
    "PRIOR_PREFIX",
    "AuditRule",
    "Block",
    "Chart",
    "ColumnDecl",
    "DerivedDecl",
    "Form",
    "Grade",
    "GridRow",
    "GuideLine",
    "HeaderGroup",
    "IdentityDecl",
    "InputDecl",
    "InputKind",
    "PageSetup",
    "Sheet",
    "StatedDecl",
    "TableDecl",
]

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
"""Input/measure names: lower-case ASCII with at least one underscore, so they can never be
mistaken for an A1 cell reference when used as Excel defined names."""

PRIOR_PREFIX = "prev_"
"""A prior-year input ``x`` is the name ``prev_x`` (written ``prev.x`` or ``prev_x`` in expressions)."""

InputKind = Literal["money", "count", "rate", "bool", "text", "int", "points", "choice", "number", "date"]

DEFAULT_UNITS: dict[str, str] = {"money": "万元", "count": "人", "rate": "%", "bool": "是/否", "text": "", "int": "",
                                 "points": "分", "choice": "", "number": "", "date": ""}


INPUT_NAME = r"^[a-z][a-z0-9_]{0,62}$"
_CELL_LIKE = re.compile(r"^([a-z]{1,3}[0-9]+|r[0-9]*c[0-9]*|r|c|true|false)$")


def _input_name(value: str) -> str:
    """Excel refuses defined names that read as a cell (``ab12``, ``r1c1``) or a boolean."""
    if _CELL_LIKE.match(value):
        raise ValueError(f"名称 {value!r} 会被 Excel 当成单元格地址，请换一个（如加下划线：{value}_x）")
    return value


def _expr(value: str | None) -> str | None:
    if value is not None:
        parse(value)
    return value


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InputDecl(_Model):
    """One value the department types (a cell of the form)."""

    name: str = Field(pattern=INPUT_NAME, description="stable ASCII name: defined name, data-file key")
    label: str = Field(description="Chinese label shown beside the cell and in messages")
    kind: InputKind = Field(description="money 万元 · count 整数 · rate 比率 · bool 是/否 · text · int · points · "
                                        "choice 下拉选项 · number 任意数值 · date 日期")
    unit: str | None = Field(None, description="unit shown beside the cell (default by kind)")
    required: bool = Field(True, description="an empty cell is an error (XP207); ignored when a default is given")
    default: Decimal | bool | str | None = Field(None, union_mode="left_to_right",
                                                 description="value used when the cell is empty")
    min: Decimal | date | str | None = Field(
        None, union_mode="left_to_right",
        description="smallest allowed value (money/count/rate default 0); a date input: an ISO date (2021-01-01) or "
                    "an expression (date(report_year, 1, 1))")
    max: Decimal | date | str | None = Field(
        None, union_mode="left_to_right",
        description="largest allowed value (e.g. 1 for a rate of at most 100%); a date input: an ISO date or an "
                    "expression (date(report_year + 1, 4, 30))")
    options: list[str] = Field(default_factory=list, description="choices of a `choice` input")
    help: str | None = Field(None, description="help text shown beside the cell and in the input prompt")
    group: str = Field("inputs", pattern=r"^[a-z][a-z0-9_]*$", description="key of the data file's section")
    role: Literal["department", "year", "unit_code"] | None = Field(
        None, description="what the value means to xlperf itself: the department's name, the evaluation year, "
                          "the unit code (单位编码)")
    prior: bool = Field(False, description="also ask for last year's figure, as input prev_<name> (上年数)")
    prior_required: bool = Field(False, description="last year's figure must be given (XP207 when empty); "
                                                    "implies prior: true")

    _n = field_validator("name")(_input_name)

    @model_validator(mode="before")
    @classmethod
    def _required_prior_is_prior(cls, data: object) -> object:
        """``prior_required: true`` alone asks for the figure too (a newcomer writes only that)."""
        if isinstance(data, dict) and data.get("prior_required") is True and "prior" not in data:
            return {**data, "prior": True}
        return data

    @model_validator(mode="after")
    def _shape(self) -> InputDecl:
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError(f"选项输入 {self.name} 至少需要两个 options")
        if self.kind != "choice" and self.options:
            raise ValueError(f"只有 kind: choice 的输入可以有 options（{self.name}）")
        self._bounds_typed()
        if (isinstance(self.min, Decimal | date) and type(self.min) is type(self.max)
                and self.min > self.max):  # type: ignore[operator]
            raise ValueError(f"输入 {self.name} 的 min 大于 max")
        if self.kind == "date" and (self.prior or self.default is not None):
            raise ValueError(f"日期输入 {self.name} 不能有上年数（prior）或默认值（default）")
        if self.prior_required and not self.prior:
            raise ValueError(f"输入 {self.name} 写了 prior_required: true，却又写了 prior: false")
        return self

    def _bounds_typed(self) -> None:
        """min / max: dates or date expressions for a date input, numbers for any other."""
        bounds = [b for b in (self.min, self.max) if b is not None]
        if self.kind != "date":
            if any(not isinstance(b, Decimal) for b in bounds):
                raise ValueError(f"输入 {self.name} 的 min / max 应为数字（日期只用于 kind: date）")
            return
        for bound in bounds:
            if isinstance(bound, str):
                parse(bound)
            elif not isinstance(bound, date):
                raise ValueError(f"日期输入 {self.name} 的 min / max 应为日期（如 2021-01-01）或表达式"
                                 "（如 date(report_year, 12, 31)）")

    @property
    def is_required(self) -> bool:
        return self.required and self.default is None


class DerivedDecl(_Model):
    """A named figure computed from others (subtotals, totals, rates shown in the form)."""

    name: str = Field(pattern=INPUT_NAME)
    label: str
    expr: str = Field(description="expression over inputs, other derived figures declared before, tables")
    kind: Literal["money", "count", "rate", "points", "number", "date"] = Field(
        "money", description="date: the expression gives a day (e.g. date(report_year + 1, 4, 30)), shown as one")
    unit: str | None = None

    _e = field_validator("expr")(_expr)
    _n = field_validator("name")(_input_name)


class StatedDecl(_Model):
    """A figure as the department reported it (a typed total, a rate quoted in its report).

    Optional cells: when given, the figure must equal ``expect`` at the precision it was stated with."""

    name: str = Field(pattern=INPUT_NAME)
    label: str
    kind: Literal["money", "rate", "points", "count", "number"] = "money"
    expect: str | None = Field(None, description="what the figure must equal (an expression)")
    compare: Literal["sum", "same", "rate"] | None = Field(
        None, description="sum (XP301) · same figure elsewhere (XP302) · rate (XP303); inferred when omitted")
    help: str | None = None
    group: str = Field("stated", pattern=r"^[a-z][a-z0-9_]*$")

    _e = field_validator("expect")(_expr)
    _n = field_validator("name")(_input_name)


class IdentityDecl(_Model):
    """An identity among figures that already have cells, checked only when every part is given
    (e.g. 人员经费 = 工资福利支出 + 对个人和家庭的补助 when the report breaks it down)."""

    figure: str = Field(description="the figure the finding points at")
    equals: str = Field(description="expression it must equal")
    compare: Literal["sum", "same", "rate"] | None = None

    _e = field_validator("equals")(_expr)


class AuditRule(_Model):
    """A region's own audit rule (审核公式): an expression that must hold, with its level and message."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="the rule's own code, e.g. A01 or SG-1")
    assert_: str = Field(alias="assert", description="expression that must be true, e.g. spent_total <= budget_adjusted")
    severity: Literal["强制", "提示"] = Field(description="强制: must be fixed (error) · 提示: needs an explanation")
    message: str = Field(description="Chinese message; {name} is the name's value, {name:label} its label")
    when: str | None = Field(None, description="the rule applies only when this holds")
    at: str | None = Field(None, description="name of the cell the finding points at (default: first name)")
    found: str | None = Field(None, description="expression shown as the value found")
    expected: str | None = Field(None, description="expression shown as the value expected")
    each_row: str | None = Field(None, pattern=r"^[a-z][a-z0-9]*$",
                                 description="a table: the rule is checked in every filled row, its columns read by "
                                             "name; each failing row is a finding at its own cell (at: a column)")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    _e = field_validator("assert_", "when", "found", "expected")(_expr)


_COLUMN_NAME = r"^[a-z][a-z0-9_]*$"


class ColumnDecl(_Model):
    """A column of a table: typed by the department, or computed per row from the row's other columns."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    kind: Literal["money", "count", "rate", "bool", "text", "number", "points", "choice", "date"] = "number"
    expr: str | None = Field(None, description="per-row formula over this row's columns (computed column)")
    default: Decimal | bool | str | None = Field(None, union_mode="left_to_right",
                                                 description="value of an empty cell in a filled row (data files)")
    required: bool = Field(False, description="in a filled row this cell must be filled (XP207)")
    required_if: str | None = Field(None, description="in a filled row this cell must be filled when this expression "
                                                      "over the row's columns holds (XP207), e.g. type == \"定量\"")
    options: list[str] = Field(default_factory=list,
                               description="choices of a `choice` column (a drop-down list in every row)")
    width: float | None = Field(None, ge=2, le=120, description="column width in characters (a CJK character is 2); "
                                                               "default: the sheet's column width, or one from the "
                                                               "column's kind; a sheet wider than its page has its "
                                                               "columns narrowed in proportion (text wraps)")
    hidden: bool = Field(False, description="a helper column: computed and named, but hidden and not printed")
    text_if: str | None = Field(None, description="a number column that holds text in the rows where this expression "
                                                  "over the row holds (a qualitative row's target or result, e.g. "
                                                  "nature == \"定性\"); other rows keep numbers")
    text_options: list[str] = Field(default_factory=list,
                                    description="with text_if: the texts allowed in those rows (e.g. 达成, 部分达成, "
                                                "未达成); a number there is an error (XP211). Empty: any text")

    _e = field_validator("expr", "required_if", "text_if")(_expr)

    @model_validator(mode="after")
    def _shape(self) -> ColumnDecl:
        if self.kind == "choice" and len(self.options) < 2:
            raise ValueError(f"选项列 {self.name} 至少需要两个 options")
        if self.kind != "choice" and self.options:
            raise ValueError(f"只有 kind: choice 的列可以有 options（{self.name}）")
        if self.kind == "choice" and self.expr is not None:
            raise ValueError(f"选项列 {self.name} 由部门选择，不能有 expr")
        if self.kind == "choice" and self.default is not None and self.default not in self.options:
            raise ValueError(f"选项列 {self.name} 的 default {self.default!r} 不在 options 中")
        if self.required_if is not None and self.expr is not None:
            raise ValueError(f"计算列 {self.name} 由公式计算，不能有 required_if")
        if self.text_if is not None and (self.kind != "number" or self.expr is not None):
            raise ValueError(f"text_if 只用于填写的 number 列（{self.name}）：定性行填文字，其他行填数字")
        if self.text_options and self.text_if is None:
            raise ValueError(f"列 {self.name} 的 text_options 需要 text_if（哪些行填文字）")
        if self.hidden and self.expr is None:
            raise ValueError(f"隐藏列 {self.name} 必须是计算列（有 expr）：部门看不到的列无法填写")
        return self


class TableDecl(_Model):
    """Rows the department fills and adds to (项目明细, 个性指标表 …); expressions aggregate its columns
    with sum(t.col), count(t.col), sumif(t.col, t.flag), sumproduct(t.a, t.b), min(t.col), max(t.col)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    label: str
    columns: list[ColumnDecl] = Field(min_length=1)
    rows: int = Field(20, ge=1, le=500, description="rows in the blank form (room for added rows)")
    preset: list[dict[str, Decimal | bool | str | None]] = Field(
        default_factory=list, description="rows every department has (common indicators), pre-filled")
    title: str | None = Field(None, description="title line above the table (default: the label and how to add rows)")

    @model_validator(mode="after")
    def _columns(self) -> TableDecl:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"表 {self.name} 的列名重复")
        if self.columns[0].expr is not None:
            raise ValueError(f"表 {self.name} 的第一列必须是填写列（用来判断一行是否已填）")
        if len(self.preset) > self.rows:
            raise ValueError(f"表 {self.name} 的预置行多于 rows")
        for i, row in enumerate(self.preset, start=1):
            for col in self.columns:
                if col.kind == "choice" and row.get(col.name) is not None and row[col.name] not in col.options:
                    raise ValueError(f"表 {self.name} 第 {i} 个预置行的 {col.name} {row[col.name]!r} 不在 options 中")
        return self


GridCell = Decimal | str | None
"""A grid cell: a name placed here (input, derived, measure, stated figure), ``=name`` (a copy of a figure placed
elsewhere, e.g. a score), a fixed number (e.g. 分值 10) or blank (null)."""


class GridRow(_Model):
    label: str = Field(description="row label in the first column (e.g. 年度资金总额)")
    cells: list[GridCell] = Field(description="one cell per column header, left to right")


class HeaderGroup(_Model):
    label: str
    span: int = Field(ge=1, le=40, description="column headers this merged header cell spans")


class Block(_Model):
    """A block of a form sheet: a list (one name per row, label · value · unit · check · note), or a grid
    (row labels × column headers, as printed forms have them) when ``columns`` is given."""

    title: str
    names: list[str] = Field(default_factory=list,
                             description="inputs, derived figures, measures and stated figures, in order")
    columns: list[str] = Field(default_factory=list, max_length=40, description="grid: the column headers")
    header_groups: list[HeaderGroup] = Field(default_factory=list,
                                             description="grid: merged header cells above the column headers")
    rows: list[GridRow] = Field(default_factory=list, max_length=200, description="grid: the rows")
    corner: str = Field("项目", description="grid: header of the row-label column")
    widths: list[float] = Field(default_factory=list, description="grid: widths of the columns (characters)")

    @model_validator(mode="after")
    def _list_or_grid(self) -> Block:
        if not self.columns:
            if self.rows or self.header_groups or self.widths:
                raise ValueError(f"区块“{self.title}”的 rows / header_groups / widths 需要 columns（表格式区块）")
            return self
        if self.names:
            raise ValueError(f"区块“{self.title}”是表格式区块（有 columns），名称写在 rows 的 cells 中，不用 names")
        for row in self.rows:
            if len(row.cells) != len(self.columns):
                raise ValueError(f"区块“{self.title}”的行“{row.label}”有 {len(row.cells)} 个单元格，应为 "
                                 f"{len(self.columns)} 个（每个列标题一个）")
        if sum(g.span for g in self.header_groups) > len(self.columns):
            raise ValueError(f"区块“{self.title}”的 header_groups 跨度之和超过列数")
        if self.widths and len(self.widths) != len(self.columns) + 1:
            raise ValueError(f"区块“{self.title}”的 widths 应有 {len(self.columns) + 1} 个（行标签列 + 每列）")
        return self

    @property
    def is_grid(self) -> bool:
        return bool(self.columns)

    def grid_names(self) -> list[str]:
        """Names placed in the grid (not copies, numbers or blanks), row by row."""
        return [c for row in self.rows for c in row.cells if isinstance(c, str) and not c.startswith("=")]


GUIDE_SHEET = "填报说明"
SCORE_SHEET = "评分表"
RESULT_SHEET = "校验结果"
MARKS_SHEET = "xlperf_marks"
"""Very hidden sheet the annotation keeps its highlight records in (never part of the template or the form)."""
OTHER_SHEET = "其他计算指标"
CHART_SHEET = "图表"
"""Sheet holding the charts a framework declares, one printed landscape page each, under no
other table's print titles (their data stays beside the form and below the 评分表)."""
OWN_SHEETS = (GUIDE_SHEET, SCORE_SHEET, RESULT_SHEET, MARKS_SHEET, OTHER_SHEET, CHART_SHEET)
"""xlperf's own sheets, the same for every framework: a form sheet may not take one of their names."""


class PageSetup(_Model):
    """How a sheet prints (A4 always): the defaults fit every column on one page width."""

    orientation: Literal["portrait", "landscape"] | None = Field(
        None, description="portrait or landscape (default: landscape)")
    fit_width: bool = Field(True, description="scale so that every column fits one page width")
    repeat_rows: str | None = Field("1:2", pattern=r"^[1-9][0-9]*:[1-9][0-9]*$",
                                    description="rows printed on top of every page (null: none)")


class Sheet(_Model):
    name: str = Field(min_length=1, max_length=31)
    title: str | None = Field(None, description="title in the sheet's first row (default: the sheet's name)")
    blocks: list[Block] = Field(default_factory=list)
    tables: list[str] = Field(default_factory=list, description="tables placed below the blocks")
    page: PageSetup = Field(default_factory=PageSetup, description="print settings")

    @field_validator("name")
    @classmethod
    def _excel_sheet_name(cls, value: str) -> str:
        if any(ch in value for ch in "[]:*?/\\") or value.startswith("'"):
            raise ValueError(f"工作表名称“{value}”含 Excel 不允许的字符")
        if value.casefold() in {s.casefold() for s in OWN_SHEETS}:  # Excel compares sheet names without case
            raise ValueError(f"工作表名称“{value}”是 xlperf 自己的工作表，请换一个名称（保留：{'、'.join(OWN_SHEETS)}）")
        return value


class Chart(_Model):
    kind: Literal["schedule", "scores"] = Field(description="schedule: cumulative payments against 序时进度 "
                                                            "(needs a schedule rule) · scores: computed vs self")
    sheet: str | None = Field(None, description="schedule chart: the sheet of the payments (default: where the "
                                                "first paid figure is)")
    level: int = Field(2, ge=1, le=6, description="scores chart: indicators of this level")


class Grade(_Model):
    label: str
    min: Decimal = Field(description="lowest total score of the grade (inclusive)")


class GuideLine(_Model):
    """One line of the 填报说明 sheet: a topic and its text."""

    topic: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=2000)


class Form(_Model):
    workbook_title: str | None = Field(
        None, description="title of the workbook (填报说明 A1 and the file's properties); default: the framework's "
                          "name, id and version + 部门整体支出绩效自评填报工作簿")
    guide: list[GuideLine] | None = Field(
        None, description="the 填报说明 lines (default: generated: how to fill, units, colours, the scoring sheet)")
    inputs: list[InputDecl] = Field(default_factory=list)
    derived: list[DerivedDecl] = Field(default_factory=list)
    stated: list[StatedDecl] = Field(default_factory=list)
    identities: list[IdentityDecl] = Field(default_factory=list)
    audits: list[AuditRule] = Field(default_factory=list)
    tables: list[TableDecl] = Field(default_factory=list)
    sheets: list[Sheet] = Field(default_factory=list)
    charts: list[Chart] = Field(default_factory=list)
    grades: list[Grade] = Field(default_factory=lambda: [
        Grade(label="优", min=Decimal(90)), Grade(label="良", min=Decimal(80)), Grade(label="中", min=Decimal(60)),
        Grade(label="差", min=Decimal(0))], description="grade bands, highest first (财政部: 90/80/60)")

    @model_validator(mode="after")
    def _unique(self) -> Form:
        self._names_unique()
        self._parts_unique()
        return self

    def _names_unique(self) -> None:
        names = ([i.name for i in self.inputs] + [PRIOR_PREFIX + i.name for i in self.inputs if i.prior]
                 + [d.name for d in self.derived] + [s.name for s in self.stated])
        dupes = _duplicates(names)
        if dupes:
            raise ValueError(f"名称重复：{', '.join(dupes)}")
        clash = sorted(n for n in [i.name for i in self.inputs] + [d.name for d in self.derived]
                       + [s.name for s in self.stated] if n.startswith(PRIOR_PREFIX))
        if clash:
            raise ValueError(f"名称不能以 prev_ 开头（这个前缀留给上年数，请在输入上写 prior: true）：{', '.join(clash)}")

    def _parts_unique(self) -> None:
        unknown = sorted({a.each_row for a in self.audits if a.each_row} - {t.name for t in self.tables})
        if unknown:
            raise ValueError(f"审核规则的 each_row 不是已声明的表：{', '.join(unknown)}")
        dupes = _duplicates([a.id for a in self.audits])
        if dupes:
            raise ValueError(f"审核规则编号重复：{', '.join(dupes)}")
        if _duplicates([s.name for s in self.sheets]):
            raise ValueError("工作表名称重复")
        if _duplicates([t.name for t in self.tables]):
            raise ValueError("表名重复")
        if _duplicates([i.role for i in self.inputs if i.role]):
            raise ValueError("每个 role（department / year / unit_code）只能给一个输入")

    def role(self, role: str) -> str | None:
        """The input name with a role (department name, year, unit code), if declared."""
        return next((i.name for i in self.inputs if i.role == role), None)


def _duplicates(values: list[str]) -> list[str]:
    """Each value given more than once, sorted."""
    return sorted({v for v in values if values.count(v) > 1})
