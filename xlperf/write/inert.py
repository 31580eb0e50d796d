"""A copy of a submitted workbook that xlperf writes holds only what xlperf put there, nothing that acts.

The annotated copy (``--annotate``) and the returns copy (``consolidate --returns``) are written on the
reviewer's machine (no download mark, so no Protected View) and look like xlperf's output. Before the
findings are written into it, the openpyxl copy of the submission is made inert:

* a formula cell keeps a formula only where the plan has one and the formula is the plan's (written back
  as the plan's exact text); every other formula becomes its cached value as read by the validator's own
  reader, or its text when it has none (``=WEBSERVICE(…)``, ``=HYPERLINK("file://…")``, DDE all end
  as data);
* defined names are the template's names with plain references only; sheet-local names and links to
  other workbooks (``xl/externalLinks``) go, and so do hyperlinks to anything outside the workbook;
* on the template's sheets, conditional formats and data validations are the template's (a foreign rule
  could paint over or fake the highlights) and the number formats of planned cells are the template's (a
  format could show another number); a sheet the submitter added keeps none (their rules are formulas
  Excel evaluates on open: ``WEBSERVICE`` in a rule, DDE in a list's source);
* tables keep no calculated-column or totals-row formula and no data connection (formulas outside cells);
* the only custom document property kept is the prior-year record (``xlperf-prior-source``, which the
  validator checks against the cells): no other property of the submission, and none linked to content,
  reaches a copy that looks like xlperf's;
* a cell of the copy that looks like a highlight of ours but is not one of this run's loses that look
  (:func:`sweep_highlights`), so a forged note signed xlperf never reaches the bureau's copy.

When openpyxl cannot load or save the submission at all, :func:`rebuild` makes the copy from the
framework's template with the values the validator read, so a file the validator could read always gets
its copy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from xlperf.compiled import plan_for
from xlperf.framework.models import Framework
from xlperf.ingest.prior import PRIOR_PROPERTY
from xlperf.ingest.xlsx import Book, RawCell
from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET
from xlperf.plan.normal import normalize_formula
from xlperf.safe_text import put

__all__ = ["ORIGINAL_NOTE", "Neutralised", "make_inert", "quoted_note", "rebuild", "sweep_highlights"]

_PLAIN_REF = re.compile(r"^(?:(?:'(?:[^'\[\]]|'')+'|[^'!\[\]|()\s,]+)!)?\$?[A-Z]{1,3}\$?\d{1,7}"
                        r"(?::\$?[A-Z]{1,3}\$?\d{1,7})?$")
REBUILD_EXTRA_ROWS = 200
"""Rows (and columns, /10) beyond the template's used range whose values a rebuilt copy keeps."""


@dataclass
class Neutralised:
    """What making the copy inert replaced (the validator reports formulas, names and links itself)."""

    formats: dict[str, int] = field(default_factory=dict)  # template sheet → foreign CF/DV rules replaced
    added: dict[str, int] = field(default_factory=dict)  # a submitter's own sheet → CF/DV rules and table formulas removed
    formulas: int = 0
    names: int = 0
    links: int = 0
    rebuilt: bool = False
    template: Any = None  # the framework's template workbook (the fills a stale highlight goes back to)


ORIGINAL_NOTE = "\n——原批注："
"""Our notes end with the user's own note after this marker, so it survives even without 校验结果."""


def quoted_note(note: str) -> str | None:
    """The user's own note that one of our notes quotes at its end, if any."""
    return (note.split(ORIGINAL_NOTE, 1)[1] or None) if ORIGINAL_NOTE in note else None


def _accepted(fw: Framework) -> dict[tuple[str, str], dict[str, str]]:
    """(sheet, cell) → normalized accepted formula → the exact text to write (native and UDF flavours)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for flavour in ("udf", "native"):  # native last: its text wins when both flavours agree
        for key, text in plan_for(fw, flavour).formulas().items():
            out.setdefault(key, {})[normalize_formula(text)] = text
    return out


def cached_value(raw: RawCell | None) -> Any:
    """A cell's stored value as the validator read it: a number, TRUE/FALSE, a text, or None."""
    if raw is None or raw.value is None:
        return None
    if raw.type == "n":
        try:
            number = Decimal(raw.value)
        except InvalidOperation:
            return raw.value
        return number if number.is_finite() else raw.value
    if raw.type == "b":
        return raw.value == "1"
    return raw.value


def _formula_text(value: Any) -> str:
    text = value if isinstance(value, str) else getattr(value, "text", None) or str(value)
    return text[1:] if text.startswith("=") else text


