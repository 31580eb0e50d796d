"""Tests of the hostile-file pre-check (xlperf.ingest.precheck) against tests/corpus/files.

Bounded work is asserted by counting inflated bytes (zlib.decompressobj is wrapped) and by the peak of
traced memory, never by wall-clock time.
"""

from __future__ import annotations

import importlib.util
import io
import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlperf.ingest import precheck as safety
from xlperf.ingest.counting import RowCounter
from xlperf.ingest.precheck import DEFAULT_LIMITS, FileIssue, Limits, is_fatal, precheck
from xlperf.ingest.prolog import PrologScanner
from xlperf.checks.registry import NOTE_CHECKS
from xlperf.ingest.notes import Noted

CORPUS_DIR = Path(__file__).parent / "corpus"
FILES = CORPUS_DIR / "files"
MiB = 1024 * 1024
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _load_make_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS_DIR / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module
    spec.loader.exec_module(module)
    return module


mc = _load_make_corpus()

# file -> (the single expected code, fatal?); None = must pass with no issue at all
EXPECTED: dict[str, tuple[str, bool] | None] = {
    "empty.xlsx": ("XP101", True),
    "not_a_zip.xlsx": ("XP102", True),
    "truncated.xlsx": ("XP102", True),
    "legacy.xls": ("XP103", True),
    "encrypted.xlsx": ("XP104", True),
    "zip_bomb.xlsx": ("XP105", True),
    "xml_bomb.xlsx": ("XP106", True),
    "macro.xlsm": ("XP107", False),
    "million_rows.xlsx": ("XP108", True),
    "docx_like.xlsx": ("XP109", True),
    "other_template.xlsx": None,
}


# --------------------------------------------------------------------------------------------------
# helpers


