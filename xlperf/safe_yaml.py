"""YAML (and JSON) of data and framework files, read so that no text can crash, hang or be misread.

PyYAML's safe loader builds no objects (``!!python/object`` is refused), but it still follows YAML 1.1:
``a: 1`` followed by 5,000 digits raises ``ValueError`` (Python's 4,300-digit limit) instead of a
YAMLError, ``017`` is octal 15, ``0x1F`` is 31, ``190:20:30`` is 685,230 (base 60), a float goes
through binary (``670.899999999999999999`` becomes 670.9) and a key given twice silently keeps the
last value. Here:

- an integer is built only from plain decimal digits (at most :data:`MAX_DIGITS`); any other integer
  form (octal, hex, binary, base 60, longer) stays the text as written, so the data model refuses it
  or reads it as its field's type says (``017`` as a unit code stays "017");
- with ``exact=True`` (department data) a float is the exact ``Decimal`` of its text;
- a key given twice in one mapping is refused, naming both lines;
- every YAML error is a Chinese message naming the file, line and column.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

try:  # libyaml's C parser when present: the same safe subset, several times faster
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

from xlperf.errors import InputError

__all__ = ["MAX_DIGITS", "YAML_SUFFIXES", "load_yaml"]

YAML_SUFFIXES = (".yaml", ".yml", ".json")
"""File suffixes of YAML/JSON documents: framework files and department data files."""

MAX_DIGITS = 30
"""Digits of an integer or decimal built as a number; a longer one stays text (no budget figure has more)."""
_DECIMAL_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$", re.ASCII)
_DECIMAL_FLOAT = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]{1,4})?$", re.ASCII)


class _Duplicate(Exception):
    def __init__(self, key: str, line: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _number_text(text: str) -> bool:
    return 0 < _digits(text) <= MAX_DIGITS


def _int(loader: Any, node: yaml.ScalarNode) -> int | str:
    text = loader.construct_scalar(node)
    if _DECIMAL_INT.match(text) and _number_text(text):
        return int(text.replace("_", ""))
    return str(text)


def _float(loader: Any, node: yaml.ScalarNode) -> float | str:
    text = loader.construct_scalar(node)
    if _DECIMAL_FLOAT.match(text) and _number_text(text):
        return float(text.replace("_", ""))
    if text.lower().lstrip("+-") in (".inf", ".nan"):
        return float(text.lower().replace(".", ""))
    return str(text)


def _exact_float(loader: Any, node: yaml.ScalarNode) -> Decimal | float | str:
    text = loader.construct_scalar(node)
    if _DECIMAL_FLOAT.match(text) and _number_text(text):
        try:
            return Decimal(text.replace("_", ""))
        except InvalidOperation:  # "1.2.3"-like texts the YAML pattern admits
            return str(text)
    return _float(loader, node)


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    """A date as YAML reads it; 2021-13-45 stays the text (PyYAML would raise ValueError)."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return str(loader.construct_scalar(node))


def _mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    """A mapping whose keys are each given once (``<<`` merges may repeat what they merge)."""
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            line = key_node.start_mark.line + 1
            if key_node.value in seen:
                raise _Duplicate(key_node.value, line, seen[key_node.value])
            seen[key_node.value] = line
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


class _Loader(_Base):
    """The safe loader with the number and duplicate-key rules above (floats as floats)."""

    construct_mapping = _mapping


class _ExactLoader(_Loader):
    """The same, with floats as exact Decimals (department data: amounts to the cent)."""


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_ExactLoader.add_constructor("tag:yaml.org,2002:float", _exact_float)

_PROBLEMS_ZH = {
    "exceeded maximum nesting depth": "嵌套层数过多",
    "found unhashable key": "键不能是列表或键值表",
    "found undefined alias": "引用了未定义的锚点（*别名）",
    "found duplicate anchor": "锚点（&名称）重复定义",
    "could not determine a constructor for the tag": "不支持的类型标签（数据文件中不能使用 !! 标签）",
    "found character that cannot start any token": "有不能出现在此处的字符（如制表符 Tab 缩进）",
    "mapping values are not allowed": "此处不能有“键: 值”（可能缺少空格或缩进不对）",
    "could not find expected ':'": "缺少冒号“:”（或冒号后缺少空格）",
    "did not find expected key": "缩进或格式不对（找不到应有的键）",
    "did not find expected node content": "缺少应有的值",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合）",
    "found unknown escape character": "双引号中有无效的转义字符（\\ 后的字符）",
    "did not find expected ',' or ']'": "列表缺少逗号“,”或右括号“]”",
    "did not find expected ',' or '}'": "键值表缺少逗号“,”或右括号“}”",
    "found a tab character": "不能用制表符 Tab 缩进",
}


def _where(mark: Any) -> str:
    return f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else "某处"


def _message(exc: yaml.YAMLError, source: str, what: str) -> str:
    if isinstance(exc, yaml.reader.ReaderError):  # a NUL or another character YAML does not allow
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return f"{source}：不是有效的 {what}：第 {exc.position + 1} 个字符 U+{char:04X} 不能出现在文本文件中"
    problem = str(getattr(exc, "problem", "") or "")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    zh = next((v for k, v in _PROBLEMS_ZH.items() if problem.startswith(k)), None)
    detail = zh or (f"语法错误（{problem[:200]}）" if problem else "语法错误")
    return f"{source}：不是有效的 {what}：{_where(mark)}{detail}"


MAX_FLOW_DEPTH = 200
"""Open brackets ([ and {) a document may nest; no data or framework file needs more than a handful."""
_BRACKET = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> tuple[int, int]:
    """The deepest bracket nesting (quotes not parsed: an over-count only refuses an absurd file) and the
    line where it is reached. Measured because a parser recursing 100,000 brackets deep crashes the process
    (before PyYAML 6.0.4), which no ``except`` can catch."""
    depth = deepest = 0
    at = 0
    for m in _BRACKET.finditer(text):
        depth = depth + 1 if m.group() in "[{" else max(0, depth - 1)
        if depth > deepest:
            deepest, at = depth, m.start()
            if deepest > MAX_FLOW_DEPTH:
                break
    return deepest, text.count("\n", 0, at) + 1


def load_yaml(text: str, source: str, *, exact: bool = False, what: str = "YAML/JSON") -> Any:
    """The document in ``text``; any problem is an :class:`InputError` naming ``source``, line and column."""
    deepest, line = _flow_depth(text)
    if deepest > MAX_FLOW_DEPTH:
        raise InputError(f"{source}：不是有效的 {what}：第 {line} 行嵌套层数过多（超过 {MAX_FLOW_DEPTH} 层）")
    try:
        return yaml.load(text, Loader=_ExactLoader if exact else _Loader)
    except _Duplicate as dup:
        raise InputError(f"{source}：第 {dup.line} 行的键“{dup.key[:80]}”与第 {dup.first} 行重复；"
                         "同一层中每个键只能出现一次，请删去多余的一个") from None
    except yaml.YAMLError as exc:
        raise InputError(_message(exc, source, what)) from None
    except (RecursionError, MemoryError):
        raise InputError(f"{source}：文件嵌套过深或过大，无法读取") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor on a value it cannot build
        raise InputError(f"{source}：有无法读取的值（{type(exc).__name__}: {str(exc)[:200]}）") from None
