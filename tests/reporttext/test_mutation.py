"""Single-figure mutation over a report generated from the framework's own labels: the clean report checks
clean, and changing any one figure is reported exactly once, at that figure.

Until ``xlperf report`` (branch s17-draft) can draft the report, the test writes it itself: one sentence per
money, rate and count figure of the framework's catalogue, “<subject><measure>为<value><unit>。”, from the
label split as the lexicon splits it and the value read from the shipped example workbook.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from xlperf.checks.context import CheckContext
from xlperf.reporttext.analyze import analyze
from xlperf.checks.reportbind import index_for, workbook_view
from xlperf.reporttext.document import build_document
from xlperf.ingest.docx import read_report

from .builders import write_docx

UNITS = {"money": "万元", "rate": "%", "count": "人"}


def _sentences(ctx: CheckContext) -> list[tuple[str, str, Decimal]]:
    """(sentence, name, value shown) for every input/derived/measure figure that has a value."""
    index, book = index_for(ctx), workbook_view(ctx)
    out = []
    for entry in index.entries:
        if entry.role not in ("input", "derived", "measure") or entry.prior or entry.kind not in UNITS:
            continue
        value = book.value(entry)
        if value is None or value == 0:
            continue
        shown = value.quantize(Decimal("0.01")) if entry.kind != "count" else value.quantize(Decimal(1))
        measure = entry.measures[-1] if entry.measures else ""  # the label's own word is among them
        measure = next((m for m in entry.measures if m and m in entry.label.replace(" ", "")), measure)
        text = f"{entry.subjects[-1] if len(entry.subjects[-1]) >= 2 else entry.subjects[0]}{measure}为{shown:,}{UNITS[entry.kind]}。"
        out.append((text, entry.name, shown))
    return out


@pytest.fixture(scope="module")
def generated(example_ctx: CheckContext) -> list[tuple[str, str, Decimal]]:
    return _sentences(example_ctx)


def _tied(ctx: CheckContext, paragraphs: list[str]) -> tuple[list[str | None], list[str]]:
    from xlperf.reporttext import analyze as engine
    from xlperf.reporttext.extract import extract_all

    doc = build_document(list(paragraphs))
    figures, _ = extract_all(doc)
    book = workbook_view(ctx)
    probe = engine.Analysis()
    engine._tie_all(figures, index_for(ctx), book, probe, engine._self_names(doc, book), doc)
    return [f.tied for f in figures], [n.kind for n in analyze(doc, index_for(ctx), book).notes]


def test_generated_report_checks_clean(example_ctx: CheckContext, generated: list[tuple[str, str, Decimal]],
                                       tmp_path: Path) -> None:
    paragraphs = [s for s, _, _ in generated]
    path = write_docx(list(paragraphs), tmp_path / "生成.docx")  # through a real .docx once
    out = analyze(read_report(path), index_for(example_ctx), workbook_view(example_ctx))
    assert out.notes == [], [(n.kind, n.detail) for n in out.notes]
    tied, _ = _tied(example_ctx, paragraphs)
    print(f"generated report: {sum(1 for t in tied if t)} of {len(tied)} figures tied")
    assert sum(1 for t in tied if t) >= 0.8 * len(tied)


def test_every_single_mutation_reported_once(example_ctx: CheckContext,
                                              generated: list[tuple[str, str, Decimal]]) -> None:
    paragraphs = [s for s, _, _ in generated]
    tied, _ = _tied(example_ctx, paragraphs)
    book, index = workbook_view(example_ctx), index_for(example_ctx)
    checked = 0
    for i, (sentence, _name, shown) in enumerate(generated):
        if tied[i] is None:
            continue
        wrong = shown * 3 + 7  # far from every figure of the same subject
        mutated = list(paragraphs)
        mutated[i] = sentence.replace(f"{shown:,}", f"{wrong:,}")
        notes = analyze(build_document(mutated), index, book).notes
        assert [n.kind for n in notes] == ["figure_mismatch"], (sentence, [(n.kind, n.detail) for n in notes])
        assert notes[0].found == wrong * (Decimal(1) if not sentence.endswith("%。") else 1)
        assert notes[0].where is not None and notes[0].where.paragraph == i + 1
        checked += 1
    assert checked >= 20
