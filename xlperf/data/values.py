"""Flatten department data into workbook input values by name (the inverse of the reader)."""

from __future__ import annotations

from typing import Any

from .models import SECTIONS, DepartmentData

__all__ = ["data_values"]


def data_values(data: DepartmentData) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for section_name, _ in SECTIONS:
        for name, value in getattr(data, section_name):
            if value is not None:
                out[name] = value
    out.update(data.judgements)
    for ind_id, own in data.self_scores.items():
        out[f"self_{ind_id}"] = own.score
        if own.reason:
            out[f"reason_{ind_id}"] = own.reason
    return out
