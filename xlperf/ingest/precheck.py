"""Hostile-file pre-check for submitted workbooks.

Submitted .xlsx files come from outside and must be treated as hostile.  Before openpyxl or calamine
ever opens a file, :func:`precheck` inspects the raw bytes and the zip structure and either refuses the
file with ONE clear Chinese message (a single fatal :class:`FileIssue`) or lets it through, possibly
with non-fatal notes (e.g. macros present).

Why a separate pass: spreadsheet libraries trust the zip headers, expand whatever XML they are given and
allocate per row; a 300 KB file can ask for gigabytes.  This module therefore

* never decompresses a whole member into memory: every member is streamed through ``zlib`` in bounded
  chunks, with the output capped at the size the central directory declares (so lying headers are
  detected instead of believed);
* decides everything from the central directory first (sizes, ratio, member count), before any inflation;
* only ever parses small metadata parts ([Content_Types].xml, workbook.xml and its rels), with a size
  cap, after their prolog has been checked for DOCTYPE, and with ``defusedxml`` as a second guard;
* counts worksheet rows with a streaming regex that stops at the limit.

The concerns live apart: :mod:`~xlperf.ingest.limits` (the one :class:`Limits`), :mod:`~xlperf.ingest.sniff`
(what the bytes are: zip, OLE, PDF …), :mod:`~xlperf.ingest.prolog` (DOCTYPE in an XML prolog),
:mod:`~xlperf.ingest.counting` (rows and cells while streaming); this module reads the zip directory, inflates
members in bounded chunks and decides.

Worst case work is therefore bounded by :class:`Limits` (roughly ``max_total_uncompressed`` bytes inflated
once, in 256 KiB pieces), whatever the file claims.  Only stdlib + ``defusedxml`` are used; the module must
not import openpyxl.
"""

from __future__ import annotations

import errno
import logging
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from typing import BinaryIO, Final

from defusedxml import ElementTree as SafeET

from xlperf.ingest.counting import RowCounter
from xlperf.ingest.limits import DEFAULT_LIMITS, KiB, Limits, MiB
from xlperf.ingest.notes import Noted
from xlperf.ingest.prolog import PrologScanner, prolog_verdict
from xlperf.ingest.sniff import (
    ENCRYPTION_STREAMS,
    EXCEL_STREAMS,
    OLE_SIGNATURE,
    OTHER_OFFICE_STREAMS,
    ZIP_SIGNATURES,
    CfbError,
    cfb_stream_names,
    not_zip_hint,
    scan_for_utf16,
)

__all__ = ["DEFAULT_LIMITS", "FileIssue", "FileRefused", "Limits", "is_fatal", "open_regular", "precheck"]

_log = logging.getLogger(__name__)

@dataclass(frozen=True)
class FileIssue:
    """One problem found in the raw file; ``fatal`` means the file must not be read further."""

    kind: Noted
    message: str
    fatal: bool


def is_fatal(issues: Iterable[FileIssue]) -> bool:
    """True if any issue forbids reading the file further."""
    return any(issue.fatal for issue in issues)


def precheck(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS, *,
             keep: dict[str, bytes] | None = None, directory: list[zipfile.ZipInfo] | None = None) -> list[FileIssue]:
    """Inspect a submitted file before any spreadsheet library opens it.

    Returns either ``[one fatal issue]`` or a (possibly empty) list of non-fatal notes. Never raises:
    a missing file, a folder, a pipe, a device, a socket or a symlink loop is a fatal issue too.

    ``keep``: filled with the inflated bytes of the members up to :data:`KEEP_PART_MAX` (at most
    :data:`KEEP_TOTAL_MAX` together) that ``zipfile`` would read to exactly these bytes (see
    :meth:`_Precheck._zipfile_reads_alike`), so the reader need not inflate them again. Meaningful only when
    no issue is fatal. ``directory``: filled with the zip directory (``ZipFile.infolist()``) the pre-check read
    and passed, so the reader need not parse it again; left empty when an issue is fatal.
    """
    filename = os.fspath(path)
    label = os.path.basename(filename) or filename
    try:
        fh = open_regular(filename)
    except FileRefused as refused:
        return [refused.issue]
    with fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            checked = _Precheck(fh, size, label, limits, keep)
            notes = checked.run()
            if directory is not None:
                directory.extend(checked.infos)
            return notes
        except _Refused as refused:
            return [refused.issue]
        except Exception:  # noqa: BLE001 - hostile input must never crash the caller: fail closed
            _log.debug("precheck: unexpected error on %s", label, exc_info=True)
            return [_issue(Noted.NOT_A_ZIP, f"{_q(label)}无法读取：文件已损坏或不是 xlsx 格式。{_RESAVE}")]


