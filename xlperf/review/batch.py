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
from typing import Any, Protocol, TypeVar

from xlperf.checks.batch import BatchVersionMismatch, BatchYearMismatch
from xlperf.errors import XlperfError
from xlperf.findings import FileReport, Finding

__all__ = ["BatchIssue", "ExpectedUnit", "UnitFile", "batch_errors", "batch_issues", "read_expected", "unit_groups", "unit_key", "visible",
           "with_batch_errors"]

EXPECTED_MAX = 100_000
"""Rows read of an expected-units list."""
EXPECTED_BYTES = 20_000_000
"""Largest expected-units list read."""


class UnitFile(Protocol):
    """What the batch checks read of a file: a :class:`FileReport`, or the small
    :class:`~xlperf.findings.FileSummary` a streamed batch keeps."""

    @property
    def path(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def department(self) -> str | None: ...
    @property
    def unit_code(self) -> str | None: ...
    @property
    def year(self) -> int | None: ...
    @property
    def framework(self) -> str | None: ...
    @property
    def framework_version(self) -> str | None: ...


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
    chosen: str | None = None  # of a duplicate: the file that counts (the newest)

    @property
    def kind_zh(self) -> str:
        return KIND_ZH[self.kind]


KIND_ZH = {"duplicate": "同一单位多个文件", "year": "年度与批次不一致", "framework": "框架版本与批次不一致",
           "missing": "未报送", "unexpected": "不在应报单位名单中", "skipped": "已跳过（非报送文件）"}


_INVISIBLE_CATEGORIES = ("Cf", "Cc", "Zs", "Zl", "Zp", "Co", "Cn")


def _norm(text: str | None) -> str:
    """A unit's code or name as compared: NFKC (full width = half width), no spaces and no invisible
    characters (a zero-width space makes two names look the same and compare different), lower case."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "")
                   if not ch.isspace() and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES).lower()


def visible(text: str) -> str:
    """``text`` with its invisible characters shown (``测试单位<U+200B>``), so a message says why two names
    that look the same were taken for one unit."""
    return "".join(f"<U+{ord(ch):04X}>" if ch != " " and unicodedata.category(ch) in _INVISIBLE_CATEGORIES
                   else ch for ch in text)


def unit_key(rep: UnitFile) -> str | None:
    """Who sent the file: its unit code when filled, else its department name (spaces, width and invisible
    characters ignored). Duplicates are found by code and by name (:func:`unit_groups`)."""
    if rep.unit_code and _norm(rep.unit_code):
        return "code:" + _norm(rep.unit_code)
    if rep.department and _norm(rep.department):
        return "name:" + _norm(rep.department)
    return None


def _keys(rep: UnitFile) -> list[str]:
    return [k for k in ("code:" + _norm(rep.unit_code) if rep.unit_code and _norm(rep.unit_code) else "",
                        "name:" + _norm(rep.department) if rep.department and _norm(rep.department) else "") if k]


def unit_groups(reports: Sequence[UnitFile]) -> list[list[int]]:
    """Indexes of the reports that are one unit: the same code or the same normalised name (a file that
    leaves its code blank is still matched by name), in the order of their first file."""
    parent = list(range(len(reports)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, rep in enumerate(reports):
        for key in _keys(rep):
            if key in owner:
                a, b = find(owner[key]), find(i)
                parent[max(a, b)] = min(a, b)
            else:
                owner[key] = i
    groups: dict[int, list[int]] = {}
    for i, rep in enumerate(reports):
        if _keys(rep):
            groups.setdefault(find(i), []).append(i)
    return [g for _, g in sorted(groups.items())]


def unit_label(rep: UnitFile) -> str:
    """Who sent the file, on one printable line, invisible characters shown (a name with a line break or an
    escape sequence cannot forge a line of the batch's output)."""
    from xlperf.safe_text import bounded, printable

    parts = [p for p in (rep.unit_code, rep.department) if p]
    return visible(printable(bounded(" ".join(parts) or Path(rep.path).name, 200), newlines=False))


def _file_name(path: str) -> str:
    from xlperf.safe_text import printable

    return printable(Path(path).name, newlines=False)


def read_expected(path: str | Path) -> list[ExpectedUnit]:
    """The units expected to report: a CSV ``code,name`` (UTF-8 with or without BOM, or GBK as Excel saves
    it in China); a first row that reads as a header (编码/code) is skipped."""
    path = Path(path)
    rows = csv.reader(io.StringIO(_expected_text(path)))
    units: list[ExpectedUnit] = []
    for i in range(EXPECTED_MAX + 1):
        row = _next_row(rows, path)
        if row is None:
            break
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


def _expected_text(path: Path) -> str:
    """The list's text: a regular file of at most EXPECTED_BYTES, UTF-8 (BOM or not) or GBK/GB18030."""
    import stat

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
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise XlperfError(f"应报单位名单“{path.name}”的编码无法识别，请另存为 UTF-8 的 CSV")


def _next_row(rows: Any, path: Path) -> list[str] | None:
    """The next CSV row (None at the end); a row csv cannot read is refused with its line number."""
    try:
        return next(rows)
    except StopIteration:
        return None
    except csv.Error as exc:  # a quoted field longer than csv's limit, an unclosed quote …
        why = "字段过长" if "field larger" in str(exc) else "引号不配对或含空字符"
        raise XlperfError(f"应报单位名单“{path.name}”第 {rows.line_num} 行无法读取（{why}），"
                          "每行应为：单位编码,单位名称") from None


_T = TypeVar("_T", bound=Hashable)


def _majority(values: Sequence[_T | None]) -> _T | None:
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    return max(counts.items(), key=lambda kv: (kv[1], str(kv[0])))[0]


def _newest_first(reps: list[UnitFile]) -> list[tuple[UnitFile, str]]:
    """The files of one unit, newest first (the workbook's own saved time, then the file's time), each
    with the time shown."""
    from xlperf.review.intake import submission_time

    timed = [(rep, submission_time(Path(rep.path))) for rep in reps]
    timed.sort(key=lambda t: t[0].path)  # equal times: the first file by name, as before
    timed.sort(key=lambda t: (t[1].saved or "", t[1].mtime), reverse=True)
    return [(rep, t.shown) for rep, t in timed]


def _duplicate(reps: list[UnitFile]) -> BatchIssue:
    from xlperf.safe_io import shown_path

    ordered = _newest_first(reps)
    chosen, _ = ordered[0]
    names = "、".join(f"{_file_name(r.path)}（{t}）" for r, t in ordered)
    labels = sorted({unit_label(r) for r in reps})
    who = "”“".join(labels)
    return BatchIssue("duplicate", f"单位“{who}”提交了 {len(reps)} 个文件：{names}；以最新保存的"
                      f"“{_file_name(chosen.path)}”为准计入汇总，其余不计入", unit_label(chosen),
                      tuple(shown_path(r.path) for r, _ in ordered), shown_path(chosen.path))


def batch_issues(reports: Sequence[UnitFile], expected: Sequence[ExpectedUnit] | None = None) -> list[BatchIssue]:
    """The batch's problems, in a stable order: duplicates (by code and by normalised name; the newest
    counts), off-year or off-version files, missing units."""
    from xlperf.safe_io import shown_path

    issues: list[BatchIssue] = []
    readable = [r for r in reports if r.status != "error"]
    groups = [[readable[i] for i in g] for g in unit_groups(readable)]
    for reps in groups:
        if len(reps) > 1:
            issues.append(_duplicate(reps))
    year = _majority([r.year for r in readable])
    version = _majority([(r.framework, r.framework_version) for r in readable if r.framework])
    for rep in readable:
        if year is not None and rep.year is not None and rep.year != year:
            issues.append(BatchIssue("year", f"“{unit_label(rep)}”填报的年度为 {rep.year}，批次中多数文件为 {year} 年度"
                                     "（错误：不计入汇总）", unit_label(rep), (shown_path(rep.path),)))
        if version is not None and rep.framework and (rep.framework, rep.framework_version) != version:
            fw, ver = version
            issues.append(BatchIssue("framework", f"“{unit_label(rep)}”使用的框架为 {rep.framework} {rep.framework_version}，"
                                     f"批次中多数文件为 {fw} {ver}（错误：不计入汇总）", unit_label(rep),
                                     (shown_path(rep.path),)))
    if expected is not None:
        issues.extend(_expected_issues(readable, groups, expected))
    return issues


def _expected_issues(readable: list[UnitFile], groups: list[list[UnitFile]],
                     expected: Sequence[ExpectedUnit]) -> list[BatchIssue]:
    from xlperf.safe_io import shown_path

    issues = _missing_units(readable, expected)
    listed_codes = {_norm(u.code) for u in expected if u.code}
    listed_names = {_norm(u.name) for u in expected if u.name}
    for reps in groups:
        if not any(_listed(r, listed_codes, listed_names) for r in reps):
            rep = reps[0]
            issues.append(BatchIssue("unexpected", f"“{unit_label(rep)}”不在应报单位名单中",
                                     unit_label(rep), tuple(shown_path(r.path) for r in reps)))
    return issues


def _listed(rep: UnitFile, listed_codes: set[str], listed_names: set[str]) -> bool:
    """The file's unit is on the list: by its code, or by its name when it has no code."""
    if rep.unit_code and _norm(rep.unit_code) in listed_codes:
        return True
    return not _norm(rep.unit_code) and _norm(rep.department) in listed_names


def _missing_units(readable: list[UnitFile], expected: Sequence[ExpectedUnit]) -> list[BatchIssue]:
    """Each listed unit no readable file is of (a file without its code is matched by the unit's name)."""
    from xlperf.safe_text import printable

    codes = {_norm(r.unit_code) for r in readable if r.unit_code}
    names = {_norm(r.department) for r in readable if r.department}
    uncoded = {_norm(r.department) for r in readable if r.department and not _norm(r.unit_code)}
    issues: list[BatchIssue] = []
    for unit in expected:
        code, name = _norm(unit.code), _norm(unit.name)
        if (code and code in codes) or (name and name in uncoded) or (not code and name in names):
            continue
        shown = visible(printable(" ".join(p for p in (unit.code, unit.name) if p)[:200], newlines=False))
        issues.append(BatchIssue("missing", f"应报单位“{shown}”没有报送文件（或文件无法读取）", shown))
    return issues


def batch_errors(reports: Sequence[UnitFile], issues: Sequence[BatchIssue]) -> dict[int, list[Finding]]:
    """The batch's errors of each file, by index: another year (XP411) or framework version (XP412) than the
    batch is an error of that file, which no explanation clears. Works on reports or on small summaries."""
    from xlperf.safe_io import shown_path

    readable = [r for r in reports if r.status != "error"]
    year = _majority([r.year for r in readable])
    version = _majority([(r.framework, r.framework_version) for r in readable if r.framework])
    flagged = {(i.kind, f) for i in issues if i.kind in ("year", "framework") for f in i.files}
    out: dict[int, list[Finding]] = {}
    if not flagged:
        return out
    for index, rep in enumerate(reports):
        extra = []
        if ("year", shown_path(rep.path)) in flagged and year is not None:
            extra.append(BatchYearMismatch.for_file(found=rep.year, expected=year))
        if ("framework", shown_path(rep.path)) in flagged and version is not None:
            extra.append(BatchVersionMismatch.for_file(found=f"{rep.framework} {rep.framework_version}",
                                                       expected=" ".join(map(str, version))))
        if extra:
            out[index] = extra
    return out


def with_batch_errors(reports: Sequence[FileReport], issues: Sequence[BatchIssue]) -> list[FileReport]:
    """The reports with the batch's errors (:func:`batch_errors`) added to their files."""
    extras = batch_errors(reports, issues)
    out = []
    for index, rep in enumerate(reports):
        extra = extras.get(index)
        if extra and not any(f.code in (BatchYearMismatch.code, BatchVersionMismatch.code) for f in rep.findings):
            rep = rep.model_copy(update={"findings": extra + list(rep.findings),
                                         "status": "invalid" if rep.status != "error" else rep.status})
        out.append(rep)
    return out
