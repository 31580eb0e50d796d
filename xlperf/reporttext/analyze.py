"""Tie every quoted figure to a workbook name and apply the text rules: typed notes, never findings.

The XP5xx check classes (xlperf/checks/reporttext.py) turn these notes into findings with the level the
framework's ``report.rules`` gives each rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from xlperf.reporttext.document import Paragraph, ReportDocument
from xlperf.reporttext.extract import Figure, TableView, Where, canon, extract_all, sentence_around
from xlperf.reporttext.lexicon import Entry, LexiconIndex, vocabulary
from xlperf.reporttext.numbers import normalize

__all__ = ["Analysis", "TextNote", "Workbook", "agrees", "analyze"]


@dataclass
class TextNote:
    """Something the text rules found; ``kind`` is a TextRules field (or ``unreadable``)."""

    kind: str
    where: Where | None
    detail: str
    found: object = None
    expected: object = None
    name: str | None = None  # the workbook name the figure was tied to
    cell: str | None = None  # its sheet!cell
    difference: str = ""  # how far the text is from the workbook, in the text's unit (报告比工作簿多 0.36万元)
    also: list[Where] = field(default_factory=list)  # the same wrong figure quoted again (a table and the text)


@dataclass
class Workbook:
    """What the analysis needs from the workbook already read: values and where they stand."""

    value: Callable[[Entry], Decimal | None]
    locate: Callable[[str], str | None]
    year: int | None  # the evaluation year
    unit_name: str | None  # the department's name as the workbook gives it
    headings: tuple[str, ...] = ()  # the top-level headings the framework's report: prescribes, in order
    top_level: frozenset[str] = frozenset()  # the framework's level-1 indicator names (canonical)


@dataclass
class Analysis:
    notes: list[TextNote] = field(default_factory=list)
    figures: int = 0
    tied: int = 0
    untied: list[Figure] = field(default_factory=list)


_FILLER = re.compile(r"^\([一二三四五六七八九十\d]{1,3}\)|\d{4}年(度)?|年末|年初|截至|截止|为|是|达到|达|共计|共|计|约|的|了|其中|包括|分别|全年|本年|当年|"
                     r"我局|本单位|我单位|合计|总额|实际|数|金额|\|")


def _fmt(value: Decimal, fig: Figure) -> str:
    shown = value / fig.scale if fig.kind != "count" else value
    places = max(fig.decimals, 2) if fig.kind in ("money", "rate", "points") else 0
    text = f"{shown:,.{places}f}"
    return text + (fig.unit if fig.unit not in ("",) else "")


def agrees(fig: Figure, truth: Decimal) -> bool:
    """At the precision the text shows: 55.23% vs 55.248% disagrees; 97.6% for 97.65% does not (rounded or
    truncated); an approximate figure (约, 近, 余) within 10%."""
    shown = fig.value / fig.scale if fig.kind != "count" else fig.value
    true = truth / fig.scale if fig.kind != "count" else truth
    if fig.approx:
        return abs(true - shown) <= abs(true) * Decimal("0.1") + Decimal(1)
    unit = Decimal(1).scaleb(-fig.decimals)
    diff = true - shown
    if fig.kind == "money" and abs(diff) * fig.scale <= WORKBOOK_CENT / 2:
        return True  # the text is more precise than the workbook (16,412元 for 1.64万元): the workbook's rounding
    return abs(diff) <= unit / 2 or Decimal(0) <= diff < unit


WORKBOOK_CENT = Decimal("0.01")
"""Money in the workbook is 万元 with two decimals: a figure written in 元 agrees within half of that."""


# Tying ---------------------------------------------------------------------------------------------------------


_PREFIX_OK = re.compile(r"^((\d{4}年(度)?)|年末|年初|截至|截止|至|到|其中|包括|实际|全年|本年|当年|上年|去年|上年度|的|在|"
                        r"对|为|是|和|及|与|、|\||全局|部门|整体|各|共|本)*$")


def _rightmost_subject(context: str, index: LexiconIndex, kind: str | None = None,
                       self_names: tuple[str, ...] | None = ()) -> str | None:
    """The subject named nearest before the figure; in a paragraph (``self_names`` given) only when nothing but
    filler words (a year, 我局, 其中 …) stands before it in the clause (被处置固定资产 is not 固定资产)."""
    pattern = index.reversed_patterns.get(kind or "")
    if pattern is None:
        return None
    backwards = context[::-1]
    for m in pattern.finditer(backwards):
        alias = m.group(0)[::-1]
        if self_names is not None and "|" not in context:
            prefix = context[: len(context) - m.end()]
            for name in (*self_names, *vocabulary().self_references):
                prefix = prefix.replace(name, "")
            if not _PREFIX_OK.match(prefix):
                return None  # the nearest subject is qualified (被处置…): never fall back to an earlier one
        return alias
    return None


def _measure_score(entry: Entry, context: str) -> int:
    return max((len(m) for m in entry.measures if m in context), default=0)


Tie = tuple[Entry, list[Entry]]


def _last_measure(entry: Entry, head: str) -> int:
    """Where the entry's measure last ends in the sentence before the clause (+1; 0 when absent): the measure a
    clause without one of its own inherits is the one named nearest before it in its sentence."""
    return max((head.rfind(m) + len(m) + 1 for m in entry.measures if m in head), default=0)


def _last_any(head: str, index: LexiconIndex) -> int:
    """Where the last measure word of any figure ends in ``head`` (+1; 0 when none)."""
    return max((head.rfind(m) + len(m) + 1 for m in index.measure_vocab if m in head), default=0)


def tie(fig: Figure, index: LexiconIndex, carry: str | None, self_names: tuple[str, ...] = ()) -> list[Tie]:
    """The workbook figures a quoted figure may name: one (best entry, every entry of the same subject and
    kind) per subject found; empty when none is named clearly enough."""
    if fig.kind not in ("money", "rate", "count", "points") or fig.formula:
        return []
    if any(phrase in fig.context for phrase, _reason in index.untracked):
        return []  # the framework says the workbook has no such figure (report.lexicon.untracked)
    if fig.where.table:
        return _tie_table(fig, index)
    if "respectively" in fig.extra:  # A、B、C分别为x、y、z: the subject is the list's item at its place
        picked = _pick(fig.extra["respectively"], fig, fig.extra.get("measure_context", ""), index)
        return [picked] if picked else []
    context = fig.context
    for phrase, name in index.terms:
        entry = index.names.get(name)
        if phrase in context and entry is not None and entry.kind == fig.kind:
            return [(entry, [entry])]
    if fig.growth:
        return []  # 支出减少14.15万元, 增长5.2%: a change, never the figure it changes (XP506 checks its arithmetic)
    subject = _rightmost_subject(context, index, fig.kind, self_names)
    if subject is None:
        subject = _implied_subject(context, index, carry)
    if subject is None:
        return []
    picked = _pick(subject, fig, context, index)
    return [picked] if picked else []


def _implied_subject(context: str, index: LexiconIndex, carry: str | None) -> str | None:
    """A context naming no subject but only a measure (截至年末，实际支出…): the sentence's subject, else the
    department as a whole; None when the context holds more than a measure."""
    residual = min(_residual(context, index, True), _residual(context, index, False), key=len)
    if len(residual) > 2:
        return None
    whole = next((w for w in vocabulary().whole if w in index.by_subject), None) if not residual else None
    return carry or whole


def _residual(context: str, index: LexiconIndex, filler_first: bool) -> str:
    """The context without filler and measure words. Either order may leave less: a filler inside a measure word
    (全年执行数: 全年, 数) breaks it when taken out first (“执行”), a measure word may hide a filler the other way."""
    residual = _FILLER.sub("", context) if filler_first else context
    for m in sorted(index.measure_vocab, key=lambda w: (-len(w), w)):  # longest first, never set order
        residual = residual.replace(m, "")
    return residual if filler_first else _FILLER.sub("", residual)


def _pick(subject: str, fig: Figure, context: str, index: LexiconIndex) -> Tie | None:
    prior = fig.prior or "as_prior" in fig.extra
    same = [e for e in index.by_subject.get(subject, []) if e.kind == fig.kind and e.prior == prior]
    scored = [(_measure_score(e, context), e) for e in same]
    best_score = max((s for s, _ in scored), default=0)
    head = fig.extra.get("head", "")
    if best_score == 0 and head and subject in context and same:
        scored = [(_last_measure(e, head), e) for e in same]  # “年初预算A万元，其中：基本支出a万元”
        best_score = max((s for s, _ in scored), default=0)
        if len({e.measures for e in same}) == 1 and best_score != _last_any(head, index):
            best_score = 0  # the subject's one figure, but the sentence's last measure is another one
    pool = [e for s, e in scored if s == best_score] if best_score > 0 else _unmeasured(same, fig)
    if not pool:
        return None
    pool.sort(key=lambda e: e.rank)
    return pool[0], same


def _unmeasured(same: list[Entry], fig: Figure) -> list[Entry]:
    """No measure named: the entries without one (a count also matches a counting measure)."""
    return [e for e in same if not e.measures or (fig.kind == "count" and vocabulary().count_measures & set(e.measures))]


_YEAR_WORDS = re.compile(r"\d{4}年度?|本年度|本年数?|上年度|上年数?")


def _tie_table(fig: Figure, index: LexiconIndex) -> list[Tie]:
    """A table cell: the subject is in its row label or its column header (either way round); the caption
    gives the measure only when label and header hold nothing else (单位名称 × 政府采购 under 预算安排表)."""
    label, header, caption = fig.extra.get("label", ""), fig.extra.get("header", ""), fig.extra.get("caption", "")
    subjects = []
    for part in (label, header):
        subject = _rightmost_subject(part, index, fig.kind, None)
        if subject is not None and subject not in subjects:
            subjects.append(subject)
    if not subjects:
        return []
    local = label + "|" + header
    leftover = _YEAR_WORDS.sub("", local.replace("|", ""))
    for word in sorted({*subjects, *index.measure_vocab, *vocabulary().self_references}, key=lambda w: (-len(w), w)):
        leftover = leftover.replace(word, "")
    context = local + ("|" + caption if not leftover else "")
    out = [p for s in subjects if (p := _pick(s, fig, context, index)) is not None]
    return out


# The analysis --------------------------------------------------------------------------------------------------


def analyze(doc: ReportDocument, index: LexiconIndex, book: Workbook) -> Analysis:
    out = Analysis()
    figures, views = extract_all(doc)
    _tie_all(figures, index, book, out, _self_names(doc, book), doc)
    _year_labels(figures, index, book, out)
    by_block: dict[int, list[Figure]] = {}
    for fig in figures:
        by_block.setdefault(fig.block, []).append(fig)
    for block_no, block in enumerate(doc.blocks):
        if isinstance(block, Paragraph):
            mine = by_block.get(block_no, [])
            _parts(block, mine, out)
            _growth(block, mine, out)
            _count_lists(block, out)
    for view in views:
        _table_totals(view, out, book.top_level)
    _placeholders(doc, out)
    _identity(doc, book, out)
    _outline(doc, book, out)
    return out


def _self_names(doc: ReportDocument, book: Workbook) -> tuple[str, ...]:
    """The department's own names: the workbook's, and what the report abbreviates it to (以下简称“科创局”)."""
    names = {canon(book.unit_name)} if book.unit_name else set()
    for par in doc.paragraphs[:40]:
        names.update(canon(m) for m in re.findall(r"简称[“\"「]([^”\"」]{2,16})[”\"」]", normalize(par.text)))
    return tuple(sorted((n for n in names if n), key=lambda w: (-len(w), w)))


MAX_LISTED = 200
"""The listed subjects before 分别 are read from at most this many characters (bounded work per 分别)."""
_RESPECTIVELY = re.compile(r"分别(为|是|达到|达|占)")


def _respectively(doc: ReportDocument, figures: list[Figure], index: LexiconIndex) -> None:
    """“A、B和C分别为x、y、z” (or 各季度…分别为): the k-th figure after 分别 belongs to the k-th subject before it."""
    by_block: dict[int, list[Figure]] = {}
    for fig in figures:
        if not fig.where.table and fig.kind not in ("year", "number"):
            by_block.setdefault(fig.block, []).append(fig)
    for block_no, figs in by_block.items():
        block = doc.blocks[block_no]
        if not isinstance(block, Paragraph):
            continue
        text = normalize(block.text)
        for m in _RESPECTIVELY.finditer(text):
            start = max([m.start() - MAX_LISTED, *(text.rfind(ch, 0, m.start()) + 1 for ch in "，。；：")])
            head = canon(text[start:m.start()])
            subjects = _listed_subjects(text[start:m.start()], head, index)
            after = [f for f in figs if f.start >= m.end()]
            run = _figure_run(text, after, len(subjects))
            if len(run) == len(subjects) and all(subjects):
                for fig, subject in zip(run, subjects, strict=False):
                    fig.extra["respectively"] = subject
                    fig.extra["measure_context"] = head
                continue
            for fig in _figure_run(text, after, len(after)):
                fig.extra["respectively"] = ""  # a list not understood: its figures are not the nearest subject's


def _listed_subjects(listed: str, head: str, index: LexiconIndex) -> list[str]:
    """The subjects before 分别: a known series (各季度 …), else each listed item's alias ("" when none); an item
    naming several subjects (人员经费和公用经费) gives each, a name holding 及 (公务用车购置及运行维护费) one."""
    subjects = next((list(v) for k, v in vocabulary().series.items() if k in head), None)
    if subjects is not None:
        return subjects
    out: list[str] = []
    for item in (canon(i) for i in re.split(r"[、，,]", listed) if i.strip()):
        named = [a for a in _aliases_in(item, index)]
        out.extend(named or [""])
    return out


def _aliases_in(text: str, index: LexiconIndex) -> list[str]:
    """The subject aliases named in ``text``, left to right, the longest at each place."""
    found: list[str] = []
    pos = 0
    while pos < len(text):
        alias = next((a for a in index.subject_aliases if text.startswith(a, pos)), None)
        if alias is None:
            pos += 1
            continue
        found.append(alias)
        pos += len(alias)
    return found


def _figure_run(text: str, after: list[Figure], most: int) -> list[Figure]:
    """The figures after 分别 written as one list (、，和及 between them), at most ``most``."""
    return [f for i, f in enumerate(after) if i < most
            and (i == 0 or text[after[i - 1].end:f.start].strip() in ("、", "，", "和", "及", ","))]


def _tie_all(figures: list[Figure], index: LexiconIndex, book: Workbook, out: Analysis,
             self_names: tuple[str, ...], doc: ReportDocument | None = None) -> None:
    if doc is not None:
        _respectively(doc, figures, index)
    reported: dict[tuple[str, Decimal], TextNote] = {}
    previous: tuple[int, int, str | None] = (-1, -1, None)  # (block, sentence, subject of the figure before)
    for fig in figures:
        if fig.kind in ("year", "number"):
            continue
        out.figures += 1
        here = (fig.block, fig.sentence_no)
        carry = previous[2] if previous[:2] == here and not fig.where.table else None
        ties = tie(fig, index, carry, self_names) if _of_this_year(fig, book.year) else []
        subject = None
        if ties and not fig.where.table:
            subject = _rightmost_subject(fig.context, index, fig.kind, self_names) or carry
        if subject is not None or previous[:2] != here:
            previous = (*here, subject)  # the sentence's subject stays until another is named
        _judge(fig, ties, book, out, reported)


def _of_this_year(fig: Figure, year: int | None) -> bool:
    """A figure labelled with another year than the workbook's is not one of its figures (2020年实际支出…,
    a 2020年 column); one labelled last year is a prior-year figure (上年 entries, where the framework has them)."""
    if year is None or fig.year_label is None or fig.prior or fig.year_label == year:
        return True
    if fig.year_label == year - 1:
        fig.extra["as_prior"] = "1"
        return True
    return False


def _judge(fig: Figure, ties: list[Tie], book: Workbook, out: Analysis, reported: dict[tuple[str, Decimal], TextNote]
           ) -> None:
    """Tie the figure to the first workbook figure it agrees with, else note the mismatch with its one best
    figure; the same wrong figure quoted again (a table and the text after it) is one finding naming every
    place; a figure naming two subjects, neither agreeing, is left untied."""
    values = [(best, same, book.value(best)) for best, same in ties]
    values = [v for v in values if v[2] is not None]
    if not values:
        out.untied.append(fig)
        return
    out.tied += 1
    agreeing = next((e.name for best, same, _ in values for e in [best, *same]
                     if (v := book.value(e)) is not None and agrees(fig, v)), None)
    if agreeing is not None:
        fig.tied = agreeing
        return
    if len(values) > 1:  # two subjects named (row and column), neither agreeing: not reported
        out.tied -= 1
        out.untied.append(fig)
        return
    best, _same, truth = values[0]
    assert truth is not None
    fig.tied = best.name
    key = (best.name, fig.value)
    if key in reported:
        reported[key].also.append(fig.where)
        return
    reported[key] = note = TextNote("figure_mismatch", fig.where,
                                    f"报告写“{fig.text}”，工作簿中“{best.label}”为 {_fmt(truth, fig)}",
                                    found=fig.value, expected=truth, name=best.name, cell=book.locate(best.name),
                                    difference=_difference(fig, truth))
    out.notes.append(note)


_CHANGE_UNIT = {"rate": "个百分点", "points": "分"}


def _difference(fig: Figure, truth: Decimal) -> str:
    """报告比工作簿多 0.36万元 / 少 3.25个百分点 / 多 1人, in the unit the text writes."""
    diff = fig.value - truth
    shown = abs(diff) / fig.scale if fig.kind != "count" else abs(diff)
    places = max(fig.decimals, 0 if fig.unit == "元" else 2) if fig.kind in ("money", "rate", "points") else 0
    unit = _CHANGE_UNIT.get(fig.kind, fig.unit if fig.kind != "rate" else "")
    return f"报告比工作簿{'多' if diff > 0 else '少'} {shown:,.{places}f}{unit}"


def _significant(fig: Figure) -> int:
    digits = re.sub(r"\D", "", fig.text.split("万")[0].split("亿")[0])
    return len(digits.lstrip("0"))


def _year_labels(figures: list[Figure], index: LexiconIndex, book: Workbook, out: Analysis) -> None:
    """A figure of this year written under another year (and a prior-year figure not under last year)."""
    year = book.year
    if year is None:
        return
    money = [e for e in index.entries if e.kind == "money" and e.role in ("input", "derived")]
    for fig in figures:
        if fig.kind != "money" or fig.growth or fig.year_label is None or _significant(fig) < 4:
            continue
        note = _prior_year_note(fig, year) if fig.prior else _this_year_note(fig, year, money, book)
        if note is not None:
            out.notes.append(note)


def _prior_year_note(fig: Figure, year: int) -> TextNote | None:
    if fig.year_label in (year - 1, year):
        return None
    return TextNote("year_label", fig.where, f"“{fig.text}”标注为上年数，但所写年份为"
                    f"{fig.year_label}年（上年应为{year - 1}年）", found=fig.year_label, expected=year - 1)


def _this_year_note(fig: Figure, year: int, money: list[Entry], book: Workbook) -> TextNote | None:
    """A figure labelled another year that equals this year's workbook figure (and no prior-year one)."""
    if fig.year_label == year:
        return None
    this_year = [e for e in money if not e.prior and (v := book.value(e)) is not None and v != 0 and agrees(fig, v)]
    last_year = [e for e in money if e.prior and (v := book.value(e)) is not None and agrees(fig, v)]
    if not this_year or last_year:
        return None
    e = this_year[0]
    return TextNote("year_label", fig.where, f"“{fig.text}”是{year}年度的“{e.label}”，"
                    f"但报告标注为{fig.year_label}年", found=fig.year_label, expected=year,
                    name=e.name, cell=book.locate(e.name))


