"""Public entry points used by the CLI, the Excel layer and other programs."""

from __future__ import annotations

from pathlib import Path

from xlperf.checks.registry import finding_of
from xlperf.compiled import check_judgements, score
from xlperf.data.models import DepartmentData
from xlperf.engine.scoring import ScoreResult
from xlperf.errors import InputError
from xlperf.findings import Severity
from xlperf.ingest.datafile import MAX_DATA_BYTES, load_data
from xlperf.ingest.reader import read_workbook
from xlperf.resolve import resolve_framework
from xlperf.safe_yaml import YAML_SUFFIXES, load_yaml

__all__ = ["load_input", "read_department", "score_path"]

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}


def _recorded(path: Path) -> str | None:
    """The framework id a data file records (for looking it up in a reviewer's framework folder)."""
    try:
        if path.stat().st_size > MAX_DATA_BYTES:
            return None  # load_data refuses it with the reason
        raw = load_yaml(path.read_text(encoding="utf-8-sig"), str(path))
    except (OSError, UnicodeDecodeError, InputError):
        return None
    value = raw.get("framework") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def load_input(path: Path, framework: str | Path | None = None) -> DepartmentData:
    """A department's data from a data file or a filled workbook."""
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return load_data(path, resolve_framework(framework, _recorded(path)).fw if framework is not None else None)
    if suffix in WORKBOOK_SUFFIXES:
        return read_department(path, str(framework) if framework is not None else None)
    raise InputError(f"{path}：不支持的文件类型 {suffix or '（无扩展名）'}，请提供 .yaml/.json 数据文件或 .xlsx 工作簿。")


def score_path(path: Path, framework: str | Path | None = None) -> ScoreResult:
    data = load_input(path, framework)
    fw = resolve_framework(framework, data.framework).fw
    if data.framework and framework is None and data.framework != fw.id:  # pragma: no cover - defensive
        raise InputError(f"{path}：数据记录的框架 {data.framework} 与所选框架 {fw.id} 不一致")
    unknown = sorted(set(data.self_scores) - {i.id for i in fw.leaves()})
    if unknown:
        raise InputError(f"{path}：自评得分中有框架 {fw.id} 不存在的三级指标编号：{', '.join(unknown)}")
    problems = check_judgements(fw, data.judgements)
    if problems:
        raise InputError("\n".join(f"{path}：{p}" for p in problems))
    return score(fw, data)


def read_department(path: str | Path, framework: str | None = None) -> DepartmentData:
    """For ``xlperf score``: the department data of a workbook, or an InputError listing the cells at fault."""
    result = read_workbook(path, framework)
    errors = [f for f in map(finding_of, result.notes) if f.severity == Severity.error]
    if errors or result.data is None:
        lines = [f"{Path(path).name} {f.location}：{f.message}" for f in errors] or [f"{Path(path).name}：数据不完整"]
        raise InputError("\n".join(lines))
    return result.data
