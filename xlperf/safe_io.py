"""Writing xlperf's own files (report, annotated copy, template) without ever touching an input.

Rules: an output is never the same file as an input (compared by device and inode, so hard links,
symlinks and ``..`` spellings are caught, not by path text); two outputs of one run are distinct; an
existing output is replaced only with ``--force``; and every output is written to a temporary file in
the target's folder and renamed over the target, so a failure leaves no partial file and a rename
replaces the directory entry, never the contents of another file's inode.

Files xlperf writes carry a custom document property (:data:`MARK_NAME`) so that a folder validated
later does not take them for submissions (:func:`written_by_xlperf`).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from xlperf.errors import XlperfError

__all__ = ["MARK_NAME", "OutputError", "check_outputs", "has_defined_name", "mark_workbook", "output_kind",
           "same_file", "shown_path", "small_part", "write_atomically", "written_by_xlperf"]

MARK_NAME = "xlperf-output"
"""Custom document property on every workbook xlperf writes as output (value: its kind)."""
_MARK_BYTES = MARK_NAME.encode("ascii")
_CUSTOM_PART = "docProps/custom.xml"
_CUSTOM_MAX = 64 * 1024  # a custom-properties part bigger than this is not ours


class OutputError(XlperfError):
    """An output cannot be written where asked; the message says why, in Chinese."""


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path (or any text) as it can be printed anywhere: bytes that are not UTF-8 shown as U+FFFD."""
    text = os.fspath(path)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return re.sub(r"[\ud800-\udfff]", "\ufffd", text)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name the same file: same device and inode, or the same resolved path."""
    sa, sb = _stat(a), _stat(b)
    if sa is not None and sb is not None:
        return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError, ValueError):
        return os.path.abspath(a) == os.path.abspath(b)


def check_target(target: Path, *, what: str, suffixes: Sequence[str], force: bool) -> None:
    """Refuse a target that cannot be a new workbook: a folder, a special file, a wrong suffix, an
    existing file without ``force``, or a path through something that is not a folder (missing folders
    are created when the file is written)."""
    name = shown_path(target)
    st = _stat(target)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{what}“{name}”是一个文件夹，请给出文件名（如 {name}/结果{suffixes[0]}）")
    if target.suffix.lower() not in suffixes:
        raise OutputError(f"{what}“{name}”的扩展名应为 {' 或 '.join(suffixes)}")
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{what}“{name}”不是普通文件，不能写入")
        if not force:
            raise OutputError(f"{what}“{name}”已存在；如需覆盖，请加 --force")
    elif os.path.lexists(target) and not force:
        raise OutputError(f"{what}“{name}”已存在（指向不存在文件的链接）；如需覆盖，请加 --force")
    ancestor = target.parent
    while _stat(ancestor) is None and ancestor != ancestor.parent:
        ancestor = ancestor.parent  # missing folders are created when the file is written
    ast = _stat(ancestor)
    if ast is not None and not stat.S_ISDIR(ast.st_mode):
        raise OutputError(f"{what}“{name}”的路径中“{shown_path(ancestor)}”不是文件夹")


def check_outputs(inputs: Iterable[Path], outputs: dict[str, Path | None], *, force: bool = False,
                  suffixes: dict[str, Sequence[str]] | None = None) -> None:
    """Every output distinct from every input and from each other, and writable as a new workbook.

    ``outputs`` maps a Chinese description ("报告文件") to its target (None: not requested).
    """
    wanted = [(what, path) for what, path in outputs.items() if path is not None]
    inputs = list(inputs)
    for what, path in wanted:
        for source in inputs:
            if same_file(path, source):
                raise OutputError(f"{what}“{shown_path(path)}”就是要校验的文件“{shown_path(source)}”"
                                  "（或其链接）：提交的工作簿永远不会被修改，请另选文件名")
    for i, (what_a, a) in enumerate(wanted):
        for what_b, b in wanted[i + 1:]:
            if same_file(a, b):
                raise OutputError(f"{what_a}与{what_b}不能是同一个文件（{shown_path(a)}）")
    for what, path in wanted:
        check_target(path, what=what, suffixes=(suffixes or {}).get(what, (".xlsx",)), force=force)


def write_atomically(target: Path, write: Callable[[Path], Any], *, what: str = "输出文件",
                     protect: Iterable[Path] = ()) -> Path:
    """Run ``write(tmp)`` on a temporary file beside ``target``, then rename it to ``target``.

    On any failure the temporary file is removed and :class:`OutputError` says what happened; the
    target (and every path in ``protect``) is as it was. Just before the rename the target is checked
    again against ``protect`` (an input may have been linked there meanwhile).
    """
    name = shown_path(target)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".xlperf-", suffix=target.suffix or ".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(f"无法在“{shown_path(parent)}”中写入{what}：{os_reason(exc)}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, _mode_for(target))  # mkstemp's 0600 would hide the report from colleagues
        for source in protect:
            if same_file(target, source):
                raise OutputError(f"{what}“{name}”就是输入文件“{shown_path(source)}”，未写入")
        os.replace(tmp, target)
    except OutputError:
        _unlink(tmp)
        raise
    except OSError as exc:
        _unlink(tmp)
        raise OutputError(f"无法写入{what}“{name}”：{os_reason(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - a writer's failure on hostile content is a message, not a crash
        _unlink(tmp)
        raise OutputError(f"未能写出{what}“{name}”（{type(exc).__name__}: {shown_path(str(exc))[:300]}）") from None
    return target


def _mode_for(target: Path) -> int:
    """The replaced file's permissions, or what a plain ``open(..., "w")`` would give (0666 less the umask)."""
    st = _stat(target)
    if st is not None and stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def os_reason(exc: OSError) -> str:
    """An operating-system error in the words a user reads (Chinese for the common ones)."""
    import errno

    return {errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.ENOSPC: "磁盘空间不足",
            errno.EROFS: "磁盘为只读", errno.ENAMETOOLONG: "文件名过长", errno.ENOENT: "文件夹不存在",
            errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "目标是文件夹",
            errno.EXDEV: "不能跨磁盘改名"}.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def mark_workbook(wb: Any, kind: str) -> None:
    """Mark an openpyxl workbook as xlperf's output (kind: "report" or "annotated")."""
    from openpyxl.packaging.custom import StringProperty

    props = wb.custom_doc_props
    for prop in list(props.props):
        if prop.name == MARK_NAME:
            props.props.remove(prop)
    props.append(StringProperty(name=MARK_NAME, value=kind))


