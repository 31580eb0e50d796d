"""One root cause, one finding: findings that exist only because an input has its own error are folded
under that input's finding.

``1215.30万元`` typed as text is 0 in the sheet; every stated sum, audit rule and score that reads it then
disagrees, and a reviewer would see nine findings for one typo. The runner (which owns the policy) folds
each finding of the figure, audit and scoring checks whose figures depend on an input that has its own
error (XP2xx at that input's cell) under that input's finding: the finding says "由此导致 N 项", carries
the folded ones in ``consequences``, and every output (text, JSON, reports, 汇总 statistics) counts one.

Dependencies are the framework's declarations, followed to the inputs: a stated figure's expectation, an
audit rule's expressions, an indicator's rule, derived figures and measures. A finding is folded only under
its sole cause: when it also reads another input error, or an input left blank, the one correction would not
settle it, and it stays a finding of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from xlperf.checks.budget import DeductionTriggered
from xlperf.checks.money import FigureDisagrees, StatedRateMismatch, StatedSumMismatch
from xlperf.checks.registry import CHECKS
from xlperf.checks.scoring import (
    JudgedAnswerOutOfRange,
    MissingReason,
    MissingSelfScore,
    NoSelfScore,
    RuleNotComputable,
    SelfAboveComputed,
    SelfBelowComputed,
    SelfOutOfRange,
)
from xlperf.findings import Finding, Severity

if TYPE_CHECKING:
    from xlperf.checks.context import CheckContext
    from xlperf.framework.models import Framework

__all__ = ["fold_consequences"]

CAUSE_CODES = frozenset(c.code for c in CHECKS if c.family == "cells" and c.severity is Severity.error)
"""An input's own error: the root a consequence is folded under."""
INDICATOR_CODES = frozenset(c.code for c in (SelfAboveComputed, SelfBelowComputed, RuleNotComputable, DeductionTriggered))
"""Findings about a computed score: they depend on every figure the indicator's rule reads."""
FOLDING_CODES = frozenset(c.code for c in CHECKS if c.family in ("money", "budget", "audit", "prior", "scoring")) - {
    c.code for c in (SelfOutOfRange, MissingReason, MissingSelfScore, JudgedAnswerOutOfRange, NoSelfScore)}
"""Findings that can be mere consequences of an input's error: figures, audits and scores computed from
inputs (not the department's own typing of a self-score, a reason or an answer)."""
LISTED = 8
"""Consequences named in the cause's message; the rest are counted."""


def _family_folds(code: str) -> bool:
    return code in FOLDING_CODES


class _Graph(NamedTuple):
    direct: dict[str, frozenset[str]]  # a derived figure or measure → the names it computes from
    stated: dict[tuple[str, str], frozenset[str]]  # (stated figure, code of its check) → names compared with
    rules: dict[str, frozenset[str]]  # audit rule id → names
    indicators: dict[str, frozenset[str]]  # indicator id → names its rule reads


STATED_CODES = {"sum": StatedSumMismatch.code, "same": FigureDisagrees.code, "rate": StatedRateMismatch.code}


def _graph(fw: Framework) -> _Graph:
    """Built once per compiled framework (see :func:`_build_graph`)."""
    from xlperf.compiled import compile_once

    return compile_once(fw).derived("cascade.graph", lambda comp: _build_graph(comp.fw))


def _build_graph(fw: Framework) -> _Graph:
    """The dependencies of the framework's figures. A stated figure is typed, so it is never expanded
    into its expectation except for the finding of its own check (XP301/302/303, by category)."""
    from xlperf.checks.money import stated_category
    from xlperf.compiled import catalog
    from xlperf.engine.rules import compile_framework, compiled_names
    from xlperf.expr import parse

    cat = catalog(fw)
    direct: dict[str, frozenset[str]] = {}
    stated: dict[tuple[str, str], frozenset[str]] = {}
    declared = {s.name: s.compare for s in fw.form.stated}
    for name, spec in cat.items():
        if spec.expr and spec.role == "derived":
            direct[name] = frozenset(parse(spec.expr).names)
        elif spec.expr and spec.role == "stated":
            category = declared.get(name) or stated_category(spec.expr, spec.kind)
            stated[(name, STATED_CODES.get(category, ""))] = frozenset(parse(spec.expr).names)
    for ident in fw.form.identities:
        kind = cat[ident.figure].kind if ident.figure in cat else "money"
        code = STATED_CODES.get(ident.compare or stated_category(ident.equals, kind), "")
        stated[(ident.figure, code)] = stated.get((ident.figure, code), frozenset()) | parse(ident.equals).names
    for m in compile_framework(fw).measures:
        direct[m.id] = frozenset(m.num.names) | frozenset(m.den.names)
    rules = {}
    for rule in fw.form.audits:
        names: set[str] = set()
        for text in (rule.assert_, rule.when, getattr(rule, "found", None), getattr(rule, "expected", None)):
            if text:
                names |= parse(text).names
        rules[rule.id] = frozenset(names)
    indicators = {ind.id: frozenset(compiled_names(fw, ind)) for ind in fw.walk() if getattr(ind, "rule", None)}
    for cap in fw.caps:  # a capped leaf's score also reads the cap's measure
        if cap.target in indicators:
            indicators[cap.target] |= parse(cap.measure).names
    return _Graph(direct, stated, rules, indicators)


