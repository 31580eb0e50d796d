"""Valid SpreadsheetML reads as Excel reads it: the same workbook stored another valid way gives the same
findings (cells and rows without ``r``, Strict namespaces, the workbook part elsewhere, shared formulas);
a shared formula's dependents are compared with the template; a sheet-local name shadowing a workbook name
is reported."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl.formula.translate import Translator

from xlperf.validate import validate_file
from xlperf.ingest.xlsx import open_book

from .helpers import EXAMPLE, Xlsx, where

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
M = "{%s}" % MAIN
REF = re.compile(r"^([A-Z]+)(\d+)$")


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _save(parts: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _signature(path: Path) -> list[tuple[str, str, str]]:
    rep = validate_file(path)
    assert rep.status != "error", rep.findings
    return sorted((f.code, f.location, f.message) for f in rep.findings)


@pytest.fixture(scope="module")
def original() -> list[tuple[str, str, str]]:
    return _signature(EXAMPLE)


def test_cells_and_rows_without_r(tmp_path: Path, original: list) -> None:
    """Drop every ``r`` that Excel could infer (a row right after the previous, a cell right after the previous)."""
    parts = _parts(EXAMPLE)
    dropped = 0
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        root = etree.fromstring(parts[name])
        prev_row = 0
        for row in root.iter(f"{M}row"):
            r = int(row.get("r"))
            if r == prev_row + 1:
                del row.attrib["r"]
                dropped += 1
            prev_row = r
            prev_col = 0
            for c in row.iterfind(f"{M}c"):
                col = _col(REF.match(c.get("r"))[1])
                if col == prev_col + 1:
                    del c.attrib["r"]
                    dropped += 1
                prev_col = col
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    assert dropped > 1000
    path = _save(parts, tmp_path / "no-r.xlsx")
    assert open_book(path).sheets == open_book(EXAMPLE).sheets
    assert _signature(path) == original


def test_strict_namespaces(tmp_path: Path, original: list) -> None:
    parts = _parts(EXAMPLE)
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            data = data.replace(MAIN.encode(), STRICT.encode())
            data = data.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                b"http://purl.oclc.org/ooxml/officeDocument/relationships")
            parts[name] = data
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
    path = _save(parts, tmp_path / "strict.xlsx")
    assert open_book(path).sheets == open_book(EXAMPLE).sheets
    assert _signature(path) == original


def test_workbook_part_found_through_package_relationships(tmp_path: Path, original: list) -> None:
    parts = _parts(EXAMPLE)
    parts["xl/main.xml"] = parts.pop("xl/workbook.xml")
    parts["xl/_rels/main.xml.rels"] = parts.pop("xl/_rels/workbook.xml.rels")
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/main.xml")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"/xl/workbook.xml", b"/xl/main.xml")
    assert b"xl/main.xml" in parts["_rels/.rels"] and b"/xl/main.xml" in parts["[Content_Types].xml"]
    path = _save(parts, tmp_path / "moved.xlsx")
    assert _signature(path) == original


def _shared_pair(parts: dict[str, bytes]) -> tuple[str, str, str, str, str]:
    """(part, master cell, dependent cell, master formula, dependent formula): two formula cells of one column
    whose formulas are the same formula moved (what Excel stores as one shared formula)."""
    for name in sorted(n for n in parts if n.startswith("xl/worksheets/sheet")):
        root = etree.fromstring(parts[name])
        cells = [(c.get("r"), c.find(f"{M}f").text) for c in root.iter(f"{M}c")
                 if c.find(f"{M}f") is not None and c.find(f"{M}f").text and "!" not in c.find(f"{M}f").text]
        by_column: dict[str, list[tuple[str, str]]] = {}
        for ref, text in cells:
            by_column.setdefault(REF.match(ref)[1], []).append((ref, text))
        for column in by_column.values():
            for (r1, f1), (r2, f2) in zip(column, column[1:]):
                if f1 != f2 and Translator("=" + f1, origin=r1).translate_formula(r2) == "=" + f2:
                    return name, r1, r2, f1, f2
    raise LookupError("no pair of formulas that translate into each other")


def _as_shared(parts: dict[str, bytes], name: str, master: str, dependent: str, master_text: str) -> None:
    root = etree.fromstring(parts[name])
    for c in root.iter(f"{M}c"):
        if c.get("r") in (master, dependent):
            f = c.find(f"{M}f")
            f.set("t", "shared")
            f.set("si", "0")
            if c.get("r") == master:
                f.set("ref", f"{master}:{dependent}")
                f.text = master_text
            else:
                f.text = None
    parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def test_shared_formula_expanded(tmp_path: Path, original: list) -> None:
    parts = _parts(EXAMPLE)
    name, master, dependent, f1, f2 = _shared_pair(parts)
    _as_shared(parts, name, master, dependent, f1)
    path = _save(parts, tmp_path / "shared.xlsx")
    sheet = next(s for s, cells in open_book(EXAMPLE).sheets.items() if cells.get(dependent) and
                 cells[dependent].formula == f2)
    assert open_book(path).sheets[sheet][dependent].formula == f2
    assert _signature(path) == original


def test_tampered_shared_formula_flags_its_dependents(tmp_path: Path) -> None:
    """The master's formula changed: the dependent, which stores no text of its own, is flagged too."""
    parts = _parts(EXAMPLE)
    name, master, dependent, f1, _f2 = _shared_pair(parts)
    tampered = f"({f1})*0+1"
    _as_shared(parts, name, master, dependent, tampered)
    rep = validate_file(_save(parts, tmp_path / "tampered.xlsx"))
    altered = {f.cell for f in rep.findings if f.code == "XP123"}
    assert {master, dependent} <= altered, sorted(altered)