# 其中 / 包括 ---------------------------------------------------------------------------------------------------

_PART_MARK = re.compile(r"其中[:：]?|包括[:：]?")
_MEASURE_ONLY = re.compile(r"^(账面|年末|年初|累计)?(原值|净值|金额|合计|总额|预算数|实际支出|支出|决算数|余额|为|达)*$")


def _depth(text: str, pos: int) -> int:
    """How many brackets are open at ``pos``."""
    head = text[:pos]
    return max(0, head.count("（") + head.count("(") - head.count("）") - head.count(")"))


def _parts(par: Paragraph, figures: list[Figure], out: Analysis) -> None:
    text = normalize(par.text)
    for m in _PART_MARK.finditer(text):
        found = _listed_parts(text, m, figures)
        if found is None:
            continue
        before, total, parts, end = found
        listed = text[m.end():end]
        complete = m.group().startswith("包括") and "等" not in listed
        totals = _measured_totals(text, before, total, parts)
        for i, col_total in enumerate(totals):  # one total per measure: each measure's parts against its own
            _check_parts(col_total, parts[i::len(totals)], complete, out)


def _listed_parts(text: str, m: re.Match[str], figures: list[Figure]
                  ) -> tuple[list[Figure], Figure, list[Figure], int] | None:
    """The money figures before 其中/包括, the total among them, the parts listed after it up to the sentence's
    end, and that end; None when this is not a total and its parts. A list joined by 、 ends at the next comma
    (“其中基本支出a、项目支出b，年末结转结余c”: the last clause is not a part); one joined by commas runs on."""
    end = _sentence_end(text, m.end(), "。！？\n")
    comma = _sentence_end(text, m.end(), "，,")
    if comma < end and "、" in text[m.end():comma]:
        end = comma
    before = [f for f in figures if f.end <= m.start() and _plain_money(f)]
    depth = _depth(text, m.start())
    parts = [f for f in figures if m.end() <= f.start < end and _plain_money(f)
             and _depth(text, f.start) == depth]  # （人员经费…、日常公用经费…） inside a part is its breakdown
    if not before or len(parts) < (1 if m.group().startswith("其中") else 2):
        return None
    total = before[-1]
    if not _same_sentence(text, total, m.start()):
        return None  # the total must be in the same sentence, or the one just before a sentence opening with 其中
    if any(_MEASURE_ONLY.match(p.context) for p in parts) or any(p.approx for p in parts) or total.approx:
        return None  # a second measure of the same thing (原值 … 净值 …), not a list of parts
    return before, total, parts, end


