"""``extends:`` — a framework file written as another framework plus overrides (next year's version).

Merging is on the raw YAML mappings, before validation, so the result is validated as a whole:
- mappings merge key by key, recursively;
- lists of mappings that carry ``id`` (indicators, measures, audit rules) or ``name`` (inputs, derived
  and stated figures, sheets, tables) merge item by item on that key; an item with ``remove: true`` drops the
  base item, a new key is appended (or placed right after the item named by ``after:``);
- a rule (a mapping with ``kind``) whose kind changes, and every other list (bands, items, parts), is
  replaced as a whole.
"""

from __future__ import annotations

from typing import Any

__all__ = ["merge"]

_KEYS = ("id", "name", "title")


def _key_of(items: list[Any]) -> str | None:
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _KEYS:
        if all(key in i for i in items):
            return key
    return None


def _merge_list(base: list[Any], over: list[Any], where: str) -> list[Any]:
    key = _key_of(base) if base else None
    if key is None or not all(isinstance(i, dict) and (key in i) for i in over):
        return over
    out = [dict(i) for i in base]
    for item in over:
        item = dict(item)
        remove = item.pop("remove", False)
        after = item.pop("after", None)
        index = next((n for n, b in enumerate(out) if b[key] == item[key]), None)
        if remove:
            if index is None:
                raise ValueError(f"{where}：要删除的 {item[key]} 在上级框架中不存在")
            out.pop(index)
        elif index is not None:
            out[index] = merge(out[index], item, f"{where}.{item[key]}")
        elif after is not None:
            pos = next((n for n, b in enumerate(out) if b[key] == after), None)
            if pos is None:
                raise ValueError(f"{where}：after: {after} 在上级框架中不存在")
            out.insert(pos + 1, item)
        else:
            out.append(item)
    return out


def merge(base: Any, over: Any, where: str = "") -> Any:
    """``over`` applied to ``base`` (neither is modified)."""
    if isinstance(base, dict) and isinstance(over, dict):
        if "kind" in base and "kind" in over and base["kind"] != over["kind"]:
            return over
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v, f"{where}.{k}" if where else str(k)) if k in base else v
        return out
    if isinstance(base, list) and isinstance(over, list):
        return _merge_list(base, over, where)
    return over