def _closure(names: set[str], direct: dict[str, frozenset[str]]) -> set[str]:
    out, stack = set(), list(names)
    while stack:
        n = stack.pop()
        if n in out:
            continue
        out.add(n)
        stack.extend(direct.get(n, ()))
        stack.extend(direct.get(n.replace(".", "_"), ()))
    return out


def fold_consequences(ctx: CheckContext, findings: Sequence[Finding]) -> list[Finding]:
    """The findings with each consequence of an input's own error folded under that error's finding."""
    read = ctx.read
    where: dict[tuple[str, str], str] = {}
    for name, cp in read.plan.cells.items():
        where[(cp.sheet, cp.cell)] = name
    for name, (sheet, cell) in read.locations.items():
        where[(sheet, cell)] = name.split("@", 1)[0]
    causes: dict[str, int] = {}  # input name → index of its finding
    for i, f in enumerate(findings):
        if f.code in CAUSE_CODES and f.severity == Severity.error and f.sheet and f.cell:
            cause_name = where.get((f.sheet, f.cell))
            if cause_name is not None:
                causes.setdefault(cause_name, i)
    if not causes:
        return list(findings)
    graph = _graph(read.framework)
    folded: dict[int, list[Finding]] = {}
    keep: list[int] = []
    for i, f in enumerate(findings):
        cause = _sole_cause(ctx, _closure(_related(f, where, graph), graph.direct), causes) \
            if _family_folds(f.code) else None
        if cause is None or cause == i:
            keep.append(i)
        else:
            folded.setdefault(cause, []).append(f)
    return [_with_consequences(findings[i], folded.get(i, [])) for i in keep]


def _sole_cause(ctx: CheckContext, names: set[str], causes: dict[str, int]) -> int | None:
    """The one input error a finding follows from, or None when correcting it would not settle the finding.

    A finding is folded only when that input is its only possible cause: every other input it reads (at any
    depth) has a value and no error of its own. Two input errors, or an input left blank without being an
    error (last year's figures of a blank form, an optional cell), mean the finding stays after the one
    correction, so it keeps its own line instead of claiming "改正本项后这些问题随之消除"."""
    hit = {causes[n] for n in names if n in causes}
    if len(hit) != 1:
        return None
    cat = ctx.cat
    if any(n not in causes and n not in ctx.values for n in names
           if n in cat and cat[n].role == "input"):
        return None
    return hit.pop()


def _related(f: Finding, where: dict[tuple[str, str], str], graph: _Graph) -> set[str]:
    """The names a finding's figures come from: its audit rule's, its stated figure's comparison, the
    figure at its cell, its indicator's rule."""
    names: set[str] = set()
    if f.rule and f.rule in graph.rules:
        names |= graph.rules[f.rule]
    if f.sheet and f.cell and (f.sheet, f.cell) in where:
        name = where[(f.sheet, f.cell)]
        names.add(name)
        names |= graph.stated.get((name, f.code), frozenset())
    if f.code in INDICATOR_CODES and f.indicator in graph.indicators:
        names |= graph.indicators[f.indicator]
    return names


def _with_consequences(cause: Finding, consequences: list[Finding]) -> Finding:
    if not consequences:
        return cause
    listed = "、".join(f"{c.code} {c.location}".strip() for c in consequences[:LISTED])
    more = "等" if len(consequences) > LISTED else ""
    message = f"{cause.message}（由此导致 {len(consequences)} 项：{listed}{more}；改正本项后这些问题随之消除）"
    return cause.model_copy(update={"message": message, "consequences": consequences})