def _sentence_end(text: str, pos: int, marks: str) -> int:
    """Where the sentence holding ``pos`` ends: the first of ``marks`` from it, else the text's end."""
    return min([i for i in (text.find(ch, pos) for ch in marks) if i >= 0] or [len(text)])


def _plain_money(fig: Figure) -> bool:
    return fig.kind == "money" and not fig.growth


def _same_sentence(text: str, total: Figure, mark: int) -> bool:
    """The total is in the sentence of 其中/包括, or in the one just before a sentence opening with it."""
    stops = text.count("。", total.end, mark)
    return stops == 0 or (stops == 1 and not text[text.rfind("。", 0, mark) + 1:mark].strip())


def _measured_totals(text: str, before: list[Figure], total: Figure, parts: list[Figure]) -> list[Figure]:
    """“年初预算A万元，执行数B万元。其中：基本支出年初预算a1万元，执行数b1万元；项目支出…”: several measures
    of the total, each repeated by every part in the same order (the word just before each figure tells the
    measure). Then each measure is a total of its own; otherwise the one total just before 其中/包括."""
    start = max(text.rfind(ch, 0, total.start) for ch in "。！？\n") + 1
    same = [f for f in before if f.start >= start]
    k = len(same)
    if k < 2 or len(parts) % k or len(parts) == k:
        return [total]
    words = [text[max(0, f.start - 2):f.start] for f in same]
    if len(set(words)) < k or any(text[max(0, p.start - 2):p.start] != words[j % k] for j, p in enumerate(parts)):
        return [total]
    return same


