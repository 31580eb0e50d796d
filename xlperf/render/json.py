"""The JSON shape of a validation report (stable; documented in README)."""

from __future__ import annotations

from typing import Any

from ..findings import FileReport, Report, plain_value

__all__ = ["file_dict", "report_dict"]




def file_dict(rep: FileReport) -> dict[str, Any]:
    return {
        "path": rep.path,
        "status": rep.status,
        "framework": rep.framework,
        "department": rep.department,
        "year": rep.year,
        "total_computed": plain_value(rep.total_computed),
        "total_self": plain_value(rep.total_self),
        "counts": {"error": rep.errors, "warning": rep.warnings, "info": len(rep.findings) - rep.errors - rep.warnings},
        "findings": [
            {"code": f.code, "name": f.name, "severity": f.severity.value, "sheet": f.sheet, "cell": f.cell,
             "message": f.message, "found": plain_value(f.found), "expected": plain_value(f.expected),
             "indicator": f.indicator}
            for f in rep.findings
        ],
    }


def report_dict(report: Report) -> dict[str, Any]:
    return {"files": [file_dict(f) for f in report.files]}