class _CountingInflater:
    """Wraps a zlib decompressor and adds every inflated byte to a shared counter."""

    def __init__(self, inner: object, counter: list[int]) -> None:
        self._inner = inner
        self._counter = counter

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out = self._inner.decompress(data, max_length)  # type: ignore[attr-defined]
        self._counter[0] += len(out)
        return out

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counter of bytes inflated by the pre-check (it inflates only through zlib.decompressobj)."""
    counter = [0]
    real = zlib.decompressobj
    monkeypatch.setattr(safety.zlib, "decompressobj", lambda *a, **k: _CountingInflater(real(*a, **k), counter))
    return counter


def _peak_memory(fn) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def _codes(issues: list[FileIssue]) -> list[str]:
    """The codes of the checks that report these notes."""
    return [NOTE_CHECKS[i.kind].code for i in issues]


def _valid_workbook_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "部门整体支出"
    ws.append(["项目", "预算数", "执行数"])
    for i in range(30):
        ws.append([f"项目{i}", 100 * i, 90 * i])
    ws["E1"] = "=SUM(B2:B31)"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


VALID = _valid_workbook_bytes()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with path.open("wb") as fh:
        writer = mc.RawZipWriter(fh)
        for name, data in members.items():
            writer.add(name, data)
        writer.close()
    return path


def _package(path: Path, sheet: bytes, **extra: bytes) -> Path:
    """A minimal one-sheet workbook with the given sheet XML (plus extra members)."""
    parts = mc.minimal_package_parts()
    parts["xl/worksheets/sheet1.xml"] = sheet
    parts.update(extra)
    return _write_zip(path, parts)


def _rows_sheet(rows: int, dimension: str | None = None) -> bytes:
    return mc.sheet_head(dimension) + b"<row><c><v>1</v></c></row>" * rows + mc.SHEET_TAIL


def _assert_single(issues: list[FileIssue], code: str, label: str) -> FileIssue:
    assert _codes(issues) == [code], [i.message for i in issues]
    issue = issues[0]
    assert issue.fatal == (NOTE_CHECKS[issue.kind].severity.value == "error")
    assert f'"{label}"' in issue.message
    assert CHINESE.search(issue.message)
    return issue


# --------------------------------------------------------------------------------------------------
# the corpus


def test_codes_table_is_exactly_the_documented_one() -> None:
    """Every kind of note the pre-check makes is reported by the check with this code, name and severity."""
    kinds = [Noted[n.upper().replace("-", "_")] for n in (
        "empty-file", "not-a-zip", "legacy-xls", "encrypted-workbook", "zip-bomb", "xml-entities", "macros-present",
        "sheet-too-large", "not-a-workbook", "file-too-large", "not-a-regular-file", "file-not-found",
        "file-unreadable", "too-many-cells")]
    checks = [NOTE_CHECKS[k] for k in kinds]
    assert {c.code: (c.name, c.severity.value) for c in checks} == {
        "XP101": ("empty-file", "error"),
        "XP102": ("not-a-zip", "error"),
        "XP103": ("legacy-xls", "error"),
        "XP104": ("encrypted-workbook", "error"),
        "XP105": ("zip-bomb", "error"),
        "XP106": ("xml-entities", "error"),
        "XP107": ("macros-present", "warning"),
        "XP108": ("sheet-too-large", "error"),
        "XP109": ("not-a-workbook", "error"),
        "XP110": ("file-too-large", "error"),
        "XP111": ("not-a-regular-file", "error"),
        "XP112": ("file-not-found", "error"),
        "XP113": ("file-unreadable", "error"),
        "XP114": ("too-many-cells", "error"),
    }
    assert all(CHINESE.search(c.title) for c in checks)


def test_corpus_is_complete_and_small() -> None:
    present = {p.name for p in FILES.iterdir()}
    assert set(EXPECTED) <= present
    for name in EXPECTED:
        assert (FILES / name).stat().st_size < 2 * MiB, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_gives_expected_single_issue(name: str) -> None:
    issues = precheck(FILES / name)
    expected = EXPECTED[name]
    if expected is None:
        assert issues == []
        assert not is_fatal(issues)
        return
    code, fatal = expected
    issue = _assert_single(issues, code, name)
    assert issue.fatal is fatal
    assert is_fatal(issues) is fatal


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_precheck_accepts_str_and_pathlike(name: str) -> None:
    assert precheck(str(FILES / name)) == precheck(FILES / name)


def test_messages_name_the_part_or_sheet() -> None:
    assert "工作表“明细”" in precheck(FILES / "million_rows.xlsx")[0].message
    assert "xl/worksheets/sheet1.xml" in precheck(FILES / "xml_bomb.xlsx")[0].message
    assert "xl/worksheets/sheet1.xml" in precheck(FILES / "zip_bomb.xlsx")[0].message
    assert "另存为" in precheck(FILES / "legacy.xls")[0].message
    assert "密码" in precheck(FILES / "encrypted.xlsx")[0].message
    macro = precheck(FILES / "macro.xlsm")[0].message
    assert "宏" in macro and "不会执行" in macro and "忽略" in macro
    for name in ("truncated.xlsx", "not_a_zip.xlsx"):
        assert "文件已损坏或不是 xlsx" in precheck(FILES / name)[0].message


def test_zip_bomb_is_refused_without_inflating_it(inflated: list[int]) -> None:
    issues, peak = _peak_memory(lambda: precheck(FILES / "zip_bomb.xlsx"))
    assert _codes(issues) == ["XP105"]  # type: ignore[arg-type]
    assert inflated[0] < 1 * MiB
    assert peak < 50 * MiB


def test_zip_bomb_with_lying_headers_is_caught_by_streaming_cap(tmp_path: Path, inflated: list[int]) -> None:
    path = tmp_path / "liar.xlsx"
    mc.build_zip_bomb(path, mib=64, declared_size=4096)  # headers claim 4 KB, data inflates to 64 MiB
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == 4096
    issues, peak = _peak_memory(lambda: precheck(path))
    issue = _assert_single(issues, "XP105", "liar.xlsx")  # type: ignore[arg-type]
    assert "篡改" in issue.message
    assert inflated[0] < 16 * 1024  # the declared 4 KB + 1 byte of the sheet, plus the small parts
    assert peak < 50 * MiB


def test_million_rows_is_refused_in_bounded_work(inflated: list[int]) -> None:
    issues, peak = _peak_memory(lambda: precheck(FILES / "million_rows.xlsx"))
    assert _codes(issues) == ["XP108"]  # type: ignore[arg-type]
    assert inflated[0] < 1 * MiB  # decided from <dimension> in the first chunk (the sheet is 26 MB)
    assert peak < 50 * MiB


def test_rows_are_counted_and_counting_stops_at_the_limit(tmp_path: Path, inflated: list[int]) -> None:
    path = tmp_path / "no_dimension.xlsx"
    mc.build_million_rows(path, rows=400_000, dimension=False)  # 10.4 MB of sheet XML
    issues, peak = _peak_memory(lambda: precheck(path, Limits(max_sheet_rows=20_000)))
    issue = _assert_single(issues, "XP108", "no_dimension.xlsx")  # type: ignore[arg-type]
    assert "20000" in issue.message
    assert inflated[0] < 2 * MiB  # ~20k rows * 26 bytes + one chunk, not 10 MB
    assert peak < 50 * MiB


def test_row_limit_boundary(tmp_path: Path) -> None:
    lim = Limits(max_sheet_rows=1000)
    assert precheck(_package(tmp_path / "ok.xlsx", _rows_sheet(1000)), lim) == []
    assert _codes(precheck(_package(tmp_path / "over.xlsx", _rows_sheet(1001)), lim)) == ["XP108"]
    # the dimension alone is enough, the rows in the file do not matter
    dim = _package(tmp_path / "dim.xlsx", _rows_sheet(3, dimension="A1:C5000"))
    assert _codes(precheck(dim, lim)) == ["XP108"]
    assert precheck(_package(tmp_path / "dim_ok.xlsx", _rows_sheet(3, dimension="A1:C1000")), lim) == []
    # prefixed elements count too
    prefixed = (
        b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<x:sheetData>" + b'<x:row r="1"/>' * 1001 + b"</x:sheetData></x:worksheet>"
    )
    assert _codes(precheck(_package(tmp_path / "prefixed.xlsx", prefixed), lim)) == ["XP108"]


def test_rows_in_utf16_sheet_are_counted(tmp_path: Path) -> None:
    sheet = _rows_sheet(1001).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert _codes(precheck(_package(tmp_path / "u16.xlsx", sheet), Limits(max_sheet_rows=1000))) == ["XP108"]
    small = _rows_sheet(10).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert precheck(_package(tmp_path / "u16ok.xlsx", small)) == []


def test_encoding_sniff_survives_a_one_byte_first_chunk(tmp_path: Path) -> None:
    """A crafted deflate stream (1 byte, then 100 KB of empty stored blocks) must not hide UTF-16 rows."""
    sheet = _rows_sheet(1001).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    first = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    rest = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = [
        first.compress(sheet[:1]) + first.flush(zlib.Z_FULL_FLUSH),
        b"\x00\x00\x00\xff\xff" * 20_000,  # empty, non-final stored blocks
        rest.compress(sheet[1:]) + rest.flush(),
    ]
    path = tmp_path / "sneaky.xlsx"
    with path.open("wb") as fh:
        writer = mc.RawZipWriter(fh)
        for name, data in mc.minimal_package_parts().items():
            writer.add(name, data)
        writer.add_raw("xl/worksheets/sheet1.xml", stream, crc=zlib.crc32(sheet), size=len(sheet))
        writer.close()
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/worksheets/sheet1.xml") == sheet
    assert _codes(precheck(path, Limits(max_sheet_rows=1000))) == ["XP108"]


# --------------------------------------------------------------------------------------------------
# XML entities


_DOCTYPE = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'


@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet1.xml", "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "[Content_Types].xml", "_rels/.rels"],
)
def test_doctype_in_any_part_is_refused(tmp_path: Path, part: str) -> None:
    members = mc.minimal_package_parts()
    members["xl/worksheets/sheet1.xml"] = _rows_sheet(2)
    original = members[part]
    decl_end = original.index(b"?>") + 2
    members[part] = original[:decl_end] + _DOCTYPE + original[decl_end:]
    issue = _assert_single(precheck(_write_zip(tmp_path / "ent.xlsx", members)), "XP106", "ent.xlsx")
    assert part in issue.message


@pytest.mark.parametrize(
    "sheet",
    [
        b'<?xml version="1.0"?>\n<!-- a comment -->\n<?pi x?>' + _DOCTYPE + b"<worksheet/>",
        b"\xef\xbb\xbf  \r\n" + _DOCTYPE + b"<worksheet/>",  # UTF-8 BOM + whitespace
        ('<?xml version="1.0" encoding="UTF-16"?>' + _DOCTYPE.decode() + "<worksheet/>").encode("utf-16"),
        ('<?xml version="1.0" encoding="UTF-16BE"?>' + _DOCTYPE.decode() + "<worksheet/>").encode("utf-16-be"),
        b'<?xml version="1.0"?><!DOCTYPE worksheet SYSTEM "http://example.invalid/x.dtd"><worksheet/>',
        b'<?xml version="1.0"?><!-- ' + b"x" * (100 * 1024) + b" --><worksheet/>",  # prolog longer than the window
    ],
    ids=["comment-pi", "bom", "utf16", "utf16be", "external", "long-prolog"],
)
def test_doctype_variants_are_refused(tmp_path: Path, sheet: bytes) -> None:
    assert _codes(precheck(_package(tmp_path / "v.xlsx", sheet))) == ["XP106"]


def test_doctype_after_window_start_of_body_is_not_a_prolog(tmp_path: Path) -> None:
    # text that merely mentions DOCTYPE inside an element is harmless
    row = b'<row r="1"><c t="inlineStr"><is><t>&lt;!DOCTYPE x&gt;</t></is></c></row>'
    sheet = mc.sheet_head(None) + row + mc.SHEET_TAIL
    assert precheck(_package(tmp_path / "text.xlsx", sheet)) == []


def test_entity_part_is_never_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[bytes] = []
    real = safety.SafeET.fromstring
    monkeypatch.setattr(safety.SafeET, "fromstring", lambda data, **kw: (parsed.append(data), real(data, **kw))[1])
    assert _codes(precheck(FILES / "xml_bomb.xlsx")) == ["XP106"]
    assert all(b"<!ENTITY" not in data for data in parsed)


# --------------------------------------------------------------------------------------------------
# zip structure


def test_valid_openpyxl_workbook_has_no_issue(tmp_path: Path) -> None:
    path = tmp_path / "正常.xlsx"
    path.write_bytes(VALID)
    assert precheck(path) == []


def test_valid_workbook_with_zip64_and_data_descriptors_passes(tmp_path: Path) -> None:
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buf = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
            self.buf += b
            return len(b)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:  # streaming: data descriptors
        for name, data in _members(VALID).items():
            with zf.open(name, "w", force_zip64=True) as fh:
                fh.write(data)
    path = tmp_path / "dd.xlsx"
    path.write_bytes(bytes(sink.buf))
    with zipfile.ZipFile(path) as zf:
        assert all(i.flag_bits & 0x08 for i in zf.infolist())
    assert precheck(path) == []


def test_stored_members_pass(tmp_path: Path) -> None:
    path = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in _members(VALID).items():
            zf.writestr(name, data)
    assert precheck(path) == []


def test_member_count_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members = _members(VALID)
    members.update({f"xl/media/pad{i}.txt": b"x" for i in range(30)})
    path = _write_zip(tmp_path / "many.xlsx", members)
    built: list[int] = []
    real_init = zipfile.ZipInfo.__init__

    def counting_init(self, *a, **k):  # type: ignore[no-untyped-def]
        built.append(1)
        real_init(self, *a, **k)

    monkeypatch.setattr(zipfile.ZipInfo, "__init__", counting_init)
    _assert_single(precheck(path, Limits(max_members=20)), "XP105", "many.xlsx")
    assert built == []  # refused from our own central-directory walk, before zipfile built entries
    assert precheck(path, Limits(max_members=100)) == []


def test_lying_entry_count_cannot_bypass_the_member_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members = _members(VALID)
    members.update({f"xl/media/pad{i}.txt": b"x" for i in range(30)})
    data = bytearray(_write_zip(tmp_path / "tmp.xlsx", members).read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, eocd + 8, 3, 3)  # the end record claims 3 entries
    path = tmp_path / "count_lie.xlsx"
    path.write_bytes(bytes(data))
    built: list[int] = []
    real_init = zipfile.ZipInfo.__init__

    def counting_init(self, *a, **k):  # type: ignore[no-untyped-def]
        built.append(1)
        real_init(self, *a, **k)

    monkeypatch.setattr(zipfile.ZipInfo, "__init__", counting_init)
    assert _codes(precheck(path, Limits(max_members=20))) == ["XP105"]
    assert built == []  # zipfile would parse the whole central directory, whatever the count says


def test_size_limits_from_central_directory(tmp_path: Path, inflated: list[int]) -> None:
    path = tmp_path / "big.xlsx"
    sheet = mc.sheet_head(None) + b"<row><c><v>1</v></c></row>" * 200_000 + mc.SHEET_TAIL  # 5.2 MB, ratio ~400
    _package(path, sheet)
    issue = _assert_single(precheck(path), "XP105", "big.xlsx")  # ratio
    assert "压缩比" in issue.message
    assert inflated[0] == 0
    relaxed = Limits(max_ratio=10_000)
    assert _codes(precheck(path, Limits(max_ratio=10_000, max_member_uncompressed=1 * MiB))) == ["XP105"]
    assert _codes(precheck(path, Limits(max_ratio=10_000, max_total_uncompressed=2 * MiB))) == ["XP105"]
    assert _codes(precheck(path, relaxed)) == ["XP108"]  # 200k rows > 100k
    assert precheck(path, Limits(max_ratio=10_000, max_sheet_rows=300_000)) == []


def test_file_too_large(tmp_path: Path, inflated: list[int]) -> None:
    path = tmp_path / "large.xlsx"
    path.write_bytes(VALID)
    issue = _assert_single(precheck(path, Limits(max_file_bytes=len(VALID) - 1)), "XP110", "large.xlsx")
    assert "MB" in issue.message
    assert inflated[0] == 0
    assert precheck(path, Limits(max_file_bytes=len(VALID))) == []


def test_overlapping_entries_are_a_zip_bomb(tmp_path: Path) -> None:
    inner_name, inner_data = b"xl/b.xml", b"<b/>"
    inner = (
        struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, 0, 0, 0, zlib.crc32(inner_data), 4, 4, len(inner_name), 0)
        + inner_name
        + inner_data
    )
    path = tmp_path / "overlap.xlsx"
    with path.open("wb") as fh:
        writer = mc.RawZipWriter(fh)
        writer.add_stored("xl/a.bin", inner)
        a_offset = writer.entries[0][5]
        writer.entries.append((inner_name, 0, zlib.crc32(inner_data), 4, 4, a_offset + 30 + len(b"xl/a.bin")))
        writer.close()
    with zipfile.ZipFile(path) as zf:
        assert zf.read("xl/b.xml") == b"<b/>"  # zipfile happily reads both
    assert _codes(precheck(path)) == ["XP105"]


def test_zip_encryption_duplicates_and_methods_are_refused(tmp_path: Path) -> None:
    data = bytearray(VALID)
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, cd + 8, struct.unpack_from("<H", data, cd + 8)[0] | 1)  # "encrypted" flag
    (tmp_path / "zipcrypt.xlsx").write_bytes(bytes(data))
    assert _codes(precheck(tmp_path / "zipcrypt.xlsx")) == ["XP102"]

    dup = tmp_path / "dup.xlsx"
    with zipfile.ZipFile(dup, "w") as zf:
        for name, body in _members(VALID).items():
            zf.writestr(name, body)
        with pytest.warns(UserWarning):
            zf.writestr("xl/workbook.xml", b"<workbook/>")
    issue = _assert_single(precheck(dup), "XP102", "dup.xlsx")
    assert "重复" in issue.message

    renamed = bytearray(VALID)
    with zipfile.ZipFile(io.BytesIO(VALID)) as zf:
        info = zf.getinfo("xl/styles.xml")
    renamed[info.header_offset + 30 : info.header_offset + 30 + 13] = b"xl/stylez.xml"  # local header only
    (tmp_path / "renamed.xlsx").write_bytes(bytes(renamed))
    issue = _assert_single(precheck(tmp_path / "renamed.xlsx"), "XP102", "renamed.xlsx")
    assert "不一致" in issue.message

    bz = tmp_path / "bzip2.xlsx"
    with zipfile.ZipFile(bz, "w", zipfile.ZIP_BZIP2) as zf:
        for name, body in _members(VALID).items():
            zf.writestr(name, body)
    assert _codes(precheck(bz)) == ["XP102"]


def test_corrupt_member_data_is_refused(tmp_path: Path) -> None:
    data = bytearray(VALID)
    with zipfile.ZipFile(io.BytesIO(VALID)) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 5, start + info.compress_size - 5, 7):
        data[k] ^= 0x5A
    path = tmp_path / "bitrot.xlsx"
    path.write_bytes(bytes(data))
    issue = _assert_single(precheck(path), "XP102", "bitrot.xlsx")
    assert "sheet1.xml" in issue.message


def test_crc_mismatch_is_refused(tmp_path: Path) -> None:
    data = bytearray(VALID)
    with zipfile.ZipFile(io.BytesIO(VALID)) as zf:
        info = zf.getinfo("xl/styles.xml")
    pos = struct.unpack_from("<L", data, data.rfind(b"PK\x05\x06") + 16)[0]  # central directory start
    while True:  # find this member's central-directory record
        n, m, k = struct.unpack_from("<3H", data, pos + 28)
        if bytes(data[pos + 46 : pos + 46 + n]) == b"xl/styles.xml":
            break
        pos += 46 + n + m + k
    struct.pack_into("<L", data, pos + 16, info.CRC ^ 1)
    struct.pack_into("<L", data, info.header_offset + 14, info.CRC ^ 1)
    path = tmp_path / "crc.xlsx"
    path.write_bytes(bytes(data))
    issue = _assert_single(precheck(path), "XP102", "crc.xlsx")
    assert "xl/styles.xml" in issue.message


def test_xml_part_that_is_not_xml_is_refused(tmp_path: Path) -> None:
    issue = _assert_single(precheck(_package(tmp_path / "bin.xlsx", b"\x00\x01\x02garbage")), "XP102", "bin.xlsx")
    assert "xl/worksheets/sheet1.xml" in issue.message
    # binary parts (images, vbaProject.bin) are not XML and that is fine
    png = {"xl/media/image1.png": b"\x89PNG\r\n\x1a\n"}
    assert precheck(_package(tmp_path / "img.xlsx", _rows_sheet(1), **png)) == []


def test_not_a_workbook_variants(tmp_path: Path) -> None:
    no_wb = _members(VALID)
    del no_wb["xl/workbook.xml"]
    assert _codes(precheck(_write_zip(tmp_path / "nowb.xlsx", no_wb))) == ["XP109"]
    no_ct = _members(VALID)
    del no_ct["[Content_Types].xml"]
    assert _codes(precheck(_write_zip(tmp_path / "noct.xlsx", no_ct))) == ["XP109"]
    _write_zip(tmp_path / "random.xlsx", {"readme.txt": b"hello"})
    assert _codes(precheck(tmp_path / "random.xlsx")) == ["XP109"]
    with zipfile.ZipFile(tmp_path / "emptyzip.xlsx", "w"):
        pass
    assert _codes(precheck(tmp_path / "emptyzip.xlsx")) == ["XP109"]
    assert "Word" in precheck(FILES / "docx_like.xlsx")[0].message


def test_html_disguised_as_xls_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "导出.xls"
    path.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>", encoding="utf-8")
    issue = _assert_single(precheck(path), "XP102", "导出.xls")
    assert "HTML" in issue.message


def test_macros_detected_by_content_type_or_macrosheet(tmp_path: Path) -> None:
    members = _members(VALID)
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    issues = precheck(_write_zip(tmp_path / "ct.xlsm", members))
    assert _codes(issues) == ["XP107"] and not is_fatal(issues)
    members = _members(VALID)
    members["xl/macrosheets/sheet1.xml"] = b"<xm:macrosheet xmlns:xm='urn:x'/>"
    assert _codes(precheck(_write_zip(tmp_path / "xlm.xlsx", members))) == ["XP107"]


def test_fatal_issue_replaces_notes(tmp_path: Path) -> None:
    members = _members((FILES / "macro.xlsm").read_bytes())
    members["xl/worksheets/sheet1.xml"] = mc.billion_laughs_sheet()
    assert _codes(precheck(_write_zip(tmp_path / "both.xlsm", members))) == ["XP106"]


# --------------------------------------------------------------------------------------------------
# OLE2 / CFB


def test_damaged_ole_falls_back_to_scanning(tmp_path: Path) -> None:
    enc = bytearray((FILES / "encrypted.xlsx").read_bytes())
    struct.pack_into("<H", enc, 30, 7)  # impossible sector shift: the directory cannot be parsed
    (tmp_path / "enc.xlsx").write_bytes(bytes(enc))
    assert _codes(precheck(tmp_path / "enc.xlsx")) == ["XP104"]
    legacy = (FILES / "legacy.xls").read_bytes()
    (tmp_path / "short.xls").write_bytes(legacy[:600])
    assert _codes(precheck(tmp_path / "short.xls")) == ["XP103"]


def test_directory_parsing_decides_not_a_name_scan(tmp_path: Path) -> None:
    # a legacy workbook whose cell data mentions the encryption stream names is still legacy-xls
    stream = mc.biff8_workbook_stream() + "EncryptionInfo EncryptedPackage".encode("utf-16-le")
    (tmp_path / "mention.xls").write_bytes(mc.build_cfb({"Workbook": stream}))
    assert _codes(precheck(tmp_path / "mention.xls")) == ["XP103"]


def test_other_ole_documents(tmp_path: Path) -> None:
    (tmp_path / "report.xls").write_bytes(mc.build_cfb({"WordDocument": b"\0" * 5000}))
    issue = _assert_single(precheck(tmp_path / "report.xls"), "XP109", "report.xls")
    assert "Word" in issue.message
    (tmp_path / "book.xls").write_bytes(mc.build_cfb({"Book": b"\x09\x08" + b"\0" * 5000}))  # BIFF5
    assert _codes(precheck(tmp_path / "book.xls")) == ["XP103"]


# --------------------------------------------------------------------------------------------------
# robustness


def test_missing_file_is_its_own_fatal_issue(tmp_path: Path) -> None:
    """A missing file is reported (XP112, never XP101 empty-file), not raised: a batch goes on."""
    issues = precheck(tmp_path / "nope.xlsx")
    assert _codes(issues) == ["XP112"] and issues[0].fatal and "nope.xlsx" in issues[0].message


def test_is_fatal() -> None:
    warn = FileIssue(Noted.MACROS_PRESENT, "宏", False)
    err = FileIssue(Noted.NOT_A_ZIP, "坏", True)
    assert not is_fatal([]) and not is_fatal([warn])
    assert is_fatal([err]) and is_fatal([warn, err])
    assert is_fatal(iter([err]))


@pytest.mark.subprocess
def test_module_does_not_import_openpyxl() -> None:
    code = "import sys, xlperf.ingest.precheck; sys.exit('openpyxl' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1]).returncode == 0


def _check_well_formed(issues: list[FileIssue]) -> None:
    assert isinstance(issues, list)
    for issue in issues:
        assert issue.kind in NOTE_CHECKS
        assert CHINESE.search(issue.message)
    if is_fatal(issues):
        assert len(issues) == 1


_fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_fuzz
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<?xml"]),
    body=st.binary(max_size=4096),
)
def test_random_bytes_never_raise(tmp_path_factory: pytest.TempPathFactory, prefix: bytes, body: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "r.xlsx"
    path.write_bytes(prefix + body)
    issues = precheck(path)
    _check_well_formed(issues)
    assert is_fatal(issues)  # none of these can be a workbook


@_fuzz
@given(cut=st.integers(min_value=0, max_value=len(VALID) - 1))
def test_any_truncation_of_a_valid_workbook_is_refused(tmp_path_factory: pytest.TempPathFactory, cut: int) -> None:
    path = tmp_path_factory.mktemp("cut") / "cut.xlsx"
    path.write_bytes(VALID[:cut])
    issues = precheck(path)
    _check_well_formed(issues)
    assert _codes(issues) == (["XP101"] if cut == 0 else ["XP102"])


_OLE_SAMPLES = [(FILES / "legacy.xls").read_bytes(), (FILES / "encrypted.xlsx").read_bytes()]


@_fuzz
@given(
    which=st.sampled_from([0, 1]),
    cut=st.integers(min_value=8, max_value=12_000),
    flips=st.lists(st.tuples(st.integers(0, 12_000), st.integers(1, 255)), max_size=20),
)
def test_mangled_ole_files_never_raise(
    tmp_path_factory: pytest.TempPathFactory, which: int, cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(_OLE_SAMPLES[which][:cut])
    for pos, mask in flips:
        if 8 <= pos < len(data):  # keep the signature so the OLE path is exercised
            data[pos] ^= mask
    path = tmp_path_factory.mktemp("ole") / "o.xls"
    path.write_bytes(bytes(data))
    issues = precheck(path)
    _check_well_formed(issues)
    assert _codes(issues)[0] in {"XP103", "XP104", "XP109"}


@_fuzz
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(1, 255)), min_size=1, max_size=12))
def test_mangled_workbooks_never_raise(tmp_path_factory: pytest.TempPathFactory, flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID)
    for pos, mask in flips:
        data[pos] ^= mask
    path = tmp_path_factory.mktemp("flip") / "f.xlsx"
    path.write_bytes(bytes(data))
    _check_well_formed(precheck(path))


def _split(data: bytes, cuts: list[int]) -> Iterator[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    for a, b in zip(points, points[1:]):
        yield data[a:b]


@_fuzz
@given(rows=st.integers(0, 300), cuts=st.lists(st.integers(0, 10**6), max_size=40), utf16=st.booleans())
def test_row_counter_is_exact_whatever_the_chunking(rows: int, cuts: list[int], utf16: bool) -> None:
    sheet = mc.sheet_head("A1:A7") + b'<row r="1" spans="1:1"><c><v>1</v></c></row><x:row/>' * rows + mc.SHEET_TAIL
    if utf16:
        sheet = sheet.decode().encode("utf-16")
    counter = RowCounter(64 * 1024)
    for chunk in _split(sheet, cuts):
        counter.feed(chunk)
    assert counter.count == 2 * rows
    assert counter.dimension_rows == 7


@_fuzz
@given(cuts=st.lists(st.integers(0, 10**6), max_size=30), bad=st.booleans(), utf16=st.booleans())
def test_prolog_scanner_decides_the_same_whatever_the_chunking(cuts: list[int], bad: bool, utf16: bool) -> None:
    text = '<?xml version="1.0"?>\n<!-- c -->' + (_DOCTYPE.decode() if bad else "") + '<worksheet a="<!DOCTYPE"/>'
    data = text.encode("utf-16") if utf16 else text.encode()
    scanner = PrologScanner(64 * 1024)
    for chunk in _split(data, cuts):
        scanner.feed(chunk)
    assert scanner.finish() == ("doctype" if bad else "clean")


# --------------------------------------------------------------------------------------------------
# the corpus script


def _fingerprint(path: Path) -> tuple[object, ...]:
    """What a corpus file means: pre-check result + zip members' CRCs, or the raw bytes."""
    codes = tuple(_codes(precheck(path)))
    data = path.read_bytes()
    if path.name == "truncated.xlsx":  # compressed bytes may vary with the zlib build: compare meaning
        return codes, data[:14]
    try:
        with zipfile.ZipFile(path) as zf:
            return codes, tuple(sorted((i.filename, i.CRC, i.file_size) for i in zf.infolist()))
    except zipfile.BadZipFile:
        return codes, data