def _check_parts(total: Figure, parts: list[Figure], complete: bool, out: Analysis) -> None:
    places = min([total.decimals, *(p.decimals for p in parts)])
    unit = Decimal(1).scaleb(-places) * total.scale
    tolerance = unit * (len(parts) + 1) / 2
    summed = sum((p.value for p in parts), Decimal(0))
    shown = "＋".join(p.text for p in parts)
    if summed > total.value + tolerance:
        out.notes.append(TextNote("parts_exceed_total", parts[-1].where,
                                  f"“其中”各项 {shown} 合计 {_fmt(summed, total)}，超过总数“{total.text}”"
                                  f"（多 {_fmt(summed - total.value, total)}）", found=summed, expected=total.value))
    elif complete and abs(summed - total.value) > tolerance:
        out.notes.append(TextNote("parts_sum", parts[-1].where,
                                  f"“包括”各项 {shown} 合计 {_fmt(summed, total)}，与总数“{total.text}”不等"
                                  f"（相差 {_fmt(total.value - summed, total)}）", found=summed, expected=total.value))


# Growth phrases --------------------------------------------------------------------------------------------------

_GROWTH_PHRASE = re.compile(r"比(上年|去年|上年度|上一年|\d{4}年度?)(同期)?\s*(增加|减少|增长|下降|上升|降低)")


