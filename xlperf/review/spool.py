"""A consolidation round's units on disk: each unit's report goes from its worker to a spool as it arrives,
and the parent keeps only a :class:`UnitSummary` (a few hundred bytes: who sent it, totals, counts, 审核结论).

The spool is a private temporary SQLite database (``sqlite3.connect("")``: on disk, deleted when closed,
its page cache bounded by SQLite's default of 2 MiB), one row per unit: the report (pickled, as it crossed
the process boundary: found/expected values keep their types for the notices), the 问题明细 rows and the
history's finding rows and figures (made in the worker), and the money inputs and scores the statistics
read. The 汇总, the history and the notices are written from it unit by unit, in the round's order.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlperf.checks.batch import BatchVersionMismatch, BatchYearMismatch
from xlperf.checks.scoring import NoSelfScore
from xlperf.findings import FileReport, FileSummary, Severity, adequate, plain_value

__all__ = ["Spool", "SpooledUnit", "UnitRecord", "UnitSummary", "record_of"]


@dataclass(slots=True)
class UnitSummary(FileSummary):
    """What the parent keeps of a unit (the batch checks, the sort, the 单位汇总 row, the round's counts):
    a file's summary and the counts and flags of the 汇总. Satisfies :class:`xlperf.review.batch.UnitFile`."""

    infos: int
    explained: int  # 提示 with an adequate 出错说明
    findings: int  # every finding, 提示 included (the unit's 问题明细 link)
    report_status: str | None  # its 绩效自评报告 (checked / unreadable / missing; None: no reports in the batch)
    report_findings: int  # XP5xx findings
    no_self_score: bool  # XP403: no grade
    batch_year: bool  # XP411 / XP412 among its findings (added by the batch checks)
    batch_version: bool
    has_data: bool  # money inputs or scores were read
    sha256: str
    index: int = -1  # its row in the spool


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """A unit as its worker sends it: the summary, the spool's columns, and its first finding per audit rule
    or check code (the 审核规则统计: counted in the parent as units arrive)."""

    summary: UnitSummary
    report: bytes
    rows: bytes
    history: str
    figures: str
    data: bytes
    keys: dict[str, tuple[str, str, str, str, str]]  # rule id or code → its first finding's (code, severity, message, rule, name)


@dataclass(frozen=True, slots=True)
class SpooledUnit:
    """A unit read back from the spool (one at a time: the round's outputs are written unit by unit)."""

    summary: UnitSummary
    rows: list[list[Any]]
    history: list[list[str]]
    figures: dict[str, str]


EXPLAINED = "已说明"
"""The seventh column of a history finding row: a 提示 with an adequate 出错说明 (empty otherwise)."""


def _finding_rows(rep: FileReport) -> list[list[str]]:
    """A unit's findings as the history keeps them (提示 left out): code, rule, sheet, cell, severity, message,
    and whether a 提示 is explained (:data:`EXPLAINED`; rows of older histories have six columns)."""
    return [[f.code, f.rule or "", f.sheet or "", f.cell or "", f.severity.value, f.message[:300],
             EXPLAINED if f.severity == Severity.warning and adequate(f.explanation) else ""]
            for f in rep.findings if f.severity != Severity.info]


def _figures(money: dict[str, Decimal], scores: dict[str, tuple[Decimal, Decimal | None]]) -> dict[str, str]:
    out = {name: str(value) for name, value in money.items()}
    out.update({f"self_{ind}": str(s) for ind, (_c, s) in scores.items() if s is not None})
    return out


def _detail_rows(rep: FileReport) -> list[list[Any]]:
    """The unit's 问题明细 rows after its number, code and name (render.consolidation.FINDING_HEADERS)."""
    return [[f.code, f.rule, f.severity.zh, f.sheet, f.cell, f.message, plain_value(f.found),
             plain_value(f.expected), f.explanation,
             ("是" if adequate(f.explanation) else "否") if f.severity == Severity.warning else None]
            for f in rep.findings]


def _summary(rep: FileReport, has_data: bool, digest: str) -> UnitSummary:
    codes = {f.code for f in rep.findings}
    warned = [f for f in rep.findings if f.severity == Severity.warning]
    info = rep.report_text
    return UnitSummary(
        rep.path, rep.status, rep.department, rep.unit_code, rep.year, rep.framework, rep.framework_version,
        rep.total_computed, rep.total_self, rep.errors, len(warned), rep.review,
        sum(1 for f in rep.findings if f.severity == Severity.info), sum(1 for f in warned if adequate(f.explanation)),
        len(rep.findings), info.status if info is not None else None,
        sum(1 for f in rep.findings if f.code.startswith("XP5")), NoSelfScore.code in codes,
        BatchYearMismatch.code in codes, BatchVersionMismatch.code in codes, has_data, digest)


def _keys(rep: FileReport) -> dict[str, tuple[str, str, str, str, str]]:
    out: dict[str, tuple[str, str, str, str, str]] = {}
    if rep.status == "error":
        return out
    for f in rep.findings:
        if f.severity != Severity.info:
            out.setdefault(f.rule or f.code, (f.code, f.severity.value, f.message, f.rule or "", f.name))
    return out


def record_of(rep: FileReport, money: dict[str, Decimal], scores: dict[str, tuple[Decimal, Decimal | None]],
              digest: str = "") -> UnitRecord:
    """A unit as the spool keeps it (made in the worker: the parent only stores bytes)."""
    return UnitRecord(
        _summary(rep, bool(money or scores), digest), pickle.dumps(rep, pickle.HIGHEST_PROTOCOL),
        pickle.dumps(_detail_rows(rep), pickle.HIGHEST_PROTOCOL),
        json.dumps(_finding_rows(rep), ensure_ascii=False), json.dumps(_figures(money, scores), ensure_ascii=False),
        pickle.dumps((money, scores), pickle.HIGHEST_PROTOCOL), _keys(rep))


class Spool:
    """The round's units on disk (see the module docstring). Close it (or use it as a context manager)."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")
        self.db.execute("CREATE TABLE units (idx INTEGER PRIMARY KEY, report BLOB NOT NULL, rows BLOB NOT NULL, "
                        "history TEXT NOT NULL, figures TEXT NOT NULL, data BLOB NOT NULL)")
        self.count = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def add(self, record: UnitRecord) -> UnitSummary:
        """Store a unit; its summary (now knowing its row) is what the caller keeps."""
        summary = record.summary
        summary.index = self.count
        self.db.execute("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?)", (self.count, record.report, record.rows,
                                                                        record.history, record.figures, record.data))
        self.count += 1
        return summary

    def replace(self, index: int, record: UnitRecord) -> UnitSummary:
        """A unit again, changed by the batch (its XP411 / XP412 errors added)."""
        summary = record.summary
        summary.index = index
        self.db.execute("UPDATE units SET report=?, rows=?, history=?, figures=?, data=? WHERE idx=?",
                        (record.report, record.rows, record.history, record.figures, record.data, index))
        return summary

    def report(self, index: int) -> FileReport:
        row = self.db.execute("SELECT report FROM units WHERE idx=?", (index,)).fetchone()
        rep: FileReport = pickle.loads(row[0])  # our own private temporary database
        return rep

    def data(self, index: int) -> tuple[dict[str, Decimal], dict[str, tuple[Decimal, Decimal | None]]]:
        row = self.db.execute("SELECT data FROM units WHERE idx=?", (index,)).fetchone()
        return pickle.loads(row[0])

    def units(self, summaries: Sequence[UnitSummary]) -> Iterator[SpooledUnit]:
        """The units in the order given (the round's), each read when it is reached."""
        query = "SELECT rows, history, figures FROM units WHERE idx=?"
        for s in summaries:
            rows, history, figures = self.db.execute(query, (s.index,)).fetchone()
            yield SpooledUnit(s, pickle.loads(rows), json.loads(history), json.loads(figures))