def _write_value(ws: Any, cell: Any, value: Any) -> None:
    """Replace a cell's content by a value (a string is always a string cell, never a formula)."""
    if isinstance(value, str):
        put(ws, cell.row, cell.column, value)
    else:
        cell.value = None
        cell.data_type = "n"
        if value is not None:
            cell.value = value


def _inert_cells(ws: Any, book: Book, accepted: Mapping[tuple[str, str], dict[str, str]], out: Neutralised) -> None:
    """Formulas: the plan's stay (as the plan's text), every other becomes its cached value or its text."""
    from openpyxl.cell.cell import MergedCell

    for cell in list(ws._cells.values()):
        if isinstance(cell, MergedCell):
            continue
        if cell.data_type == "d" and not isinstance(cell.value, datetime | date | time | timedelta):
            cell.value = None  # an empty <c t="d"/>: nothing to show, and openpyxl cannot save it
            continue
        link = cell.hyperlink
        if link is not None and (link.target or (link.id and not link.location)):
            cell.hyperlink = None  # a link to anything outside the workbook
            out.links += 1
        if cell.data_type != "f" and not (isinstance(cell.value, str) and cell.value.startswith("=")
                                          and cell.data_type != "s"):
            continue
        text = _formula_text(cell.value)
        forms = accepted.get((ws.title, cell.coordinate), {})
        keep = forms.get(normalize_formula(text[:8192]))
        if keep is not None:
            cell.value = "=" + keep
            continue
        raw = book.cell(ws.title, cell.coordinate)
        value = cached_value(raw)
        out.formulas += 1
        _write_value(ws, cell, value if value is not None else "=" + text[:8192])


def _inert_names(wb: Any, template: Any, out: Neutralised) -> None:
    """Only the template's names, each a plain reference; no sheet-local name, no external link."""
    theirs = template.defined_names
    for name in list(wb.defined_names.keys()):
        dn = wb.defined_names[name]
        ours = theirs.get(name)
        if ours is None or not _PLAIN_REF.match((dn.attr_text or "").strip()):
            del wb.defined_names[name]
            out.names += 1
    for ws in wb.worksheets:
        for name in list(ws.defined_names.keys()):
            del ws.defined_names[name]
            out.names += 1
    if getattr(wb, "_external_links", None):
        out.links += len(wb._external_links)
        wb._external_links = []


def _rule_keys(ws: Any) -> set[tuple[str, str, str, tuple[str, ...]]]:
    keys = set()
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            keys.add((str(rng.sqref), str(rule.type), str(rule.operator), tuple(str(f) for f in rule.formula or ())))
    return keys


def _dv_keys(ws: Any) -> set[tuple[str, str, str, str]]:
    return {(str(dv.sqref), str(dv.type), str(dv.formula1), str(dv.formula2))
            for dv in ws.data_validations.dataValidation}


def _template_formats(ws: Any, tws: Any, fw_cells: list[str], out: Neutralised) -> None:
    """Conditional formats, data validations and planned number formats as the template has them."""
    from copy import copy

    foreign = len(_rule_keys(ws) - _rule_keys(tws)) + len(_dv_keys(ws) - _dv_keys(tws))
    if foreign:
        out.formats[ws.title] = foreign
    ws.conditional_formatting = copy(tws.conditional_formatting)
    ws.data_validations = copy(tws.data_validations)
    for ref in fw_cells:
        target = ws[ref]
        if not hasattr(target, "number_format"):
            continue
        try:
            target.number_format = tws[ref].number_format
        except (ValueError, TypeError, AttributeError):  # a merged cell
            pass


def _drop_formats(ws: Any) -> int:
    """A sheet that is not the template's loses every conditional format and data validation."""
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.worksheet.datavalidation import DataValidationList

    n = sum(len(rng.rules) for rng in ws.conditional_formatting) + len(ws.data_validations.dataValidation)
    ws.conditional_formatting = ConditionalFormattingList()
    ws.data_validations = DataValidationList()
    return n


def _inert_tables(ws: Any) -> int:
    """Tables keep their cells and columns, not their own formulas or a data connection."""
    n = 0
    for table in ws.tables.values():
        if getattr(table, "connectionId", None) is not None:
            table.connectionId = None
            n += 1
        for column in getattr(table, "tableColumns", None) or ():
            for attr in ("calculatedColumnFormula", "totalsRowFormula"):
                if getattr(column, attr, None) is not None:
                    setattr(column, attr, None)
                    n += 1
    return n


