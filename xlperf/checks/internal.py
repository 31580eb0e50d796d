"""XP000: a check that crashed. The runner turns the crash into a finding instead of aborting."""

from __future__ import annotations

from collections.abc import Iterator

from xlperf.checks.base import Check
from xlperf.checks.context import CheckContext
from xlperf.findings import Finding, Severity


class CheckError(Check):
    """检查内容：某项校验在运行时出错（程序缺陷），该项校验的结果不完整。
    为何重要：其余校验照常进行；该项需要人工复核，并请把文件反馈给 xlperf 维护者。
    示例：“XP303 校验出错：…”。
    如何修改：无需修改工作簿；请联系技术支持并提供该文件。"""

    code, name, severity, title, family = "XP000", "check-error", Severity.error, "校验程序出错", "internal"
    template = "校验 {check} 运行出错：{error}"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        return iter(())
