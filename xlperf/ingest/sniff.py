"""What a file really is, from its first bytes: zip, OLE compound file (.xls, an encrypted workbook, Word,
PowerPoint), PDF, HTML or SpreadsheetML saved as .xlsx. The compound file's directory is walked with every
sector number and chain length bounded."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import BinaryIO, Final

from xlperf.ingest.limits import MiB

__all__ = ["ENCRYPTION_STREAMS", "EXCEL_STREAMS", "OLE_SIGNATURE", "OTHER_OFFICE_STREAMS", "ZIP_SIGNATURES", "CfbError",
           "cfb_stream_names", "not_zip_hint", "scan_for_utf16"]

OLE_SIGNATURE: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES: Final = (b"PK\x03\x04", b"PK\x05\x06")
ENCRYPTION_STREAMS: Final = ("encryptioninfo", "encryptedpackage")
EXCEL_STREAMS: Final = ("workbook", "book")
OTHER_OFFICE_STREAMS: Final = {
    "worddocument": "Word 97-2003 文档（.doc）",
    "powerpoint document": "PowerPoint 97-2003 演示文稿（.ppt）",
}


def not_zip_hint(head: bytes) -> str:
    """A best-effort guess of what a non-zip file really is, for the message."""
    low = head[:2048].lower()
    if low.startswith(b"%pdf"):
        return "（看起来是 PDF 文件）"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in low:
        return "（看起来是“XML 电子表格 2003”文件）"
    if b"<html" in low or b"<table" in low or b"<!doctype html" in low:
        return "（看起来是网页（HTML）文件，常见于系统导出的“伪 .xls”）"
    if head[:4] in (b"Rar!", b"7z\xbc\xaf"):
        return "（看起来是 RAR/7z 压缩包）"
    return ""


# --------------------------------------------------------------------------------------------------
# OLE2 / CFB (legacy .xls and password-protected .xlsx)

_FREESECT: Final = 0xFFFFFFFF
_ENDOFCHAIN: Final = 0xFFFFFFFE
_MAX_REGSECT: Final = 0xFFFFFFFA


class CfbError(Exception):
    """Internal: the compound file directory could not be read."""


def cfb_stream_names(fh: BinaryIO, size: int) -> set[str]:
    """Names (casefolded) of the storages/streams in a compound file's directory.

    Minimal, bounded reader: follows the directory sector chain through the FAT only (FAT sectors are
    read lazily), with loop detection.  Raises :class:`CfbError` on anything malformed.
    """
    fh.seek(0)
    header = fh.read(512)
    if len(header) < 512:
        raise CfbError("short header")
    shift = struct.unpack_from("<H", header, 30)[0]
    if shift not in (9, 12):
        raise CfbError("bad sector shift")
    ssz = 1 << shift
    nsect = max(0, (size - ssz) // ssz)  # sector 0 starts right after the (sector-sized) header
    first_dir, = struct.unpack_from("<I", header, 48)
    first_difat, ndifat = struct.unpack_from("<II", header, 68)
    per_sector = ssz // 4

    fat_sectors: list[int] = [s for s in struct.unpack_from("<109I", header, 76) if s <= _MAX_REGSECT]
    sec, seen = first_difat, set[int]()
    while sec <= _MAX_REGSECT and len(seen) < min(ndifat, nsect):
        if sec >= nsect or sec in seen:
            raise CfbError("bad DIFAT chain")
        seen.add(sec)
        fh.seek((sec + 1) * ssz)
        ids = struct.unpack(f"<{per_sector}I", _read_exact(fh, ssz))
        fat_sectors.extend(s for s in ids[:-1] if s <= _MAX_REGSECT)
        sec = ids[-1]

    def next_sector(s: int) -> int:
        idx = s // per_sector
        if idx >= len(fat_sectors) or fat_sectors[idx] >= nsect:
            raise CfbError("sector outside FAT")
        fh.seek((fat_sectors[idx] + 1) * ssz + (s % per_sector) * 4)
        return int(struct.unpack("<I", _read_exact(fh, 4))[0])

    names: set[str] = set()
    sec, visited = first_dir, set[int]()
    while sec != _ENDOFCHAIN:
        if sec >= nsect or sec in visited:
            raise CfbError("bad directory chain")
        visited.add(sec)
        fh.seek((sec + 1) * ssz)
        block = _read_exact(fh, ssz)
        for off in range(0, ssz, 128):
            entry = block[off : off + 128]
            name_len = struct.unpack_from("<H", entry, 64)[0]
            if entry[66] in (1, 2) and 2 <= name_len <= 64 and name_len % 2 == 0:
                names.add(entry[: name_len - 2].decode("utf-16-le", errors="replace").casefold())
        sec = next_sector(sec)
    if not visited:
        raise CfbError("empty directory")
    return names


def scan_for_utf16(fh: BinaryIO, needles: Iterable[str], limit: int) -> set[str]:
    """Fallback for damaged CFB files: which UTF-16LE names occur in the first ``limit`` bytes."""
    encoded = {n: n.encode("utf-16-le") for n in needles}
    overlap = max(len(e) for e in encoded.values())
    found: set[str] = set()
    fh.seek(0)
    carry, read = b"", 0
    while read < limit:
        chunk = fh.read(min(1 * MiB, limit - read))
        if not chunk:
            break
        read += len(chunk)
        window = (carry + chunk).lower()  # bytes.lower() only touches ASCII letters
        found.update(n for n, e in encoded.items() if e.lower() in window)
        carry = (carry + chunk)[-overlap:]
    return found


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise CfbError("truncated")
    return data
