"""The bureau's memory of rounds: an SQLite file beside 汇总 (stdlib sqlite3, schema versioned).

Per unit and round it keeps the file, its SHA-256, its times, the 审核结论, the findings (by key: code,
rule id, sheet, cell) and the figures read (money inputs and self-scores), so that the next round can say
what changed: findings fixed, new, still open, figures changed, or the same file sent again. The
reviewer's 复核意见, typed into the 汇总's column of that name, is read back before the 汇总 is
replaced and kept with the round it was written for.

A unit is the same across rounds when its normalised code or its normalised name is (a unit that adds
its code in the second round is still found). Running the same files again (every unit's file has the
same SHA-256 as in the last round) replaces the last round instead of starting a new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlperf.errors import XlperfError
from xlperf.ingest.limits import DEFAULT_LIMITS
from xlperf.ingest.precheck import open_regular
from xlperf.review.spool import EXPLAINED
from xlperf.safe_io import os_reason, shown_path

__all__ = [
    "COMMENT_HEADER",
    "HISTORY_NAME",
    "SCHEMA_VERSION",
    "History",
    "Previous",
    "UnitChange",
    "comment_for",
    "history_path",
    "read_comments",
]

SCHEMA_VERSION = 1
HISTORY_NAME = "xlperf-审核历史.sqlite"
COMMENT_HEADER = "复核意见"
COMMENT_MAX = 2000
"""Characters kept of one 复核意见."""
SUMMARY_MAX_ROWS = 200_000
SUMMARY_MAX_BYTES = 50 * 1024 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rounds (round INTEGER PRIMARY KEY, created TEXT NOT NULL, output TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    round INTEGER NOT NULL REFERENCES rounds(round), unit_code TEXT NOT NULL, unit_name TEXT NOT NULL,
    label TEXT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL, saved TEXT, mtime REAL,
    review TEXT NOT NULL, counted INTEGER NOT NULL, findings TEXT NOT NULL, figures TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS submissions_round ON submissions(round);
CREATE TABLE IF NOT EXISTS comments (
    round INTEGER NOT NULL, unit_code TEXT NOT NULL, unit_name TEXT NOT NULL, comment TEXT NOT NULL,
    PRIMARY KEY (round, unit_code, unit_name));
"""


def history_path(output: Path) -> Path:
    """The default history file: beside the 汇总, one per folder (round 2 may write 汇总 under another name)."""
    return output.parent / HISTORY_NAME


def sha256_of(path: Path, limit: int = DEFAULT_LIMITS.max_file_bytes) -> str:
    """The SHA-256 of a submitted file; "" when it is not a regular file of at most ``limit`` bytes (a FIFO
    in the folder blocked the 汇总 for ever, a link to /dev/zero never ended: opened as the reader opens)."""
    try:
        with open_regular(path) as fh:
            digest = hashlib.sha256()
            left = limit + 1
            while left > 0 and (chunk := fh.read(min(1 << 20, left))):
                digest.update(chunk)
                left -= len(chunk)
            return digest.hexdigest() if left > 0 else ""
    except OSError:  # FileRefused too
        return ""


@dataclass
class UnitChange:
    """What changed for one unit since its previous round."""

    previous_round: int
    previous_review: str
    same_file: bool
    fixed: list[list[str]] = field(default_factory=list)  # findings of last round gone now
    new: list[list[str]] = field(default_factory=list)
    still_open: list[list[str]] = field(default_factory=list)
    figures_changed: list[str] = field(default_factory=list)  # names of the figures whose value changed
    explained: list[list[str]] = field(default_factory=list)  # 提示 now explained (new or not): nothing to correct

    @property
    def summary(self) -> str:
        """One line for the 汇总 and the terminal."""
        from xlperf.findings import REVIEW_ZH

        head = f"第 {self.previous_round} 轮{REVIEW_ZH.get(self.previous_review, self.previous_review)}"
        if self.same_file:
            return head + "；文件与上一轮相同（未修改）"
        explained = f"，已说明 {len(self.explained)} 项" if self.explained else ""
        return (head + f"；已改正 {len(self.fixed)} 项{explained}，新增 {len(self.new)} 项，"
                f"仍未改正 {len(self.still_open)} 项；数据变化 {len(self.figures_changed)} 项")


