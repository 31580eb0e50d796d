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
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlperf.errors import XlperfError

__all__ = [
    "COMMENT_HEADER",
    "HISTORY_NAME",
    "SCHEMA_VERSION",
    "History",
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


def sha256_of(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
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

    @property
    def summary(self) -> str:
        """One line for the 汇总 and the terminal."""
        from xlperf.findings import REVIEW_ZH

        head = f"第 {self.previous_round} 轮{REVIEW_ZH.get(self.previous_review, self.previous_review)}"
        if self.same_file:
            return head + "；文件与上一轮相同（未修改）"
        return (head + f"；已改正 {len(self.fixed)} 项，新增 {len(self.new)} 项，仍未改正 {len(self.still_open)} 项"
                + f"；数据变化 {len(self.figures_changed)} 项")


def _norm(text: str | None) -> str:
    from xlperf.review.batch import _norm as norm

    return norm(text)


def _finding_rows(rep: Any) -> list[list[str]]:
    from xlperf.findings import Severity

    return [[f.code, f.rule or "", f.sheet or "", f.cell or "", f.severity.value, f.message[:300]]
            for f in rep.findings if f.severity != Severity.info]


def _figures(unit: Any) -> dict[str, str]:
    out = {name: str(value) for name, value in unit.money.items()}
    out.update({f"self_{ind}": str(s) for ind, (_c, s) in unit.scores.items() if s is not None})
    return out


class History:
    """The history file, opened for one round. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path)
            self.db.executescript(_SCHEMA)
            version = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise XlperfError(f"审核历史“{path.name}”无法打开（{exc}）；可用 --history 指定其他文件，"
                              "或 --no-history 不使用审核历史") from None
        if version is None:
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self.db.commit()
        elif version[0] != str(SCHEMA_VERSION):
            self.db.close()
            raise XlperfError(f"审核历史“{path.name}”的格式版本为 {version[0]}，本程序为 {SCHEMA_VERSION}；"
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

    def _latest(self, before: int) -> dict[tuple[str, str], sqlite3.Row]:
        """Each unit's most recent counted-or-not submission before round ``before``, by (code, name)."""
        self.db.row_factory = sqlite3.Row
        rows = self.db.execute("SELECT * FROM submissions WHERE round < ? ORDER BY round, counted", (before,))
        out: dict[tuple[str, str], sqlite3.Row] = {}
        for row in rows:
            out[(row["unit_code"], row["unit_name"])] = row
        self.db.row_factory = None
        return out

    def changes(self, units: Sequence[Any], this_round: int) -> list[UnitChange | None]:
        """For each unit, what changed since its latest earlier round (None: not seen before)."""
        latest = self._latest(this_round)
        by_code = {code: row for (code, _n), row in latest.items() if code}
        by_name = {name: row for (_c, name), row in latest.items() if name}
        out: list[UnitChange | None] = []
        for u, digest in zip(units, self._digests(units), strict=True):
            rep = u.report
            code, name = _norm(rep.unit_code), _norm(rep.department)
            prev = (by_code.get(code) if code else None) or (by_name.get(name) if name else None)
            if prev is None:
                out.append(None)
                continue
            before = {tuple(f[:4]): f for f in json.loads(prev["findings"])}
            now = {tuple(f[:4]): f for f in _finding_rows(rep)}
            old_fig, new_fig = json.loads(prev["figures"]), _figures(u)
            changed = sorted(k for k in set(old_fig) | set(new_fig)
                             if _num(old_fig.get(k)) != _num(new_fig.get(k)))
            out.append(UnitChange(
                previous_round=prev["round"], previous_review=prev["review"], same_file=prev["sha256"] == digest,
                fixed=[f for k, f in before.items() if k not in now], new=[f for k, f in now.items() if k not in before],
                still_open=[f for k, f in now.items() if k in before], figures_changed=changed))
        return out

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
            if before and before == set(self._digests(units)):
                return last
        return last + 1

    def keep_comments(self, comments: dict[tuple[str, str], str], round_: int) -> None:
        for (code, name), text in comments.items():
            self.db.execute("INSERT OR REPLACE INTO comments VALUES (?, ?, ?, ?)", (round_, code, name, text))
        self.db.commit()

    def record(self, round_: int, output: Path, units: Sequence[Any], counted: Sequence[bool]) -> None:
        """Store this round (replacing a re-run of the same round)."""
        from xlperf.review.batch import unit_label
        from xlperf.review.intake import submission_time
        from xlperf.safe_io import shown_path

        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self.db:
            self.db.execute("DELETE FROM submissions WHERE round=?", (round_,))
            self.db.execute("INSERT OR REPLACE INTO rounds VALUES (?, ?, ?)", (round_, now, str(output.resolve())))
            for u, digest, c in zip(units, self._digests(units), counted, strict=True):
                rep = u.report
                when = submission_time(Path(rep.path))
                self.db.execute(
                    "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (round_, _norm(rep.unit_code), _norm(rep.department), unit_label(rep), shown_path(rep.path),
                     digest, when.saved, when.mtime, rep.review, int(c),
                     json.dumps(_finding_rows(rep), ensure_ascii=False),
                     json.dumps(_figures(u), ensure_ascii=False)))

    def _digests(self, units: Sequence[Any]) -> list[str]:
        cache: dict[str, str] = self.__dict__.setdefault("_digest_cache", {})
        return [cache.setdefault(u.report.path, sha256_of(Path(u.report.path))) for u in units]


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
