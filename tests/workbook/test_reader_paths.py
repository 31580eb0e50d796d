"""The reader's in-memory shortcuts give what its streaming reference gives (issue 22: read once, fast).

Shared strings up to 4 MiB are parsed in one call when the table is regular (LibreOffice and WPS store rich
text as many small elements); anything unusual streams. Expected strings are written by hand; for the
irregular tables the streaming path (forced with ``IN_MEMORY_MAX = 0``) is the reference.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from xlperf.ingest import xlsx
from xlperf.ingest.precheck import is_fatal, precheck

NS = xlsx.TRANSITIONAL
HEAD = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">'
RICH = ('<si><r><rPr><b val="true"/></rPr><t xml:space="preserve">福田区 </t></r>'
        '<r><rPr><sz val="9"/></rPr><t>科创局</t></r></si>')

CASES = {  # body of <sst> → the strings, by hand
    "plain": ("<si><t>a</t></si><si><t/></si><si><t>乙</t></si>", ["a", "", "乙"]),
    "rich": (RICH + "<si><t>x</t></si>", ["福田区 科创局", "x"]),
    "empty si": ("<si/><si><r><rPr/></r></si>", ["", ""]),
    "comment": ("<si><!-- c --><t>a</t><!-- d --></si>", ["a"]),
    "t outside si": ("<t>lost</t><si><t>b</t></si>", ["b"]),
}
IRREGULAR = {  # tables the streaming path alone reads: phonetic runs, nesting
    "phonetic": "<si><t>東京</t><rPh sb='0' eb='2'><t>トウキョウ</t></rPh></si>",
    "si in si": "<si><t>a</t><si><t>b</t></si><t>c</t></si><si><t>d</t></si>",
    "t in t": "<si><t>a<t>b</t>c</t></si>",
    "si in t": "<si><t>a<si><t>b</t></si></t></si>",
    "broken": "<si><t>a</t></si><si><t>b</t>",
}


def _zip(part: str, text: str) -> zipfile.ZipFile:
    """A package in memory holding one part."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(part, text)
    return zipfile.ZipFile(io.BytesIO(buf.getvalue()))


def _book(body: str) -> zipfile.ZipFile:
    return _zip("xl/sharedStrings.xml", HEAD + body + ("</sst>" if body != IRREGULAR["broken"] else ""))


def _streamed(body: str, monkeypatch: pytest.MonkeyPatch) -> list[str] | type[Exception]:
    with monkeypatch.context() as m:
        m.setattr(xlsx, "IN_MEMORY_MAX", 0)
        try:
            return xlsx._shared_strings(_book(body), "xl/sharedStrings.xml", NS)
        except Exception as exc:  # noqa: BLE001 - compared with the other path's
            return type(exc)


