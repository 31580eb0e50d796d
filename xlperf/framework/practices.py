"""A region's review practices: what its checks require of a submission beyond the scoring rules.

Whether a judged score below full marks needs a written reason, or whether a missing self-score is
worth a warning, is one region's practice, not a law of the form: a framework declares it under
``practices:`` and the checks read it from there. The defaults keep the checks every framework always had,
except that an audit rule over an empty prior-year figure is reported (XP330) unless the framework says the
region skips it (Futian does: its prior-year figures come only from ``xlperf template --prior``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Practices", "ReasonPolicy"]

ReasonPolicy = Literal["judged", "all", "none"]


class Practices(BaseModel):
    """Review practices of the region (what its checks require beyond the scoring rules)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason_below_full: ReasonPolicy = Field(
        "judged", description="which indicators need a written reason (自评说明) when self-scored below full marks "
                              "(XP405): judged 评判类指标 · all 所有末级指标 · none 不要求")
    self_score_required: bool = Field(
        True, description="every leaf indicator needs a self-score (XP407 when one is missing)")
    empty_prior: Literal["report", "skip"] = Field(
        "report", description="an audit rule that reads an empty prior-year figure: report 报告未进行的审核 (XP330) · "
                              "skip 不报告（上年数只由 template --prior 填入的地区）")
