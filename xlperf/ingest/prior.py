"""上年数: last year's figures, read from last year's submission (and read back from this year's workbook).

Opening figures are taken from last year's approved data, not typed. For every input the framework
asks last year's figure of (``prior: true`` → input ``prev_x``), the value of ``x`` in last year's
workbook is looked up by its defined name — so a workbook of an older framework version (or another
framework) works as long as the name is the same — and written into ``prev_x``, locked, with a note
naming the source; the source file, its SHA-256 and the values are recorded as a document property.
Names that cannot be matched are listed, never guessed. Writing them into the new workbook:
:mod:`xlperf.write.prior`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from xlperf.compiled import catalog
from xlperf.data.values import data_values
from xlperf.errors import XlperfError
from xlperf.framework.form import PRIOR_PREFIX
from xlperf.framework.models import Framework
from xlperf.ingest.cells import bounded_decimal, parse_cell
from xlperf.ingest.datafile import load_data, read_raw
from xlperf.ingest.precheck import is_fatal, precheck
from xlperf.ingest.xlsx import CUSTOM_PART, Book, open_book
from xlperf.loader import builtin_ids
from xlperf.safe_text import xml_text
from xlperf.safe_yaml import YAML_SUFFIXES

__all__ = ["PRIOR_PROPERTY", "PriorValues", "read_prior", "recorded_prior"]

PRIOR_PROPERTY = "xlperf-prior-source"
"""Custom document property recording where the prior-year figures came from (JSON)."""
CENT = Decimal("0.01")


@dataclass
class PriorValues:
    source: Path
    sha256: str
    year: Any = None
    framework: str | None = None
    values: dict[str, Decimal] = field(default_factory=dict)  # prev_x → last year's x
    unmatched: list[str] = field(default_factory=list)  # prev_x names without a value in last year's file
    refused: dict[str, str] = field(default_factory=dict)  # prev_x → why last year's cell was not taken


def _read_cell(raw: Any, spec: Any) -> tuple[Decimal | None, str | None]:
    """(value, why refused) of last year's cell, read exactly as the validator reads that input: text, a
    negative amount, 1E+30 or three decimals are refused with the reason, never rounded or guessed."""
    if raw is None:
        return None, None
    parsed = parse_cell(raw, spec)
    if parsed.error is not None:
        return None, parsed.error.message
    value = parsed.value
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None, None if value is None else "不是数值"
    return Decimal(value).quantize(CENT), None


def read_prior(fw: Framework, path: str | Path) -> PriorValues:
    """Last year's values of the framework's prior-year inputs, by defined name, from ``path``."""
    path = Path(path)
    if path.suffix.lower() in YAML_SUFFIXES:
        return _read_prior_data(fw, path)
    issues = precheck(path)
    if is_fatal(issues):
        raise XlperfError(f"上年工作簿“{path.name}”无法读取：" + "；".join(i.message for i in issues if i.fatal))
    try:
        book = open_book(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except Exception as exc:  # noqa: BLE001 - any broken file is a message
        from xlperf.errors import xml_reason_zh

        raise XlperfError(f"上年工作簿“{path.name}”无法读取（{xml_reason_zh(exc)}）") from None
    out = PriorValues(source=path, sha256=digest)

    cat = catalog(fw)

    def named(name: str) -> Any:
        loc = book.names.get(name)
        return book.cell(*loc) if loc else None

    fw_id = named("fw_id")
    out.framework = xml_text(str(fw_id.value).strip(), 64) if fw_id is not None and fw_id.value else None
    year_name = fw.form.role("year")
    used = [name for name in (year_name, *(d.name for d in fw.form.inputs if d.prior)) if name and name in cat]
    _check_layout(fw, out.framework, book, used, path)
    if year_name and year_name in cat:
        out.year = _read_cell(named(year_name), cat[year_name])[0]
    for decl in fw.form.inputs:
        if not decl.prior or decl.name not in cat:
            continue
        value, why = _read_cell(named(decl.name), cat[decl.name])
        if value is None:
            out.unmatched.append(PRIOR_PREFIX + decl.name)
            if why:
                loc = book.names.get(decl.name, ("", ""))
                out.refused[PRIOR_PREFIX + decl.name] = f"{loc[0]}!{loc[1]}：{why}"
        else:
            out.values[PRIOR_PREFIX + decl.name] = value
    return out


def _check_layout(fw: Framework, last_id: str | None, book: Any, names: list[str], path: Path) -> None:
    """The validator's XP126 on last year's file: every name read must point where last year's framework
    (a built-in one, or this one) puts it; a name moved elsewhere (to last year's total score, say) would
    fill a prior-year figure with another quantity, locked. Refuses the file, naming the cell."""
    from xlperf.compiled import plan_for
    from xlperf.resolve import builtin_registry, is_valid_id, resolve
    from xlperf.safe_text import printable, xml_text

    last = None
    if last_id and is_valid_id(last_id):
        last = fw if last_id == fw.id else resolve(last_id, builtin_registry())
    plans = [plan_for(last)] if last is not None and last is not fw else []
    plans.append(plan_for(fw))
    wrong = []
    for name in names:
        actual = book.names.get(name)
        planned = next((p.cells[name] for p in plans if name in p.cells), None)
        if actual is None or planned is None or actual == (planned.sheet, planned.cell):
            continue
        wrong.append(f"名称 {name} 指向 {printable(xml_text(actual[0], 64), newlines=False)}!{actual[1]}，"
                     f"标准模板中应在 {planned.sheet}!{planned.cell}")
    if wrong:
        shown = "；".join(wrong[:5]) + (f"；另有 {len(wrong) - 5} 个" if len(wrong) > 5 else "")
        raise XlperfError(f"上年工作簿“{path.name}”的布局与模板不同（名称所在的单元格被移动），不能作为上年数来源：{shown}")


def _read_prior_data(fw: Framework, path: Path) -> PriorValues:
    """Last year's figures from last year's data file (YAML/JSON) instead of its workbook.

    A file of a shipped framework, or of this framework, is validated by that framework's data model; a
    file of another framework (last year's own framework file, which the command line does not name) is
    read by name like a workbook: each ``x`` in any input section, numbers only."""
    raw = read_raw(path)  # first: it refuses a file over its size limit before reading it
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise XlperfError(f"无法读取上年数据文件“{path.name}”（{exc.strerror or type(exc).__name__}）") from None
    named = raw.get("framework")
    if isinstance(named, str) and (named in builtin_ids() or named == fw.id):
        values: dict[str, Any] = data_values(load_data(path, fw if named == fw.id else None))
    else:
        sections = [v for k, v in raw.items() if isinstance(v, dict)
                    and k not in ("tables", "judgements", "self_scores", "prior")]
        values = {}
        for section in sections:
            for key, value in section.items():
                if isinstance(key, str) and key not in values:
                    values[key] = _plain_number(value)
    out = PriorValues(source=path, sha256=digest, framework=named if isinstance(named, str) else None)
    year_name = fw.form.role("year")
    out.year = values.get(year_name) if year_name else None
    for decl in fw.form.inputs:
        if not decl.prior:
            continue
        value = values.get(decl.name)
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            out.values[PRIOR_PREFIX + decl.name] = Decimal(value).quantize(CENT)
        else:
            out.unmatched.append(PRIOR_PREFIX + decl.name)
    return out


def _plain_number(value: Any) -> Decimal | None:
    """A number as a data file writes it (12.5, "12.5"); anything else (text, yes/no, a list) is no figure."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal) or len(str(value)) > 40:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and abs(number) < Decimal(10) ** 12 else None


RECORD_MAX = 64 * 1024
"""Bytes read of a submitted workbook's custom properties part (a hostile file may claim more)."""


def recorded_prior(path: str | Path, book: Book | None = None) -> dict[str, Decimal] | None:
    """The prior-year values ``xlperf template --prior`` recorded in a workbook (prev_x → value), or None
    when the file records none. Any doubt (a broken part, a value that is not a number) is None or a skip.
    ``book``: the workbook as read, whose custom properties part is used when the reader kept it (else the
    file is opened again)."""
    import zipfile

    from lxml import etree

    try:
        if book is not None and book.custom_known:
            data = book.custom_properties
            if data is None or len(data) > RECORD_MAX:
                return None
        else:
            with zipfile.ZipFile(path) as zf:
                info = zf.getinfo(CUSTOM_PART)
                if info.file_size > RECORD_MAX:
                    return None
                with zf.open(info) as fh:
                    data = fh.read(RECORD_MAX + 1)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
        root = etree.fromstring(data, parser)
    except Exception:  # noqa: BLE001 - no record, or one we cannot trust: nothing to compare
        return None
    for prop in root:
        if prop.get("name") != PRIOR_PROPERTY:
            continue
        text = "".join(prop.itertext())
        try:
            values = json.loads(text).get("values", {})
            out = {}
            for k, v in values.items():
                value = _recorded_number(v)
                if isinstance(k, str) and k.startswith(PRIOR_PREFIX) and value is not None:
                    out[k] = value
            return out
        except (ValueError, TypeError, AttributeError, RecursionError):  # nested 10,000 deep, a list …
            return None
    return None


def _recorded_number(value: Any) -> Decimal | None:
    """A recorded amount as the template writes it (a short decimal text); anything else is no record."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = value if isinstance(value, str) else str(value) if value.bit_length() <= 64 else ""
    number = bounded_decimal(text.strip())
    return number if number is not None and abs(number) < RECORD_BOUND else None


RECORD_BOUND = Decimal(10) ** 12
"""Recorded amounts at or beyond this (万元) are no amount a department has: not a record."""
