"""Flatten department data into workbook input values by name (the inverse of the reader)."""

from __future__ import annotations

from typing import Any

from xlperf.data.models import DepartmentData

__all__ = ["data_values"]


def data_values(data: DepartmentData) -> dict[str, Any]:
    """Inputs, stated figures, judged answers, self-scores and reasons by name (tables by ``t.col`` lists)."""
    out: dict[str, Any] = dict(data.values())
    out.update(data.judgements)
    for ind_id, own in data.self_scores.items():
        out[f"self_{ind_id}"] = own.score
        if own.reason:
            out[f"reason_{ind_id}"] = own.reason
    for table, rows in data.table_rows().items():
        if rows:
            for col in rows[0]:
                out[f"{table}.{col}"] = [r.get(col) for r in rows]
    return out
