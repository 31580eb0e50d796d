"""The rule catalogue as Markdown (docs/rules.md is generated from it; a test keeps them in step)."""

from __future__ import annotations

from xlperf.checks.registry import CHECKS
from xlperf.expr import _FUNCS
from xlperf.framework import models as fw_models

__all__ = ["framework_reference_markdown", "rules_markdown"]


def rules_markdown() -> str:
    lines = ["# 校验规则目录（xlperf rules）", "",
             "由 `xlperf rules --markdown` 生成，请勿手工编辑。代码只增不改，从不重复使用。", "",
             "| 代码 | 名称 | 级别 | 标题 |", "|---|---|---|---|"]
    lines += [f"| {c.code} | `{c.name}` | {c.severity.zh} | {c.title} |" for c in CHECKS]
    for c in CHECKS:
        lines += ["", f"## {c.code} `{c.name}` — {c.title}（{c.severity.zh}）", ""]
        for para in c.doc().splitlines():
            lines.append(f"- {para.strip()}" if para.strip() else "")
    return "\n".join(lines) + "\n"


def _type_text(annotation: object) -> str:
    import re
    import typing

    text = str(annotation).replace("typing.", "").replace("decimal.", "").replace("xlperf.framework.models.", "")
    text = text.replace("xlperf.framework.form.", "").replace("<class '", "").replace("'>", "")
    text = re.sub(r"Annotated\[([\w.]+), Tag\(tag='\w+'\)\]", r"\1", text)  # a tagged union's member: its class
    text = re.sub(r"Annotated\[Union\[([^\]]*)\], Discriminator\(.*?\)\]", r"one of (\1)", text)
    text = re.sub(r"Annotated\[Union\[([^\]]*)\], FieldInfo\([^)]*\)[^\]]*\]", r"one of (\1)", text)
    text = re.sub(r"Annotated\[([\w.]+(?: \| [\w.]+)+), FieldInfo\(.*\)\]",  # X | Y unions (PEP 604)
                  lambda m: "one of (" + ", ".join(m.group(1).split(" | ")) + ")", text)
    if typing.get_origin(annotation) is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(annotation))
    return f"`{text}`"


def framework_reference_markdown() -> str:
    """Every key of a framework file, from the pydantic models themselves (docs/framework-reference.md)."""
    from pydantic import BaseModel
    from pydantic_core import PydanticUndefined

    seen: list[type[BaseModel]] = []

    def collect(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.append(model)
        for fld in model.model_fields.values():
            for sub in _models_in(fld.annotation):
                collect(sub)

    collect(fw_models.Framework)
    lines = ["# Framework file reference", "",
             "Generated from the pydantic models by `xlperf framework-schema --markdown`; do not edit by hand",
             "(tests/test_docs.py keeps it in step). The guide is docs/frameworks.md.", ""]
    for model in seen:
        doc = (model.__doc__ or "").strip().splitlines()
        lines += [f"## {model.__name__}", "", *(line.strip() for line in doc), "",
                  "| key | type | default | meaning |", "|---|---|---|---|"]
        for name, fld in model.model_fields.items():
            key = fld.alias or name
            if fld.is_required():
                default = "**required**"
            elif fld.default_factory is not None:
                default = "(empty)" if fld.default_factory in (list, dict) else "(see meaning)"
            elif fld.default is PydanticUndefined or fld.default is None:
                default = "—"
            else:
                default = f"`{fld.default}`"
            desc = (fld.description or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{key}` | {_type_text(fld.annotation)} | {default} | {desc} |")
        lines.append("")
    lines += ["## Expressions", "",
              "Measures, rules, derived and stated figures and audit rules are expressions over declared names:",
              "numbers, `+ - * /`, comparisons `< <= > >= == !=`, `and` / `or` / `not`, and the functions "
              + ", ".join(f"`{f}`" for f in _FUNCS) + ".",
              "`prev.x` is last year's value of input `x` (declared with `prior: true`); `t.col` is column `col` of",
              "table `t`, usable only inside `sum`, `count`, `avg`, `sumif`, `sumproduct`, `min`, `max`.", ""]
    return "\n".join(lines) + "\n"


def _models_in(annotation: object) -> list[type]:
    import typing

    from pydantic import BaseModel

    out: list[type] = []
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            out.append(a)
            continue
        stack.extend(typing.get_args(a))
    return sorted(set(out), key=lambda m: m.__name__) if len(out) > 1 else out
