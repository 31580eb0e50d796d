"""A fast, safe, read-only view of an .xlsx: cell values *and* formulas in one pass (zip + lxml).

openpyxl needs two loads for values and formulas and is 5-10× slower; this reader parses only what
the validator needs. It never resolves entities or touches the network, and it is only called after
:func:`xlperf.workbook.safety.precheck` has refused bombs, encrypted and legacy files.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, TypeVar

from lxml import etree

__all__ = ["SHARED", "Book", "RawCell", "open_book"]

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_M = "{%s}" % NS["m"]
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_REF = re.compile(r"^'?(?P<sheet>.+?)'?!\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)$")


SHARED = "\x00shared"


@dataclass(frozen=True, slots=True)
class RawCell:
    """A cell as stored: its text value, type code (n, s, str, b, e, inlineStr) and formula."""

    value: str | None
    type: str
    formula: str | None = None
    date: bool = False  # a number shown with a date/time format (e.g. "1/6" typed into a money cell)


@dataclass
class Book:
    path: Path
    sheets: dict[str, dict[str, RawCell]] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # defined name → (sheet, A1)
    has_macros: bool = False

    def cell(self, sheet: str, ref: str) -> RawCell | None:
        return self.sheets.get(sheet, {}).get(ref)


def _xml(zf: zipfile.ZipFile, name: str) -> etree._Element:
    return etree.fromstring(_read(zf, name), _PARSER)


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    with zf.open(name) as fh:
        return fh.read()


# The workbook part, its relationships and the styles are the same in every workbook made from one
# template: what is read from them is a pure function of their bytes, so it is memoized by the bytes
# (parts up to 256 KiB, a few distinct templates at a time). Parse errors are never cached.
_META_CACHE_MAX_BYTES = 256 * 1024
_Result = TypeVar("_Result")


def _by_bytes(parse: Callable[[bytes], _Result]) -> Callable[[bytes], _Result]:
    cached = lru_cache(maxsize=16)(parse)

    def get(data: bytes) -> _Result:
        return cached(data) if len(data) <= _META_CACHE_MAX_BYTES else parse(data)

    return get


def _shared_strings(zf: zipfile.ZipFile, target: str | None) -> list[str]:
    if not target or target not in zf.namelist():
        return []
    root = _xml(zf, target)
    out = []
    for si in root.iterfind(f"{_M}si"):
        t = si.find(f"{_M}t")
        if t is not None and len(si) == 1:
            out.append(t.text or "")
        else:  # rich text runs
            out.append("".join(x.text or "" for x in si.iter(f"{_M}t")))
    return out


def _rels(zf: zipfile.ZipFile, base: str) -> dict[str, str]:
    rel_path = str(PurePosixPath(base).parent / "_rels" / (PurePosixPath(base).name + ".rels"))
    if rel_path not in zf.namelist():
        return {}
    data = _read(zf, rel_path)
    if base == "xl/workbook.xml":
        return dict(_workbook_rels(data))
    return _rels_of(etree.fromstring(data, _PARSER), base)


def _rels_of(root: etree._Element, base: str) -> dict[str, str]:
    out = {}
    for rel in root.iterfind(f"{{{NS['rel']}}}Relationship"):
        target = rel.get("Target", "")
        if target.startswith("/"):
            full = target.lstrip("/")
        else:
            full = str(PurePosixPath(base).parent / target)
        parts: list[str] = []
        for part in full.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        out[rel.get("Id", "")] = "/".join(parts)
    return out


_workbook_rels = _by_bytes(lambda data: _rels_of(etree.fromstring(data, _PARSER), "xl/workbook.xml"))


def _parse_workbook_part(data: bytes) -> tuple[tuple[tuple[str, str], ...], dict[str, tuple[str, str]]]:
    """(sheet name, relationship id) in workbook order, and the global defined names → (sheet, A1)."""
    wb_root = etree.fromstring(data, _PARSER)
    sheets = tuple((sh.get("name", ""), sh.get(f"{{{NS['r']}}}id", ""))
                   for sh in wb_root.iterfind(f"{_M}sheets/{_M}sheet"))
    names: dict[str, tuple[str, str]] = {}
    for dn in wb_root.iterfind(f"{_M}definedNames/{_M}definedName"):
        if dn.get("localSheetId") is not None or not dn.text:
            continue
        m = _REF.match(dn.text.strip())
        if m:
            names[dn.get("name", "")] = (m["sheet"].replace("''", "'"), f"{m['col']}{m['row']}")
    return sheets, names


_workbook_part = _by_bytes(_parse_workbook_part)


def open_book(path: str | Path, *, sheets: set[str] | None = None) -> Book:
    """Read workbook structure, defined names and the cells of every (or the given) sheet."""
    path = Path(path)
    with zipfile.ZipFile(path) as zf:
        names_in_zip = set(zf.namelist())
        wb_sheets, wb_names = _workbook_part(_read(zf, "xl/workbook.xml"))
        rels = _rels(zf, "xl/workbook.xml")
        sst_target = next((t for t in rels.values() if t.endswith("sharedStrings.xml")), None)
        strings = _shared_strings(zf, sst_target)
        styles_target = next((t for t in rels.values() if t.endswith("styles.xml")), None)
        date_styles = _date_styles(zf, styles_target)
        book = Book(path, has_macros="xl/vbaProject.bin" in names_in_zip)
        order: list[str] = []
        targets: dict[str, str] = {}
        for name, rid in wb_sheets:
            order.append(name)
            if rid in rels:
                targets[name] = rels[rid]
        book.names.update(wb_names)
        for name in order:
            if sheets is not None and name not in sheets:
                continue
            target = targets.get(name)
            if target is None or target not in names_in_zip:
                book.sheets[name] = {}
                continue
            book.sheets[name] = _read_sheet(zf, target, strings, date_styles)
    return book


_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
_DATE_CODE = re.compile(r"[ymdhs]|上午|下午|年|月|日")
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _date_styles(zf: zipfile.ZipFile, target: str | None) -> frozenset[int]:
    """Indexes of cell styles whose number format shows a date or time."""
    if not target or target not in zf.namelist():
        return frozenset()
    return _date_styles_of(_read(zf, target))


def _parse_date_styles(data: bytes) -> frozenset[int]:
    root = etree.fromstring(data, _PARSER)
    custom = {}
    for fmt in root.iterfind(f"{_M}numFmts/{_M}numFmt"):
        code = _QUOTED.sub("", (fmt.get("formatCode") or "").lower())
        custom[fmt.get("numFmtId")] = bool(_DATE_CODE.search(code))
    out = set()
    for i, xf in enumerate(root.iterfind(f"{_M}cellXfs/{_M}xf")):
        fid = xf.get("numFmtId", "0")
        if custom.get(fid) or (fid.isdigit() and int(fid) in _DATE_FORMAT_IDS):
            out.add(i)
    return frozenset(out)


_date_styles_of = _by_bytes(_parse_date_styles)


_C, _V, _F, _IS, _T = f"{_M}c", f"{_M}v", f"{_M}f", f"{_M}is", f"{_M}t"
# The in-memory path parses with exactly iterparse's options (comments kept, entities unresolved).
_SHEET_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_NESTED_CELL = etree.XPath("boolean(//m:c//m:c)", namespaces={"m": NS["m"]})
IN_MEMORY_MAX = 4 * 1024 * 1024  # sheets up to this size (uncompressed) are parsed in one go


def _read_sheet(zf: zipfile.ZipFile, target: str, strings: list[str],
                date_styles: frozenset[int] = frozenset()) -> dict[str, RawCell]:
    """The stored cells of one worksheet.

    Small sheets are parsed in one call (faster than iterparse); large ones are streamed. Both paths
    give the same cells: anything unusual (a parse error, a cell nested in a cell) takes the
    streaming path, which is the reference.
    """
    if zf.getinfo(target).file_size <= IN_MEMORY_MAX:
        try:
            root = etree.fromstring(zf.read(target), _SHEET_PARSER)
        except Exception:  # let the streaming path raise (or not) exactly as it always has
            root = None
        if root is not None and not _NESTED_CELL(root):
            return _collect(root.iter(_C), strings, date_styles)
    with zf.open(target) as fh:
        return _collect(_streamed(fh), strings, date_styles)


def _streamed(fh: IO[bytes]) -> Iterator[etree._Element]:
    for _, c in etree.iterparse(fh, events=("end",), tag=_C, resolve_entities=False, no_network=True,
                                huge_tree=False):
        yield c
        c.clear()


def _collect(elements: Iterable[etree._Element], strings: list[str],
             date_styles: frozenset[int] = frozenset()) -> dict[str, RawCell]:
    """Cells with a value or a formula, by reference. Hot loop: one pass, no ElementPath."""
    cells: dict[str, RawCell] = {}
    for c in elements:
        if not len(c):  # a cell without children holds neither value nor formula
            continue
        ref = c.get("r")
        if ref is None:
            continue
        t = c.get("t", "n")
        v = f = is_ = None
        for child in c:  # the first <v>, <f> and <is>, as Element.find would give
            tag = child.tag
            if tag == _V:
                if v is None:
                    v = child
            elif tag == _F:
                if f is None:
                    f = child
            elif tag == _IS:
                if is_ is None:
                    is_ = child
        value = v.text if v is not None else None
        if t == "s" and value is not None:
            try:
                value = strings[int(value)]
            except (ValueError, IndexError):
                value = None
        elif t == "inlineStr":
            if is_ is None:
                value = None
            elif len(is_) == 1 and not len(first := is_[0]) and first.tag == _T:
                value = first.text or ""  # the usual <is><t>text</t></is>
            else:  # rich text runs
                value = "".join(x.text or "" for x in is_.iter(_T))
        if f is None:
            formula = None
        else:
            formula = f.text or None
            if formula is None and f.get("t") == "shared":
                formula = SHARED  # a dependent of a shared formula: its text lives in the master cell
        if value is not None or formula is not None:
            style = c.get("s")
            is_date = bool(date_styles) and t == "n" and style is not None and style.isdigit() and int(style) in date_styles
            cells[ref] = _raw_cell(value, t, formula, is_date)
    return cells


def _fast_raw_cell() -> Callable[[str | None, str, str | None, bool], RawCell]:
    """RawCell(value, type, formula, date) without the frozen dataclass's __init__ (about half the cost).

    The same object: its slots are set through their descriptors. Falls back to the constructor if the
    fields ever change.
    """
    from dataclasses import fields

    if tuple(f.name for f in fields(RawCell)) != ("value", "type", "formula", "date") or hasattr(
            RawCell, "__post_init__"):
        return RawCell
    new = object.__new__
    set_value, set_type, set_formula, set_date = (RawCell.value.__set__, RawCell.type.__set__,  # type: ignore[attr-defined]
                                                  RawCell.formula.__set__, RawCell.date.__set__)  # type: ignore[attr-defined]

    def make(value: str | None, type_: str, formula: str | None, date: bool) -> RawCell:
        cell = new(RawCell)
        set_value(cell, value)
        set_type(cell, type_)
        set_formula(cell, formula)
        set_date(cell, date)
        return cell

    return make


_raw_cell = _fast_raw_cell()
