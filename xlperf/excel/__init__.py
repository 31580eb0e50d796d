"""Excel integration: the functions behind the UDFs, and writing validation findings into workbooks.

Submodules are imported on demand (``xlperf.excel.functions``, ``xlperf.excel.annotate``,
``xlperf.excel.xlwings_sink``); none of them imports xlwings, so the validator and the CLI never do.
"""

from __future__ import annotations

__all__: list[str] = []
