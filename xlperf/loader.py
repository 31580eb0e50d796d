"""Load framework files (YAML/JSON) into validated :class:`Framework` models."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xlperf.engine.rules import TIER_INPUT_KINDS, _rule_names, compile_framework, sub_rules
from xlperf.errors import InputError, describe_validation_error
from xlperf.expr import AGGREGATES, ExprError, parse
from xlperf.framework.form import PRIOR_PREFIX
from xlperf.framework.inherit import merge
from xlperf.framework.models import NAME_RE, Framework, TiersRule
from xlperf.framework.report import report_problems
from xlperf.safe_yaml import load_yaml

__all__ = ["builtin_ids", "framework_from_text", "load_framework"]

_BUILTIN = "builtin"


def builtin_ids() -> list[str]:
    """Ids of the frameworks shipped with xlperf."""
    return list(_builtin_ids())


@lru_cache(maxsize=1)
def _builtin_ids() -> tuple[str, ...]:
    folder = resources.files("xlperf.framework").joinpath(_BUILTIN)
    return tuple(sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")))


MAX_FRAMEWORK_BYTES = 2 * 1024 * 1024
MAX_EXTENDS_DEPTH = 5


def default_framework_id() -> str:
    """The framework used when none is named: the first shipped one."""
    return builtin_ids()[0]


def load_framework(ref: str | Path | None = None) -> Framework:
    """A shipped framework by id (parsed once per process), or any framework file by path."""
    if ref is None:
        ref = default_framework_id()
    text_ref = str(ref)
    if text_ref in _builtin_ids():
        return _load_builtin(text_ref)
    path = Path(text_ref)
    if not path.exists():
        raise InputError(f"找不到评价框架“{text_ref}”：既不是内置框架（{', '.join(builtin_ids())}），也不是存在的文件。")
    return framework_from_text(_read(path), str(path), path.parent)


def _read(path: Path) -> str:
    try:
        if not path.is_file():
            raise InputError(f"{path}：不是框架文件（YAML/JSON）")
        if path.stat().st_size > MAX_FRAMEWORK_BYTES:
            raise InputError(f"{path}：框架文件过大（超过 2 MB）")
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}：无法读取框架文件（{exc}）") from None


@lru_cache(maxsize=8)
def _load_builtin(ref: str) -> Framework:
    res = resources.files("xlperf.framework").joinpath(_BUILTIN, f"{ref}.yaml")
    return framework_from_text(res.read_text(encoding="utf-8"), ref)


def _raw(text: str, source: str) -> dict[str, object]:
    raw = load_yaml(text, source, what="框架文件（YAML/JSON）")
    if not isinstance(raw, dict):
        raise InputError(f"{source}：框架文件的顶层必须是键值表（id、name、indicators …）")
    return raw


def _resolve_extends(raw: dict[str, object], source: str, folder: Path | None, depth: int = 0) -> dict[str, object]:
    """Apply ``extends:`` (a shipped framework id, or a file relative to this one), recursively."""
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if depth >= MAX_EXTENDS_DEPTH:
        raise InputError(f"{source}：extends 层级过深（超过 {MAX_EXTENDS_DEPTH} 层，可能是循环继承）")
    if not isinstance(parent, str):
        raise InputError(f"{source}：extends 应为框架编号或文件名")
    if parent in _builtin_ids():
        res = resources.files("xlperf.framework").joinpath(_BUILTIN, f"{parent}.yaml")
        base, base_folder = _raw(res.read_text(encoding="utf-8"), parent), None
    else:
        path = (folder / parent) if folder is not None else Path(parent)
        if not path.exists():
            raise InputError(f"{source}：extends 的框架“{parent}”既不是内置框架，也找不到文件 {path}")
        base, base_folder = _raw(_read(path), str(path)), path.parent
    base = _resolve_extends(base, parent, base_folder, depth + 1)
    try:
        return merge(base, raw)
    except ValueError as exc:
        raise InputError(f"{source}：{exc}") from None


def framework_from_text(text: str, source: str, folder: Path | None = None) -> Framework:
    raw = _resolve_extends(_raw(text, source), source, folder)
    try:
        fw = Framework.model_validate(raw)
    except ValidationError as exc:
        raise InputError(describe_validation_error(exc, source)) from None
    _check_names(fw, source)
    return fw


def _check_names(fw: Framework, source: str) -> None:
    """Every name an expression uses must be declared before it is used (so no cell shows #NAME?)."""
    check = _NameCheck(fw)
    check.run()
    if check.problems:
        raise InputError("\n".join(f"{source}：{p}" for p in check.problems))


class _NameCheck:
    """The declarations in the order the sheet defines them; ``known`` grows as each part is checked, so a
    name used before its definition is reported. Each step appends its problems in the framework's order."""

    def __init__(self, fw: Framework) -> None:
        self.fw, self.form, self.comp = fw, fw.form, compile_framework(fw)
        self.problems: list[str] = []
        self.known: set[str] = set()
        self.columns: dict[str, set[str]] = {}
        self.flags = {f"{t.name}.{c.name}" for t in fw.form.tables for c in t.columns if c.kind == "bool"}
        self.stated = {s.name for s in fw.form.stated}
        self.judged = {j.name for j in self.comp.judged}
        self.measure_ids = [m.id for m in self.comp.measures]
        self.declared = {d.name for d in fw.form.inputs} | {d.name for d in fw.form.derived} | self.stated
        self.scores = {f"score_{i.id}" for i in fw.walk()} | {"score_total", "self_total"}
        self.generated = self.scores | {f"{p}_{i.id}" for i in fw.leaves() for p in ("self", "reason")} | {
            "fw_id", "fw_version"}

    def run(self) -> None:
        self.inputs_and_tables()
        self.derived_and_measures()
        self.rules()
        self.stated_and_identities()
        self.audits()
        self.tiers_on_the_form()
        self.judged_inputs()
        self.layout()
        if self.fw.report is not None:  # known | generated is the catalogue's set of names (plan/names.py)
            self.problems += report_problems(self.fw.report, self.known | self.generated)

    def uses(self, what: str, expr: str, available: set[str]) -> None:
        try:
            parsed = parse(expr)
        except ExprError as exc:
            self.problems.append(f"{what}：{exc}")
            return
        self.problems.extend(f"{what} 引用了未定义（或在它之后才定义）的名称 {n}{_hint(n)}"
                             for n in sorted(parsed.names - available))
        self.problems.extend(_column_misuse(what, parsed, self.flags))

    def inputs_and_tables(self) -> None:
        for decl in self.form.inputs:
            self.known.add(decl.name)
            if decl.prior:
                self.known.add(PRIOR_PREFIX + decl.name)
        for table in self.form.tables:
            cols = {c.name for c in table.columns}
            self.columns[table.name] = cols
            typed: set[str] = set()
            for col in table.columns:
                if col.expr is not None:
                    self.computed_column(table.name, col, typed)
                typed.add(col.name)
            self.known |= {f"{table.name}.{c}" for c in cols}

    def computed_column(self, table: str, col: Any, typed: set[str]) -> None:
        unknown = sorted(parse(col.expr).names - typed - self.known)
        self.problems += [f"表 {table} 的计算列 {col.name} 引用了未定义的名称 {n}（只能用本行在它左边的列）"
                          for n in unknown]
        if col.kind != "bool" and parse(col.expr).is_condition:
            self.problems.append(f"表 {table} 的计算列 {col.name} 的结果是条件（是/否），请写 kind: bool")

    def derived_and_measures(self) -> None:
        for d in self.form.derived:
            self.uses(f"派生数 {d.name}", d.expr, self.known)
            self.known.add(d.name)
        self.known |= self.stated
        for m in self.comp.measures:
            self.uses(f"比率 {m.id}", m.num.source, self.known | self.judged)
            self.uses(f"比率 {m.id}", m.den.source, self.known | self.judged)
            self.known.add(m.id)
            if not NAME_RE.match(m.id):
                self.problems.append(f"比率编号 {m.id!r} 须为小写字母开头的小写字母、数字，用下划线连接，至少一个下划线"
                                     "（如 exec_rate）")
        ids = self.measure_ids
        self.problems += [f"比率编号 {n} 重复" for n in sorted({n for n in ids if ids.count(n) > 1})]
        self.problems += [f"比率编号 {n} 与输入或派生数重名" for n in sorted(set(ids) & self.declared)]
        self.known |= self.judged
        self.problems += [f"名称 {n} 与自动生成的得分名称重名"
                          for n in sorted(self.generated & (self.declared | self.judged))]

    def rules(self) -> None:
        for cap in self.fw.caps:  # a cap reads a figure of the form (a measure, a derived figure), never a score
            self.uses(f"封顶规则 {cap.id} 的 measure", cap.measure, self.known)
        for ind in self.fw.leaves():
            for name in sorted(_rule_names(ind.rule) - self.known):
                self.problems.append(f"指标 {ind.id} 引用了未定义的名称 {name}{_hint(name)}")
            for expr_text in _rule_sources(ind.rule):
                self.problems.extend(_column_misuse(f"指标 {ind.id} 的规则", parse(expr_text), self.flags))

    def stated_and_identities(self) -> None:
        for s in self.form.stated:
            if s.expect:
                self.uses(f"填报数 {s.name} 的 expect", s.expect, self.known | self.scores)
        for ident in self.form.identities:
            self.uses(f"恒等式 {ident.figure}", ident.equals, self.known)
            if ident.figure not in self.known:
                self.problems.append(f"恒等式引用了未定义的名称 {ident.figure}")

    def audits(self) -> None:
        for a in self.form.audits:
            row = {c.name for t in self.form.tables if t.name == a.each_row for c in t.columns}  # each_row: its columns
            available = self.known | self.scores | row
            for what, expr in (("assert", a.assert_), ("when", a.when), ("found", a.found), ("expected", a.expected)):
                if expr:
                    self.uses(f"审核规则 {a.id} 的 {what}", expr, available)
            if a.at is not None and a.at not in available:
                self.problems.append(f"审核规则 {a.id} 的 at 引用了未定义的名称 {a.at}")

    def tiers_on_the_form(self) -> None:
        """A tiers rule reading a form input: a choice (or 是/否) input whose options hold every tier."""
        inputs = {d.name: d for d in self.form.inputs}
        for ind in self.fw.leaves():
            for rule in sub_rules(ind.rule):
                decl = inputs.get(rule.input) if isinstance(rule, TiersRule) else None
                if decl is None or decl.kind not in TIER_INPUT_KINDS:
                    continue  # a judged input on the score sheet (or a figure: judged_inputs says so)
                options = decl.options if decl.kind == "choice" else ["是", "否"]
                missing = [t.label for t in rule.tiers if t.label not in options]  # type: ignore[union-attr]
                if missing:
                    self.problems.append(f"指标 {ind.id} 的档位 {'、'.join(missing)} 不是表单输入 {decl.name}"
                                         f"（{decl.label}）的选项（{'、'.join(options)}）")

    def judged_inputs(self) -> None:
        taken = self.declared | set(self.measure_ids)
        for j in self.comp.judged:
            if j.name in taken:  # a rule's `input` names a figure of the form: say what `input` is instead
                self.problems.append(
                    f"指标 {j.indicator_id} 的 input {j.name} 是表单中已有的名称：judged、checklist 规则的 input "
                    f"是评分表上由部门填写的评判输入（填得分），须另起一个名字（如 j_{j.name}）；tiers 规则可读取表单的"
                    "选项（choice）或是/否（bool）输入；要由其他表单数据决定得分，请用 when、bands、linear 等规则")
            elif not NAME_RE.match(j.name):
                self.problems.append(f"评判输入名 {j.name!r} 须为小写字母开头的小写字母、数字，用下划线连接，"
                                     "至少一个下划线（如 j_item_1）")
        names = [j.name for j in self.comp.judged]
        self.problems += [f"评判输入名 {n} 重复" for n in sorted({n for n in names if names.count(n) > 1})]

    def layout(self) -> None:
        placed = {n for sheet in self.form.sheets for block in sheet.blocks for n in block.names}
        self.problems += [f"布局 sheets 中的 {n} 不是已定义的名称"
                          for n in sorted(placed - self.known - {"fw_id", "fw_version"})]
        tables = {t for sheet in self.form.sheets for t in sheet.tables}
        self.problems += [f"布局 sheets 中的表 {t} 未在 tables 中定义" for t in sorted(tables - set(self.columns))]


def _hint(name: str) -> str:
    if name.startswith(PRIOR_PREFIX):
        base = name[len(PRIOR_PREFIX):]
        return f"（上年数 prev.{base} 须在输入 {base} 上声明 prior: true）"
    return ""


def _rule_sources(rule: object) -> list[str]:
    """Every expression of a rule and of the rules nested in it."""
    out: list[str] = []
    for r in sub_rules(rule):  # type: ignore[arg-type]
        out += [v for k in ("measure", "zero_if", "count", "when", "total") if isinstance(v := getattr(r, k, None), str)]
        out += list(getattr(r, "paid", []))
        out += [i.when for i in getattr(r, "items", []) if i.when]
    return out


def _column_misuse(what: str, parsed: object, flags: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """A table column (t.col) is a list of rows: it may only appear as an aggregate's argument itself (the
    sheet sums the column's range); a 是/否 column only where the sheet can read it (count, sum, sumif,
    sumproduct)."""
    import ast

    tree = parsed.tree  # type: ignore[attr-defined]
    inside: set[int] = set()
    nested: set[int] = set()  # inside an aggregate's argument, but not the argument itself
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                node.func.id in AGGREGATES or node.func.id in ("min", "max")):
            inside |= {id(a) for a in node.args if isinstance(a, ast.Name)}
            nested |= {id(n) for a in node.args if not isinstance(a, ast.Name) for n in ast.walk(a)}
            out += [f"{what}：{node.func.id} 不能用于是/否列 {a.id}（可用 count、sum、sumif、sumproduct）"
                    for a in node.args if isinstance(a, ast.Name) and a.id in flags
                    and node.func.id in ("min", "max", "avg")]
    for n in ast.walk(tree):
        if not (isinstance(n, ast.Name) and "." in n.id) or id(n) in inside:
            continue
        if id(n) in nested:
            out.append(f"{what}：表的列 {n.id} 须直接作为 sum、count、avg、sumif、sumproduct、min、max 的参数，"
                       "不能在参数中再计算或比较；按条件汇总时，先在表中增加一个 kind: bool 的计算列"
                       "（如 is_x，expr: category == \"数量\"），再写 sumif(t.pts, t.is_x)")
        else:
            out.append(f"{what}：表的列 {n.id} 只能用在 sum、count、avg、sumif、sumproduct、min、max 中")
    return out
