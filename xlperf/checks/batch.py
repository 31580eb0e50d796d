"""XP41x (batch): what is wrong with a file only in the company of the others of its batch.

A file made for another year or another framework version than its batch cannot be consolidated with
the rest: its figures do not add up with theirs and its scores follow other rules. An explanation cannot
clear it, so it is an error of that file (needs revision), found when a batch is validated or
consolidated. These checks see one file at a time in :meth:`run` (nothing to say there); the batch
runner asks them for the finding (:meth:`for_file`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.findings import Finding, Severity

__all__ = ["BatchCheck", "BatchVersionMismatch", "BatchYearMismatch"]


class BatchCheck(Check):
    family: ClassVar[str] = "batch"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        return iter(())  # a batch property: see for_file

    @classmethod
    def for_file(cls, **fields: object) -> Finding:
        """This file's finding, once the batch is known."""
        return Finding(code=cls.code, name=cls.name, severity=cls.severity, message=cls.template.format(**fields),
                       found=fields.get("found"), expected=fields.get("expected"))


class BatchYearMismatch(BatchCheck):
    """检查内容：同一批次中，本文件填报的年度与批次中多数文件不同。
    为何重要：不同年度的数据不能合并汇总；出错说明不能消除这一问题。
    示例：一批 2021 年度的自评中，某单位报送的是 2020 年度的工作簿。
    如何修改：报送本年度的自评工作簿（用本年度模板重新填报）。"""

    code, name, severity, title = "XP411", "year-differs-from-batch", Severity.error, "年度与批次不一致"
    template = "本文件填报的年度为 {found}，本批次为 {expected} 年度，不能计入汇总；请报送 {expected} 年度的自评工作簿"


class BatchVersionMismatch(BatchCheck):
    """检查内容：同一批次中，本文件所用的评价框架或其版本与批次中多数文件不同。
    为何重要：不同版本的指标和评分规则不同，得分和金额不能合并汇总；出错说明不能消除这一问题。
    示例：一批按 futian-2021 1.1 版填报的自评中，某单位用的是 1.0 版模板。
    如何修改：用本批次的模板（xlperf template 生成）重新填报。"""

    code, name, severity, title = "XP412", "framework-differs-from-batch", Severity.error, "框架版本与批次不一致"
    template = "本文件使用的评价框架为 {found}，本批次为 {expected}，不能计入汇总；请用本批次的模板重新填报"
