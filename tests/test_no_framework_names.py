"""No Python file of the product knows a framework: no input name, indicator id, sheet name or Chinese label.

Every region's form is data (issue: the whole form as data). This searches the code of every .py file
under xlperf/ and udfs/ — its identifiers and string literals; docstrings and comments, which explain
with examples, are not code — for what each built-in framework declares: ASCII names as whole words
(inputs, last year's inputs, derived and stated figures, measures, judged inputs, tables and their
columns, indicator ids), the form's sheet names and every Chinese label (inputs, figures, indicators,
blocks, tables) as text. The framework file format's own keys (``decision``, ``measure`` …) are the
product's vocabulary and are not searched for, nor are the block titles xlperf itself gives to names a
framework leaves unplaced.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from xlperf.compiled import catalog
from xlperf.framework import form as form_models
from xlperf.framework import models as fw_models
from xlperf.loader import builtin_ids, load_framework
from xlperf.compiled import compiled
from xlperf.plan import layout

REPO = Path(__file__).resolve().parents[1]
FILES = sorted([*(REPO / "xlperf").rglob("*.py"), *(REPO / "udfs").rglob("*.py")])
MIN_LABEL = 3  # two-character words (金额, 预算) are the product's own vocabulary, not a framework's labels


def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")


def _schema_keys() -> set[str]:
    keys: set[str] = set()
    for module in (fw_models, form_models):
        for obj in vars(module).values():
            if isinstance(obj, type) and hasattr(obj, "model_fields"):
                keys |= set(obj.model_fields)
    return keys


PRODUCT_TEXTS = {layout.STATED_TITLE, layout.CONST_TITLE, layout.SCORE_SHEET, layout.GUIDE_SHEET,
                 layout.RESULT_SHEET, layout.OTHER_SHEET}


def code_of(path: Path) -> tuple[str, str]:
    """(identifiers, string literals) of a file, without docstrings and comments."""
    source = path.read_text(encoding="utf-8")
    doc_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            doc_lines |= set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    names, strings = [], []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.start[0] in doc_lines:
            continue
        if tok.type == tokenize.NAME:
            names.append(tok.string)
        elif tok.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)):
            strings.append(tok.string)
    return " ".join(names), "\n".join(strings)


def declared(fw_id: str) -> tuple[set[str], set[str]]:
    """(ASCII names, Chinese texts) a framework declares."""
    fw = load_framework(fw_id)
    form = fw.form
    comp = compiled(fw)
    names = {n for n in catalog(fw) if not n.startswith(("score_", "self_", "reason_")) and "." not in n}
    names -= {"fw_id", "fw_version", "score_total", "self_total"}  # the product's own names
    names |= {i.id for i in fw.walk()} | {m.id for m in comp.measures} | {j.name for j in comp.judged}
    names |= {t.name for t in form.tables} | {f"{t.name}_{c.name}" for t in form.tables for c in t.columns}
    texts = {s.name for s in form.sheets}
    texts |= {d.label for d in [*form.inputs, *form.derived, *form.stated]}
    texts |= {i.name for i in fw.walk()} | {b.title for s in form.sheets for b in s.blocks}
    texts |= {t.label for t in form.tables} | {m.name for m in fw.measures}
    return names - _schema_keys(), {t for t in texts if len(t) >= MIN_LABEL} - PRODUCT_TEXTS


@pytest.mark.parametrize("fw_id", builtin_ids())
def test_no_framework_name_in_python(fw_id: str) -> None:
    names, texts = declared(fw_id)
    found: dict[str, list[str]] = {}
    for path in FILES:
        identifiers, strings = code_of(path)
        code = identifiers + "\n" + strings
        hits = sorted(n for n in names if _word(n).search(code)) + sorted(t for t in texts if t in strings)
        if hits:
            found[str(path.relative_to(REPO))] = hits
    assert not found, f"framework names in Python: {found}"


def test_the_search_is_not_vacuous(tmp_path: Path) -> None:
    """A file that reads an input by name or places a finding on a form sheet is caught; a docstring is not."""
    fw = load_framework(builtin_ids()[0])
    names, texts = declared(fw.id)
    assert len(names) > 100 and len(texts) > 60
    some_input, some_sheet = fw.form.inputs[-1].name, fw.form.sheets[-1].name
    bad = tmp_path / "bad.py"
    bad.write_text(f'"""Reads {some_input} on {some_sheet}."""\nx = ctx.num("{some_input}")\nsheet = "{some_sheet}"\n',
                   encoding="utf-8")
    identifiers, strings = code_of(bad)
    assert _word(some_input).search(strings) and some_sheet in strings
    doc_only = tmp_path / "doc.py"
    doc_only.write_text(f'"""Reads {some_input} on {some_sheet}."""\n# {some_input}\nx = 1\n', encoding="utf-8")
    identifiers, strings = code_of(doc_only)
    assert not _word(some_input).search(identifiers + strings) and some_sheet not in strings
