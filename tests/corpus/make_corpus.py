"""(Re)generate the hostile-file corpus for ``tests/test_safety.py``.

Usage::

    python tests/corpus/make_corpus.py [--out DIR] [--only NAME ...]

Every file is built deterministically (fixed zip timestamps, fixed document properties, seeded random
data), in bounded memory: large parts are written by streaming compressed data, never built in memory.
The builders are also imported by the tests to make variants (e.g. a zip bomb with lying headers).

Files (all < 2 MB):

* ``empty.xlsx``          0 bytes
* ``not_a_zip.xlsx``      plain text
* ``truncated.xlsx``      a valid openpyxl workbook cut in half
* ``legacy.xls``          OLE2/CFB with a BIFF8 ``Workbook`` stream (Excel 97-2003)
* ``encrypted.xlsx``      OLE2/CFB with ``EncryptionInfo`` + ``EncryptedPackage`` (password-protected xlsx)
* ``macro.xlsm``          valid workbook + ``xl/vbaProject.bin`` + macro-enabled content type
* ``xml_bomb.xlsx``       billion-laughs DOCTYPE in ``xl/worksheets/sheet1.xml``
* ``zip_bomb.xlsx``       ~320 KB file whose sheet inflates to 325 MB (310 MiB of spaces)
* ``million_rows.xlsx``   valid workbook, one sheet with 1,000,000 rows and ``<dimension ref="A1:A1000000">``
* ``other_template.xlsx`` a normal, valid but unrelated workbook (must pass the pre-check)
* ``docx_like.xlsx``      a zip holding only ``word/document.xml``
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "files"
MAX_CORPUS_FILE = 2 * 1024 * 1024
_DOS_TIME = (0 << 11) | (0 << 5) | 0
_DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1
_FIXED_DATETIME = dt.datetime(2024, 1, 1, 0, 0, 0)
MiB = 1024 * 1024


# --------------------------------------------------------------------------------------------------
# a tiny zip writer that can stream, take pre-compressed data and (for tests) lie about sizes


class RawZipWriter:
    """Minimal zip writer (no zip64): deterministic, streaming, and able to write hostile headers."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.entries: list[tuple[bytes, int, int, int, int, int]] = []  # name, method, crc, csize, usize, offset

    def add(self, name: str, data: bytes, *, level: int = 6) -> None:
        """Add an in-memory member, deflated."""
        self.add_stream(name, [data], level=level)

    def add_stored(self, name: str, data: bytes) -> None:
        self.add_raw(name, [data], crc=zlib.crc32(data), size=len(data), method=0)

    def add_stream(self, name: str, chunks: Iterable[bytes], *, level: int = 6) -> None:
        """Add a member from uncompressed chunks, compressing on the fly (bounded memory)."""
        comp = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
        state = {"crc": 0, "size": 0}

        def compressed() -> Iterator[bytes]:
            for chunk in chunks:
                state["crc"] = zlib.crc32(chunk, state["crc"])
                state["size"] += len(chunk)
                yield comp.compress(chunk)
            yield comp.flush()

        self._write(name, compressed(), method=8, sizes=lambda: (state["crc"], state["size"], state["size"]))

    def add_raw(
        self,
        name: str,
        compressed: Iterable[bytes],
        *,
        crc: int,
        size: int,
        method: int = 8,
        declared_size: int | None = None,
    ) -> None:
        """Add already-compressed data; ``declared_size`` lets a test write a lying header."""
        usize = size if declared_size is None else declared_size
        self._write(name, compressed, method=method, sizes=lambda: (crc, usize, usize))

    def _write(
        self, name: str, data: Iterable[bytes], *, method: int, sizes: Callable[[], tuple[int, int, int]]
    ) -> None:
        raw_name = name.encode("utf-8")
        offset = self.fh.tell()
        self.fh.write(b"\0" * (30 + len(raw_name)))
        csize = 0
        for block in data:
            self.fh.write(block)
            csize += len(block)
        end = self.fh.tell()
        crc, usize, _ = sizes()
        self.fh.seek(offset)
        self.fh.write(
            struct.pack(
                "<4s5H3L2H", b"PK\x03\x04", 20, 0x800, method, _DOS_TIME, _DOS_DATE, crc, csize, usize, len(raw_name), 0
            )
            + raw_name
        )
        self.fh.seek(end)
        self.entries.append((raw_name, method, crc, csize, usize, offset))

    def close(self) -> None:
        start = self.fh.tell()
        for raw_name, method, crc, csize, usize, offset in self.entries:
            self.fh.write(
                struct.pack(
                    "<4s6H3L5H2L",
                    b"PK\x01\x02", 20, 20, 0x800, method, _DOS_TIME, _DOS_DATE,
                    crc, csize, usize, len(raw_name), 0, 0, 0, 0, 0, offset,
                )
                + raw_name
            )
        size = self.fh.tell() - start
        n = len(self.entries)
        self.fh.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, size, start, 0))


