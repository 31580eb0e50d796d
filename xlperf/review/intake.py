"""Which files of a folder are submissions: everything but xlperf's own reports, 汇总 and notices.

A department that writes its 出错说明 in an annotated copy (``validate --annotate``, the only route on
WPS) sends that copy back: it is a submission and is validated like any workbook. Only what xlperf wrote
for the reviewer (校验报告, 汇总, 退回修改通知) is skipped, and only when it really is such a file: a
workbook that carries the form (its ``fw_id`` name) is validated whatever its mark says, so a copied or
forged mark cannot hide a submission. Every skipped file is listed with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SKIP_KINDS", "SkippedFile", "SubmissionTime", "collect_submissions", "skipped_lines", "submission_time"]

SKIP_KINDS = {"report": "校验报告", "consolidation": "汇总", "notice": "退回修改通知"}
"""Kinds of xlperf output that are never submissions (an ``annotated`` copy is one)."""
FORM_NAME = "fw_id"
"""A defined name every form workbook has and no report of xlperf has."""


@dataclass(frozen=True)
class SkippedFile:
    path: str
    kind: str
    reason: str


def skip_reason(path: Path) -> SkippedFile | None:
    """Why a file found in a folder is not a submission; None when it is one."""
    from xlperf.safe_io import has_defined_name, output_kind

    kind = output_kind(path)
    if kind not in SKIP_KINDS or has_defined_name(path, FORM_NAME):
        return None
    return SkippedFile(str(path), kind, f"xlperf 生成的{SKIP_KINDS[kind]}（不是报送的工作簿）")


def collect_submissions(paths: Iterable[str | Path]) -> tuple[list[Path], list[SkippedFile]]:
    """(files to validate, files skipped with the reason). A file named on the command line is always validated;
    a folder's files are, but for xlperf's own reports, 汇总 and notices."""
    from xlperf.validate import collect_paths

    files: list[Path] = []
    skipped: list[SkippedFile] = []
    for p in map(Path, paths):
        found = collect_paths([p])
        if not p.is_dir():
            files.extend(found)
            continue
        for f in found:
            why = skip_reason(f)
            if why is None:
                files.append(f)
            else:
                skipped.append(why)
    return files, skipped


def skipped_lines(skipped: Iterable[SkippedFile]) -> list[str]:
    """One printable line per skipped file: its name and the reason."""
    from xlperf.safe_io import shown_path
    from xlperf.safe_text import printable

    return [f"已跳过 {printable(shown_path(Path(s.path).name), newlines=False)}：{s.reason}" for s in skipped]


@dataclass(frozen=True)
class SubmissionTime:
    saved: str | None  # the workbook's own saved time (docProps/core.xml dcterms:modified), ISO 8601 UTC
    mtime: float  # the file's modification time (0 when unknown)

    @property
    def shown(self) -> str:
        import datetime as dt

        if self.saved:
            return f"工作簿保存于 {self.saved[:16].replace('T', ' ')}"
        if self.mtime:
            return "文件时间 " + dt.datetime.fromtimestamp(self.mtime).strftime("%Y-%m-%d %H:%M")
        return "时间不明"


CORE_MAX = 64 * 1024


def submission_time(path: Path) -> SubmissionTime:
    """When a submission was made: the workbook's saved time (what Excel, WPS and LibreOffice record on
    saving; copying or mailing a file keeps it), then the file's time. Any doubt leaves a part unknown."""
    import datetime as dt
    import os
    import re

    from xlperf.safe_io import small_part

    saved = None
    data = small_part(path, "docProps/core.xml", CORE_MAX)
    m = re.search(rb"<(?:\w+:)?modified[^>]*>([0-9T:.+\-Z ]{10,40})</(?:\w+:)?modified>", data or b"")
    if m:
        try:
            when = dt.datetime.fromisoformat(m.group(1).decode("ascii").strip().replace("Z", "+00:00"))
            if when.tzinfo is not None:
                when = when.astimezone(dt.UTC).replace(tzinfo=None)
            saved = when.isoformat(timespec="seconds")
        except ValueError:
            saved = None
    try:
        mtime = os.stat(path).st_mtime
    except (OSError, ValueError):
        mtime = 0.0
    return SubmissionTime(saved, mtime)
