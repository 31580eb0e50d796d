"""The JSON shape of a validation report (stable; documented in README)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..findings import FileReport, Report

__all__ = ["file_dict", "report_dict"]


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def file_dict(rep: FileReport) -> dict[str, Any]:
    return {
        "path": rep.path,
        "status": rep.status,
        "framework": rep.framework,
        "department": rep.department,
        "year": rep.year,
        "total_computed": _num(rep.total_computed),
        "total_self": _num(rep.total_self),
        "counts": {"error": rep.errors, "warning": rep.warnings, "info": len(rep.findings) - rep.errors - rep.warnings},
        "findings": [
            {"code": f.code, "name": f.name, "severity": f.severity.value, "sheet": f.sheet, "cell": f.cell,
             "message": f.message, "found": _plain(f.found), "expected": _plain(f.expected),
             "indicator": f.indicator}
            for f in rep.findings
        ],
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {"files": [file_dict(f) for f in report.files]}