def repack(
    source: bytes, out: BinaryIO, replace: dict[str, bytes] | None = None, extra: dict[str, bytes] | None = None
) -> None:
    """Copy a zip's members into a deterministic zip, replacing/adding some members."""
    replace, extra = replace or {}, extra or {}
    writer = RawZipWriter(out)
    with zipfile.ZipFile(io.BytesIO(source)) as zf:
        for info in zf.infolist():
            writer.add(info.filename, replace.get(info.filename, zf.read(info.filename)))
    for name, data in extra.items():
        writer.add(name, data)
    writer.close()


# --------------------------------------------------------------------------------------------------
# a tiny compound-file (OLE2/CFB v3) writer: root-level streams only


def build_cfb(streams: dict[str, bytes]) -> bytes:
    """A valid CFB v3 file (512-byte sectors, mini stream for streams < 4096 bytes)."""
    sect, mini, cutoff = 512, 64, 4096
    free, end_chain, fat_sect, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # CFB sibling order

    ministream, minifat = bytearray(), []
    start_of: dict[str, int] = {}
    for name in names:
        data = streams[name]
        if len(data) >= cutoff:
            continue
        count = -(-len(data) // mini)
        start_of[name] = len(minifat) if count else end_chain
        first = len(minifat)
        minifat += [first + k + 1 for k in range(count - 1)] + ([end_chain] if count else [])
        ministream += data + b"\0" * (count * mini - len(data))

    big = [n for n in names if len(streams[n]) >= cutoff]
    dir_count = -(-(1 + len(names)) // 4)
    minifat_count = -(-len(minifat) * 4 // sect)
    ministream_count = -(-len(ministream) // sect)
    big_counts = {n: -(-len(streams[n]) // sect) for n in big}
    content = dir_count + minifat_count + ministream_count + sum(big_counts.values())
    fat_count = 1
    while fat_count * (sect // 4) < content + fat_count:
        fat_count += 1
    assert fat_count <= 109, "no DIFAT support"

    fat: list[int] = [fat_sect] * fat_count
    sectors: list[bytes] = []

    def chain(data: bytes, count: int) -> int:
        if count == 0:
            return end_chain
        first = fat_count + len(sectors)
        fat.extend([first + k + 1 for k in range(count - 1)] + [end_chain])
        padded = bytes(data) + b"\0" * (count * sect - len(data))
        sectors.extend(padded[i : i + sect] for i in range(0, len(padded), sect))
        return first

    # directory: entry 0 is the root, then the streams; siblings form a balanced binary tree
    left = [no_stream] * len(names)
    right = [no_stream] * len(names)

    def tree(lo: int, hi: int) -> int:
        if lo > hi:
            return no_stream
        mid = (lo + hi) // 2
        left[mid], right[mid] = tree(lo, mid - 1), tree(mid + 1, hi)
        return mid + 1  # directory index (root is 0)

    child = tree(0, len(names) - 1)
    first_dir = fat_count  # directory sectors come first; placeholder content replaced below
    sectors.extend([b""] * dir_count)
    fat.extend([first_dir + k + 1 for k in range(dir_count - 1)] + [end_chain])
    first_minifat = chain(b"".join(struct.pack("<I", x) for x in minifat), minifat_count)
    ministream_start = chain(bytes(ministream), ministream_count)
    for name in big:
        start_of[name] = chain(streams[name], big_counts[name])

    def entry(name: str, kind: int, lft: int, rgt: int, chld: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le")
        assert len(raw) <= 62
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(raw) + 2 if name else 0, kind, 1, lft, rgt, chld)
            + b"\0" * 16  # CLSID
            + struct.pack("<I2QIQ", 0, 0, 0, start, size)
        )

    root_start = ministream_start if ministream else end_chain
    entries = [entry("Root Entry", 5, no_stream, no_stream, child, root_start, len(ministream))]
    for i, name in enumerate(names):
        entries.append(entry(name, 2, left[i], right[i], no_stream, start_of[name], len(streams[name])))
    while len(entries) % 4:
        entries.append(entry("", 0, no_stream, no_stream, no_stream, 0, 0))
    directory = b"".join(entries)
    for k in range(dir_count):
        sectors[k] = directory[k * sect : (k + 1) * sect]

    fat += [free] * (fat_count * (sect // 4) - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    difat = list(range(fat_count)) + [free] * (109 - fat_count)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<5H", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack(
            "<9I", 0, fat_count, first_dir, 0, cutoff, first_minifat,
            minifat_count, end_chain, 0,
        )
        + struct.pack("<109I", *difat)
    )
    assert len(header) == 512
    return header + fat_bytes + b"".join(sectors)


def _biff_record(rtype: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def biff8_workbook_stream() -> bytes:
    """A BIFF8 'Workbook' stream: globals BOF/EOF + one empty worksheet substream, padded to 4 KiB."""
    bof_globals = _biff_record(0x0809, struct.pack("<4H2I", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x000100C9, 0x00000206))
    codepage = _biff_record(0x0042, struct.pack("<H", 1200))
    sheet_name = "Sheet1".encode("latin-1")
    boundsheet = _biff_record(0x0085, struct.pack("<IBBBB", 0, 0, 0, len(sheet_name), 0) + sheet_name)
    globals_ = bof_globals + codepage + boundsheet + _biff_record(0x000A)
    bof_sheet = _biff_record(0x0809, struct.pack("<4H2I", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0x000100C9, 0x00000206))
    sheet = bof_sheet + _biff_record(0x000A)
    # patch BoundSheet8.lbPlyPos (stream offset of the sheet's BOF)
    placed = _biff_record(0x0085, struct.pack("<IBBBB", len(globals_), 0, 0, len(sheet_name), 0) + sheet_name)
    globals_ = globals_.replace(boundsheet, placed)
    stream = globals_ + sheet
    return stream + b"\0" * (4096 - len(stream))


# --------------------------------------------------------------------------------------------------
# SpreadsheetML pieces

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def minimal_package_parts() -> dict[str, bytes]:
    """Everything of a one-sheet workbook except ``xl/worksheets/sheet1.xml``."""
    ct = (
        _XML_DECL
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    )
    rels = (
        _XML_DECL
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook = (
        _XML_DECL + f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_R_NS}"><sheets>'
        '<sheet name="明细" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    wb_rels = (
        _XML_DECL
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    )
    return {
        "[Content_Types].xml": ct.encode(),
        "_rels/.rels": rels.encode(),
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": wb_rels.encode(),
    }


def sheet_head(dimension: str | None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (_XML_DECL + f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_R_NS}">{dim}<sheetData>').encode()


SHEET_TAIL = b"</sheetData></worksheet>"


def _openpyxl_workbook(kind: str) -> bytes:
    """A small, valid openpyxl workbook, saved with fixed document properties."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if kind == "basic":
        ws.title = "部门整体支出"
        ws.append(["项目", "预算数", "执行数", "执行率"])
        for i in range(1, 21):
            ws.append([f"项目{i}", 1000 * i, 900 * i, f"=C{i + 1}/B{i + 1}"])
    else:  # "other": an unrelated but perfectly normal workbook
        ws.title = "封面"
        ws["A1"] = "2023 年度固定资产盘点表"
        ws.merge_cells("A1:D1")
        ws2 = wb.create_sheet("资产清单")
        ws2.append(["编号", "名称", "购置日期", "原值（元）"])
        rnd = random.Random(7)
        for i in range(1, 201):
            item = rnd.choice(["台式电脑", "打印机", "办公桌", "空调"])
            ws2.append([f"ZC{i:04d}", item, dt.date(2020, 1, 1) + dt.timedelta(days=i), rnd.randint(500, 20000)])
        ws2["F1"] = "合计"
        ws2["G1"] = "=SUM(D2:D201)"
        ws3 = wb.create_sheet("填表说明")
        ws3["A1"] = "本表与绩效自评无关。"
    wb.properties.created = _FIXED_DATETIME
    wb.properties.modified = _FIXED_DATETIME
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl stamps dcterms:modified with the current time: pin it
    with zipfile.ZipFile(buf) as zf:
        core = zf.read("docProps/core.xml").decode()
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", r"\g<1>2024-01-01T00:00:00Z\g<2>", core)
    out = io.BytesIO()
    repack(buf.getvalue(), out, replace={"docProps/core.xml": core.encode()})  # + fixed zip timestamps
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# builders (each writes one file)


def build_empty(path: Path) -> None:
    path.write_bytes(b"")


def build_not_a_zip(path: Path) -> None:
    path.write_text("这不是 Excel 文件。\n项目,预算数,执行数\n办公经费,1000,900\n", encoding="utf-8")


def build_truncated(path: Path) -> None:
    data = _openpyxl_workbook("basic")
    path.write_bytes(data[: len(data) // 2])


def build_legacy(path: Path) -> None:
    summary = b"\xfe\xff\x00\x00" + b"\0" * 44  # stub property-set header, goes to the mini stream
    path.write_bytes(build_cfb({"Workbook": biff8_workbook_stream(), "\x05SummaryInformation": summary}))


def build_encrypted(path: Path) -> None:
    descriptor = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        '<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        '<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></keyEncryptor></keyEncryptors></encryption>'
    ).encode()
    info = struct.pack("<HHI", 4, 4, 0x40) + descriptor  # agile encryption, version 4.4
    rnd = random.Random(11)
    payload = bytes(rnd.getrandbits(8) for _ in range(8192))
    package = struct.pack("<Q", 7000) + payload
    path.write_bytes(build_cfb({"EncryptionInfo": info, "EncryptedPackage": package}))


def build_macro(path: Path) -> None:
    base = _openpyxl_workbook("basic")
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        ct = zf.read("[Content_Types].xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    ct = ct.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="vbaProject.bin"/></Relationships>',
    )
    project = b'ID="{00000000-0000-0000-0000-000000000000}"\r\nDocument=ThisWorkbook/&H00000000\r\nName="VBAProject"\r\n'
    project_wm = b"ThisWorkbook\0" + "ThisWorkbook".encode("utf-16-le") + b"\0\0\0\0"
    vba = build_cfb({"PROJECT": project, "PROJECTwm": project_wm})  # a stub vbaProject.bin: never executed
    with path.open("wb") as fh:
        replace = {"[Content_Types].xml": ct.encode(), "xl/_rels/workbook.xml.rels": rels.encode()}
        repack(base, fh, replace=replace, extra={"xl/vbaProject.bin": vba})


def billion_laughs_sheet() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<!DOCTYPE worksheet [{entities}]>\n"
        f'<worksheet xmlns="{_MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()


def build_xml_bomb(path: Path) -> None:
    base = _openpyxl_workbook("basic")
    with path.open("wb") as fh:
        repack(base, fh, replace={"xl/worksheets/sheet1.xml": billion_laughs_sheet()})


def build_zip_bomb(path: Path, *, mib: int = 310, declared_size: int | None = None) -> None:
    """A one-sheet workbook whose sheet is ``mib`` MiB of spaces between valid XML.

    The deflate stream is assembled from one 1 MiB block compressed once and repeated: after a
    Z_FULL_FLUSH a block never refers back, so identical input gives identical, concatenable output.
    Generation is instant and uses ~2 MB of memory.  ``declared_size`` writes lying size headers.
    """
    head, chunk = sheet_head("A1"), b" " * MiB
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    last = comp.compress(SHEET_TAIL) + comp.flush()
    crc = zlib.crc32(head)
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(SHEET_TAIL, crc)
    size = len(head) + mib * MiB + len(SHEET_TAIL)

    def compressed() -> Iterator[bytes]:
        yield first
        for _ in range(mib):
            yield block
        yield last

    with path.open("wb") as fh:
        writer = RawZipWriter(fh)
        for name, data in minimal_package_parts().items():
            writer.add(name, data)
        writer.add_raw("xl/worksheets/sheet1.xml", compressed(), crc=crc, size=size, declared_size=declared_size)
        writer.close()


def million_rows_chunks(rows: int, *, dimension: bool, seed: int = 2024) -> Iterator[bytes]:
    """Sheet XML with ``rows`` one-cell rows, in ~256 KB chunks.

    Cell values are seeded random digits so the part compresses ~30x (well under the zip-bomb ratio
    limit) while the file stays < 1 MB.
    """
    rnd = random.Random(seed)
    variants = [f"<row><c><v>{d}</v></c></row>".encode() for d in range(10)]
    yield sheet_head(f"A1:A{rows}" if dimension else None)
    batch = 10_000
    for start in range(0, rows, batch):
        yield b"".join(rnd.choices(variants, k=min(batch, rows - start)))
    yield SHEET_TAIL


def build_million_rows(path: Path, *, rows: int = 1_000_000, dimension: bool = True) -> None:
    with path.open("wb") as fh:
        writer = RawZipWriter(fh)
        for name, data in minimal_package_parts().items():
            writer.add(name, data)
        writer.add_stream("xl/worksheets/sheet1.xml", million_rows_chunks(rows, dimension=dimension))
        writer.close()


def build_other_template(path: Path) -> None:
    path.write_bytes(_openpyxl_workbook("other"))


def build_docx_like(path: Path) -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>部门整体支出绩效自评报告</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    with path.open("wb") as fh:
        writer = RawZipWriter(fh)
        writer.add("word/document.xml", document)
        writer.close()


BUILDERS: dict[str, Callable[[Path], None]] = {
    "empty.xlsx": build_empty,
    "not_a_zip.xlsx": build_not_a_zip,
    "truncated.xlsx": build_truncated,
    "legacy.xls": build_legacy,
    "encrypted.xlsx": build_encrypted,
    "macro.xlsm": build_macro,
    "xml_bomb.xlsx": build_xml_bomb,
    "zip_bomb.xlsx": build_zip_bomb,
    "million_rows.xlsx": build_million_rows,
    "other_template.xlsx": build_other_template,
    "docx_like.xlsx": build_docx_like,
}


def build_all(out: Path = DEFAULT_OUT, only: Iterable[str] | None = None) -> list[Path]:
    """Write the corpus files into ``out``; return their paths.  Fails if one is ≥ 2 MB."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in only or BUILDERS:
        path = out / name
        BUILDERS[name](path)
        size = path.stat().st_size
        if size >= MAX_CORPUS_FILE:
            raise SystemExit(f"{name} is {size} bytes, corpus files must stay under {MAX_CORPUS_FILE}")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: tests/corpus/files)")
    parser.add_argument("--only", nargs="*", choices=sorted(BUILDERS), help="build only these files")
    args = parser.parse_args(argv)
    for path in build_all(args.out, args.only):
        print(f"{path.stat().st_size:>9}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