class FileRefused(OSError):
    """The path is not a regular file that can be opened; ``issue`` is the fatal finding to report."""

    def __init__(self, issue: FileIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


_KINDS_ZH: Final = ((stat.S_ISDIR, "是文件夹"), (stat.S_ISFIFO, "是命名管道（FIFO）"), (stat.S_ISSOCK, "是套接字"),
                    (stat.S_ISCHR, "是字符设备"), (stat.S_ISBLK, "是块设备"))


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a submitted file read-only, only if it is a regular file; else raise :class:`FileRefused`.

    The path is examined with ``lstat`` first (a FIFO or a device is never opened, so nothing can block);
    a symlink is followed once by ``stat`` (a loop fails with ELOOP instead of hanging); the file is opened
    with ``O_NONBLOCK`` and ``O_NOCTTY`` and re-checked with ``fstat`` (same device and inode, still regular),
    so a file swapped in between is refused too.
    """
    filename = os.fspath(path)
    label = os.path.basename(filename) or filename
    q = _q(label)

    def refuse(kind: Noted, detail: str) -> FileRefused:
        return FileRefused(_issue(kind, f"{q}{detail}"))

    try:
        st = os.lstat(filename)
        if stat.S_ISLNK(st.st_mode):
            st = os.stat(filename)
    except (FileNotFoundError, NotADirectoryError):
        raise refuse(Noted.FILE_NOT_FOUND, "不存在（找不到该文件），请检查文件名和路径。") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise refuse(Noted.NOT_A_REGULAR_FILE, "是循环的符号链接，无法打开。请提交工作簿文件本身。") from None
        raise refuse(Noted.FILE_UNREADABLE, f"无法访问（{exc.strerror or type(exc).__name__}），请检查文件权限。") from None
    except ValueError:  # an embedded NUL byte in the name
        raise refuse(Noted.FILE_NOT_FOUND, "的文件名无效，找不到该文件。") from None
    if not stat.S_ISREG(st.st_mode):
        what = next((zh for test, zh in _KINDS_ZH if test(st.st_mode)), "不是普通文件")
        raise refuse(Noted.NOT_A_REGULAR_FILE, f"{what}，不是工作簿文件，未打开读取。请提交 Excel 保存的 .xlsx 文件。")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(filename, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise refuse(Noted.NOT_A_REGULAR_FILE, "是循环的符号链接，无法打开。请提交工作簿文件本身。") from None
        if isinstance(exc, FileNotFoundError):
            raise refuse(Noted.FILE_NOT_FOUND, "不存在（找不到该文件），请检查文件名和路径。") from None
        raise refuse(Noted.FILE_UNREADABLE, f"无法打开（{exc.strerror or type(exc).__name__}），请检查文件权限。") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise refuse(Noted.NOT_A_REGULAR_FILE, "在检查时被替换为其他文件，未读取。请重新提交。")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# --------------------------------------------------------------------------------------------------
# issues and messages

_RESAVE: Final = "请在 Excel 中打开并“另存为”Excel 工作簿（.xlsx）后重新提交。"
_BOMB_TAIL: Final = "疑似恶意构造的压缩文件（“压缩炸弹”），已拒绝读取。请确认文件来源，在 Excel 中打开后另存为新的 .xlsx 文件再提交。"


class _Refused(Exception):
    """Internal: carries the single fatal issue up to :func:`precheck`."""

    def __init__(self, issue: FileIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _issue(kind: Noted, message: str, fatal: bool = True) -> FileIssue:
    return FileIssue(kind=kind, message=message, fatal=fatal)


def _refuse(kind: Noted, message: str) -> _Refused:
    return _Refused(_issue(kind, message))


def _q(label: str) -> str:
    return f'文件 "{label}" '


def _mb(n: int | float) -> str:
    return f"{n / MiB:.1f} MB"


# --------------------------------------------------------------------------------------------------
# zip / OPC

_CT_PART: Final = "[Content_Types].xml"
_WORKBOOK_CTS: Final = (  # same preference order as openpyxl
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_SHEET_CTS: Final = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "application/vnd.ms-excel.macrosheet+xml",
)
_SHEET_PATH: Final = re.compile(r"^xl/(?:worksheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)
_XML_EXTENSIONS: Final = (".xml", ".rels", ".vml")
_MACROSHEET_DIR: Final = "xl/macrosheets/"
_MACRO_CT_MARKERS: Final = ("macroenabled", "vbaproject", "macrosheet")
_OTHER_PACKAGES: Final = (
    ("word/document.xml", "Word 文档（.docx）"),
    ("ppt/presentation.xml", "PowerPoint 演示文稿（.pptx）"),
    ("xl/workbook.bin", "Excel 二进制工作簿（.xlsb）"),
    ("content.xml", "OpenDocument 文档（如 WPS/LibreOffice 的 .ods）"),
)
_REL_NS: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
KEEP_PART_MAX: Final = 4 * MiB
"""Largest member whose inflated bytes are handed to the reader (the reader parses parts up to this size in
one call)."""
KEEP_TOTAL_MAX: Final = 32 * MiB
"""Inflated bytes handed to the reader per workbook at most (a standard workbook: ~0.4 MiB)."""
_ZIPFILE_REFUSES: Final = 0x01 | 0x20 | 0x40  # flag bits zipfile will not read: encrypted, patched, strong encryption
_IN_CHUNK: Final = 64 * KiB
_OUT_CHUNK: Final = 256 * KiB


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Precheck:
    """One pre-check run over an open file; methods raise :class:`_Refused` on the first fatal issue."""

    def __init__(self, fh: BinaryIO, size: int, label: str, limits: Limits,
                 keep: dict[str, bytes] | None = None) -> None:
        self.fh = fh
        self.keep = keep
        self.kept_bytes = 0
        self._alike: set[str] = set()  # members whose local header zipfile accepts as is (see _locate)
        self.size = size
        self.label = label
        self.limits = limits
        self.notes: list[FileIssue] = []
        self.ranges: dict[str, tuple[int, int]] = {}
        self.workbook_part = "xl/workbook.xml"
        self._sheet_names: dict[str, str] | None = None
        self._members: dict[str, zipfile.ZipInfo] = {}
        self.infos: list[zipfile.ZipInfo] = []  # the zip directory, once every check has passed
        self.total_rows = 0  # rows and cells of the worksheets inspected so far
        self.total_cells = 0
        self.total_tags = 0  # '<' in all XML parts inspected so far (an upper bound of their tags)

    # -- entry -------------------------------------------------------------------------------------
    def run(self) -> list[FileIssue]:
        lim, q = self.limits, _q(self.label)
        if self.size == 0:
            raise _refuse(Noted.EMPTY_FILE, f"{q}是空文件（0 字节），请检查是否保存完整后重新提交。")
        if self.size > lim.max_file_bytes:
            raise _refuse(
                Noted.FILE_TOO_LARGE,
                f"{q}大小为 {_mb(self.size)}，超过上限 {_mb(lim.max_file_bytes)}。"
                "请删除无关的工作表、图片等内容后重新提交。",
            )
        self.fh.seek(0)
        head = self.fh.read(4096)
        if head.startswith(OLE_SIGNATURE):
            raise self._refuse_ole()
        if not head.startswith(ZIP_SIGNATURES):
            raise self._corrupt(not_zip_hint(head))
        self._check_directory_bounds()
        try:
            with zipfile.ZipFile(self.fh) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error,
                UnicodeDecodeError, NotImplementedError) as exc:
            raise self._corrupt() from exc
        self._check_entries(infos)
        self._members = {info.filename: info for info in infos}
        self._check_package(infos)
        self.infos = infos
        return self.notes

    def _corrupt(self, detail: str = "") -> _Refused:
        return _refuse(Noted.NOT_A_ZIP, f"{_q(self.label)}无法读取：文件已损坏或不是 xlsx 格式{detail}。{_RESAVE}")

    def _bomb(self, detail: str) -> _Refused:
        return _refuse(Noted.ZIP_BOMB, f"{_q(self.label)}{detail}，{_BOMB_TAIL}")

    # -- OLE2 --------------------------------------------------------------------------------------
    def _refuse_ole(self) -> _Refused:
        q = _q(self.label)
        try:
            names: set[str] | None = cfb_stream_names(self.fh, self.size)
        except (CfbError, struct.error, IndexError, OSError):
            names = None
        if names is None:
            names = scan_for_utf16(self.fh, ENCRYPTION_STREAMS, self.size)
        if any(n in names for n in ENCRYPTION_STREAMS):
            return _refuse(
                Noted.ENCRYPTED_WORKBOOK,
                f"{q}设置了打开密码（已加密），无法读取。请在 Excel 中打开，依次点击“文件→信息→保护工作簿→"
                "用密码进行加密”，清空密码并保存后重新提交。",
            )
        if not any(n in names for n in EXCEL_STREAMS):
            for stream, what in OTHER_OFFICE_STREAMS.items():
                if stream in names:
                    return _refuse(Noted.NOT_A_WORKBOOK, f"{q}不是 Excel 工作簿（看起来是 {what}），请提交 Excel 工作簿（.xlsx）。")
        return _refuse(
            Noted.LEGACY_XLS,
            f"{q}是旧版 Excel 97-2003 格式（.xls），请在 Excel 中“另存为”Excel 工作簿（.xlsx）后重新提交。",
        )

    # -- central directory -------------------------------------------------------------------------
    def _check_directory_bounds(self) -> None:
        """Count central-directory entries ourselves before zipfile builds one object per entry.

        zipfile parses the whole central directory (sized by the end record, whatever the entry count
        claims), so a 50 MB file could otherwise make it build a million ZipInfo objects.
        """
        fh, lim = self.fh, self.limits
        tail_len = min(self.size, 22 + 65535)
        fh.seek(self.size - tail_len)
        tail = fh.read(tail_len)
        pos = tail.rfind(b"PK\x05\x06")
        if pos < 0 or len(tail) - pos < 22:
            raise self._corrupt("（文件不完整，可能在传输中被截断）")
        eocd = self.size - tail_len + pos
        _sig, _d, _dcd, _n_disk, n_total, cd_size, cd_offset, _clen = struct.unpack_from("<4s4H2LH", tail, pos)
        end = eocd
        if n_total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            if pos >= 20 and tail[pos - 20 : pos - 16] == b"PK\x06\x07" and pos >= 76:
                rec = tail[pos - 76 : pos - 20]
                if rec[:4] == b"PK\x06\x06":
                    n_total, cd_size = struct.unpack_from("<QQ", rec, 32)
                    end = eocd - 76
        if n_total > lim.max_members:
            raise self._bomb(f"包含 {n_total} 个部件，超过上限 {lim.max_members} 个")
        start = end - cd_size
        if start < 0:
            return  # zipfile reports this as corrupt
        count, off = 0, start
        while off + 46 <= end:
            fh.seek(off)
            hdr = fh.read(46)
            if len(hdr) < 46 or hdr[:4] != b"PK\x01\x02":
                return  # malformed: zipfile stops at the same place and raises
            n, m, k = struct.unpack_from("<3H", hdr, 28)
            off += 46 + n + m + k
            count += 1
            if count > lim.max_members:
                raise self._bomb(f"包含超过 {lim.max_members} 个部件")

    def _check_entries(self, infos: list[zipfile.ZipInfo]) -> None:
        """Everything decidable from the central directory, before inflating a single byte."""
        lim = self.limits
        if len(infos) > lim.max_members:
            raise self._bomb(f"包含 {len(infos)} 个部件，超过上限 {lim.max_members} 个")
        seen: set[str] = set()
        for info in infos:
            key = info.filename.casefold()
            if key in seen:
                raise self._corrupt(f"（部件 {info.filename} 重复出现）")
            seen.add(key)
            if info.flag_bits & 0x41:
                raise self._corrupt(f"（部件 {info.filename} 使用了 zip 加密，不是 Excel 的保存方式）")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._corrupt(f"（部件 {info.filename} 使用了 Excel 不支持的压缩方式）")
        total = 0
        for info in infos:
            if info.file_size > lim.max_member_uncompressed:
                raise self._bomb(
                    f"的部件 {info.filename} 解压后达 {_mb(info.file_size)}，超过单个部件上限 {_mb(lim.max_member_uncompressed)}"
                )
            if info.file_size > lim.ratio_min_member_bytes:
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > lim.max_ratio:
                    raise self._bomb(f"的部件 {info.filename} 压缩比约 {ratio:.0f}:1，超过上限 {lim.max_ratio:.0f}:1")
            total += info.file_size
        if total > lim.max_total_uncompressed:
            raise self._bomb(f"解压后总大小达 {_mb(total)}，超过上限 {_mb(lim.max_total_uncompressed)}")
        # locate every member's data; overlapping entries are a known zip-bomb construction
        spans = []
        for info in infos:
            start, end = self._locate(info)
            self.ranges[info.filename] = (start, end)
            spans.append((info.header_offset, end, info.filename))
        spans.sort()
        for (_s1, end1, name1), (s2, _e2, _n2) in pairwise(spans):
            if s2 < end1:
                raise self._bomb(f"的部件 {name1} 与其他部件共用压缩数据（重叠条目）")

    def _locate(self, info: zipfile.ZipInfo) -> tuple[int, int]:
        """[start, end) of a member's compressed data, validated against its local header."""
        fh = self.fh
        if info.header_offset < 0 or info.header_offset + 30 > self.size:
            raise self._corrupt(f"（部件 {info.filename} 的位置无效）")
        fh.seek(info.header_offset)
        lh = fh.read(30)
        if len(lh) < 30 or lh[:4] != b"PK\x03\x04":
            raise self._corrupt(f"（部件 {info.filename} 的文件头无效）")
        flags = struct.unpack_from("<H", lh, 6)[0]
        n, m = struct.unpack_from("<HH", lh, 26)
        raw_name = fh.read(n)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        if name != info.orig_filename:
            raise self._corrupt(f"（部件 {info.filename} 的文件头与目录不一致）")
        if self._zipfile_reads_alike(info, raw_name, flags):
            self._alike.add(info.filename)
        else:
            self._alike.discard(info.filename)  # a later entry of the same name decides, as in zipfile
        start = info.header_offset + 30 + n + m
        end = start + info.compress_size
        if end > self.size:
            raise self._corrupt(f"（部件 {info.filename} 的数据不完整）")
        return start, end

    @staticmethod
    def _zipfile_reads_alike(info: zipfile.ZipInfo, raw_name: bytes, local_flags: int) -> bool:
        """Whether ``zipfile`` opens this member without complaint and, the member having passed this
        pre-check (declared size produced, CRC right), reads exactly the bytes inflated here: no flag it
        refuses, a method it shares with this pre-check (stored or deflate), and the local name equal to the
        directory's when decoded strictly, as ``ZipFile.open`` decodes it."""
        if info.flag_bits & _ZIPFILE_REFUSES or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return False
        try:
            return raw_name.decode("utf-8" if local_flags & 0x800 else "cp437") == info.orig_filename
        except UnicodeDecodeError:
            return False

    # -- streaming ---------------------------------------------------------------------------------
    def _chunks(self, info: zipfile.ZipInfo) -> Generator[bytes, None, None]:
        """Inflate one member in bounded chunks, never producing more than it declares.

        Output beyond the declared size means the headers lie (→ zip bomb); short output, a truncated
        deflate stream or a CRC mismatch mean corruption.  Peak memory: one input + one output chunk.
        """
        start, end = self.ranges[info.filename]
        declared, produced, crc = info.file_size, 0, 0
        pos = start
        fh = self.fh

        def read_raw() -> bytes:
            nonlocal pos
            fh.seek(pos)
            data = fh.read(min(_IN_CHUNK, end - pos))
            if not data:
                raise self._corrupt(f"（部件 {info.filename} 的数据不完整）")
            pos += len(data)
            return data

        if declared == 0 and info.compress_size == 0:
            return
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != declared:
                raise self._corrupt(f"（部件 {info.filename} 的大小信息不一致）")
            while pos < end:
                data = read_raw()
                produced += len(data)
                crc = zlib.crc32(data, crc)
                yield data
        else:
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            pending = b""
            while not inflater.eof:
                if not pending:
                    if pos >= end:
                        raise self._corrupt(f"（部件 {info.filename} 的压缩数据不完整）")
                    pending = read_raw()
                try:
                    out = inflater.decompress(pending, min(_OUT_CHUNK, declared - produced + 1))
                except zlib.error as exc:
                    raise self._corrupt(f"（部件 {info.filename} 的压缩数据损坏）") from exc
                pending = inflater.unconsumed_tail
                produced += len(out)
                if produced > declared:
                    raise self._bomb(
                        f"的部件 {info.filename} 实际解压数据超过文件头声明的 {declared} 字节（文件头被篡改）"
                    )
                if out:
                    crc = zlib.crc32(out, crc)
                    yield out
        if produced != declared or crc != info.CRC:
            raise self._corrupt(f"（部件 {info.filename} 校验失败）")

    def _inspect(self, info: zipfile.ZipInfo, *, xml_part: bool, sheet: bool, capture: int = 0) -> bytes:
        """Stream one member once: prolog check, row count (worksheets), optional bounded capture."""
        lim = self.limits
        scanner = PrologScanner(lim.max_xml_scan_bytes)
        counter = RowCounter(lim.max_xml_scan_bytes) if sheet else None
        captured = bytearray()
        kept: list[bytes] | None = [] if self._keepable(info) else None
        chunks = self._chunks(info)
        try:
            for chunk in chunks:
                scanner.feed(chunk)
                self._judge_prolog(info.filename, scanner.verdict, xml_part)
                if xml_part:
                    self.total_tags += chunk.count(b"<")
                    if self.total_tags > lim.max_total_tags:
                        raise _refuse(
                            Noted.TOO_MANY_CELLS,
                            f"{_q(self.label)}的 XML 部件中共有超过 {lim.max_total_tags:,} 个标记（标准工作簿约 1 万个），"
                            "超出可处理范围。请用 Excel 另存为新的 .xlsx 文件，或用标准模板重新填报。",
                        )
                if counter is not None:
                    counter.feed(chunk)
                    if counter.rows > lim.max_sheet_rows or self.total_rows + counter.count > lim.max_total_rows:
                        raise self._too_many_rows(info.filename, counter)
                    if self.total_cells + counter.cells > lim.max_total_cells:
                        raise _refuse(
                            Noted.TOO_MANY_CELLS,
                            f"{_q(self.label)}的工作表中共有超过 {lim.max_total_cells:,} 个单元格（标准工作簿约 1,500 个），"
                            "超出可处理范围。请删除粘贴的无关数据，用标准模板重新填报。",
                        )
                if capture:
                    if len(captured) + len(chunk) > capture:
                        raise self._bomb(f"的部件 {info.filename} 超过 {_mb(capture)}，远大于正常文件")
                    captured += chunk
                if kept is not None:
                    kept.append(chunk)
        finally:
            chunks.close()
        self._kept(info, kept)
        self._judge_prolog(info.filename, scanner.finish(), xml_part)
        if counter is not None:
            self.total_rows += counter.count
            self.total_cells += counter.cells
        return bytes(captured)

    def _keepable(self, info: zipfile.ZipInfo) -> bool:
        return (self.keep is not None and info.filename in self._alike and info.file_size <= KEEP_PART_MAX
                and self.kept_bytes + info.file_size <= KEEP_TOTAL_MAX)

    def _kept(self, info: zipfile.ZipInfo, kept: list[bytes] | None) -> None:
        """Hand a fully inspected member's bytes to the reader (the last entry of a name decides)."""
        if self.keep is None:
            return
        if kept is None:
            self.keep.pop(info.filename, None)
            return
        data = b"".join(kept)
        self.kept_bytes += len(data)
        self.keep[info.filename] = data

    def _judge_prolog(self, part: str, verdict: str | None, xml_part: bool) -> None:
        if verdict in ("doctype", "overflow"):
            where = self._where(part)
            detail = "包含 DOCTYPE/实体（ENTITY）声明" if verdict == "doctype" else "的 XML 开头部分异常冗长"
            raise _refuse(
                Noted.XML_ENTITIES,
                f"{_q(self.label)}的{where}{detail}，可能被用于攻击（如“十亿笑声”实体膨胀），已拒绝读取。"
                "请在 Excel 中打开后另存为新的 .xlsx 文件再提交。",
            )
        if verdict == "not-xml" and xml_part:
            raise self._corrupt(f"（部件 {part} 不是有效的 XML）")

    def _too_many_rows(self, part: str, counter: RowCounter) -> _Refused:
        lim = self.limits
        seen = f"（声明范围达 {counter.dimension_rows} 行）" if counter.dimension_rows > lim.max_sheet_rows else ""
        if counter.rows <= lim.max_sheet_rows:  # the workbook's total, not this sheet, is over
            return _refuse(Noted.SHEET_TOO_LARGE, f"{_q(self.label)}的工作表共超过 {lim.max_total_rows} 行，超出可处理范围。"
                                    "请删除多余的空行或无关数据（或拆分文件）后重新提交。")
        return _refuse(
            Noted.SHEET_TOO_LARGE,
            f"{_q(self.label)}的{self._where(part)}超过 {lim.max_sheet_rows} 行{seen}，超出可处理范围。"
            "请删除多余的空行或无关数据（或拆分文件）后重新提交。",
        )

    # -- package structure -------------------------------------------------------------------------
    def _check_package(self, infos: list[zipfile.ZipInfo]) -> None:
        q, members = _q(self.label), self._members
        if _CT_PART not in members:
            raise self._not_workbook()
        ct_info = members[_CT_PART]
        ct_bytes = self._inspect(ct_info, xml_part=True, sheet=False, capture=self.limits.max_meta_part_bytes)
        defaults, overrides = self._parse_content_types(ct_bytes)

        self.workbook_part = self._workbook_part(defaults, overrides)
        sheets = self._sheet_parts(defaults, overrides)
        if self._has_macros([*defaults.values(), *overrides.values()]):
            self.notes.append(
                _issue(
                    Noted.MACROS_PRESENT,
                    f"{q}含有宏（VBA 或 Excel 4.0 宏表）。本系统不会执行宏，宏已被忽略，仅读取单元格数据；"
                    "如无需宏，建议另存为 Excel 工作簿（.xlsx）后提交。",
                    fatal=False,
                )
            )

        for info in infos:
            if info is ct_info:
                continue
            name = info.filename
            ext = posixpath.splitext(name)[1].casefold()
            ct = overrides.get(name) or defaults.get(ext.lstrip("."), "")
            xml_part = ext in _XML_EXTENSIONS or (ct.endswith("xml") and not ct.startswith("image/"))
            self._inspect(info, xml_part=xml_part, sheet=name in sheets)

    def _workbook_part(self, defaults: Mapping[str, str], overrides: Mapping[str, str]) -> str:
        """The workbook part the content types name (refused as not a workbook when there is none)."""
        workbook = next((part for ct in _WORKBOOK_CTS for part, pct in overrides.items() if pct == ct), None)
        if workbook is None and any(ct in _WORKBOOK_CTS for ct in defaults.values()):
            workbook = "xl/workbook.xml"
        if workbook is None or workbook not in self._members:
            raise self._not_workbook()
        return workbook

    def _sheet_parts(self, defaults: Mapping[str, str], overrides: Mapping[str, str]) -> set[str]:
        """Every part that is a worksheet by its content type, its default type or its path (rows are counted)."""
        members = self._members
        sheets = {p for p, ct in overrides.items() if ct in _SHEET_CTS}
        sheets |= {n for n in members if _SHEET_PATH.match(n)}
        sheets |= {n for n in members if defaults.get(posixpath.splitext(n)[1].casefold().lstrip(".")) in _SHEET_CTS}
        return sheets

    def _has_macros(self, all_cts: list[str]) -> bool:
        macro_parts = any(n.casefold().endswith("vbaproject.bin") or _MACROSHEET_DIR in n.casefold()
                          for n in self._members)
        return macro_parts or any(marker in ct.casefold() for ct in all_cts for marker in _MACRO_CT_MARKERS)

    def _not_workbook(self) -> _Refused:
        names = {n.casefold() for n in self._members}
        hint = next((f"（看起来是 {what}）" for marker, what in _OTHER_PACKAGES if marker in names), "")
        if not hint and "mimetype" in names:
            hint = "（看起来是 OpenDocument 文档）"
        return _refuse(
            Noted.NOT_A_WORKBOOK,
            f"{_q(self.label)}不是 Excel 工作簿{hint}：缺少 [Content_Types].xml 或 xl/workbook.xml。"
            "请确认提交的是用 Excel 保存的 .xlsx 文件。",
        )

    def _parse_content_types(self, data: bytes) -> tuple[Mapping[str, str], Mapping[str, str]]:
        """(extension → content type, part name → content type) from [Content_Types].xml."""
        try:
            return _content_types(data) if len(data) <= _CT_MEMO_MAX_BYTES else _parse_content_types(data)
        except Exception as exc:
            raise self._corrupt("（[Content_Types].xml 无法解析）") from exc

    # -- sheet names for messages ------------------------------------------------------------------
    def _where(self, part: str) -> str:
        name = self._sheet_name_map().get(part)
        return f"工作表“{name}”（{part}）" if name else f"部件 {part} "

    def _sheet_name_map(self) -> dict[str, str]:
        """Worksheet part → sheet name, best effort (only needed for messages)."""
        if self._sheet_names is None:
            self._sheet_names = {}
            try:
                self._sheet_names = self._read_sheet_names()
            except Exception:  # noqa: BLE001 - messages fall back to part names
                _log.debug("precheck: could not map sheet names", exc_info=True)
        return self._sheet_names

    def _read_sheet_names(self) -> dict[str, str]:
        wb = self.workbook_part
        rels_name = posixpath.join(posixpath.dirname(wb), "_rels", posixpath.basename(wb) + ".rels")
        if wb not in self._members or rels_name not in self._members or wb not in self.ranges:
            return {}
        cap = self.limits.max_meta_part_bytes

        def parse(name: str) -> object:
            data = b"".join(self._capped(self._members[name], cap))
            window = self.limits.max_xml_scan_bytes
            if prolog_verdict(data[:window], complete=len(data) <= window) != "clean":
                raise ValueError("unsafe or undecided prolog")
            return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)

        rels_root, wb_root = parse(rels_name), parse(wb)
        targets: dict[str, str] = {}
        base = posixpath.dirname(wb)
        for rel in rels_root:  # type: ignore[attr-defined]
            target = rel.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            targets[rel.get("Id") or ""] = path
        out: dict[str, str] = {}
        for el in wb_root.iter():  # type: ignore[attr-defined]
            if isinstance(el.tag, str) and _local(el.tag) == "sheet":
                rid = el.get(f"{{{_REL_NS}}}id") or ""
                if rid in targets and el.get("name"):
                    out[targets[rid]] = el.get("name")
        return out

    def _capped(self, info: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
        total = 0
        for chunk in self._chunks(info):
            total += len(chunk)
            if total > cap:
                raise ValueError("part too large")
            yield chunk



def _parse_content_types(data: bytes) -> tuple[Mapping[str, str], Mapping[str, str]]:
    """(extension → content type, part name → content type); raises on XML it refuses or cannot parse."""
    root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for el in root:
        tag = _local(el.tag) if isinstance(el.tag, str) else ""
        ct = (el.get("ContentType") or "").strip()
        if tag == "Default" and el.get("Extension"):
            defaults[el.get("Extension", "").casefold()] = ct
        elif tag == "Override" and el.get("PartName"):
            overrides[el.get("PartName", "").lstrip("/")] = ct
    return MappingProxyType(defaults), MappingProxyType(overrides)


_CT_MEMO_MAX_BYTES: Final = 64 * KiB
_content_types = lru_cache(maxsize=16)(_parse_content_types)
"""[Content_Types].xml is the same in every workbook a program saves from one template: what is read from it
is a pure function of its bytes, memoized by the whole bytes (as the reader's workbook part and styles, a few
templates at a time; read-only results; a parse that raises is never cached)."""