def test_sheet_local_name_shadowing_an_input(tmp_path: Path) -> None:
    name = "personnel_initial"
    sheet, _cell = where(name)
    book = Xlsx(EXAMPLE)
    wb = book.xml("xl/workbook.xml")
    index = [s.get("name") for s in wb.iterfind(f"{M}sheets/{M}sheet")].index(sheet)
    dn = etree.SubElement(wb.find(f"{M}definedNames"), f"{M}definedName", name=name, localSheetId=str(index))
    dn.text = f"'{sheet}'!$D$30"
    rep = validate_file(book.save(tmp_path / "local.xlsx"))
    local = [f for f in rep.findings if f.code == "XP130"]
    assert [(f.sheet, f.severity.value) for f in local] == [(sheet, "error")]
    assert name in local[0].message and "$D$30" in local[0].message
    assert "XP130" not in {f.code for f in validate_file(EXAMPLE).findings}


def test_dependent_without_master_is_reported_not_skipped(tmp_path: Path) -> None:
    """A shared-formula dependent whose master is gone cannot be checked: it is reported as altered."""
    parts = _parts(EXAMPLE)
    name, master, dependent, f1, _f2 = _shared_pair(parts)
    _as_shared(parts, name, master, dependent, f1)
    root = etree.fromstring(parts[name])
    for c in root.iter(f"{M}c"):
        if c.get("r") == master:
            c.find(f"{M}f").set("si", "7")  # the dependent's si=0 now has no master
    parts[name] = etree.tostring(root)
    rep = validate_file(_save(parts, tmp_path / "orphan.xlsx"))
    assert dependent in {f.cell for f in rep.findings if f.code == "XP123"}


def test_overlong_formula_is_not_cut_into_a_match(tmp_path: Path) -> None:
    """Excel's formulas are at most 8,192 characters: a longer one is cut and marked, never cut into the
    template's formula (here the tampering sits after 9,000 spaces)."""
    parts = _parts(EXAMPLE)
    name, master, _dependent, f1, _f2 = _shared_pair(parts)
    root = etree.fromstring(parts[name])
    for c in root.iter(f"{M}c"):
        if c.get("r") == master:
            c.find(f"{M}f").text = f1 + " " * 9000 + "+1"
    parts[name] = etree.tostring(root)
    rep = validate_file(_save(parts, tmp_path / "long.xlsx"))
    assert master in {f.cell for f in rep.findings if f.code == "XP123"}