def _norm(text: str | None) -> str:
    from xlperf.review.batch import _norm as norm

    return norm(text)


class History:
    """The history file, opened for one round. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # as the 汇总 itself: missing folders are created
            self.db = sqlite3.connect(path)
            self.db.executescript(_SCHEMA)
            version = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except (sqlite3.DatabaseError, OSError) as exc:
            reason = str(exc)
            if isinstance(exc, FileExistsError):  # mkdir met a file where a folder should be
                reason = "路径中有一段不是文件夹"
            elif isinstance(exc, OSError):
                reason = os_reason(exc)
            raise XlperfError(f"审核历史“{shown_path(path)}”无法打开（{reason}）；可用 --history 指定其他文件，"
                              "或 --no-history 不使用审核历史") from None
        if version is None:
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self.db.commit()
        elif version[0] != str(SCHEMA_VERSION):
            self.db.close()
            raise XlperfError(f"审核历史“{shown_path(path)}”的格式版本为 {version[0]}，本程序为 {SCHEMA_VERSION}；"
                              "请用相应版本的 xlperf，或用 --history 指定新文件")

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    # Reading ------------------------------------------------------------------------------------------

    def last_round(self) -> int:
        row = self.db.execute("SELECT MAX(round) FROM rounds").fetchone()
        return int(row[0] or 0)

    def last_output(self) -> Path | None:
        row = self.db.execute("SELECT output FROM rounds ORDER BY round DESC LIMIT 1").fetchone()
        return Path(row[0]) if row else None

    def previous(self, before: int) -> Previous:
        """Each unit's most recent submission before round ``before`` (its row id), by normalised code and by
        normalised name: a few dozen bytes per unit of the earlier rounds; the rows are read when needed."""
        latest: dict[tuple[str, str], int] = {}
        rows = self.db.execute("SELECT unit_code, unit_name, rowid FROM submissions WHERE round < ? "
                               "ORDER BY round, counted", (before,))
        for code, name, rowid in rows:
            latest[(code, name)] = rowid
        return Previous({code: rowid for (code, _n), rowid in latest.items() if code},
                        {name: rowid for (_c, name), rowid in latest.items() if name})

    def change(self, previous: Previous, unit: Any, findings: Sequence[Sequence[str]],
               figures: dict[str, str]) -> UnitChange | None:
        """What changed for a unit (a :class:`~xlperf.review.spool.UnitSummary` with its history's finding
        rows and figures) since its latest earlier round; None when it was not seen before."""
        code, name = _norm(unit.unit_code), _norm(unit.department)
        rowid = (previous.by_code.get(code) if code else None) or (previous.by_name.get(name) if name else None)
        if rowid is None:
            return None
        prev = self.db.execute("SELECT round, review, sha256, findings, figures FROM submissions WHERE rowid=?",
                               (rowid,)).fetchone()
        before = {tuple(f[:4]): list(f[:6]) for f in json.loads(prev[3])}
        now = {tuple(f[:4]): list(f[:6]) for f in findings if f[6:7] != [EXPLAINED]}
        explained = [list(f[:6]) for f in findings if f[6:7] == [EXPLAINED]]
        done = {tuple(f[:4]) for f in explained}
        old_fig = json.loads(prev[4])
        changed = sorted(k for k in set(old_fig) | set(figures) if _num(old_fig.get(k)) != _num(figures.get(k)))
        return UnitChange(
            previous_round=prev[0], previous_review=prev[1], same_file=prev[2] == unit.sha256,
            fixed=[f for k, f in before.items() if k not in now and k not in done],
            new=[f for k, f in now.items() if k not in before],
            still_open=[f for k, f in now.items() if k in before], figures_changed=changed, explained=explained)

    def comments(self) -> dict[tuple[str, str], str]:
        """The latest 复核意见 of each unit (by normalised code and name)."""
        rows = self.db.execute("SELECT unit_code, unit_name, comment FROM comments ORDER BY round")
        return {(c, n): text for c, n, text in rows}

    # Writing ------------------------------------------------------------------------------------------

    def this_round(self, units: Sequence[Any]) -> int:
        """The round these units make: the last one again when every file is the same as then, else a new one."""
        last = self.last_round()
        if last:
            before = {r[0] for r in self.db.execute("SELECT sha256 FROM submissions WHERE round=?", (last,))}
            if before and before == {u.sha256 for u in units}:
                return last
        return last + 1

    def keep_comments(self, comments: dict[tuple[str, str], str], round_: int) -> None:
        for (code, name), text in comments.items():
            self.db.execute("INSERT OR REPLACE INTO comments VALUES (?, ?, ?, ?)", (round_, code, name, text))
        self.db.commit()

    def record(self, round_: int, output: Path, units: Iterable[Any], counted: Sequence[bool]) -> None:
        """Store this round (replacing a re-run of the same round); ``units``: the round's
        :class:`~xlperf.review.spool.SpooledUnit`, read one by one."""
        from xlperf.review.batch import unit_label
        from xlperf.review.intake import submission_time

        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.db:
            self.db.execute("DELETE FROM submissions WHERE round=?", (round_,))
            self.db.execute("INSERT OR REPLACE INTO rounds VALUES (?, ?, ?)", (round_, now, str(output.resolve())))
            for unit, c in zip(units, counted, strict=True):
                rep = unit.summary
                when = submission_time(Path(rep.path))
                self.db.execute(
                    "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (round_, _norm(rep.unit_code), _norm(rep.department), unit_label(rep), shown_path(rep.path),
                     rep.sha256, when.saved, when.mtime, rep.review, int(c),
                     json.dumps(unit.history, ensure_ascii=False), json.dumps(unit.figures, ensure_ascii=False)))


@dataclass(frozen=True)
class Previous:
    """The earlier rounds' latest submission of each unit, by normalised code and by normalised name."""

    by_code: dict[str, int]
    by_name: dict[str, int]


