"""What a check sees: the parsed workbook, its values and the engine's recomputation."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from xlperf.compiled import CompiledFramework, build_env, compile_once, score
from xlperf.engine.scoring import ScoreResult, data_env
from xlperf.expr import Value
from xlperf.findings import Finding
from xlperf.ingest.reader import WorkbookRead
from xlperf.plan.names import NameSpec

if TYPE_CHECKING:
    from xlperf.reporttext.analyze import Analysis

__all__ = ["CheckContext"]


@dataclass
class CheckContext:
    read: WorkbookRead
    reader_findings: list[Finding] = field(default_factory=list)
    report: Analysis | None = None  # the 绩效自评报告 checked beside the workbook (XP5xx), when one was given

    @property
    def values(self) -> dict[str, Any]:
        return self.read.values

    @cached_property
    def compiled(self) -> CompiledFramework:
        return compile_once(self.read.framework)

    @cached_property
    def cat(self) -> dict[str, NameSpec]:
        return self.compiled.catalog

    @cached_property
    def result(self) -> ScoreResult | None:
        return score(self.read.framework, self.read.data) if self.read.data is not None else None

    @cached_property
    def env(self) -> dict[str, Value]:
        """Every name's recomputed value (inputs as read, derived totals, measures)."""
        data = self.read.data
        inputs = data_env(data) if data is not None else {k: v for k, v in self.values.items()
                                                          if isinstance(v, Decimal | bool | str)}
        if data is None:
            inputs = {k: (Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                      for k, v in inputs.items()}
        judg = dict(data.judgements) if data is not None else {}
        env, _ = build_env(self.read.framework, inputs, judg)
        if self.result is not None:
            for item in self.result.indicators:
                env[f"score_{item.id}"] = item.computed
            env["score_total"] = self.result.total.computed
            env["self_total"] = self.result.total.self or Decimal(0)  # the sheet's SUM (capped: framework caps)
        return env

    def location(self, name: str) -> tuple[str, str] | None:
        loc = self.read.locations.get(name) or self.read.book.names.get(name)
        if loc is not None:
            return loc
        planned = self.read.plan.cells.get(name)
        return (planned.sheet, planned.cell) if planned else None

    def num(self, name: str) -> Decimal | None:
        value = self.values.get(name)
        if isinstance(value, bool) or value is None:
            return None
        return Decimal(value) if not isinstance(value, Decimal) else value

    def label(self, name: str) -> str:
        spec = self.cat.get(name)
        return spec.label if spec else name