def _growth(par: Paragraph, figures: list[Figure], out: Analysis) -> None:
    text = normalize(par.text)
    for m in _GROWTH_PHRASE.finditer(text):
        end = _sentence_end(text, m.end(), "。；！？\n")
        base = [f for f in figures if f.end <= m.start() and _plain_money(f) and text.count("。", f.end, m.start()) == 0]
        after = [f for f in figures if m.start() <= f.start < end]
        delta = next((f for f in after if f.kind == "money"), None)
        rate = next((f for f in after if f.kind == "rate"), None)
        if not base or delta is None or rate is None or base[-1].approx or delta.approx:
            continue
        _check_growth(base[-1], delta, rate, m.group(3) in ("减少", "下降", "降低"), out)


def _check_growth(base: Figure, delta: Figure, rate: Figure, down: bool, out: Analysis) -> None:
    """“A万元，比上年增加B万元，增长r%”: r must be B ÷ (A − B) (A + B for a fall)."""
    prior = base.value + delta.value if down else base.value - delta.value
    if prior <= 0:
        return
    true_rate = delta.value / prior * 100
    if not agrees(rate, true_rate):
        word = "下降" if down else "增长"
        out.notes.append(TextNote("growth_arithmetic", rate.where,
                                  f"按“{base.text}”与变动额“{delta.text}”，上期为 {_fmt(prior, base)}，"
                                  f"{word}率应为 {true_rate:.2f}%，报告写 {rate.text}",
                                  found=rate.value, expected=true_rate.quantize(Decimal("0.01"))))


