"""A worksheet's ``<sheetData>`` read with one regular-expression pass, for the sheets it fully understands.

lxml builds a Python proxy per element (rows, cells, ``<v>``, ``<f>``, ``<is>``, ``<t>``): for a workbook of
~1,500 cells that was about half of the reader's time. The ``re`` module is C and needs no compiled
dependency (the add-in installs offline on Windows and on Kylin/UOS ARM/LoongArch), so one ``finditer`` over
the sheetData's text, one match per row start, row end or whole cell, gives what the cell loop needs.

The scanner accepts ONLY what it fully understands and declines (None) everything else; the lxml path in
:mod:`xlperf.ingest.xlsx` then reads the sheet exactly as before and stays the reference (and handles every
error). What is accepted is well-formed XML that the lxml path would read to the same cells:

* the part is UTF-8 (as lxml reports it), has no DOCTYPE, holds the text ``sheetData`` exactly twice (one
  start tag, not self-closing, and its end tag); the part with the sheetData's content cut out parses with
  lxml (the reference for everything outside: prolog, root, namespaces), its sheetData is the root's one
  ``{main}sheetData`` child, written with the prefix seen, and no row or cell sits outside it;
* the content is valid UTF-8 with no character XML forbids, no ``\\r`` (line-end normalisation is left to
  lxml), no ``]]>``, and is tiled exactly (no gap) by: whitespace, ``<row ...>``, ``<row .../>``,
  ``</row>``, and whole cells ``<c ...>`` holding at most, in this order, ``<f ...>text</f>``,
  ``<v>text</v>`` and ``<is>`` with at most one ``<t ...>text</t>``, every element with the sheetData's
  prefix (no other namespace, no comment, PI, CDATA, rich text run or extension element);
* attributes use either quote, names are ASCII (at most 100 characters), no local name repeats in a tag, no
  ``xmlns`` declaration, a prefixed attribute's prefix is bound where the sheetData is (``xml:space`` only
  as ``preserve``/``default``); references are the five named entities and numeric references to characters
  XML allows, decoded as XML does (a literal tab or newline in an attribute value becomes a space).

:func:`scan` returns, in document order, ``(r,)`` for a row and ``(r, t, s, v, f, inline)`` for a cell: its
attributes (None when absent), the text of its ``<v>`` (None when absent or empty), its ``<f>`` as
``(text or None, t, si)`` or None, and the text of its ``<is>`` (``""`` when it has no ``<t>`` or an empty
one) or None. Nothing is bounded here beyond the caller's size limit on the part (the lxml path parses the
same bytes in memory up to the same size); cells are counted by the caller as the lxml path counts them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

__all__ = ["Decline", "Scan", "prepare"]


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_S = "[ \t\n]"
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]{0,99}(?::[A-Za-z_][A-Za-z0-9_.\-]{0,99})?"
_ATTRS = rf"(?:{_S}+{_NAME}{_S}*={_S}*(?:\"[^\"<]*\"|'[^'<]*'))*"
_ATTR = re.compile(rf"{_S}+({_NAME}){_S}*={_S}*(?:\"([^\"<]*)\"|'([^'<]*)')")
_OPEN = re.compile(rb"<((?:[A-Za-z_][A-Za-z0-9_.\-]{0,99}:)?)sheetData((?:[ \t\r\n]+[^<>]*)?)>")
# Bytes of UTF-8 text XML 1.0 allows, \r left out (lxml normalises line ends; such a sheet is declined); what
# strict UTF-8 decoding lets through besides is only U+FFFE and U+FFFF, looked for as bytes.
_ALLOWED_BYTES = bytes([9, 10, *range(0x20, 0x100)])
_REFERENCE = re.compile(r"&(?:(amp|lt|gt|quot|apos);|#([0-9]{1,8});|#x([0-9a-fA-F]{1,8});|)")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ATTRS_MEMO = 4096
"""Distinct attribute lists remembered per sheet (their parse; bounded, never shared between sheets)."""


class Decline(Exception):
    """The content is outside what the scanner understands: the lxml path reads the sheet."""


def _char(code: int) -> str:
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return chr(code)
    raise Decline


def _entity(m: re.Match[str]) -> str:
    name, dec, hexa = m.groups()
    if name is not None:
        return _NAMED[name]
    if dec is not None:
        return _char(int(dec))
    if hexa is not None:
        return _char(int(hexa, 16))
    raise Decline  # a bare '&'


def _text(raw: str) -> str:
    """Character data as XML gives it: references decoded (a bare ``&`` declines)."""
    return _REFERENCE.sub(_entity, raw) if "&" in raw else raw


def _value(raw: str) -> str:
    """An attribute value as XML gives it (CDATA normalisation: literal tab and newline become spaces)."""
    if "\t" in raw or "\n" in raw:
        raw = raw.replace("\t", " ").replace("\n", " ")
    return _text(raw)


def _attributes(raw: str, bound: frozenset[str]) -> dict[str, str]:
    """The unprefixed attributes of a tag's attribute list (prefixed ones only checked)."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for name, dq, sq in _ATTR.findall(raw):
        prefix, _, local = name.rpartition(":")
        if local in seen or name == "xmlns" or prefix == "xmlns":
            raise Decline
        seen.add(local)
        value = _value(dq or sq)
        if not prefix:
            out[name] = value
        elif prefix == "xml":
            if local != "space" or value not in ("preserve", "default"):
                raise Decline
        elif prefix not in bound:
            raise Decline
    return out