def comment_for(comments: dict[tuple[str, str], str], rep: Any) -> str | None:
    """A unit's 复核意见: by code and name, else by code, else by name."""
    code, name = _norm(rep.unit_code), _norm(rep.department)
    if (code, name) in comments:
        return comments[(code, name)]
    for (c, n), text in reversed(list(comments.items())):
        if (code and c == code) or (not code and name and n == name):
            return text
    return None


def _num(text: str | None) -> Decimal | None:
    try:
        return None if text is None else Decimal(text)
    except ArithmeticError:
        return None


def read_comments(summary: Path | None) -> dict[tuple[str, str], str]:
    """The 复核意见 a reviewer typed into a 汇总 (its 单位汇总 sheet), by normalised (code, name). A file
    that is not a readable 汇总 gives nothing: the comments are a convenience, never a reason to fail."""
    if summary is None or not summary.is_file():
        return {}
    try:
        if summary.stat().st_size > SUMMARY_MAX_BYTES:
            return {}
        from openpyxl import load_workbook

        wb = load_workbook(summary, read_only=True, data_only=True)
        try:
            ws = wb["单位汇总"]
            rows = ws.iter_rows(values_only=True, max_row=SUMMARY_MAX_ROWS)
            header = [str(v) if v is not None else "" for v in next(rows)]
            if COMMENT_HEADER not in header:
                return {}
            i_code, i_name, i_comment = header.index("单位编码"), header.index("单位名称"), header.index(COMMENT_HEADER)
            out = {}
            for row in rows:
                if len(row) <= i_comment or row[i_comment] in (None, ""):
                    continue
                key = (_norm(str(row[i_code] or "")), _norm(str(row[i_name] or "")))
                out[key] = str(row[i_comment])[:COMMENT_MAX]
            return out
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - a damaged or foreign 汇总: no comments to keep
        return {}
