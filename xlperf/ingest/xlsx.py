"""A fast, safe, read-only view of an .xlsx: cell values *and* formulas in one pass (zip + lxml).

openpyxl needs two loads for values and formulas and is 5-10× slower; this reader parses only what
the validator needs. It never resolves entities or touches the network, and it is only called after
:func:`xlperf.ingest.precheck.precheck` has refused bombs, encrypted and legacy files.

It reads valid SpreadsheetML as Excel does: the workbook part is found through ``_rels/.rels``, Strict
OOXML namespaces are accepted, a cell or row without an ``r`` attribute takes the position after the
previous one, and the dependents of a shared formula get the master's formula translated to their own
position. Whatever the file says, work is bounded: parts are size-checked before they are read, cells
are counted while streaming (:data:`MAX_CELLS`), and a ``<v>`` that is no number Excel can hold is kept
as text (type ``str``) so that nothing downstream does arithmetic on ``1E+999999``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Final, Literal, Protocol, TypeVar

from lxml import etree

from xlperf.ingest.limits import DEFAULT_LIMITS
from xlperf.ingest.notes import Noted
from xlperf.ingest.precheck import open_regular

__all__ = ["CUSTOM_PART", "MAX_CELLS", "SHARED", "UNRESOLVED", "Book", "BookTooLarge", "RawCell", "col_letters", "open_book"]

TRANSITIONAL = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS = {
    "m": TRANSITIONAL,
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_R_IDS = (f"{{{NS['r']}}}id", "{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
_OFFICE_DOCUMENT = "/officeDocument"  # the relationship type's last segment, in either namespace family
_M = f"{{{NS['m']}}}"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_REF = re.compile(r"^'?(?P<sheet>.+?)'?!\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d{1,7})$")
_CELL_REF = re.compile(r"^(?P<col>[A-Z]{1,3})(?P<row>\d{1,7})$")
_AREA = r"(?:\$?[A-Z]{1,3}\$?\d{1,7}(?::\$?[A-Z]{1,3}\$?\d{1,7})?|\$?\d{1,7}:\$?\d{1,7}|\$?[A-Z]{1,3}:\$?[A-Z]{1,3}|#REF!)"
_RANGE_REF = re.compile(r"^(?:(?:(?:'(?:[^'\[\]]|'')+'|[^'!\[\]|()\s,]+)!)?" + _AREA + r",?)+$|^#REF!$")
"""A plain cell or range reference (or a list of them, as print areas are) in this workbook."""
MAX_FORMULA_NAMES = 1000

MAX_CELLS = DEFAULT_LIMITS.max_total_cells
"""Cells (``<c>`` elements) read from all worksheets of one workbook at most."""
MAX_META_BYTES = DEFAULT_LIMITS.max_meta_part_bytes
"""Largest workbook part, relationships or styles part parsed in memory."""
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
"""Largest shared-string table (streamed)."""
MAX_FORMULA = 8192
"""Excel's own limit on a formula's length; a longer shared formula is not translated."""
MAX_TEXT = 32767
"""Excel's limit on a cell's text; a longer text (which Excel could not have saved) is cut and marked."""
TOO_LONG = "…（超长）"
"""Appended to a cut text or formula, so that a cut one never equals the template's."""
MAX_TRANSLATED = 4 * 1024 * 1024
"""Characters of shared formulas translated for their dependents, per workbook (the standard workbook
needs a few thousand); beyond it the workbook is refused rather than left partly unchecked."""

CUSTOM_PART = "docProps/custom.xml"
"""The custom document properties part (where ``xlperf template --prior`` records the prior-year values)."""
SHARED = "\x00shared"
"""Formula text of a shared-formula dependent before expansion (no cell keeps it: see UNRESOLVED)."""
UNRESOLVED = "#共享公式无法展开"
"""Formula text of a shared-formula dependent whose master is missing, too long or untranslatable: never
equal to a template formula, so the cell is reported as altered instead of silently skipped."""


class BookTooLarge(ValueError):
    """The workbook holds more than the reader will take; ``str()`` is the Chinese reason."""

    def __init__(self, message: str, kind: Noted = Noted.TOO_MANY_CELLS) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class RawCell:
    """A cell as stored: its text value, type code (n, s, str, b, e, inlineStr) and formula."""

    value: str | None
    type: str
    formula: str | None = None
    date: bool = False  # a number shown with a date/time format (e.g. "1/6" typed into a money cell)
    shown: str | None = None  # its number format shows another number: literal | hidden | scaled | percent


ACTIVE_PARTS: Final = (("xl/connections.xml", "数据连接，打开时可刷新外部数据"),
                       ("xl/querytables/", "数据连接，打开时可刷新外部数据"),
                       ("xl/webextensions/", "网页加载项任务窗格，打开时加载网页"),
                       ("customui/", "自定义功能区，可调用宏"),
                       ("xl/activex/", "ActiveX 控件，可运行程序"),
                       ("xl/embeddings/", "嵌入的对象（OLE），双击即可运行"))