# Counts and the items listed ----------------------------------------------------------------------------------

_CN = "一二两三四五六七八九十"
_LIST_BEFORE = re.compile(rf"((?:“[^“”。]{{1,30}}”、)+“[^“”。]{{1,30}}”|“[^“”。]{{2,60}}”)\s*([{_CN}\d]{{1,3}})\s*(个|项|家|条|类|方面)")
_LIST_AFTER = re.compile(rf"(?:共|共计|包括|分别是|即|有)[^\d{_CN}。；，]{{0,3}}?([{_CN}\d]{{1,3}})\s*(个|项|家|条|类|方面)[^。；:：]{{0,12}}[:：]([^。；]{{2,200}})")  # noqa: E501


def _items(listed: str) -> list[str]:
    return [i for i in re.split(r"[、，,]", listed.replace("“", "").replace("”", "")) if i.strip()]


def _count_value(token: str) -> int | None:
    from xlperf.reporttext.numbers import cn_to_int

    return int(token) if token.isdigit() else cn_to_int(token)


def _count_lists(par: Paragraph, out: Analysis) -> None:
    text = normalize(par.text)
    for m in _LIST_BEFORE.finditer(text):
        items = _items(m.group(1))
        _count_note(par, m, _count_value(m.group(2)), items, m.group(2) + m.group(3), out)
    for m in _LIST_AFTER.finditer(text):
        listed = m.group(3)
        if "等" in listed or re.search(r"[；;]|\d", listed):
            continue
        _count_note(par, m, _count_value(m.group(1)), _items(listed), m.group(1) + m.group(2), out)


def _count_note(par: Paragraph, m: re.Match[str], stated: int | None, items: list[str], shown: str,
                out: Analysis) -> None:
    if stated is None or len(items) < 2 or stated == len(items) or "等" in m.group(0):
        return
    where = Where(par.section, par.number, sentence_around(par.text, m.start(), m.end()))
    out.notes.append(TextNote("count_list", where, f"写“{shown}”，但列出的是 {len(items)} 项："
                              f"{'、'.join(i.strip() for i in items)[:60]}", found=stated, expected=len(items)))


# Report tables -------------------------------------------------------------------------------------------------

_TOTAL = re.compile(r"^(合计|总计|总合计|共计)$")
_SUB = re.compile(r"^小计$|小计$")


def _is_rate_column(view: TableView, col: int) -> bool:
    header = view.column_header(col)
    return "率" in header or "比例" in header or "%" in header or "序号" in header or "年" == header[-1:]


