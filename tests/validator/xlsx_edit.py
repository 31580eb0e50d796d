"""Edit a saved .xlsx at the XML level, the way Excel (or a careless program) would have stored it.

openpyxl can neither write a formula's cached value nor keep a cell's exact stored text, and a load/save
round trip costs ~0.3 s; editing the one part that changes is exact and takes milliseconds.

Strings are written as shared strings (what Excel writes) unless ``inline=True``.
"""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

NS_M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
M = "{%s}" % NS_M
SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _col_index(ref: str) -> int:
    col = _REF.match(ref)[1]  # type: ignore[index]
    n = 0
    for ch in col:
        n = n * 26 + ord(ch) - 64
    return n


def _row_of(ref: str) -> int:
    return int(_REF.match(ref)[2])  # type: ignore[index]


class Xlsx:
    """An in-memory copy of a workbook package with cell-level edits."""

    def __init__(self, path: str | Path) -> None:
        with zipfile.ZipFile(path) as zf:
            self.order = zf.namelist()
            self.parts: dict[str, bytes] = {n: zf.read(n) for n in self.order}
        self._trees: dict[str, etree._Element] = {}

    # parts -----------------------------------------------------------------------------------------

    def xml(self, part: str) -> etree._Element:
        if part not in self._trees:
            self._trees[part] = etree.fromstring(self.parts[part])
        return self._trees[part]

    def _workbook_rels(self) -> dict[str, str]:
        root = self.xml("xl/_rels/workbook.xml.rels")
        out = {}
        for rel in root.iterfind(f"{{{NS_REL}}}Relationship"):
            target = rel.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            out[rel.get("Id", "")] = full
        return out

    def sheet_part(self, sheet: str) -> str:
        rels = self._workbook_rels()
        for sh in self.xml("xl/workbook.xml").iterfind(f"{M}sheets/{M}sheet"):
            if sh.get("name") == sheet:
                return rels[sh.get(f"{{{NS_R}}}id", "")]
        raise KeyError(sheet)

    # cells ---------------------------------------------------------------------------------------------

    def _cell(self, sheet: str, ref: str) -> etree._Element:
        root = self.xml(self.sheet_part(sheet))
        data = root.find(f"{M}sheetData")
        assert data is not None, f"{sheet} has no sheetData"
        r = _row_of(ref)
        row: etree._Element | None = None
        for existing in data.iterfind(f"{M}row"):
            n = int(existing.get("r", "0"))
            if n == r:
                row = existing
                break
            if n > r:
                row = etree.Element(f"{M}row", r=str(r))
                existing.addprevious(row)
                break
        if row is None:
            row = etree.SubElement(data, f"{M}row", r=str(r))
        for c in row.iterfind(f"{M}c"):
            if c.get("r") == ref:
                return c
            if _col_index(c.get("r", "")) > _col_index(ref):
                new = etree.Element(f"{M}c", r=ref)
                c.addprevious(new)
                return new
        return etree.SubElement(row, f"{M}c", r=ref)

    @staticmethod
    def _reset(c: etree._Element) -> None:
        for child in list(c):
            c.remove(child)
        if "t" in c.attrib:
            del c.attrib["t"]

    def _shared_index(self, text: str) -> int:
        part = "xl/sharedStrings.xml"
        if part not in self.parts:
            self.parts[part] = f'<sst xmlns="{NS_M}" count="0" uniqueCount="0"/>'.encode()
            self.order.append(part)
            rels = self.xml("xl/_rels/workbook.xml.rels")
            ids = {r.get("Id") for r in rels}
            rid = next(f"rId{i}" for i in range(100, 1000) if f"rId{i}" not in ids)
            etree.SubElement(rels, f"{{{NS_REL}}}Relationship", Id=rid, Type=SST_TYPE, Target="sharedStrings.xml")
            ct = self.xml("[Content_Types].xml")
            etree.SubElement(ct, f"{{{NS_CT}}}Override", PartName="/" + part, ContentType=SST_CT)
        sst = self.xml(part)
        items = sst.findall(f"{M}si")
        for i, si in enumerate(items):
            t = si.find(f"{M}t")
            if t is not None and t.text == text and len(si) == 1:
                return i
        si = etree.SubElement(sst, f"{M}si")
        t = etree.SubElement(si, f"{M}t")
        t.text = text
        if text != text.strip():
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        sst.set("count", str(len(items) + 1))
        sst.set("uniqueCount", str(len(items) + 1))
        return len(items)

    def set(self, sheet: str, ref: str, value: Any, *, inline: bool = False) -> Xlsx:
        """Store a value as Excel would: numbers as numbers, text as (shared) strings, bools as booleans.

        ``None`` empties the cell (its style is kept).
        """
        c = self._cell(sheet, ref)
        self._reset(c)
        if value is None:
            return self
        if isinstance(value, bool):
            c.set("t", "b")
            etree.SubElement(c, f"{M}v").text = "1" if value else "0"
        elif isinstance(value, int | float | Decimal):
            etree.SubElement(c, f"{M}v").text = value if isinstance(value, str) else _num(value)
        elif isinstance(value, str):
            if inline:
                c.set("t", "inlineStr")
                is_ = etree.SubElement(c, f"{M}is")
                etree.SubElement(is_, f"{M}t").text = value
            else:
                c.set("t", "s")
                etree.SubElement(c, f"{M}v").text = str(self._shared_index(value))
        else:
            raise TypeError(value)
        return self

    def set_number_text(self, sheet: str, ref: str, stored: str) -> Xlsx:
        """A numeric cell with the exact stored digits (e.g. Excel's '79260.570000000007')."""
        c = self._cell(sheet, ref)
        self._reset(c)
        etree.SubElement(c, f"{M}v").text = stored
        return self

    def set_error(self, sheet: str, ref: str, error: str = "#REF!") -> Xlsx:
        c = self._cell(sheet, ref)
        self._reset(c)
        c.set("t", "e")
        etree.SubElement(c, f"{M}v").text = error
        return self

    def set_formula(self, sheet: str, ref: str, formula: str, cached: Any = None) -> Xlsx:
        """A formula (without '=') and optionally its cached result."""
        c = self._cell(sheet, ref)
        self._reset(c)
        etree.SubElement(c, f"{M}f").text = formula.lstrip("=")
        if isinstance(cached, str):
            c.set("t", "str")
        if cached is not None:
            etree.SubElement(c, f"{M}v").text = cached if isinstance(cached, str) else _num(cached)
        return self

    def set_cached(self, sheet: str, ref: str, stored: str) -> Xlsx:
        """Keep the cell's formula, overwrite the result Excel saved with it (a tampered cache)."""
        c = self._cell(sheet, ref)
        f = c.find(f"{M}f")
        assert f is not None and f.text, f"{sheet}!{ref} has no formula"
        for v in c.findall(f"{M}v"):
            c.remove(v)
        etree.SubElement(c, f"{M}v").text = stored
        return self

    # workbook structure --------------------------------------------------------------------------------

    def rename_sheet(self, old: str, new: str) -> Xlsx:
        """Rename a sheet as Excel does: defined names follow the sheet."""
        wb = self.xml("xl/workbook.xml")
        for sh in wb.iterfind(f"{M}sheets/{M}sheet"):
            if sh.get("name") == old:
                sh.set("name", new)
        for dn in wb.iterfind(f"{M}definedNames/{M}definedName"):
            if dn.text:
                dn.text = dn.text.replace(f"'{old}'!", f"'{new}'!")
        return self

    def delete_name(self, name: str) -> Xlsx:
        wb = self.xml("xl/workbook.xml")
        for dn in wb.iterfind(f"{M}definedNames/{M}definedName"):
            parent = dn.getparent()
            if dn.get("name") == name and parent is not None:
                parent.remove(dn)
                return self
        raise KeyError(name)

    def redefine_name(self, name: str, target: str) -> Xlsx:
        wb = self.xml("xl/workbook.xml")
        for dn in wb.iterfind(f"{M}definedNames/{M}definedName"):
            if dn.get("name") == name:
                dn.text = target
                return self
        raise KeyError(name)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        for part, tree in self._trees.items():
            self.parts[part] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in self.order:
                zf.writestr(name, self.parts[name])
        return path


def _num(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value)