"""Package parts (lower-case prefixes) that reach outside the workbook or run when it is opened, and what
each is in the reviewer's words. None of them is part of the form, and openpyxl copies none of them."""


def active_parts(names: Iterable[str]) -> tuple[str, ...]:
    """The kinds of :data:`ACTIVE_PARTS` a package holds, each once, in the table's order."""
    lowered = [n.lower() for n in names]
    found = {what for prefix, what in ACTIVE_PARTS for n in lowered if n.startswith(prefix)}
    return tuple(dict.fromkeys(what for _, what in ACTIVE_PARTS if what in found))


@dataclass
class Book:
    path: Path
    sheets: dict[str, dict[str, RawCell]] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # defined name → (sheet, A1)
    has_macros: bool = False
    local_names: list[tuple[str, str, str]] = field(default_factory=list)
    """Sheet-local defined names: (sheet they belong to, name, the definition's text)."""
    formula_names: list[tuple[str, str]] = field(default_factory=list)
    """Defined names (global or local) whose definition is no plain cell or range reference: (name, text),
    at most :data:`MAX_FORMULA_NAMES`, texts cut at 256 characters."""
    date1904: bool = False
    """Dates count from 1904-01-01 (``workbookPr date1904``): a serial + 1462 is the 1900-system serial."""
    external_parts: int = 0
    """Parts under ``xl/externalLinks/`` (links to other workbooks, DDE and OLE links)."""
    active_parts: tuple[str, ...] = ()
    """What else in the package reaches outside or runs when the file is opened (:func:`active_parts`):
    data connections, web add-in panes, a ribbon of its own, ActiveX controls, embedded objects."""
    sheet_states: dict[str, str] = field(default_factory=dict)
    """Each sheet's visibility as the workbook part says: ``visible``, ``hidden`` or ``veryHidden`` (any
    other value as written, cut at 32 characters)."""
    custom_properties: bytes | None = None
    """The custom properties part (:data:`CUSTOM_PART`) as the pre-check inflated it, None when there is none."""
    custom_known: bool = False
    """Whether ``custom_properties`` is what the file holds (else whoever needs the part reads the file)."""

    def cell(self, sheet: str, ref: str) -> RawCell | None:
        return self.sheets.get(sheet, {}).get(ref)


class _Zip(Protocol):
    """What the reader uses of a package: ``zipfile.ZipFile``, or :class:`_Package` (the pre-check's view)."""

    def namelist(self) -> list[str]: ...

    def getinfo(self, name: str) -> zipfile.ZipInfo: ...

    def read(self, name: str) -> bytes: ...

    def open(self, name: str) -> IO[bytes]: ...


def _xml(zf: _Zip, name: str) -> etree._Element:
    return etree.fromstring(_read(zf, name), _PARSER)


def _read(zf: _Zip, name: str, limit: int = MAX_META_BYTES) -> bytes:
    if zf.getinfo(name).file_size > limit:
        raise BookTooLarge(f"的部件 {name} 解压后超过 {limit // (1024 * 1024)} MB，远大于正常文件", Noted.ZIP_BOMB)
    with zf.open(name) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise BookTooLarge(f"的部件 {name} 解压后超过 {limit // (1024 * 1024)} MB，远大于正常文件", Noted.ZIP_BOMB)
    return data


# The workbook part, its relationships and the styles are the same in every workbook made from one
# template: what is read from them is a pure function of their bytes, so it is memoized by the bytes
# (parts up to 256 KiB, a few distinct templates at a time). Parse errors are never cached.
_META_CACHE_MAX_BYTES = 256 * 1024
_Result = TypeVar("_Result")


def _by_bytes(parse: Callable[..., _Result]) -> Callable[..., _Result]:
    cached = lru_cache(maxsize=16)(parse)

    def get(data: bytes, *args: str) -> _Result:
        return cached(data, *args) if len(data) <= _META_CACHE_MAX_BYTES else parse(data, *args)

    return get


def _drop_behind(el: etree._Element) -> None:
    """Free what the streaming parser built before this element (its earlier siblings): memory stays flat."""
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _shared_strings(zf: _Zip, target: str | None, ns: str) -> list[str]:
    """The shared-string table, streamed with every element freed once read (flat memory whatever it holds)."""
    if not target or target not in zf.namelist():
        return []
    if zf.getinfo(target).file_size > MAX_SHARED_STRINGS_BYTES:
        raise BookTooLarge(f"的共享字符串表超过 {MAX_SHARED_STRINGS_BYTES // (1024 * 1024)} MB，远大于正常文件",
                           Noted.ZIP_BOMB)
    si_tag, t_tag, rph_tag = f"{{{ns}}}si", f"{{{ns}}}t", f"{{{ns}}}rPh"
    if zf.getinfo(target).file_size <= IN_MEMORY_MAX:
        fast = _plain_shared_strings(zf.read(target), ns, si_tag, t_tag)
        if fast is not None:
            return fast
    out: list[str] = []
    pieces: list[str] = []
    size = phonetic = 0
    with zf.open(target) as fh:
        for event, el in etree.iterparse(fh, events=("start", "end"), resolve_entities=False, no_network=True,
                                         huge_tree=False):
            tag = el.tag
            if event == "start":
                if tag == si_tag:
                    pieces, size = [], 0
                elif tag == rph_tag:
                    phonetic += 1  # phonetic runs hold <t> too, but Excel does not show them
                continue
            if tag == t_tag and not phonetic and size <= MAX_TEXT:
                pieces.append(el.text or "")
                size += len(pieces[-1])
            elif tag == rph_tag:
                phonetic -= 1
            elif tag == si_tag:
                text = "".join(pieces)
                out.append(text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + TOO_LONG)
                if len(out) > MAX_CELLS:
                    raise BookTooLarge(f"的共享字符串超过 {MAX_CELLS:,} 个，超出可处理范围")
            el.clear()
            _drop_behind(el)
    return out