def written_by_xlperf(path: Path) -> bool:
    """Cheaply: does this file carry xlperf's output mark? Reads one small part; any doubt is False."""
    return output_kind(path) is not None


_KIND = re.compile(rb'name="' + _MARK_BYTES + rb'"[^>]*>\s*<(?:\w+:)?lpwstr[^>]*>([a-z]{1,20})</(?:\w+:)?lpwstr>')


def output_kind(path: Path) -> str | None:
    """The kind of xlperf output a file says it is (report, consolidation, notice, annotated; "" when the
    mark carries no readable kind); None without the mark. Reads one small part; any doubt is None."""
    data = small_part(path, _CUSTOM_PART, _CUSTOM_MAX)
    if data is None or b'name="' + _MARK_BYTES + b'"' not in data:
        return None
    m = _KIND.search(data)
    return m.group(1).decode("ascii") if m else ""


WORKBOOK_PART_MAX = 8 * 1024 * 1024


def has_defined_name(path: Path, name: str) -> bool:
    """Whether the workbook part defines ``name`` (a form's ``fw_id``): an xlperf report has none."""
    data = small_part(path, "xl/workbook.xml", WORKBOOK_PART_MAX)
    return data is not None and b'name="' + name.encode("ascii") + b'"' in data


def small_part(path: Path, part: str, limit: int) -> bytes | None:
    try:
        st = os.stat(path, follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode):
            return None
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(part)
            if info.file_size > limit or info.compress_size > limit:
                return None
            with zf.open(info) as fh:
                data = fh.read(limit + 1)
    except Exception:  # noqa: BLE001 - not ours, or not readable: the validator will say which
        return None
    return data if len(data) <= limit else None
