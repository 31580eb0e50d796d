"""The 绩效自评报告 a framework prescribes: outline, tables, paragraph templates, and the text lexicon.

A region's finance bureau prescribes the report's outline as it prescribes the form, so the report is data in
the framework file (key ``report:``). Two jobs read these declarations:

* drafting (``xlperf report``): every figure is rendered from the workbook through a placeholder
  ``{name:format}``, so a draft agrees with its workbook by construction;
* checking (``xlperf validate … --report-text``): figures quoted in a submitted report are tied to workbook
  names through the :class:`Lexicon` (aliases of subjects and measures, explicit terms, untracked phrases) and
  compared at the precision the text shows.

Nothing here computes. Names in placeholders and terms are checked against the framework's named quantities
when the framework is compiled (an unknown name is a load error, like everywhere else in the file).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

__all__ = [
    "FORMATS", "HeaderField", "Lexicon", "LexiconTerm", "ParagraphItem", "ReportSpec", "ReportTable",
    "ScoresItem", "Section", "TableCell", "TableItem", "TextRules", "UntrackedPhrase", "WriteItem",
    "canonical", "placeholders", "report_problems",
]

FORMATS = ("万元", "元", "亿元", "%", "分", "人", "个", "项", "次", "家", "份", "件", "场", "户", "条", "年", "text")
"""Formats a placeholder may name: money (万元, two decimals; 元/亿元 converted), a rate in percent (two
decimals), points (分, two decimals), counts with their measure word, a year, or the value as text."""

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^{}]+))?\}")
"""``{name}`` or ``{name:format}`` inside a paragraph template, a title or a header value."""


def placeholders(template: str) -> list[tuple[str, str | None]]:
    """Every (name, format) a template refers to, in order."""
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(template)]


def canonical(name: str) -> str:
    """A placeholder's workbook name: ``prev.x`` (as expressions write last year's figure) is ``prev_x``."""
    return "prev_" + name[5:] if name.startswith("prev.") else name


def _formats_known(template: str) -> str:
    for name, fmt in placeholders(template):
        if fmt is not None and fmt not in FORMATS:
            raise ValueError(f"占位符 {{{name}:{fmt}}} 的格式“{fmt}”未定义（可用：{'、'.join(FORMATS)}）")
    return template


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Outline -----------------------------------------------------------------------------------------------------


class HeaderField(_Model):
    """A line of the report's header or cover (部门名称（公章）, 单位负责人（签章）, 填报人, 预算编码 …)."""

    label: str
    value: str = Field("", description="template with placeholders; empty: a blank line to sign or stamp")
    _f = field_validator("value")(_formats_known)


class ParagraphItem(_Model):
    """A paragraph rendered from the workbook: ``text`` is a template with ``{name:format}`` placeholders."""

    text: str
    when: str | None = Field(None, description="expression; the paragraph is written only when it holds")
    _f = field_validator("text")(_formats_known)


class WriteItem(_Model):
    """A part the department must write itself: drafted as 【请填写：prompt】 and kept visible until replaced."""

    write: str = Field(description="what to write, shown as 【请填写：…】 in the draft")
    when: str | None = Field(None, description="expression; asked for only when it holds (e.g. the reason for an overspend)")
    min_chars: int = Field(0, ge=0, description="a submitted report's section shorter than this is reported")


class TableItem(_Model):
    """A table of the report, by id (declared under ``report.tables``)."""

    table: str


class ScoresItem(_Model):
    """The indicator score table: indicator, points, self-score, computed score and the reason for points lost."""

    scores: Literal["leaves", "all"] = Field("all", description="all levels, or leaf indicators only")
    reasons: bool = Field(True, description="a column with the reason for every point lost")


_BODY_KEYS = {"text": ParagraphItem, "write": WriteItem, "table": TableItem, "scores": ScoresItem}


def _body_kind(raw: object) -> str | None:
    """A body item's kind by the key it has, so that a mistake is reported for that kind alone (not once per
    kind, under pydantic's class names)."""
    if isinstance(raw, dict):
        return next((key for key in _BODY_KEYS if key in raw), None)
    return next((key for key, cls in _BODY_KEYS.items() if isinstance(raw, cls)), None)


BodyItem = Annotated[
    Annotated[ParagraphItem, Tag("text")] | Annotated[WriteItem, Tag("write")] | Annotated[TableItem, Tag("table")]
    | Annotated[ScoresItem, Tag("scores")],
    Discriminator(_body_kind, custom_error_type="body_item_kind",
                  custom_error_message="正文项须含 text、write、table 或 scores 之一")]


class Section(_Model):
    """A heading of the outline and what follows it; numbered 一、（一）1. by depth, as official documents are."""

    heading: str
    body: list[BodyItem] = Field(default_factory=list)
    children: list[Section] = Field(default_factory=list)