def _inert_properties(wb: Any) -> int:
    """Custom document properties: only the prior-year record, as plain text (never linked to content)."""
    props = wb.custom_doc_props
    dropped = 0
    for prop in list(props.props):
        if prop.name != PRIOR_PROPERTY or type(prop).__name__ != "StringProperty" or prop.linkTarget:
            props.props.remove(prop)
            dropped += 1
    return dropped


def make_inert(wb: Any, fw: Framework | None, book: Book) -> Neutralised:
    """Make an openpyxl copy of a submitted workbook inert (see the module docstring); returns what went.
    Without a framework (one the reviewer's folder no longer holds) no formula and no name is xlperf's."""
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    from xlperf.write.template import build_workbook

    out = Neutralised()
    accepted = _accepted(fw) if fw is not None else {}
    template = out.template = build_workbook(fw) if fw is not None else Workbook()
    planned: dict[str, list[str]] = {}
    for cp in (plan_for(fw).cells.values() if fw is not None else ()):
        planned.setdefault(cp.sheet, []).append(cp.cell)
    wb.calculation.fullCalcOnLoad = False
    for ws in wb.worksheets:
        if not isinstance(ws, Worksheet):
            continue
        _inert_cells(ws, book, accepted, out)
        removed = _inert_tables(ws)
        if ws.title in template.sheetnames and ws.title != MARKS_SHEET:  # 校验结果: the template's has none
            _template_formats(ws, template[ws.title], planned.get(ws.title, []), out)
        else:
            removed += _drop_formats(ws)
        if removed:
            out.added[ws.title] = removed
    _inert_names(wb, template, out)
    out.names += _inert_properties(wb)
    return out


def rebuild(fw: Framework, book: Book) -> Any:
    """The copy made from the framework's template and the values the validator read (openpyxl could not
    load the submission): the template's formulas, names and formats, each other stored value as data."""
    from xlperf.write.template import build_workbook

    wb = build_workbook(fw)
    wb.calculation.fullCalcOnLoad = False
    for name, cells in book.sheets.items():
        if name not in wb.sheetnames or name == MARKS_SHEET:
            continue
        ws = wb[name]
        max_row = ws.max_row + REBUILD_EXTRA_ROWS if name != RESULT_SHEET else 100_000
        max_col = ws.max_column + REBUILD_EXTRA_ROWS // 10
        for ref, raw in cells.items():
            _put_read(ws, ref, raw, max_row, max_col)
    return wb


def _put_read(ws: Any, ref: str, raw: RawCell, max_row: int, max_col: int) -> None:
    from openpyxl.cell.cell import MergedCell
    from openpyxl.utils.cell import coordinate_to_tuple

    try:
        row, col = coordinate_to_tuple(ref)
    except (ValueError, TypeError):
        return
    if row > max_row or col > max_col:
        return
    cell = ws.cell(row=row, column=col)
    if isinstance(cell, MergedCell) or cell.data_type == "f":
        return  # the template's formula (or the top-left of a merged range elsewhere) stays
    value = cached_value(raw)
    if value is not None:
        _write_value(ws, cell, value)


def sweep_highlights(wb: Any, targets: set[tuple[str, str]], colours: set[str], ours: str,
                     template: Any = None) -> int:
    """Cells that look like a highlight of ours (our colour, or a note opening like ours) but are not one
    of this run's lose that look: the note is dropped (a note the user had, quoted after ours, stays) and
    the fill cleared. Returns how many cells were cleared."""
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

    cleared = 0
    for ws in wb.worksheets:
        if not isinstance(ws, Worksheet) or ws.title in (RESULT_SHEET, MARKS_SHEET):
            continue
        for cell in list(ws._cells.values()):
            if (ws.title, cell.coordinate) in targets:
                continue
            note = cell.comment.text if cell.comment is not None else None
            fill = cell.fill
            rgb = fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" and fill.fgColor is not None else None
            painted = isinstance(rgb, str) and rgb[-6:].upper() in colours
            signed = isinstance(note, str) and note.startswith(ours)
            if not painted and not signed:
                continue
            if signed:
                kept = quoted_note(note) if isinstance(note, str) else None
                from openpyxl.comments import Comment

                cell.comment = Comment(kept, "", width=320, height=160) if kept else None
            if painted:
                cell.fill = _template_fill(template, ws.title, cell.coordinate) or PatternFill(fill_type=None)
            cleared += 1
    return cleared


def _template_fill(template: Any, sheet: str, ref: str) -> Any:
    from copy import copy

    if template is None or sheet not in template.sheetnames:
        return None
    fill = template[sheet][ref].fill
    return copy(fill) if fill is not None and fill.fill_type == "solid" else None