def _table_where(view: TableView, row: int, col: int, text: str) -> Where:
    t = view.table
    label = view.raw_label(row).strip() or view.row_label(row, col)
    return Where(t.section, t.after_paragraph, f"{' '.join(t.title.split())}｜{label}｜{view.column_header(col)}："
                 f"{text}"[:80], t.number, row + 1, col + 1)


def _places(total_places: int, parts: list[tuple[Decimal, str, int]]) -> int:
    """The precision a total is checked at: the total's, or the finest of its parts when coarser (parts written
    with fewer decimals than others — 3, 13.5, 19.94 in a score table that drops trailing zeros — are exact)."""
    return min(total_places, max((p[2] for p in parts), default=total_places))


def _sums_to(view: TableView, r: int, c: int, parts: list[tuple[Decimal, str, int]]) -> bool:
    total, _u, places = view.numbers[(r, c)]
    places = _places(places, parts)
    return abs(sum((p[0] for p in parts), Decimal(0)) - total) <= Decimal(1).scaleb(-places) * (len(parts) + 1) / 2


def _table_totals(view: TableView, out: Analysis, top_level: frozenset[str] = frozenset()) -> None:
    rows = view.table.rows
    wrong_rows = _total_columns(view, out)
    data_rows, subs = _row_groups(view)
    for r in range(view.header_rows, len(rows)):
        label = re.sub(r"\s", "", view.raw_label(r))
        if not _TOTAL.match(label):
            continue
        for c in {c for (rr, c) in view.numbers if rr == r}:
            if _is_rate_column(view, c) or c in wrong_rows:
                continue
            above = [view.numbers[(rr, c)] for rr in data_rows if rr < r and (rr, c) in view.numbers]
            tops = [view.numbers[(rr, c)] for rr in data_rows if rr < r and (rr, c) in view.numbers
                    and canon(view.raw_label(rr)) in top_level]
            if not above:
                continue
            if len(tops) >= 2 and not _sums_to(view, r, c, above):
                # an indicator tree: the total is the sum of its top-level rows, not of every level
                _compare(view, r, c, tops, f"“{label}”行", "一级指标各行", out)
                continue
            _compare(view, r, c, above, f"“{label}”行", "上方各行", out)
    _sub_rows(view, subs, out)


def _row_groups(view: TableView) -> tuple[list[int], dict[int, list[int]]]:
    """Top-level data rows, and for each the 其中 rows under it: a row opening with 其中 or indented, and the
    rows after it while their sum (first amount column) stays within the parent's (a 日常公用经费 row after
    其中：人员经费 need not be indented)."""
    data: list[int] = []
    subs: dict[int, list[int]] = {}
    running: Decimal | None = None
    for r in range(view.header_rows, len(view.table.rows)):
        raw = view.raw_label(r)
        label = re.sub(r"\s", "", raw)
        if not label or _TOTAL.match(label) or _SUB.search(label):
            running = None
            continue
        first = _first_amount(view, r)
        parent = _first_amount(view, data[-1]) if data else None
        opens = (label.startswith("其中") or raw[:1].isspace()) and data
        continues = (running is not None and first is not None and parent is not None
                     and running + first <= parent + Decimal("0.005"))
        if opens or continues:
            subs.setdefault(data[-1], []).append(r)
            running = (running or Decimal(0)) + (first or Decimal(0))
        else:
            data.append(r)
            running = None
    return data, subs


def _first_amount(view: TableView, row: int) -> Decimal | None:
    cols = sorted(c for (r, c) in view.numbers if r == row and not _is_rate_column(view, c))
    return view.numbers[(row, cols[0])][0] if cols else None


def _compare(view: TableView, r: int, c: int, parts: list[tuple[Decimal, str, int]], what: str, of: str,
             out: Analysis) -> bool:
    total, _u, places = view.numbers[(r, c)]
    places = _places(places, parts)
    summed = sum((p[0] for p in parts), Decimal(0))
    tolerance = Decimal(1).scaleb(-places) * (len(parts) + 1) / 2
    if abs(summed - total) <= tolerance:
        return False
    cell = view.table.rows[r][c].strip()
    out.notes.append(TextNote("table_total", _table_where(view, r, c, cell),
                              f"{what}“{view.column_header(c)}”为 {cell}，{of}之和为 {summed:,.{places}f}"
                              f"（相差 {total - summed:,.{places}f}）", found=total, expected=summed))
    return True


def _total_columns(view: TableView, out: Analysis) -> set[int]:
    """A 合计 column equals the sum of the amounts left of it (a 小计 column is not counted twice)."""
    rows = view.table.rows
    width = max((len(r) for r in rows), default=0)
    wrong: set[int] = set()
    for c in range(width):
        header = re.sub(r"\s", "", view.column_header(c))
        if not _TOTAL.match(header):
            continue
        for r in range(view.header_rows, len(rows)):
            if (r, c) not in view.numbers:
                continue
            if _TOTAL.match(re.sub(r"\s", "", view.raw_label(r))) and c in wrong:
                continue  # the total row repeats the rows' error
            left = [cc for cc in range(c) if (r, cc) in view.numbers and not _is_rate_column(view, cc)
                    and not _SUB.search(re.sub(r"\s", "", view.column_header(cc)))]
            if len(left) >= 2 and _compare(view, r, c, [view.numbers[(r, cc)] for cc in left], "“合计”列",
                                           "左侧各项（不含小计）", out):
                wrong.add(c)
    return wrong