@lru_cache(maxsize=8)
def _token(prefix: str) -> re.Pattern[str]:
    """One row start, row end or whole cell (leading whitespace included) for elements written ``prefix``."""
    p, s, a = re.escape(prefix), _S, _ATTRS
    t = rf"<{p}t(?P<ta>{a}){s}*(?:/>|>(?P<tt>[^<]*)</{p}t{s}*>){s}*"
    inline = rf"(?P<is><{p}is{s}*(?:/>|>{s}*(?:{t})?</{p}is{s}*>)){s}*"
    formula = rf"<{p}f(?P<fa>{a}){s}*(?:/>|>(?P<ft>[^<]*)</{p}f{s}*>){s}*"
    value = rf"<{p}v{s}*(?:/>|>(?P<vt>[^<]*)</{p}v{s}*>){s}*"
    cell = (rf"<{p}c(?:{s}+r=\"(?P<cr>[A-Z]{{1,3}}[0-9]{{1,7}})\")?(?:{s}+s=\"(?P<cs>[0-9]{{1,8}})\")?"
            rf"(?:{s}+t=\"(?P<ct>[A-Za-z]{{1,9}})\")?(?P<ca>{a}){s}*"
            rf"(?:/>|>{s}*(?:{formula})?(?:{value})?(?:{inline})?</{p}c{s}*>)")
    row = rf"<{p}row(?:{s}+r=\"(?P<rr>[0-9]{{1,7}})\")?(?P<ra>{a}){s}*(?P<rs>/?)>"
    return re.compile(rf"{s}*(?:{cell}|{row}|(?P<re></{p}row{s}*>))")


def _content(data: bytes, ns: str) -> tuple[str, str, frozenset[str]] | None:
    """(the sheetData's content, its prefix with ':' or '', the prefixes bound there), or None to decline."""
    if data.count(b"sheetData") != 2 or b"<!DOCTYPE" in data:
        return None
    at = data.rfind(b"<", 0, data.find(b"sheetData"))
    start = _OPEN.match(data, at) if at >= 0 else None
    if start is None or start.group(0).endswith(b"/>"):
        return None
    prefix = start.group(1)
    close = re.compile(rb"</" + re.escape(prefix) + rb"sheetData[ \t\r\n]*>").search(data, start.end())
    head = _head(data[:start.end()], ns, prefix.decode("ascii").rstrip(":"))
    if close is None or head is None:
        return None
    root_tag, bound = head
    if not _tail_ok(root_tag + start.group(0) + data[close.start():], ns):
        return None
    raw = data[start.end():close.start()]
    if raw.translate(None, _ALLOWED_BYTES) or b"]]>" in raw or b"\xef\xbf\xbe" in raw or b"\xef\xbf\xbf" in raw:
        return None  # a control character, \r, ']]>', U+FFFE or U+FFFF
    try:
        content = raw.decode("utf-8")  # strict: no surrogate, no overlong form
    except UnicodeDecodeError:
        return None
    return content, prefix.decode("ascii"), bound


# The part before the content: an XML declaration (version 1.0, UTF-8) or none, the root's start tag, ...
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml(?P<decl>[^<>?]*)\?>)?[ \t\r\n]*"
                     rb"(?P<root><[A-Za-z_][A-Za-z0-9_.:\-]*(?:[ \t\r\n]+[^<>]*)?>)")
_DECL = re.compile(rb"""^[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.0\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*"""
                   rb"""(["'])(?i:utf-8)\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*$""")


