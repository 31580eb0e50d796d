"""The analysis bound to a workbook already read (a check context): values, cells, year and unit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from xlperf.expr import ExprError, decimal_of, parse
from xlperf.reporttext.analyze import Analysis, TextNote, Workbook, analyze
from xlperf.reporttext.lexicon import Entry, LexiconIndex, build_index

if TYPE_CHECKING:
    from xlperf.checks.context import CheckContext

__all__ = ["check_report", "index_for", "workbook_view"]


def index_for(ctx: CheckContext) -> LexiconIndex:
    """The framework's lexicon index, built once per compiled framework."""
    return ctx.compiled.derived("reporttext.index", lambda comp: build_index(comp.fw, comp.catalog))


def _self_sum(ctx: CheckContext, ind_id: str) -> Decimal | None:
    """A parent indicator's self-score as a report's score table shows it: the sum of its leaves' (None when
    one is missing)."""
    node = next((i for i in ctx.read.framework.walk() if i.id == ind_id), None)
    if node is None:
        return None
    total = Decimal(0)
    stack = [node]
    while stack:
        ind = stack.pop()
        if ind.children:
            stack.extend(ind.children)
            continue
        value = decimal_of(ctx.values.get(f"self_{ind.id}"))
        if value is None:
            return None
        total += value
    return total


def workbook_view(ctx: CheckContext) -> Workbook:
    points = {ind.id: ind.points for ind in ctx.read.framework.walk()}
    cache: dict[str, Decimal | None] = {}

    def value(entry: Entry) -> Decimal | None:
        if entry.name in cache:
            return cache[entry.name]
        got: Decimal | None
        if entry.points_of is not None:
            got = decimal_of(points.get(entry.points_of))
        elif entry.self_of is not None:
            got = _self_sum(ctx, entry.self_of)
        elif entry.expr is not None:
            try:
                got = decimal_of(parse(entry.expr).evaluate(ctx.env))
            except (ExprError, ArithmeticError):
                got = None
        else:
            got = decimal_of(ctx.env.get(entry.name)) if entry.name in (ctx.env or {}) else decimal_of(
                ctx.values.get(entry.name))
        if got is not None and entry.kind == "rate":
            got = got * 100
        cache[entry.name] = got
        return got

    def locate(name: str) -> str | None:
        loc = ctx.location(name)
        return f"{loc[0]}!{loc[1]}" if loc else None

    form = ctx.read.framework.form
    year_key, unit_key = form.role("year"), form.role("department")
    year = ctx.values.get(year_key) if year_key else None
    dept = ctx.values.get(unit_key) if unit_key else None
    spec = ctx.read.framework.report
    headings = tuple(s.heading for s in spec.sections) if spec is not None else ()
    from xlperf.reporttext.extract import canon

    top = frozenset(canon(ind.name) for ind in ctx.read.framework.indicators)
    return Workbook(value, locate, int(year) if isinstance(year, int | float | Decimal) and not isinstance(year, bool)
                    else None, dept if isinstance(dept, str) else None, headings, top)


def check_report(path: Path, ctx: CheckContext) -> Analysis:
    """Read the report and analyse it against the workbook; an unreadable report is one note."""
    from xlperf.ingest.docx import ReportUnreadable, read_report

    try:
        doc = read_report(path)
    except ReportUnreadable as exc:
        return Analysis(notes=[TextNote("unreadable", None, exc.message)])
    out = analyze(doc, index_for(ctx), workbook_view(ctx))
    if doc.truncated:
        out.notes.append(TextNote("unreadable", None, f"报告只核对了前一部分：{doc.truncated}，超出部分未读取。"))
    return out