@lru_cache(maxsize=4)
def _sst_irregular(ns: str) -> etree.XPath:
    return etree.XPath("boolean(//m:rPh) or boolean(//m:si//m:si) or boolean(//m:t//m:t) or boolean(//m:t//m:si)",
                       namespaces={"m": ns})


def _plain_shared_strings(data: bytes, ns: str, si_tag: str, t_tag: str) -> list[str] | None:
    """The shared strings of a table parsed in one call, or None to take the streaming path.

    Only for tables where the tree gives what the streaming events give: no phonetic runs, no ``<si>`` in a
    ``<si>`` and no ``<t>`` in a ``<t>`` (then each ``<si>``'s text is its ``<t>`` descendants in document order).
    LibreOffice and WPS store rich text as many small elements: streaming them with every element freed costs
    ~10× this. Anything unusual, a parse error included, takes the streaming path, which stays the reference.
    """
    try:
        root = etree.fromstring(data, _SHEET_PARSER)
    except Exception:  # noqa: BLE001 - the streaming path raises (or not) exactly as it always has
        return None
    if _sst_irregular(ns)(root):
        return None
    out: list[str] = []
    for si in root.iter(si_tag):
        pieces: list[str] = []
        size = 0
        for t in si.iter(t_tag):
            if size <= MAX_TEXT:
                pieces.append(t.text or "")
                size += len(pieces[-1])
        text = "".join(pieces)
        out.append(text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + TOO_LONG)
        if len(out) > MAX_CELLS:
            raise BookTooLarge(f"的共享字符串超过 {MAX_CELLS:,} 个，超出可处理范围")
    return out


def _rels(zf: _Zip, base: str) -> dict[str, str]:
    """Relationship id → target part of a part ("" for the package's own relationships)."""
    pure = PurePosixPath(base)
    rel_path = "_rels/.rels" if not base else str(pure.parent / "_rels" / (pure.name + ".rels"))
    if rel_path not in zf.namelist():
        return {}
    return dict(_rels_parsed(_read(zf, rel_path), base))