def _head(head: bytes, ns: str, prefix: str) -> tuple[bytes, frozenset[str]] | None:
    """(the root's start tag, the prefixes bound at the sheetData) when the part up to the sheetData's start tag
    is a well-formed beginning (lxml's push parser: no error logged) whose last element started is the root's
    child ``{ns}sheetData`` written with ``prefix``, with no row or cell before it; else None."""
    prolog = _PROLOG.match(head)
    if prolog is None or (prolog["decl"] is not None and not _DECL.match(prolog["decl"])):
        return None
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True, huge_tree=False)
    try:
        parser.feed(head)
        started = [el for _event, el in parser.read_events()]
    except Exception:  # noqa: BLE001 - any parse problem: the lxml path reads (and reports) it
        return None
    if any(e.level >= etree.ErrorLevels.ERROR for e in parser.feed_error_log) or len(started) < 2:
        return None
    top, root = started[-1], started[0]
    if top.tag != f"{{{ns}}}sheetData" or (top.prefix or "") != prefix or top.getparent() is not root:
        return None
    if any(el.tag in (f"{{{ns}}}row", f"{{{ns}}}c") for el in started):
        return None
    return prolog["root"], frozenset(p for p in top.nsmap if p)


_TAILS: dict[bytes, bool] = {}
_TAILS_MAX = 256


def _tail_ok(stub: bytes, ns: str) -> bool:
    """Whether the part after the content is well-formed where it stands: ``stub`` is the root's start tag, the
    sheetData's start tag and everything from the sheetData's end tag on (same namespaces in scope, same
    nesting); it must parse, hold one ``{ns}sheetData`` child of the root and no row or cell.

    Memoized by the SHA-256 of the stub's bytes and ``ns`` (at most :data:`_TAILS_MAX` verdicts, then
    forgotten): every workbook saved by one program from one template ends its sheets alike (data
    validations, conditional formats, page setup), and parsing that tail cost more than scanning the cells.
    """
    key = hashlib.sha256(stub).digest() + ns.encode()
    verdict = _TAILS.get(key)
    if verdict is None:
        verdict = _parse_tail(stub, ns)
        if len(_TAILS) >= _TAILS_MAX:
            _TAILS.clear()
        _TAILS[key] = verdict
    return verdict


def _parse_tail(stub: bytes, ns: str) -> bool:
    try:
        root = etree.fromstring(stub, _PARSER)
    except Exception:  # noqa: BLE001 - any parse problem: the lxml path reads (and reports) it
        return False
    tops = [el for el in root if el.tag == f"{{{ns}}}sheetData"]
    return len(tops) == 1 and not len(tops[0]) and next(root.iter(f"{{{ns}}}row", f"{{{ns}}}c"), None) is None


class Scan(NamedTuple):
    """What :func:`prepare` found: the sheetData's content and how to read it."""

    content: str
    token: re.Pattern[str]
    """One row start, row end or whole cell; groups: see :func:`_token`."""
    decoded: dict[str, str]
    """Every text run of the content holding a reference → its text as XML gives it."""
    attributes: Callable[[str], dict[str, str]]
    """An attribute list (a tag's text after its name and leading attributes) → its unprefixed attributes,
    memoized for this sheet; raises :class:`Decline` for anything not understood."""


def prepare(data: bytes, ns: str) -> Scan | None:
    """The sheetData's content checked as a whole (see the module's docstring), or None to decline."""
    found = _content(data, ns)
    if found is None:
        return None
    content, prefix, bound = found
    try:
        decoded = _decode(_CODED.findall(content)) if "&" in content else {}
    except Decline:
        return None
    memo: dict[str, dict[str, str]] = {}

    def attributes(raw: str) -> dict[str, str]:
        got = memo.get(raw)
        if got is None:
            got = _attributes(raw, bound)
            if len(memo) < _ATTRS_MEMO:
                memo[raw] = got
        return got

    return Scan(content, _token(prefix), decoded, attributes)


_CODED = re.compile(r">([^<]*&[^<]*)<")


def _decode(texts: list[str]) -> dict[str, str]:
    """The text runs holding references → their text, all decoded in one lxml parse.

    openpyxl writes every non-ASCII character as a numeric reference (``&#22522;``): decoding them one
    Python call each cost more than the rest of the scan. The runs (no ``<``, no ``]]>``, valid characters:
    checked on the whole content) become the ``<b>`` children of one small document; libxml2 then decodes
    them exactly as it decodes the sheet, and refuses what the sheet's parse would refuse (an undefined
    entity, a bare ``&``, a reference to a character XML forbids): then the scan declines.
    """
    try:
        root = etree.fromstring(f"<a>{''.join(f'<b>{t}</b>' for t in texts)}</a>".encode(), _PARSER)
    except Exception as exc:  # any refusal: the lxml path reads (and reports) it
        raise Decline from exc
    out = [b.text or "" for b in root]
    if len(out) != len(texts):
        raise Decline
    return dict(zip(texts, out, strict=True))