# Tables ------------------------------------------------------------------------------------------------------


class TableCell(_Model):
    """One cell of a report table row: a literal text, or a placeholder template."""

    text: str
    _f = field_validator("text")(_formats_known)


class ReportTable(_Model):
    """A table as the bureau prints it: a title, a unit line, column headers and rows of templates.

    The last row may be a total: the checker verifies that a submitted table's total equals the sum of the
    rows above it (``total_row``) whatever the names in it. A table listing the rows a department adds to a
    table of the form (绩效目标完成情况) names it in ``rows_from`` and gives the row template in ``each``; those
    rows come first, then ``rows`` (e.g. a total).
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    unit: str | None = Field("万元", description="shown at the right of the title line (单位：万元)")
    columns: list[str] = Field(min_length=1)
    rows: list[list[str]] = Field(default_factory=list, description="each row: one template per column")
    total_row: bool = Field(False, description="the last row is the sum of the rows above it")
    rows_from: str | None = Field(None, description="a table of the form (rows the department adds): `each` is "
                                                    "drafted once per filled row, before `rows`")
    each: list[str] | None = Field(None, description="with rows_from: the row template, one per column; "
                                                     "{t.col} is that row's value of column col")

    @model_validator(mode="after")
    def _rows_declared(self) -> ReportTable:
        if (self.rows_from is None) != (self.each is None):
            raise ValueError(f"表 {self.id}：rows_from 与 each 须同时给出")
        if not self.rows and self.each is None:
            raise ValueError(f"表 {self.id}：至少需要一行（rows，或 rows_from 与 each）")
        return self


# Lexicon -----------------------------------------------------------------------------------------------------


class LexiconTerm(_Model):
    """An explicit phrase → workbook name, for figures the generated aliases cannot reach."""

    phrase: str = Field(min_length=1, description="words that introduce the figure in the text")
    name: str = Field(description="workbook name (or prev_<name> for last year's figure)")
    format: str | None = Field(None, description="how the figure is shown (default by the name's kind)")


class UntrackedPhrase(_Model):
    """A figure the form has no input for (e.g. the number of 科普活动): known, counted, never an error."""

    phrase: str = Field(min_length=1)
    reason: str = Field(min_length=1, description="why the workbook cannot confirm it")


class Lexicon(_Model):
    """How figures in the text are tied to workbook names.

    Aliases are generated from the labels of inputs, derived and stated figures (“<subject> <measure>”); the
    entries here add the region's own words.
    """

    subjects: dict[str, list[str]] = Field(default_factory=dict,
                                           description="subject word in labels → other words for it in reports")
    measures: dict[str, list[str]] = Field(default_factory=dict,
                                           description="measure word in labels → other words for it in reports")
    terms: list[LexiconTerm] = Field(default_factory=list)
    untracked: list[UntrackedPhrase] = Field(default_factory=list)


class TextRules(_Model):
    """Which text rules apply, each with its 强制/提示 level (the checks' severities come from here)."""

    figure_mismatch: Literal["强制", "提示", "关闭"] = "强制"
    year_label: Literal["强制", "提示", "关闭"] = "提示"
    parts_exceed_total: Literal["强制", "提示", "关闭"] = "强制"
    parts_sum: Literal["强制", "提示", "关闭"] = "提示"
    growth_arithmetic: Literal["强制", "提示", "关闭"] = "提示"
    count_list: Literal["强制", "提示", "关闭"] = "提示"
    table_total: Literal["强制", "提示", "关闭"] = "强制"
    identity: Literal["强制", "提示", "关闭"] = "强制"
    placeholder_left: Literal["强制", "提示", "关闭"] = "强制"


# The report --------------------------------------------------------------------------------------------------


class ReportSpec(_Model):
    """The report a framework prescribes (``report:`` in the framework file)."""

    title: str = Field(description="template: the department's name and the year as placeholders of the "
                                   "form's own names, e.g. {name}{year:年}年度部门整体支出绩效自评报告")
    header: list[HeaderField] = Field(default_factory=list)
    preamble: list[BodyItem] = Field(default_factory=list, description="paragraphs before the first heading")
    sections: list[Section] = Field(min_length=1)
    tables: list[ReportTable] = Field(default_factory=list)
    lexicon: Lexicon = Field(default_factory=Lexicon)
    rules: TextRules = Field(default_factory=TextRules)
    _f = field_validator("title")(_formats_known)


Section.model_rebuild()


# Load-time check of names ------------------------------------------------------------------------------------


def report_problems(spec: ReportSpec, known: set[str]) -> list[str]:
    """Chinese problems of a report declaration against the workbook's names (the catalogue's set): every
    placeholder, ``when:`` expression and lexicon term must name a workbook quantity, every table item a
    declared table. Each problem names its path in the file (``report.sections[0].body[2].text``)."""
    from xlperf.expr import ExprError, parse

    problems: list[str] = []

    def names_in(path: str, template: str) -> None:
        for name, fmt in placeholders(template):
            name = canonical(name)
            if fmt is not None and fmt not in FORMATS:
                problems.append(f"{path}：占位符 {{{name}:{fmt}}} 的格式“{fmt}”未定义（可用：{'、'.join(FORMATS)}）")
            if "." in name:
                problems.append(f"{path}：占位符 {{{name}}} 是表的列，报告正文中不能直接引用（请用 sum(...) 等写成派生数）")
            elif name not in known:
                problems.append(f"{path}：占位符 {{{name}}} 不是工作簿中的名称{_near(name, known)}")

    def when(path: str, expr: str | None) -> None:
        if expr is None:
            return
        try:
            parsed = parse(expr)
        except ExprError as exc:
            problems.append(f"{path}.when：{exc}")
            return
        problems.extend(f"{path}.when 引用了工作簿中没有的名称 {n}{_near(n, known)}" for n in sorted(parsed.names - known))

    table_ids = [t.id for t in spec.tables]
    problems += [f"report.tables：表编号 {t} 重复" for t in sorted({t for t in table_ids if table_ids.count(t) > 1})]

    def body(path: str, items: list[BodyItem]) -> None:
        for n, item in enumerate(items):
            where = f"{path}[{n}]"
            if isinstance(item, ParagraphItem):
                names_in(f"{where}.text", item.text)
                when(where, item.when)
            elif isinstance(item, WriteItem):
                when(where, item.when)
            elif isinstance(item, TableItem) and item.table not in table_ids:
                problems.append(f"{where}：表 {item.table} 未在 report.tables 中定义（已定义：{'、'.join(table_ids) or '无'}）")

    def section(path: str, sec: Section) -> None:
        body(f"{path}.body", sec.body)
        for n, child in enumerate(sec.children):
            section(f"{path}.children[{n}]", child)

    names_in("report.title", spec.title)
    for n, field in enumerate(spec.header):
        names_in(f"report.header[{n}].value", field.value)
    body("report.preamble", spec.preamble)
    for n, sec in enumerate(spec.sections):
        section(f"report.sections[{n}]", sec)
    for t in spec.tables:
        for r, row in enumerate(t.rows):
            if len(row) != len(t.columns):
                problems.append(f"report.tables.{t.id}.rows[{r}]：有 {len(row)} 格，而表头有 {len(t.columns)} 列")
            for c, cell in enumerate(row):
                names_in(f"report.tables.{t.id}.rows[{r}][{c}]", cell)
        if t.each is not None and t.rows_from is not None:
            problems += _each_problems(t.id, t.rows_from, t.each, len(t.columns), known)
    for n, term in enumerate(spec.lexicon.terms):
        name = canonical(term.name)
        if name not in known:
            problems.append(f"report.lexicon.terms[{n}]（{term.phrase}）：名称 {term.name} 不是工作簿中的名称{_near(name, known)}")
        if term.format is not None and term.format not in FORMATS:
            problems.append(f"report.lexicon.terms[{n}]（{term.phrase}）：格式“{term.format}”未定义（可用：{'、'.join(FORMATS)}）")
    return problems


def _each_problems(table: str, form_table: str, each: list[str], columns: int, known: set[str]) -> list[str]:
    """A per-row template: its cells may name the form table's columns ({t.col}) and any workbook name."""
    where = f"report.tables.{table}.each"
    cols = {n for n in known if n.startswith(form_table + ".")}
    if not cols:
        return [f"report.tables.{table}.rows_from：{form_table} 不是填报表中的表（form.tables）"]
    problems = [f"{where}：有 {len(each)} 格，而表头有 {columns} 列"] if len(each) != columns else []
    for c, cell in enumerate(each):
        for name, fmt in placeholders(cell):
            name = canonical(name)
            if fmt is not None and fmt not in FORMATS:
                problems.append(f"{where}[{c}]：占位符 {{{name}:{fmt}}} 的格式“{fmt}”未定义（可用：{'、'.join(FORMATS)}）")
            if "." in name and name not in cols:
                problems.append(f"{where}[{c}]：占位符 {{{name}}} 不是表 {form_table} 的列{_near(name, cols)}")
            elif "." not in name and name not in known:
                problems.append(f"{where}[{c}]：占位符 {{{name}}} 不是工作簿中的名称{_near(name, known)}")
    return problems


def _near(name: str, known: set[str]) -> str:
    """A hint for a misspelt name: the closest workbook names."""
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.75)
    return f"（是否为 {'、'.join(close)}？）" if close else ""
