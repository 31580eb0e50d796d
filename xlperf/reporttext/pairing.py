"""Which report goes with which workbook in a folder: by file name, else by 单位编码 in the report's name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["REPORT_SUFFIXES", "ReportRequest", "collect_reports", "pair_by_code", "pair_reports", "report_requests", "reports_beside", "stem_key"]

REPORT_SUFFIXES = {".docx", ".docm", ".pdf", ".doc", ".wps"}
_NOISE = re.compile(r"部门整体支出|整体支出|绩效|自评|评价|报告|工作簿|自评表|模板|[\s_\-—－·.()（）【】\[\]]")


class ReportRequest(NamedTuple):
    """The report to check beside a workbook: its path, or candidates to pair by the workbook's 单位编码."""

    path: str | None = None
    candidates: tuple[str, ...] = ()
    show_untied: bool = False


def stem_key(path: Path) -> str:
    """A file name without what tells a report from a workbook: 某局-2021年度部门整体支出绩效自评报告.docx and
    某局-2021年度部门整体支出绩效自评.xlsx have the same key."""
    return _NOISE.sub("", path.stem)


def collect_reports(paths: Sequence[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in REPORT_SUFFIXES
                              and not f.name.startswith("~$") and not f.is_dir()))
        else:
            out.append(p)
    return out


def pair_reports(workbooks: Sequence[Path], reports: Sequence[Path]) -> tuple[dict[str, Path], list[Path]]:
    """workbook path → its report, by equal name keys (each used once); and the reports left unpaired."""
    if len(workbooks) == 1 and len(reports) == 1:
        return {str(workbooks[0]): reports[0]}, []
    by_key: dict[str, list[Path]] = {}
    for r in reports:
        by_key.setdefault(stem_key(r), []).append(r)
    paired: dict[str, Path] = {}
    for wb in workbooks:
        hits = by_key.get(stem_key(wb))
        if hits:
            paired[str(wb)] = hits.pop(0)
    used = set(map(str, paired.values()))
    return paired, [r for r in reports if str(r) not in used]


def pair_by_code(unit_code: str | None, candidates: Sequence[Path]) -> Path | None:
    """The one unpaired report whose name holds the workbook's 单位编码 (none when zero or several do)."""
    if not unit_code or len(unit_code) < 3:
        return None
    hits = [r for r in candidates if unit_code in r.stem]
    return hits[0] if len(hits) == 1 else None


MAX_CANDIDATES = 500
"""Unpaired reports handed to each workbook's job to pair by its 单位编码 (beyond: by file name only)."""


def report_requests(workbooks: Sequence[Path], sources: Sequence[Path],
                    show_untied: bool = False) -> dict[str, ReportRequest]:
    """For each workbook, the report to check beside it (``validate --report-text``): the file given (one
    workbook), else paired by file name, else by the 单位编码 the workbook holds (found while reading it)."""

    reports = collect_reports(list(sources))
    paired, rest = pair_reports(workbooks, reports)
    candidates = tuple(map(str, rest)) if len(rest) <= MAX_CANDIDATES else ()
    return {str(wb): ReportRequest(str(paired[str(wb)]) if str(wb) in paired else None,
                                   () if str(wb) in paired else candidates, show_untied) for wb in workbooks}


def reports_beside(sources: Sequence[Path], workbooks: Sequence[Path]) -> dict[str, ReportRequest] | None:
    """``consolidate``: the reports in the folders given (and beside each workbook named), paired with the
    workbooks; None when the batch holds no report at all (nothing is checked, no 未收到 column)."""
    folders = {p for p in sources if p.is_dir()} | {wb.parent for wb in workbooks}
    found = [r for r in collect_reports(sorted(folders)) if r.suffix.lower() in REPORT_SUFFIXES]
    return report_requests(workbooks, sorted(set(found))) if found else None