@pytest.mark.parametrize("case", CASES)
def test_regular_tables_read_in_one_call(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body, expected = CASES[case]
    assert xlsx._plain_shared_strings((HEAD + body + "</sst>").encode(), NS, f"{{{NS}}}si", f"{{{NS}}}t") \
        == expected
    assert xlsx._shared_strings(_book(body), "xl/sharedStrings.xml", NS) == expected
    assert _streamed(body, monkeypatch) == expected


@pytest.mark.parametrize("case", IRREGULAR)
def test_irregular_tables_stream(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body = IRREGULAR[case]
    data = (HEAD + body + ("</sst>" if case != "broken" else "")).encode()
    assert xlsx._plain_shared_strings(data, NS, f"{{{NS}}}si", f"{{{NS}}}t") is None
    try:
        got: list[str] | type[Exception] = xlsx._shared_strings(_book(body), "xl/sharedStrings.xml", NS)
    except Exception as exc:  # noqa: BLE001
        got = type(exc)
    assert got == _streamed(body, monkeypatch)


def test_phonetic_run_is_not_shown() -> None:
    assert xlsx._shared_strings(_book(IRREGULAR["phonetic"]), "xl/sharedStrings.xml", NS) == ["東京"]


def test_too_many_strings_refused_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_CELLS", 3)
    body = "<si><t>a</t></si>" * 5
    with pytest.raises(xlsx.BookTooLarge):
        xlsx._shared_strings(_book(body), "xl/sharedStrings.xml", NS)
    assert _streamed(body, monkeypatch) is xlsx.BookTooLarge


# --- worksheets: the parsed-tree loop (plain layout proven in the loop, else the XPath) against streaming -----

SHEET_HEAD = f'<worksheet xmlns="{NS}">'
SHEETS = {  # body of <worksheet>: plain, and every way out of the plain layout
    "plain": '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1" t="inlineStr"><is><t>x</t></is></c></row>'
             '<row><c><f>A1+1</f><v>2</v></c><c s="3"><v>44202</v></c></row></sheetData>',
    "two sheetData": '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
                     '<sheetData><row r="2"><c r="A2"><v>2</v></c></row></sheetData>',
    "cell outside a row": '<sheetData><c r="A1"><v>1</v></c><row r="2"><c r="A2"><v>2</v></c></row></sheetData>',
    "row outside sheetData": '<row r="1"><c r="A1"><v>1</v></c></row><sheetData/>',
    "cell in a cell": '<sheetData><row r="1"><c r="A1"><v>1</v><c r="B1"><v>2</v></c></c></row></sheetData>',
    "row in a row": '<sheetData><row r="1"><c r="A1"><v>1</v></c><row r="2"><c><v>2</v></c></row></row></sheetData>',
    "row in a cell": '<sheetData><row r="1"><c r="A1"><is><row r="5"/></is><v>3</v></c></row></sheetData>',
}


def _sheet_zip(body: str) -> zipfile.ZipFile:
    return _zip("xl/worksheets/sheet1.xml", SHEET_HEAD + body + "</worksheet>")


def _both(zf: zipfile.ZipFile, part: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def read() -> object:
        budget = xlsx._Budget()
        try:
            return xlsx._read_sheet(zf, part, ["s0", "s1"], frozenset({3}), NS, budget), budget.cells
        except Exception as exc:  # noqa: BLE001 - compared with the other path's
            return type(exc), str(exc)

    tree = read()
    with monkeypatch.context() as m:
        m.setattr(xlsx, "IN_MEMORY_MAX", 0)
        return tree, read()


@pytest.mark.parametrize("case", SHEETS)
def test_sheet_paths_agree(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, streamed = _both(_sheet_zip(SHEETS[case]), "xl/worksheets/sheet1.xml", monkeypatch)
    assert tree == streamed


def test_plain_sheet_by_hand() -> None:
    cells = xlsx._read_sheet(_sheet_zip(SHEETS["plain"]), "xl/worksheets/sheet1.xml", [], frozenset({3}), NS)
    assert cells == {"A1": xlsx.RawCell("1", "n"), "B1": xlsx.RawCell("x", "inlineStr"),
                     "A2": xlsx.RawCell("2", "n", "A1+1"), "B2": xlsx.RawCell("44202", "n", date=True)}


def test_not_plain_leaves_the_budget_as_it_was() -> None:
    zf = _sheet_zip(SHEETS["cell outside a row"])
    root = xlsx.etree.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    budget = xlsx._Budget()
    budget.cells = 7
    assert xlsx._collect_plain(root, [], frozenset(), xlsx._tags(NS), budget) is None
    assert budget.cells == 7


def test_example_and_mutants_read_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.hostile.fuzz import example_parts, mutant

    parts = example_parts()
    books = [zipfile.ZipFile(io.BytesIO(mutant(22, i, parts)[0])) for i in range(12)]
    from tests.hostile.helpers import EXAMPLE

    books.append(zipfile.ZipFile(EXAMPLE))
    compared = 0
    for zf in books:
        for part in zf.namelist():
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                tree, streamed = _both(zf, part, monkeypatch)
                assert tree == streamed, part
                compared += 1
    assert compared > 100


# --- the pre-check's inflated parts handed to the reader (read once) ---------------------------------------


def _example_copy(tmp_path: Path, patch: str | None = None, flag: int = 0) -> Path:
    """The shipped example; with ``patch``, that member's central-directory flag bits OR-ed with ``flag``."""
    from tests.hostile.helpers import EXAMPLE

    data = bytearray(EXAMPLE.read_bytes())
    if patch is not None:
        pos = data.find(b"PK\x01\x02")
        while pos >= 0:
            n = int.from_bytes(data[pos + 28:pos + 30], "little")
            if bytes(data[pos + 46:pos + 46 + n]) == patch.encode():
                bits = int.from_bytes(data[pos + 8:pos + 10], "little") | flag
                data[pos + 8:pos + 10] = bits.to_bytes(2, "little")
            pos = data.find(b"PK\x01\x02", pos + 4)
    path = tmp_path / "book.xlsx"
    path.write_bytes(bytes(data))
    return path


def _outcome(path: Path, parts: dict[str, bytes] | None, directory: list[zipfile.ZipInfo] | None = None) -> object:
    try:
        book = xlsx.open_book(path, parts=parts, directory=directory)
    except Exception as exc:  # noqa: BLE001 - compared between the two ways
        return type(exc), str(exc)
    return book.sheets, book.names, book.formula_names, book.sheet_states


def test_kept_parts_are_what_zipfile_reads(tmp_path: Path) -> None:
    path = _example_copy(tmp_path)
    kept: dict[str, bytes] = {}
    assert not is_fatal(precheck(path, keep=kept))
    with zipfile.ZipFile(path) as zf:
        assert kept == {n: zf.read(n) for n in zf.namelist()}  # every member of the example is small
    assert _outcome(path, kept) == _outcome(path, None)


def test_a_member_zipfile_refuses_is_not_kept(tmp_path: Path) -> None:
    sheet = "xl/worksheets/sheet1.xml"
    path = _example_copy(tmp_path, patch=sheet, flag=0x20)  # "compressed patched data": zipfile refuses it
    kept: dict[str, bytes] = {}
    assert not is_fatal(precheck(path, keep=kept))  # its data inflates with the right CRC all the same
    assert sheet not in kept and kept
    refused = _outcome(path, kept)
    assert refused == _outcome(path, None)
    assert refused[0] is NotImplementedError  # type: ignore[index]


def test_kept_bytes_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlperf.ingest import precheck as pre

    monkeypatch.setattr(pre, "KEEP_TOTAL_MAX", 60_000)
    path = _example_copy(tmp_path)
    kept: dict[str, bytes] = {}
    assert not is_fatal(precheck(path, keep=kept))
    assert kept and sum(map(len, kept.values())) <= 60_000
    with zipfile.ZipFile(path) as zf:
        assert len(kept) < len(zf.namelist())
    assert _outcome(path, kept) == _outcome(path, None)


def _checked(path: Path) -> tuple[dict[str, bytes], list[zipfile.ZipInfo]]:
    kept: dict[str, bytes] = {}
    directory: list[zipfile.ZipInfo] = []
    assert not is_fatal(precheck(path, keep=kept, directory=directory))
    return kept, directory


def test_the_precheck_directory_serves_the_reader_without_opening_the_file(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = _example_copy(tmp_path)
    kept, directory = _checked(path)
    with zipfile.ZipFile(path) as zf:
        assert [i.filename for i in directory] == zf.namelist()
    expected = _outcome(path, None)

    def refused(*_: object) -> None:
        raise AssertionError("the file was opened again")

    monkeypatch.setattr(xlsx, "open_regular", refused)  # every member was kept: no reason to open it
    assert _outcome(path, kept, directory) == expected
    book = xlsx.open_book(path, parts=kept, directory=directory)
    assert book.custom_known and book.custom_properties == kept.get(xlsx.CUSTOM_PART)


def test_a_fatal_precheck_leaves_the_directory_empty(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    directory: list[zipfile.ZipInfo] = []
    assert is_fatal(precheck(path, keep={}, directory=directory))
    assert directory == []


def test_members_not_kept_are_read_from_the_file_with_the_directory(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = "xl/worksheets/sheet1.xml"
    path = _example_copy(tmp_path, patch=sheet, flag=0x20)  # zipfile refuses it: not kept
    kept, directory = _checked(path)
    assert sheet not in kept
    refused = _outcome(path, kept, directory)
    assert refused == _outcome(path, None)
    assert refused[0] is NotImplementedError  # type: ignore[index]

    from xlperf.ingest import precheck as pre

    monkeypatch.setattr(pre, "KEEP_TOTAL_MAX", 60_000)  # some members kept, the others read from the file
    path = _example_copy(tmp_path)
    kept, directory = _checked(path)
    with zipfile.ZipFile(path) as zf:
        assert 0 < len(kept) < len(zf.namelist())
    assert _outcome(path, kept, directory) == _outcome(path, None)