def _sub_rows(view: TableView, subs: dict[int, list[int]], out: Analysis) -> None:
    for parent, children in subs.items():
        for c in {c for (rr, c) in view.numbers if rr == parent}:
            if _is_rate_column(view, c):
                continue
            parts = [view.numbers[(r, c)] for r in children if (r, c) in view.numbers]
            total = view.numbers[(parent, c)]
            if parts and sum(p[0] for p in parts) > total[0] + Decimal(1).scaleb(-total[2]) * len(parts):
                cell = view.table.rows[parent][c].strip()
                out.notes.append(TextNote("parts_exceed_total", _table_where(view, parent, c, cell),
                                          f"“{view.raw_label(parent).strip()}”的“其中”各行之和超过该行 {cell}",
                                          found=sum(p[0] for p in parts), expected=total[0]))


# Placeholders and identity ----------------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"【\s*(请填写|待填写|请补充|此处填写)[^】]{0,60}】?")


def _placeholders(doc: ReportDocument, out: Analysis) -> None:
    for block in doc.blocks:
        texts = [block.text] if isinstance(block, Paragraph) else [c for row in block.rows for c in row]
        for text in texts:
            m = _PLACEHOLDER.search(text)
            if m is None:
                continue
            number = block.number if isinstance(block, Paragraph) else block.after_paragraph
            where = Where(block.section, number, sentence_around(text, m.start(), m.end()),
                          0 if isinstance(block, Paragraph) else block.number)
            out.notes.append(TextNote("placeholder_left", where, f"报告中仍有待填写的占位内容“{m.group(0)[:40]}”"))
            break


_UNIT_LINE = re.compile(r"^(部门|单位)(?:(名称)[（(]?(公章|盖章)?[)）]?|[（(](公章|盖章)[)）])\s*[:：]\s*(\S.{0,60})$")
_TITLE_YEAR = re.compile(r"(\d{4})\s*年度?.{0,30}(绩效自评报告|自评报告|绩效评价报告)")


_NUMBERING = re.compile(r"^\s*([一二三四五六七八九十]{1,3}\s*[、．.]|[（(][一二三四五六七八九十]{1,3}[)）]|\d{1,2}\s*[、．.])\s*")


def _outline(doc: ReportDocument, book: Workbook, out: Analysis) -> None:
    """A report in another outline than the framework prescribes (another region's or year's template): fewer
    than half of the prescribed top-level headings found among the report's."""
    if len(book.headings) < 2:
        return
    from xlperf.reporttext.document import heading_level

    def key(text: str) -> str:  # 部门（单位）基本情况 and 部门基本情况 are the same heading
        return re.sub(r"\([^)]*\)", "", canon(_NUMBERING.sub("", text)))

    found = [key(p.text) for p in doc.paragraphs if heading_level(p.text) == 1]
    if len(found) < 2:
        return  # a fragment, or a report without numbered headings: nothing to compare
    wanted = [key(h) for h in book.headings]
    hits = sum(1 for w in wanted if any(w in f or f in w for f in found if f))
    if hits * 2 < len(wanted):
        listed = "、".join(book.headings[:6])
        out.notes.append(TextNote("identity", None, f"报告的一级标题与评价框架规定的提纲不符（应为：{listed}），"
                                  f"只找到其中 {hits} 个：可能使用了其他地区或年度的报告模板",
                                  found=hits, expected=len(wanted)))


def _identity(doc: ReportDocument, book: Workbook, out: Analysis) -> None:
    """A report for another unit (the name on its header) or another year (the year of its title)."""
    head = [p for p in doc.paragraphs[:8] if p.section == ""][:8]
    name = canon(book.unit_name or "")
    for par in head:
        m = _UNIT_LINE.match(normalize(par.text).strip())
        if m and name:
            written = canon(m.group(5))
            if written and name not in written and written not in name:
                out.notes.append(TextNote("identity", Where("", par.number, par.text[:80]),
                                          f"报告所写单位为“{m.group(5).strip()[:40]}”，与工作簿的“{book.unit_name}”不同",
                                          found=m.group(5).strip()[:40], expected=book.unit_name))
        t = _TITLE_YEAR.search(normalize(par.text))
        if t and book.year and int(t.group(1)) != book.year:
            out.notes.append(TextNote("identity", Where("", par.number, par.text[:80]),
                                      f"报告标题的年度为{t.group(1)}年，工作簿的年度为{book.year}年",
                                      found=int(t.group(1)), expected=book.year))
