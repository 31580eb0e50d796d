"""xlperf — 部门整体支出绩效自评: frameworks as data, a scoring engine, an Excel workbook and a validator."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
