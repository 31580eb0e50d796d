"""Load framework files (YAML/JSON) into validated :class:`Framework` models."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

try:  # libyaml's C parser when present: the same safe subset, several times faster
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]
from pydantic import ValidationError

from ..data.derived import DERIVED
from ..data.models import SECTIONS
from ..errors import InputError, describe_validation_error
from .models import NAME_RE, Framework
from .rules import _rule_names, compile_framework

__all__ = ["builtin_ids", "load_framework", "framework_from_text"]

_BUILTIN = "builtin"


def builtin_ids() -> list[str]:
    """Ids of the frameworks shipped with xlperf."""
    return list(_builtin_ids())


@lru_cache(maxsize=1)
def _builtin_ids() -> tuple[str, ...]:
    folder = resources.files("xlperf.framework").joinpath(_BUILTIN)
    return tuple(sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")))


def load_framework(ref: str | Path = "futian-2021") -> Framework:
    """A shipped framework by id (parsed once per process), or any framework file by path."""
    text_ref = str(ref)
    if text_ref in _builtin_ids():
        return _load_builtin(text_ref)
    path = Path(text_ref)
    if not path.exists():
        raise InputError(f"找不到评价框架“{text_ref}”：既不是内置框架（{', '.join(builtin_ids())}），也不是存在的文件。")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}：无法读取框架文件（{exc}）") from None
    return framework_from_text(text, str(path))


@lru_cache(maxsize=8)
def _load_builtin(ref: str) -> Framework:
    res = resources.files("xlperf.framework").joinpath(_BUILTIN, f"{ref}.yaml")
    return framework_from_text(res.read_text(encoding="utf-8"), ref)


def framework_from_text(text: str, source: str) -> Framework:
    try:
        raw = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        raise InputError(f"{source}：框架文件不是有效的 YAML/JSON（{exc}）") from None
    if not isinstance(raw, dict):
        raise InputError(f"{source}：框架文件的顶层必须是键值表（id、name、indicators …）")
    try:
        fw = Framework.model_validate(raw)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, source)) from None
    _check_names(fw, source)
    return fw


def _check_names(fw: Framework, source: str) -> None:
    """Every name an expression uses must be an input, a derived total, a measure or a judged input."""
    comp = compile_framework(fw)
    known = {name for _, section in SECTIONS for name in section.model_fields}
    known |= {d.name for d in DERIVED} | {m.id for m in comp.measures} | {j.name for j in comp.judged}
    problems = []
    measure_ids = [m.id for m in comp.measures]
    seen: set[str] = set()
    for m in comp.measures:
        for name in sorted((m.num.names | m.den.names) - known):
            problems.append(f"比率 {m.id} 引用了未定义的名称 {name}")
        later = sorted(((m.num.names | m.den.names) & set(measure_ids)) - seen)
        problems += [f"比率 {m.id} 引用了在它之后定义的比率 {name}（请按依赖顺序排列 measures）" for name in later]
        seen.add(m.id)
        if not NAME_RE.match(m.id):
            problems.append(f"比率编号 {m.id!r} 须为小写字母、数字加下划线（如 sangong_rate）")
    problems += [f"比率编号 {n} 重复" for n in sorted({n for n in measure_ids if measure_ids.count(n) > 1})]
    inputs = {name for _, section in SECTIONS for name in section.model_fields} | {d.name for d in DERIVED}
    problems += [f"比率编号 {n} 与数据字段重名" for n in sorted(set(measure_ids) & inputs)]
    for ind in fw.leaves():
        for name in sorted(_rule_names(ind.rule) - known):
            problems.append(f"指标 {ind.id} 引用了未定义的名称 {name}")
    for j in comp.judged:
        if not NAME_RE.match(j.name):
            problems.append(f"评判输入名 {j.name!r} 须为小写字母、数字加下划线（如 j_item_1）")
    names = [j.name for j in comp.judged]
    problems += [f"评判输入名 {n} 重复" for n in sorted({n for n in names if names.count(n) > 1})]
    clash = sorted(set(names) & ({name for _, s in SECTIONS for name in s.model_fields} | {m.id for m in comp.measures}))
    problems += [f"评判输入名 {n} 与数据字段或比率重名" for n in clash]
    if problems:
        raise InputError("\n".join(f"{source}：{p}" for p in problems))
