"""The rule catalogue as Markdown (docs/rules.md is generated from it; a test keeps them in step)."""

from __future__ import annotations

__all__ = ["rules_markdown"]


def rules_markdown() -> str:
    from ..checks.registry import CHECKS

    lines = ["# 校验规则目录（xlperf rules）", "",
             "由 `xlperf rules --markdown` 生成，请勿手工编辑。代码只增不改，从不重复使用。", "",
             "| 代码 | 名称 | 级别 | 标题 |", "|---|---|---|---|"]
    lines += [f"| {c.code} | `{c.name}` | {c.severity.zh} | {c.title} |" for c in CHECKS]
    for c in CHECKS:
        lines += ["", f"## {c.code} `{c.name}` — {c.title}（{c.severity.zh}）", ""]
        for para in c.doc().splitlines():
            lines.append(f"- {para.strip()}" if para.strip() else "")
    return "\n".join(lines) + "\n"
