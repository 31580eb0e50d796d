"""Read a department data file (YAML or JSON) into :class:`DepartmentData`."""

from __future__ import annotations

from pathlib import Path

import yaml

try:  # libyaml's C parser when present: the same safe subset, several times faster
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]
from pydantic import ValidationError

from ..errors import InputError, describe_validation_error
from .models import DepartmentData

__all__ = ["load_data"]

MAX_DATA_BYTES = 5 * 1024 * 1024


def load_data(path: str | Path) -> DepartmentData:
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
    try:
        raw = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as exc:
        raise InputError(f"{path}：不是有效的 YAML/JSON（{exc}）") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}：数据文件的顶层必须是键值表（info、budget、quarterly …）")
    try:
        return DepartmentData.model_validate(raw)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, str(path))) from None
