"""Unit identity in a batch of submissions: which unit each file is, and what is wrong with the batch.

A bureau receives one file per unit. Across the batch it must see two files for one unit, a file made
for another year or framework version than the rest, and (given a list of the units expected, a CSV of
``code,name``) a unit that sent nothing or a file from a unit not on the list. These are facts about
the batch, not about one file, so they are :class:`BatchIssue` lines, not findings of a file.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from xlperf.errors import XlperfError
from xlperf.findings import FileReport

__all__ = ["BatchIssue", "ExpectedUnit", "batch_issues", "read_expected", "unit_key"]

EXPECTED_MAX = 100_000
"""Rows read of an expected-units list."""
EXPECTED_BYTES = 20_000_000
"""Largest expected-units list read."""


@dataclass(frozen=True)
class ExpectedUnit:
    code: str
    name: str


@dataclass(frozen=True)
class BatchIssue:
    """One problem of the batch: ``kind`` is duplicate | year | framework | missing | unexpected."""

    kind: str
    message: str
    unit: str = ""
    files: tuple[str, ...] = field(default_factory=tuple)

    @property
    def kind_zh(self) -> str:
        return KIND_ZH[self.kind]


KIND_ZH = {"duplicate": "同一单位多个文件", "year": "年度与批次不一致", "framework": "框架版本与批次不一致",
           "missing": "未报送", "unexpected": "不在应报单位名单中"}


def _norm(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()


def unit_key(rep: FileReport) -> str | None:
    """Who sent the file: its unit code when filled, else its department name (spaces and width ignored)."""
    if rep.unit_code:
        return "code:" + _norm(rep.unit_code)
    if rep.department:
        return "name:" + _norm(rep.department)
    return None


def unit_label(rep: FileReport) -> str:
    """Who sent the file, on one printable line (a name with a line break or an escape sequence cannot forge
    a line of the batch's output)."""
    from xlperf.write.cellsafe import bounded, printable

    parts = [p for p in (rep.unit_code, rep.department) if p]
    return printable(bounded(" ".join(parts) or Path(rep.path).name, 200), newlines=False)


def _file_name(path: str) -> str:
    from xlperf.write.cellsafe import printable

    return printable(Path(path).name, newlines=False)


def read_expected(path: str | Path) -> list[ExpectedUnit]:
    """The units expected to report: a CSV ``code,name`` (UTF-8 with or without BOM, or GBK as Excel saves
    it in China); a first row that reads as a header (编码/code) is skipped."""
    import stat

    path = Path(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise XlperfError(f"应报单位名单“{path.name}”不是普通文件")
        with path.open("rb") as fh:
            raw = fh.read(EXPECTED_BYTES + 1)
    except OSError as exc:
        raise XlperfError(f"无法读取应报单位名单“{path.name}”（{exc.strerror or type(exc).__name__}）") from None
    if len(raw) > EXPECTED_BYTES:
        raise XlperfError(f"应报单位名单“{path.name}”超过 {EXPECTED_BYTES // 1_000_000} MB，请检查是否选错了文件")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise XlperfError(f"应报单位名单“{path.name}”的编码无法识别，请另存为 UTF-8 的 CSV")
    units: list[ExpectedUnit] = []
    rows = csv.reader(io.StringIO(text))
    for i in range(EXPECTED_MAX + 1):
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a quoted field longer than csv's limit, an unclosed quote …
            why = "字段过长" if "field larger" in str(exc) else "引号不配对或含空字符"
            raise XlperfError(f"应报单位名单“{path.name}”第 {rows.line_num} 行无法读取（{why}），"
                              "每行应为：单位编码,单位名称") from None
        if i == EXPECTED_MAX:  # refused, never cut silently
            raise XlperfError(f"应报单位名单“{path.name}”超过 {EXPECTED_MAX:,} 行，请检查是否选错了文件")
        cells = [c.strip() for c in row]
        if not cells or not any(cells):
            continue
        code, name = cells[0], (cells[1] if len(cells) > 1 else "")
        if i == 0 and (_norm(code) in ("code", "编码", "单位编码", "unit_code") or "编码" in code):
            continue
        units.append(ExpectedUnit(code, name))
    if not units:
        raise XlperfError(f"应报单位名单“{path.name}”中没有单位（每行：单位编码,单位名称）")
    return units


_T = TypeVar("_T", bound=Hashable)


def _majority(values: Sequence[_T | None]) -> _T | None:
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], str(kv[0])))[0]


def batch_issues(reports: Sequence[FileReport], expected: Sequence[ExpectedUnit] | None = None) -> list[BatchIssue]:
    """The batch's problems, in a stable order: duplicates, off-year or off-version files, missing units."""
    from xlperf.safe_io import shown_path

    issues: list[BatchIssue] = []
    readable = [r for r in reports if r.status != "error"]
    by_unit: dict[str, list[FileReport]] = {}
    for rep in readable:
        key = unit_key(rep)
        if key is not None:
            by_unit.setdefault(key, []).append(rep)
    for reps in by_unit.values():
        if len(reps) > 1:
            files = tuple(shown_path(r.path) for r in reps)
            issues.append(BatchIssue("duplicate", f"单位“{unit_label(reps[0])}”提交了 {len(reps)} 个文件："
                                     + "、".join(_file_name(n) for n in files) + "，请确认以哪一个为准",
                                     unit_label(reps[0]), files))
    year = _majority([r.year for r in readable])
    version = _majority([(r.framework, r.framework_version) for r in readable if r.framework])
    for rep in readable:
        if year is not None and rep.year is not None and rep.year != year:
            issues.append(BatchIssue("year", f"“{unit_label(rep)}”填报的年度为 {rep.year}，批次中多数文件为 {year} 年度",
                                     unit_label(rep), (shown_path(rep.path),)))
        if version is not None and rep.framework and (rep.framework, rep.framework_version) != version:
            fw, ver = version
            issues.append(BatchIssue("framework", f"“{unit_label(rep)}”使用的框架为 {rep.framework} {rep.framework_version}，"
                                     f"批次中多数文件为 {fw} {ver}", unit_label(rep), (shown_path(rep.path),)))
    if expected is not None:
        codes = {_norm(r.unit_code) for r in readable if r.unit_code}
        names = {_norm(r.department) for r in readable if r.department}
        listed_codes = {_norm(u.code) for u in expected if u.code}
        listed_names = {_norm(u.name) for u in expected if u.name}
        uncoded = {_norm(r.department) for r in readable if r.department and not r.unit_code}
        for unit in expected:
            code, name = _norm(unit.code), _norm(unit.name)
            if (code and code in codes) or (name and name in uncoded) or (not code and name in names):
                continue  # a file without its code is matched by the unit's name
            from xlperf.write.cellsafe import printable

            shown = printable(" ".join(p for p in (unit.code, unit.name) if p)[:200], newlines=False)
            issues.append(BatchIssue("missing", f"应报单位“{shown}”没有报送文件（或文件无法读取）", shown))
        for key, reps in by_unit.items():
            rep = reps[0]
            known = (rep.unit_code and _norm(rep.unit_code) in listed_codes) or (
                not rep.unit_code and _norm(rep.department) in listed_names)
            if not known:
                issues.append(BatchIssue("unexpected", f"“{unit_label(rep)}”不在应报单位名单中",
                                         unit_label(rep), tuple(shown_path(r.path) for r in reps)))
    return issues