def test_make_corpus_reproduces_the_committed_files(tmp_path: Path) -> None:
    written = mc.build_all(tmp_path)
    assert {p.name for p in written} == set(EXPECTED)
    for path in written:
        assert path.stat().st_size < 2 * MiB
        assert _fingerprint(path) == _fingerprint(FILES / path.name), path.name


@pytest.mark.subprocess
def test_make_corpus_runs_as_a_script(tmp_path: Path) -> None:
    script = str(CORPUS_DIR / "make_corpus.py")
    result = subprocess.run(
        [sys.executable, script, "--out", str(tmp_path), "--only", "empty.xlsx", "legacy.xls"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "empty.xlsx").stat().st_size == 0
    assert (tmp_path / "legacy.xls").read_bytes() == (FILES / "legacy.xls").read_bytes()


def test_corpus_workbooks_are_otherwise_valid(tmp_path: Path) -> None:
    """The refused workbooks are refused by the pre-check, not because they are broken packages."""
    from openpyxl import load_workbook

    small_rows = tmp_path / "rows.xlsx"
    mc.build_million_rows(small_rows, rows=50)
    small_bomb = tmp_path / "bomb.xlsx"
    mc.build_zip_bomb(small_bomb, mib=1)
    for path in (small_rows, small_bomb, FILES / "macro.xlsm", FILES / "other_template.xlsx"):
        wb = load_workbook(path, keep_vba=True)
        assert wb.sheetnames
    assert load_workbook(small_rows).worksheets[0].max_row == 50
    assert precheck(small_rows) == []
    assert precheck(small_bomb, Limits(max_ratio=10_000)) == []
    assert DEFAULT_LIMITS.max_sheet_rows == 100_000