def _rels_of(data: bytes, base: str) -> tuple[tuple[str, str, str], ...]:
    """(id, target part, type) of every relationship in a .rels part."""
    root = etree.fromstring(data, _PARSER)
    out = []
    for rel in root.iterfind(f"{{{NS['rel']}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        if target.startswith("/"):
            full = target.lstrip("/")
        else:
            full = str(PurePosixPath(base).parent / target) if base else target
        parts: list[str] = []
        for part in full.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        out.append((rel.get("Id", ""), "/".join(parts), rel.get("Type", "")))
    return tuple(out)


_rels_typed = _by_bytes(_rels_of)


def _rels_parsed(data: bytes, base: str) -> list[tuple[str, str]]:
    return [(rid, target) for rid, target, _type in _rels_typed(data, base)]


def _workbook_target(zf: _Zip, names_in_zip: set[str]) -> str:
    """The workbook part, as the package relationships say (``xl/workbook.xml`` when they say nothing)."""
    if "_rels/.rels" in names_in_zip:
        for _rid, target, rtype in _rels_typed(_read(zf, "_rels/.rels"), ""):
            if rtype.endswith(_OFFICE_DOCUMENT) and target in names_in_zip:
                return target
    return "xl/workbook.xml"


def _parse_workbook_part(data: bytes) -> tuple[str, tuple[tuple[str, str, str], ...], dict[str, tuple[str, str]],
                                              tuple[tuple[str, str, str], ...], tuple[tuple[str, str], ...], bool]:
    """The main namespace, (sheet name, relationship id, state) in workbook order, the global defined names →
    (sheet, A1), the sheet-local defined names as (local sheet index, name, text), the names whose text is no
    plain reference (a formula, DDE, another workbook) as (name, text), and whether dates count from 1904
    (``workbookPr date1904``, as old Mac workbooks do)."""
    wb_root = etree.fromstring(data, _PARSER)
    ns = wb_root.tag[1:].split("}", 1)[0] if isinstance(wb_root.tag, str) and wb_root.tag.startswith("{") else ""
    if ns not in (TRANSITIONAL, STRICT):
        ns = TRANSITIONAL
    m = f"{{{ns}}}"
    sheets = tuple((sh.get("name", ""), next((r for r in map(sh.get, _R_IDS) if r is not None), ""),
                    (sh.get("state") or "visible")[:32])
                   for sh in wb_root.iterfind(f"{m}sheets/{m}sheet"))
    names: dict[str, tuple[str, str]] = {}
    local: list[tuple[str, str, str]] = []
    formulas: list[tuple[str, str]] = []
    for dn in wb_root.iterfind(f"{m}definedNames/{m}definedName"):
        text = (dn.text or "")[:1024].strip()
        if text and not _REF.match(text) and not _RANGE_REF.match(text) and len(formulas) < MAX_FORMULA_NAMES:
            formulas.append(((dn.get("name") or "")[:256], text[:256]))
        if dn.get("localSheetId") is not None:
            local.append((dn.get("localSheetId", ""), dn.get("name", ""), (dn.text or "")[:256]))
            continue
        if not dn.text:
            continue
        mt = _REF.match(dn.text.strip())
        if mt:
            names[dn.get("name", "")] = (mt["sheet"].replace("''", "'"), f"{mt['col']}{mt['row']}")
    return ns, sheets, names, tuple(local), tuple(formulas), _date1904(wb_root.find(f"{m}workbookPr"))


def _date1904(pr: etree._Element | None) -> bool:
    """``<workbookPr date1904="1"/>``: the workbook's dates count from 1904-01-01."""
    return pr is not None and (pr.get("date1904") or "").strip().lower() in ("1", "true", "on")


_workbook_part = _by_bytes(_parse_workbook_part)


class _KeptZip(zipfile.ZipFile):
    """A ZipFile serving the members the pre-check already inflated and verified from those bytes
    (:func:`xlperf.ingest.precheck.precheck`'s ``keep``: only members zipfile would read to the same bytes);
    every other member, and everything else, is zipfile's own."""

    def __init__(self, file: IO[bytes], kept: Mapping[str, bytes]) -> None:
        super().__init__(file)
        self.kept = kept

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        data = self.kept.get(name) if isinstance(name, str) and pwd is None else None
        return data if data is not None else super().read(name, pwd)

    def open(self, name: str | zipfile.ZipInfo, mode: Literal["r", "w"] = "r", pwd: bytes | None = None, *,
             force_zip64: bool = False) -> IO[bytes]:
        data = self.kept.get(name) if isinstance(name, str) and mode == "r" and pwd is None else None
        if data is not None:
            return io.BytesIO(data)
        return super().open(name, mode, pwd, force_zip64=force_zip64)


class _Package:
    """The package as the pre-check read it: its zip directory and the members it inflated and verified
    (only members ``zipfile`` reads to the same bytes, see :class:`_KeptZip`). Any other member is read by
    ``zipfile`` from the file, opened then (a standard workbook: never). Parsing the zip directory a second
    time cost as much as reading a small workbook's cells."""

    def __init__(self, path: Path, directory: Sequence[zipfile.ZipInfo], kept: Mapping[str, bytes]) -> None:
        self.path = path
        self.kept = kept
        self.infos = {info.filename: info for info in directory}  # the last entry of a name, as zipfile
        self.names = [info.filename for info in directory]
        self.zip: zipfile.ZipFile | None = None
        self.fh: IO[bytes] | None = None

    def namelist(self) -> list[str]:
        return list(self.names)

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        return self.infos[name]  # KeyError for a missing member, as zipfile

    def _zip(self) -> zipfile.ZipFile:
        if self.zip is None:
            self.fh = open_regular(self.path)
            self.zip = zipfile.ZipFile(self.fh)
        return self.zip

    def read(self, name: str) -> bytes:
        data = self.kept.get(name)
        return data if data is not None else self._zip().read(name)

    def open(self, name: str) -> IO[bytes]:
        data = self.kept.get(name)
        return io.BytesIO(data) if data is not None else self._zip().open(name)

    def __enter__(self) -> _Package:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.zip is not None:
            self.zip.close()
        if self.fh is not None:
            self.fh.close()


@contextmanager
def _package(path: Path, parts: Mapping[str, bytes] | None,
             directory: Sequence[zipfile.ZipInfo] | None) -> Iterator[_Zip]:
    """The package to read: the pre-check's view when it gave its directory, else the file opened again."""
    if parts is not None and directory:
        with _Package(path, directory, parts) as package:
            yield package
        return
    with open_regular(path) as fh, (_KeptZip(fh, parts) if parts else zipfile.ZipFile(fh)) as zf:
        yield zf


def open_book(path: str | Path, *, sheets: set[str] | None = None, parts: Mapping[str, bytes] | None = None,
              directory: Sequence[zipfile.ZipInfo] | None = None) -> Book:
    """Read workbook structure, defined names and the cells of every (or the given) sheet.

    Raises :class:`BookTooLarge` beyond the bounds, ``OSError`` for a path that is no regular file,
    ``zipfile.BadZipFile``/``KeyError``/lxml errors for a damaged package. ``parts``: members the pre-check
    inflated (its ``keep``), read from there instead of inflated again; ``directory``: the pre-check's zip
    directory of the same file (its ``directory``), so that the file is opened again only for a member it did
    not keep.
    """
    path = Path(path)
    with _package(path, parts, directory) as zf:
        names_in_zip = set(zf.namelist())
        wb_target = _workbook_target(zf, names_in_zip)
        ns, wb_sheets, wb_names, wb_local, wb_formula_names, date1904 = _workbook_part(_read(zf, wb_target))
        rels = _rels(zf, wb_target)
        sst_target = next((t for t in rels.values() if t.endswith("sharedStrings.xml")), None)
        strings = _shared_strings(zf, sst_target, ns)
        styles_target = next((t for t in rels.values() if t.endswith("styles.xml")), None)
        date_styles = _date_styles(zf, styles_target, ns)
        book = Book(path, has_macros="xl/vbaProject.bin" in names_in_zip, formula_names=list(wb_formula_names),
                    date1904=date1904,
                    external_parts=sum(1 for n in names_in_zip if n.lower().startswith("xl/externallinks/")),
                    active_parts=active_parts(names_in_zip))
        order: list[str] = []
        targets: dict[str, str] = {}
        for name, rid, state in wb_sheets:
            order.append(name)
            book.sheet_states[name] = state
            if rid in rels:
                targets[name] = rels[rid]
        book.names.update(wb_names)
        _custom_part(book, names_in_zip, parts)
        for index, name, text in wb_local:
            if index.isascii() and index.isdigit() and int(index) < len(order):
                book.local_names.append((order[int(index)], name, text))
        budget = _Budget()
        read: dict[str, dict[str, RawCell]] = {}  # one parse per part, however many sheets point to it
        for name in order:
            if sheets is not None and name not in sheets:
                continue
            target = targets.get(name)
            if target is None or target not in names_in_zip:
                book.sheets[name] = {}
                continue
            if target not in read:
                read[target] = _read_sheet(zf, target, strings, date_styles, ns, budget)
            book.sheets[name] = read[target]
    return book


def _custom_part(book: Book, names_in_zip: set[str], parts: Mapping[str, bytes] | None) -> None:
    """The custom properties part as the pre-check kept it, or that there is none (else it stays unknown)."""
    if CUSTOM_PART not in names_in_zip or (parts is not None and CUSTOM_PART in parts):
        book.custom_known, book.custom_properties = True, (parts or {}).get(CUSTOM_PART)


_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
_DATE_CODE = re.compile(r"[ymdhs]|上午|下午|年|月|日")
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _date_styles(zf: _Zip, target: str | None, ns: str = TRANSITIONAL) -> frozenset[int]:
    """Indexes of cell styles whose number format shows a date or time."""
    if not target or target not in zf.namelist():
        return frozenset()
    return _date_styles_of(_read(zf, target), ns)


class _StyleSet(frozenset[int]):
    """Indexes of date styles, with ``shown``: style index → how its number format shows another number."""

    shown: dict[int, str]


def _parse_date_styles(data: bytes, ns: str = TRANSITIONAL) -> frozenset[int]:
    root = etree.fromstring(data, _PARSER)
    m = f"{{{ns}}}"
    custom = {}
    problem: dict[str | None, str] = {}
    for fmt in root.iterfind(f"{m}numFmts/{m}numFmt"):
        raw = fmt.get("formatCode") or ""
        code = _QUOTED.sub("", raw.lower())
        custom[fmt.get("numFmtId")] = bool(_DATE_CODE.search(code))
        why = shown_problem(raw)
        if why is not None:
            problem[fmt.get("numFmtId")] = why
    out = set()
    shown: dict[int, str] = {}
    for i, xf in enumerate(root.iterfind(f"{m}cellXfs/{m}xf")):
        fid = xf.get("numFmtId", "0")
        if custom.get(fid) or (fid.isascii() and fid.isdigit() and int(fid) in _DATE_FORMAT_IDS):
            out.add(i)
        if fid in problem:
            shown[i] = problem[fid]
        elif fid in ("9", "10"):
            shown[i] = "percent"
    result = _StyleSet(out)
    result.shown = shown
    return result


_SECTION_QUOTED = re.compile(r'"[^"]*"|\\.')
_PLACEHOLDER = re.compile(r"[0#?]")
_SCALED = re.compile(r"[0#?],+(?![0#?,])")


def shown_problem(code: str) -> str | None:
    """How a number format makes a cell show another number than it holds, or None: ``literal`` (digits
    written into the format, ``"1.38"`` or ``0.00"8"``), ``hidden`` (a positive or negative section
    that shows no number, ``;;;``), ``scaled`` (a trailing comma divides by 1,000) or ``percent``
    (multiplies by 100; right only for rates)."""
    code = code[:1024]
    if any(ch.isdigit() for q in _SECTION_QUOTED.findall(code) for ch in q):
        return "literal"
    bare = _SECTION_QUOTED.sub("", code)
    bare = re.sub(r"\[[^\]]*\]", "", bare)  # colours and conditions
    sections = bare.split(";")
    if bare.strip().lower() in ("", "general", "@"):
        return None
    if len(sections) >= 2 and any(not _PLACEHOLDER.search(s) and "general" not in s.lower()
                                  for s in sections[:2]):
        return "hidden"
    if not _PLACEHOLDER.search(sections[0]) and "general" not in sections[0].lower() and "@" not in sections[0]:
        return None if _DATE_CODE.search(sections[0].lower()) else "hidden"
    if _SCALED.search(sections[0]):
        return "scaled"
    if "%" in sections[0]:
        return "percent"
    return None


_date_styles_of = _by_bytes(_parse_date_styles)


# The in-memory path parses with exactly iterparse's options (comments kept, entities unresolved).
_SHEET_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
IN_MEMORY_MAX = 4 * 1024 * 1024  # sheets up to this size (uncompressed) are parsed in one go


@lru_cache(maxsize=4)
def _tags(ns: str) -> tuple[str, str, str, str, str, str, etree.XPath]:
    m = f"{{{ns}}}"
    nested = etree.XPath("boolean(//m:c//m:c) or boolean(//m:row//m:row) or boolean(//m:c//m:row)",
                         namespaces={"m": ns})
    return f"{m}c", f"{m}v", f"{m}f", f"{m}is", f"{m}t", f"{m}row", nested


class _Budget:
    """Cells read and shared-formula text translated so far in one workbook (all sheets together)."""

    __slots__ = ("cells", "translated")

    def __init__(self) -> None:
        self.cells = 0
        self.translated = 0


def _read_sheet(zf: _Zip, target: str, strings: list[str],
                date_styles: frozenset[int] = frozenset(), ns: str = TRANSITIONAL,
                budget: _Budget | None = None) -> dict[str, RawCell]:
    """The stored cells of one worksheet.

    Small sheets are parsed in one call (faster than iterparse); large ones are streamed. Both paths
    give the same cells: anything unusual (a parse error, a cell nested in a cell) takes the
    streaming path, which is the reference.
    """
    budget = budget if budget is not None else _Budget()
    tags = _tags(ns)
    c_tag, row_tag, nested = tags[0], tags[5], tags[6]
    if zf.getinfo(target).file_size <= IN_MEMORY_MAX:
        try:
            root = etree.fromstring(zf.read(target), _SHEET_PARSER)
        except Exception:  # noqa: BLE001 - let the streaming path raise (or not) exactly as it always has
            root = None
        if root is not None:
            cells = _collect_plain(root, strings, date_styles, tags, budget)
            if cells is not None:
                return cells
            if not nested(root):
                return _collect(root.iter(row_tag, c_tag), strings, date_styles, tags, budget)
    with zf.open(target) as fh:
        return _collect(_streamed(fh, c_tag, row_tag), strings, date_styles, tags, budget)


def _collect_plain(root: etree._Element, strings: list[str], date_styles: frozenset[int],
                   tags: tuple[str, str, str, str, str, str, etree.XPath], budget: _Budget) -> dict[str, RawCell] | None:
    """:func:`_collect` over a parsed sheet whose rows all sit in its one top-level ``<sheetData>`` and whose
    cells all sit in a row (what every spreadsheet program writes): then nothing is nested, which the
    checks in the loop prove for less than the XPath costs. None (nothing counted) for any other sheet."""
    sheet_data = tags[5][:-3] + "sheetData"
    tops = [el for el in root if el.tag == sheet_data]
    if len(tops) != 1:
        return None
    start = budget.cells
    try:
        return _collect(root.iter(tags[5], tags[0]), strings, date_styles, tags, budget, top=tops[0])
    except _NotPlain:
        budget.cells = start
        return None


class _NotPlain(Exception):
    """A row or cell of a parsed sheet outside the plain layout (see :func:`_collect_plain`)."""


def _streamed(fh: IO[bytes], c_tag: str, row_tag: str) -> Iterator[etree._Element]:
    """Rows (at their start, attributes known) and cells (at their end, children known), in document order.

    Every element is freed once passed (a cell's children only with the cell), whatever the sheet holds
    besides rows and cells, so memory stays flat on any sheet.
    """
    in_cell = 0
    for event, el in etree.iterparse(fh, events=("start", "end"), resolve_entities=False, no_network=True,
                                     huge_tree=False):
        tag = el.tag
        if event == "start":
            if tag == c_tag:
                in_cell += 1
            elif tag == row_tag and not in_cell:
                yield el
            continue
        if tag == c_tag:
            in_cell -= 1
            yield el
        elif in_cell:
            continue  # a cell's <v>, <f>, <is>: needed until the cell ends
        el.clear()
        _drop_behind(el)


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    """Column number → letters (1 → A, 27 → AA)."""
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


_NUMERIC = re.compile(r"^[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d{1,4}))?$", re.ASCII)


def _excel_number(text: str) -> bool:
    """Whether a stored number is a finite number arithmetic may safely be done on: |x| < 1E+22 (no budget
    figure comes near; 1E+999999 is where a hostile file makes ``int()`` run for minutes or ``quantize`` fail;
    ``Infinity`` and ``NaN`` are no numbers at all)."""
    m = _NUMERIC.match(text)
    if not m or not (m["int"] or m["frac"]):
        return False
    if len(text) <= 20 and m["exp"] is None:
        return True
    if len(text) > 40:
        return False
    d = Decimal(text)
    return d.is_zero() or -400 <= d.adjusted() <= 21


def _collect(elements: Iterable[etree._Element], strings: list[str], date_styles: frozenset[int],
             tags: tuple[str, str, str, str, str, str, etree.XPath], budget: _Budget,
             top: etree._Element | None = None) -> dict[str, RawCell]:
    """Cells with a value or a formula, by reference. Hot loop: one pass, no ElementPath.

    ``elements`` are rows and cells in document order; a row or cell without ``r`` follows the previous one.
    ``top``: the parsed sheet's ``<sheetData>``; every row must be its child and every cell a child of the
    row before it, else :class:`_NotPlain` is raised.
    """
    _C, _ROW = tags[0], tags[5]
    cells: dict[str, RawCell] = {}
    masters: dict[str, tuple[str, str]] = {}  # shared formula index → (master cell, formula text)
    dependents: list[tuple[str, str]] = []  # (cell, shared formula index)
    read = _cell_reader(strings, date_styles, tags, masters, dependents)
    row_num = 0
    col = 0  # column of the previous cell in this row; -1: known only from its reference (prev_ref)
    prev_ref = ""
    limit = MAX_CELLS
    row: etree._Element | None = None
    for c in elements:
        if c.tag == _ROW:
            if top is not None and c.getparent() is not top:
                raise _NotPlain
            row = c
            r = c.get("r")
            row_num = int(r) if r is not None and r.isascii() and r.isdigit() and len(r) <= 7 else row_num + 1
            col, prev_ref = 0, ""
            continue
        if top is not None and (row is None or c.getparent() is not row):
            raise _NotPlain
        budget.cells += 1
        if budget.cells > limit:
            raise BookTooLarge(f"的工作表中共有超过 {limit:,} 个单元格（标准工作簿约 1,500 个），超出可处理范围。"
                               "请删除粘贴的无关数据，用标准模板重新填报。")
        ref = c.get("r")
        if ref is None:
            col, ref = _next_ref(col, prev_ref, row_num)
            prev_ref = ref
        else:
            col, prev_ref = -1, ref
        if len(c):  # a cell without children holds neither value nor formula
            cell = read(c, ref)
            if cell is not None:
                cells[ref] = cell
    if dependents:
        _expand_shared(cells, masters, dependents, budget)
    return cells


def _next_ref(col: int, prev_ref: str, row_num: int) -> tuple[int, str]:
    """(column, reference) of a cell without ``r``: the one after the previous cell of its row."""
    if col < 0:
        m = _CELL_REF.match(prev_ref)
        col = _col_number(m["col"]) if m else 0
    col += 1
    return col, f"{col_letters(col)}{max(row_num, 1)}"


def _cell_reader(strings: list[str], date_styles: frozenset[int],
                 tags: tuple[str, str, str, str, str, str, etree.XPath], masters: dict[str, tuple[str, str]],
                 dependents: list[tuple[str, str]]) -> Callable[[etree._Element, str], RawCell | None]:
    """The per-cell step of :func:`_collect`: a cell element with children → its RawCell, or None when it holds
    neither value nor formula. One call per cell (its first <v>, <f> and <is> found inline, as Element.find
    would give), and what a style index means looked up once per distinct ``s``."""
    v_tag, f_tag, is_tag, t_tag = tags[1:5]
    shown_styles: dict[int, str] = getattr(date_styles, "shown", None) or {}
    styles: dict[str | None, tuple[bool, str | None]] = {}
    make = _raw_cell

    def style(s: str | None) -> tuple[bool, str | None]:
        index = _style_index(s)
        styles[s] = (bool(date_styles) and index in date_styles, shown_styles.get(index))
        return styles[s]

    def read(c: etree._Element, ref: str) -> RawCell | None:
        v = f = is_ = None
        for child in c:
            tag = child.tag
            if tag == v_tag:
                if v is None:
                    v = child
            elif tag == f_tag:
                if f is None:
                    f = child
            elif tag == is_tag and is_ is None:
                is_ = child
        t = c.get("t", "n")
        if t == "n":  # _cell_value's commonest case, inline
            value = v.text if v is not None else None
            if value is not None and not _excel_number(value):
                t, value = "str", value[:256]
        else:
            value, t = _cell_value(t, v, is_, strings, t_tag)
        formula = None if f is None else _formula(f, ref, masters, dependents)
        if value is None and formula is None:
            return None
        if t != "n":
            return make(value, t, formula, False, None)
        s = c.get("s")
        is_date, shown = styles.get(s) or style(s)
        return make(value, t, formula, is_date, shown)

    return read


def _style_index(style: str | None) -> int:
    """A cell's style index (``s``), -1 when absent or not a plain small number."""
    return int(style) if style is not None and style.isascii() and style.isdigit() and len(style) < 9 else -1


def _cell_value(t: str, v: etree._Element | None, is_: etree._Element | None, strings: list[str],
                t_tag: str) -> tuple[str | None, str]:
    """(the cell's value as text, its type): shared and inline strings resolved, bounded in length."""
    value = v.text if v is not None else None
    if t == "s" and value is not None:
        try:
            value = strings[int(value)] if len(value) <= 12 else None
        except (ValueError, IndexError):
            value = None
    elif t == "inlineStr":
        if is_ is None:
            value = None
        elif len(is_) == 1 and not len(first := is_[0]) and first.tag == t_tag:
            value = first.text or ""  # the usual <is><t>text</t></is>
        else:  # rich text runs
            value = "".join(x.text or "" for x in is_.iter(t_tag))
    elif t == "n" and value is not None and not _excel_number(value):
        t = "str"  # no number Excel holds: keep the text, refuse it where it is read
        value = value[:256]
    if value is not None and len(value) > MAX_TEXT:
        value = value[:MAX_TEXT] + TOO_LONG
    return value, t


def _formula(f: etree._Element, ref: str, masters: dict[str, tuple[str, str]],
             dependents: list[tuple[str, str]]) -> str | None:
    """A cell's formula text (bounded); a shared formula's master is kept, a dependent marked for expansion."""
    formula = f.text or None
    if formula is not None and len(formula) > MAX_FORMULA:
        formula = formula[:MAX_FORMULA] + TOO_LONG
    if f.get("t") == "shared" and (si := f.get("si")) is not None:
        if formula is not None:
            masters.setdefault(si, (ref, formula))
        else:
            formula = SHARED  # a dependent: its text is the master's, translated (see _expand_shared)
            dependents.append((ref, si))
    return formula


def _expand_shared(cells: dict[str, RawCell], masters: dict[str, tuple[str, str]],
                   dependents: list[tuple[str, str]], budget: _Budget) -> None:
    """Give each dependent of a shared formula the master's formula moved to its own cell, as Excel shows it."""
    from openpyxl.formula.translate import Translator, TranslatorError

    translators: dict[str, Translator | None] = {}
    for ref, si in dependents:
        master = masters.get(si)
        cell = cells.get(ref)
        if cell is None:
            continue
        if master is None or len(master[1]) > MAX_FORMULA or not _CELL_REF.match(ref) \
                or not _CELL_REF.match(master[0]):
            cells[ref] = _raw_cell(cell.value, cell.type, UNRESOLVED, cell.date, cell.shown)
            continue
        budget.translated += len(master[1])
        if budget.translated > MAX_TRANSLATED:
            raise BookTooLarge("的共享公式过多（展开后超过 400 万个字符），超出可处理范围。请用标准模板重新填报。")
        try:
            if si not in translators:
                translators[si] = Translator("=" + master[1], origin=master[0])
            translator = translators[si]
            text = translator.translate_formula(ref) if translator is not None else None
        except (TranslatorError, Exception):  # noqa: BLE001 - openpyxl's tokenizer on hostile text
            translators[si] = None
            text = None
        if text is None:
            cells[ref] = _raw_cell(cell.value, cell.type, UNRESOLVED, cell.date, cell.shown)
            continue
        cells[ref] = _raw_cell(cell.value, cell.type, text[1:] if text.startswith("=") else text, cell.date,
                               cell.shown)


def _fast_raw_cell() -> Callable[[str | None, str, str | None, bool, str | None], RawCell]:
    """RawCell(value, type, formula, date, shown) without the frozen dataclass's __init__ (about half the cost).

    The same object: its slots are set through their descriptors. Falls back to the constructor if the
    fields ever change.
    """
    from dataclasses import fields

    if tuple(f.name for f in fields(RawCell)) != ("value", "type", "formula", "date", "shown") or hasattr(
            RawCell, "__post_init__"):
        return RawCell
    new = object.__new__
    slots = vars(RawCell)  # the slot descriptors (to a type checker the fields are instance-only)
    set_value, set_type, set_formula, set_date, set_shown = (
        slots[name].__set__ for name in ("value", "type", "formula", "date", "shown"))

    def make(value: str | None, type_: str, formula: str | None, date: bool, shown: str | None = None) -> RawCell:
        cell = new(RawCell)
        set_value(cell, value)
        set_type(cell, type_)
        set_formula(cell, formula)
        set_date(cell, date)
        set_shown(cell, shown)
        return cell

    return make


_raw_cell = _fast_raw_cell()
