"""The department data model, built from a framework's form declarations (no fixed list of inputs).

A data file (YAML/JSON) has one section per input ``group`` declared by the framework (``info:``,
``budget:`` …, stated figures under ``stated:``, last year's figures under ``prior:``), plus
``tables:`` (rows per table), ``judgements:`` (answers to judged criteria) and ``self_scores:``.
:func:`build_data_model` creates the pydantic model of a framework (once: :mod:`xlperf.compiled`); ``xlperf data-schema`` publishes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, field_validator, model_validator

from xlperf.dates import DATE_MAX, DATE_MIN, serial_of, shown
from xlperf.expr import ExprError, parse
from xlperf.framework.models import Framework

__all__ = ["YES_NO", "DepartmentData", "Section", "SelfScore", "bound_problems", "build_data_model",
           "date_bound_problems"]

YES_NO = {"是": True, "否": False}
MAX_MONEY_DIGITS = 14  # 万元 with two decimals: below a trillion 万元, more than any department has


class Section(BaseModel):
    """One group of inputs of the data file."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)

    @model_validator(mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        """Data files may say 是/否 for yes/no fields, as the workbook does."""
        if isinstance(value, dict):
            bools = {n for n, fld in cls.model_fields.items() if fld.annotation in (bool, bool | None)}
            return {k: YES_NO.get(v, v) if k in bools and isinstance(v, str) else v for k, v in value.items()}
        return value


class SelfScore(BaseModel):
    """A self-score for one leaf indicator, with the reason a reviewer reads."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    score: Decimal = Field(ge=0, decimal_places=2, max_digits=8)
    reason: str = Field("", max_length=5000)


class DepartmentData(BaseModel):
    """Everything one department reports for one year; subclassed per framework by :func:`build_data_model`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    framework: str | None = Field(None, description="framework id the data was prepared for")
    judgements: dict[str, Decimal | bool | str] = Field(
        default_factory=dict, description="answers to judged criteria, keyed by the framework's input names")
    self_scores: dict[str, SelfScore] = Field(default_factory=dict)
    framework_model: ClassVar[Framework | None] = None
    rebuild: ClassVar[Callable[[Framework, dict[str, Any]], DepartmentData] | None] = None

    def __reduce__(self) -> Any:
        """Created per framework at run time, so a worker process rebuilds the class from the framework."""
        fw, rebuild = type(self).framework_model, type(self).rebuild
        if fw is None or rebuild is None:
            return super().__reduce__()
        return (rebuild, (fw, self.model_dump(mode="python")))

    @field_validator("judgements", mode="before")
    @classmethod
    def _numbers_as_decimal(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (Decimal(str(v)) if isinstance(v, int | float) and not isinstance(v, bool)
                        else YES_NO.get(v, v) if isinstance(v, str) else v)
                    for k, v in value.items()}
        return value

    def groups(self) -> list[tuple[str, BaseModel]]:
        return [(name, value) for name in type(self).model_fields
                if isinstance(value := getattr(self, name), Section)]

    def values(self) -> dict[str, Any]:
        """Every given input and stated figure by name (defaults applied)."""
        return {k: v for _, section in self.groups() for k, v in section if v is not None}

    def table_rows(self) -> dict[str, list[dict[str, Any]]]:
        tables = getattr(self, "tables", None)
        if tables is None:
            return {}
        return {name: [row.model_dump() for row in rows] for name, rows in tables}


def bound_problems(specs: Any, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, Chinese reason) for every value outside its input's declared ``min`` / ``max``.

    Bounds are the framework's, checked here rather than by the data model, so a workbook with one value
    out of bounds is still scored (the finding says which cell) and a data file is refused with the reason."""
    out = []
    for spec in specs:
        value = values.get(spec.name)
        if value is None or isinstance(value, bool) or not isinstance(value, int | Decimal):
            continue
        shown = f"{value * 100:.2f}%" if spec.kind == "rate" else f"{value}"
        if spec.minimum is not None and value < spec.minimum:
            low = f"{spec.minimum * 100:.2f}%" if spec.kind == "rate" else f"{spec.minimum}"
            out.append((spec.name, f"{spec.label} {shown} 小于允许的最小值 {low}"))
        if spec.maximum is not None and value > spec.maximum:
            high = f"{spec.maximum * 100:.2f}%" if spec.kind == "rate" else f"{spec.maximum}"
            out.append((spec.name, f"{spec.label} {shown} 大于允许的最大值 {high}"))
    return out


def date_bound_problems(specs: Any, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, Chinese reason) for every date before its input's ``min`` or after its ``max``; a bound over an
    empty input (``date(report_year, 12, 31)`` with no year) checks nothing."""
    env = {k: serial_of(v) if isinstance(v, date) else Decimal(v) if isinstance(v, int) and not isinstance(v, bool)
           else v for k, v in values.items()}
    out = []
    for spec in specs:
        value = values.get(spec.name)
        if not isinstance(value, date):
            continue
        for bound, worse, word in ((spec.date_min, lambda a, b: a < b, "早于"), (spec.date_max, lambda a, b: a > b, "晚于")):
            if bound is None:
                continue
            try:
                limit = parse(bound).evaluate(env)
            except ExprError:
                continue
            if isinstance(limit, Decimal) and worse(serial_of(value), limit):
                out.append((spec.name, f"{spec.label} {value.isoformat()} {word}允许的日期 {shown(limit)}"))
    return out


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def _iso_date(value: Any) -> Any:
    """A date, or its ISO text (2021-12-31), nothing else: pydantic would read a number as a Unix timestamp
    (20211231 → 1970-08-23) and 2021/12/31 is ambiguous to no one but still not what the file format says."""
    if isinstance(value, datetime):
        raise ValueError("应为日期（如 2021-12-31），不是日期时间")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"“{value}”不是有效日期") from None
    raise ValueError(f"应为日期，写成 年-月-日（如 2021-12-31），不是 {str(value)[:40]!r}")


