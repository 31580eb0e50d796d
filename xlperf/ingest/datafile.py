"""Read a department data file (YAML or JSON) into :class:`DepartmentData`."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path

from pydantic import BaseModel, ValidationError

from xlperf.compiled import catalog, data_model
from xlperf.data.models import DepartmentData, bound_problems, date_bound_problems
from xlperf.engine.rows import missing_required_if, text_row_problems
from xlperf.errors import InputError, describe_validation_error
from xlperf.framework.form import TableDecl
from xlperf.framework.models import Framework
from xlperf.loader import builtin_ids, load_framework
from xlperf.safe_yaml import load_yaml

__all__ = ["load_data", "read_raw"]

MAX_DATA_BYTES = 5 * 1024 * 1024


def read_raw(path: str | Path) -> dict[str, object]:
    """A data file's top-level mapping, not yet validated (bounded size, UTF-8, safe YAML)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_DATA_BYTES:
            raise InputError(f"{path}：数据文件过大（超过 5 MB），请检查是否选错了文件。")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"找不到文件 {path}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}：不是 UTF-8 编码的 YAML/JSON 数据文件。") from None
    except OSError as exc:
        raise InputError(f"{path}：无法读取（{exc.strerror}）") from None
    raw = load_yaml(text, str(path), exact=True)
    if not isinstance(raw, dict):
        raise InputError(f"{path}：数据文件的顶层必须是键值表（framework、各输入分组、self_scores …）")
    bad = _control_characters(raw)
    if bad:
        raise InputError("\n".join(f"{path}：字段 {field}：文字中有控制字符 {char}（不能写入工作簿），请删除"
                                    for field, char in bad))
    return raw


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_CONTROL_MAX = 50
"""Fields with control characters listed at most (the file is refused either way)."""


def _control_characters(raw: object) -> list[tuple[str, str]]:
    """(field path, the character as U+XXXX) of every text holding a control character that an xlsx cannot
    hold (``template --data`` would fail on it): refused by every command alike, naming the field."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, object]] = [("", raw)]
    seen: set[int] = set()  # YAML aliases share (and may contain) containers: each is walked once
    while stack and len(out) < _CONTROL_MAX:
        where, value = stack.pop()
        if isinstance(value, dict | list | tuple):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, dict):
            stack.extend((f"{where}.{k}" if where else str(k), v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list | tuple):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, str) and (m := _CONTROL.search(value)) is not None:
            out.append((_CONTROL.sub("", where)[:200] or "（根）", f"U+{ord(m.group(0)):04X}"))
    return out


def _misplaced(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """Where a key written under the wrong section of the data file belongs: a stated figure sits under
    ``stated:``, not under its input's group (the error alone says only “未知字段”)."""
    home: dict[str, str] = {}
    for section, field in model.model_fields.items():
        for arg in (field.annotation, *typing.get_args(field.annotation)):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                home.update({name: section for name in arg.model_fields})
    out = []
    for err in exc.errors(include_url=False)[:50]:
        loc = err["loc"]
        if err["type"] == "extra_forbidden" and len(loc) == 2 and str(loc[1]) in home and home[str(loc[1])] != loc[0]:
            out.append(f"字段 {loc[0]}.{loc[1]} 应写在 {home[str(loc[1])]}: 下")
    return out


def load_data(path: str | Path, framework: Framework | None = None) -> DepartmentData:
    """A data file validated against the data model of ``framework`` (default: the shipped framework the
    file names under ``framework:``; a framework file must be chosen by the caller)."""
    raw = read_raw(path)
    fw = framework
    if fw is None:
        named = raw.get("framework")
        if not isinstance(named, str) or named not in builtin_ids():
            raise InputError(f"{path}：数据文件的 framework（{named!r}）不是内置框架，请用 --framework 指定框架文件")
        fw = load_framework(named)
    try:
        data = data_model(fw).model_validate(raw)
    except ValidationError as exc:
        hints = _misplaced(exc, data_model(fw))
        raise InputError("\n".join([describe_validation_error(exc, str(path)), *(f"{path}：{h}" for h in hints)])) from None
    problems = bound_problems(catalog(fw).values(), data.values()) + date_bound_problems(catalog(fw).values(),
                                                                                          data.values())
    if problems:
        raise InputError("\n".join(f"{path}：{reason}" for _, reason in problems))
    missing = _required_if_problems(fw, data) + _text_row_problems(fw, data)
    if missing:
        raise InputError("\n".join(f"{path}：{reason}" for reason in missing))
    return data


def _text_row_problems(fw: Framework, data: DepartmentData) -> list[str]:
    """Cells of a ``text_if`` column that hold a number where the row wants text, or the reverse."""
    out = [f"字段 tables.{table.name} 第 {i} 行 {col.name}（{col.label}）：{why}"
           for table, i, row in _numbered_rows(fw, data) for col, _wants, why in text_row_problems(table, row)]
    return out[:50]


def _required_if_problems(fw: Framework, data: DepartmentData) -> list[str]:
    """Table cells a row's own condition requires (``required_if``), named by table, row and column (XP207)."""
    out = [f"字段 tables.{table.name} 第 {i} 行 {col.name}（{col.label}）：本行满足 {col.required_if}，此项必填"
           for table, i, row in _numbered_rows(fw, data) for col in missing_required_if(table, row)]
    return out[:50]


def _numbered_rows(fw: Framework, data: DepartmentData) -> Iterator[tuple[TableDecl, int, Mapping[str, object]]]:
    """Each table of the framework with each of its rows in the data, numbered from 1 as the messages say."""
    rows_by_table = data.table_rows()
    for table in fw.form.tables:
        for i, row in enumerate(rows_by_table.get(table.name, []), start=1):
            yield table, i, row