def _annotation(kind: str, options: tuple[str, ...], optional: bool) -> tuple[Any, dict[str, Any]]:
    """(type, Field constraints) of one input kind (the framework's own bounds: :func:`bound_problems`)."""
    kw: dict[str, Any] = {}
    if kind in ("money", "count", "rate", "points", "int"):
        kw["ge"] = Decimal(0)
    typ: Any
    if kind == "money":
        typ, kw = Decimal, {**kw, "max_digits": MAX_MONEY_DIGITS, "decimal_places": 2}
    elif kind in ("count", "int"):
        typ = int
        kw = {k: int(v) for k, v in kw.items()}
        kw.setdefault("le", 10**9)
    elif kind == "rate":
        typ, kw = Decimal, {"le": Decimal(10), **kw, "decimal_places": 6}
    elif kind == "points":
        typ, kw = Decimal, {**kw, "decimal_places": 2, "max_digits": 8}
    elif kind == "number":
        typ, kw = Decimal, {**kw, "max_digits": 20}
    elif kind in ("bool", "flag"):
        typ, kw = bool, {}
    elif kind == "date":  # ISO dates in data files (YAML reads 2021-12-31 as one); the sane range of any form
        typ, kw = Annotated[date, BeforeValidator(_iso_date)], {"ge": DATE_MIN, "le": DATE_MAX}
    elif kind == "tier":
        typ, kw = Literal[tuple(options)], {}
    else:
        typ, kw = str, {"max_length": 5000}
    return (typ | None if optional else typ), kw


def build_data_model(fw: Framework, specs: Iterable[Any],
                     rebuild: Callable[[Framework, dict[str, Any]], DepartmentData]) -> type[DepartmentData]:
    """The department data model of a framework, from its catalogue's specs (:class:`xlperf.plan.names.NameSpec`).

    ``rebuild`` unpickles an instance in another process (it must be importable by name, and build the model
    of an equal framework there)."""
    groups: dict[str, dict[str, Any]] = {}
    for spec in specs:
        if spec.role not in ("input", "stated"):
            continue
        optional = spec.role == "stated" or not spec.required
        typ, kw = _annotation(spec.kind, spec.options, optional)
        default = spec.default if spec.default is not None else (None if optional else ...)
        if isinstance(default, Decimal) and spec.kind in ("count", "int"):
            default = int(default)
        groups.setdefault(spec.section, {})[spec.name] = (
            typ, Field(default, title=spec.label, description=spec.note, **kw))
    fields: dict[str, Any] = {}
    for group, members in groups.items():
        section = create_model(f"{group.title().replace('_', '')}Section", __base__=Section, **members)
        required = any(f.is_required() for f in section.model_fields.values())
        fields[group] = (section, ... if required else Field(default_factory=section))
    if fw.form.tables:
        tables: dict[str, Any] = {}
        for table in fw.form.tables:
            cols: dict[str, Any] = {}
            for col in table.columns:
                if col.expr is not None:
                    continue
                typ, kw = _annotation("tier" if col.kind == "choice" else col.kind, tuple(col.options), True)
                if col.text_if is not None:  # a qualitative row's text, checked row by row (engine/rows.py)
                    typ, kw = Decimal | Annotated[str, Field(max_length=200)] | None, {}
                default = int(col.default) if isinstance(col.default, Decimal) and col.kind == "count" else col.default
                cols[col.name] = (typ, Field(default, title=col.label, **kw))  # a data file's omitted cell
            row = create_model(f"{table.name.title()}Row", __base__=Section, **cols)
            tables[table.name] = (list[row], Field(default_factory=list, max_length=table.rows))
        tables_model = create_model("Tables", __base__=Section, **tables)
        fields["tables"] = (tables_model, Field(default_factory=tables_model))
    model = create_model(f"DepartmentData_{fw.id.replace('-', '_')}", __base__=DepartmentData, **fields)
    model.__doc__ = f"{fw.name}（{fw.id}）的部门填报数据"
    model.framework_model = fw
    model.rebuild = rebuild
    return model
