"""A batch validated with its output written as it runs (``xlperf validate`` of several files: text, ``--json``,
``--jsonl``).

Each file's JSON is rendered in the worker process that read it (:func:`xlperf.render.json.file_line`); the
parent writes text and keeps only a small :class:`~xlperf.findings.FileSummary` per file, from which the batch
checks (two files for one unit, another year or framework version) and the counts are made at the end. So the
parent's memory does not grow with the findings, and with ``--jsonl`` the files' lines leave as they arrive. The
text output is made the same way (:func:`stream_text`): each file's block rendered in its worker, the summary
table from the summaries.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from xlperf.findings import REVIEW_ZH, FileSummary, Finding
from xlperf.render.json import amended_line, batch_tail, file_line, file_model
from xlperf.review.batch import ExpectedUnit, batch_errors, batch_issues
from xlperf.safe_io import shown_path
from xlperf.safe_text import json_visible
from xlperf.validate import ReportRequest, iter_validate

__all__ = ["stream_json", "stream_text"]


def stream_json(files: Sequence[Path], framework: str | None, out: TextIO, *, lines: bool = False, workers: int = 1,
                select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                report_texts: dict[str, ReportRequest] | None = None, expected: list[ExpectedUnit] | None = None,
                skipped: list[Any] | None = None, progress: Callable[[FileSummary], None] | None = None) -> int:
    """Validate ``files`` and write their JSON to ``out``; the exit code (0 / 1 errors / 2 unreadable).

    ``lines=False``: the document of ``xlperf validate --json`` (files, batch, skipped; the files' batch errors
    XP411/XP412 added to them, so the files' text is spooled to a temporary file until the batch is known). ``lines=True``: JSON
    Lines, one file per line as soon as it is read (in the order given), then one last line
    ``{"batch", "batch_errors", "skipped", "summary"}``: the batch's errors of a file already written are
    listed there with its path."""
    summaries: list[FileSummary] = []
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogatepass", newline="\n") as held:
        for outcome in iter_validate(files, framework, workers=workers, select=select, ignore=ignore,
                                     report_texts=report_texts, render=file_line, keep=False):
            assert outcome.text is not None
            summaries.append(outcome.summary)
            (out if lines else held).write(outcome.text + "\n")  # one line each: the JSON has no raw newline
            if progress:
                progress(outcome.summary)
        batch = batch_issues(summaries, expected) if len(files) > 1 or expected is not None else []
        extras = batch_errors(summaries, batch) if batch else {}
        issues, left = batch_tail(batch, skipped)
        if lines:
            out.write(_last_line(summaries, extras, issues, left) + "\n")
        else:
            _write_document(held, out, extras, issues, left)
    out.flush()
    return _exit_code(summaries, extras)


def _write_document(held: TextIO, out: TextIO, extras: dict[int, list[Finding]], issues: str, left: str) -> None:
    """The ``--json`` document of a batch from the files' lines spooled to ``held`` (a temporary file, so that
    memory does not grow with the batch while the batch's errors XP411/XP412 are not yet known)."""
    held.seek(0)
    out.write('{"files":[')
    for index, line in enumerate(held):
        text = line.rstrip("\n")
        out.write(("," if index else "") + (amended_line(text, extras[index]) if index in extras else text))
    out.write(f'],"batch":{issues},"skipped":{left}}}\n')


def _exit_code(summaries: list[FileSummary], extras: dict[int, list[Finding]]) -> int:
    if any(s.status == "error" for s in summaries):
        return 2
    return 1 if extras or any(s.errors for s in summaries) else 0


def stream_text(files: Sequence[Path], framework: str | None, out: TextIO, *, summary_only: bool = False,
                workers: int = 1, select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                report_texts: dict[str, ReportRequest] | None = None, expected: list[ExpectedUnit] | None = None,
                progress: Callable[[FileSummary], None] | None = None) -> int:
    """Validate ``files`` and write the terminal output of ``xlperf validate`` to ``out``; the exit code
    (:func:`text_blocks`, then :func:`text_tail`)."""
    summaries = text_blocks(files, framework, out, summary_only=summary_only, workers=workers, select=select,
                            ignore=ignore, report_texts=report_texts, progress=progress)
    return text_tail(summaries, out, expected=expected, batch=len(files) > 1)


def text_blocks(files: Sequence[Path], framework: str | None, out: TextIO, *, summary_only: bool = False,
                workers: int = 1, select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                report_texts: dict[str, ReportRequest] | None = None,
                progress: Callable[[FileSummary], None] | None = None) -> list[FileSummary]:
    """Each file's block (:func:`xlperf.render.text.print_file`), rendered in the worker that read it at the
    width and in the colours of the terminal ``out`` is, written as soon as it is ready, in the order given;
    the files' summaries (all the parent keeps). ``summary_only``: no blocks."""
    from xlperf.render.text import FileBlock, terminal_console

    block = None if summary_only else FileBlock.like(terminal_console(out))
    summaries: list[FileSummary] = []
    for outcome in iter_validate(files, framework, workers=workers, select=select, ignore=ignore,
                                 report_texts=report_texts, render=block, keep=False):
        summaries.append(outcome.summary)
        if outcome.text:
            out.write(outcome.text)
            out.flush()
        if progress:
            progress(outcome.summary)
    return summaries


def text_tail(summaries: list[FileSummary], out: TextIO, *, expected: list[ExpectedUnit] | None = None,
              batch: bool = True) -> int:
    """After the blocks: the batch's problems (批次检查 lines, which name the files; a file's XP411/XP412 is one
    more error of it in the table), the summary table and the count line; the exit code."""
    from xlperf.render.text import print_summary, terminal_console
    from xlperf.safe_text import printable

    issues = batch_issues(summaries, expected) if batch or expected is not None else []
    extras = batch_errors(summaries, issues) if issues else {}
    for issue in issues:
        out.write(printable(f"批次检查（{issue.kind_zh}）：{issue.message}") + "\n")
    out.flush()
    shown = [dataclasses.replace(s, errors=s.errors + len(extras[i]), review="revise") if i in extras else s
             for i, s in enumerate(summaries)]
    print_summary(shown, terminal_console(out))
    return _exit_code(summaries, extras)


def _last_line(summaries: list[FileSummary], extras: dict[int, list[Finding]], issues: str, left: str) -> str:
    from xlperf.findings import FileReport

    reviews = {review: 0 for review in REVIEW_ZH}
    for index, s in enumerate(summaries):
        reviews["revise" if index in extras else s.review] += 1
    summary = {"files": len(summaries), "unreadable": sum(s.status == "error" for s in summaries),
               **reviews, "counts_zh": {REVIEW_ZH[k]: v for k, v in reviews.items()}}
    errors = [{"path": shown_path(summaries[i].path),
               "findings": file_model(FileReport(path=summaries[i].path, status="invalid", findings=found))
               .model_dump(mode="json")["findings"]} for i, found in sorted(extras.items())]
    tail = json_visible(json.dumps({"summary": summary, "batch_errors": errors}, ensure_ascii=False,
                                   separators=(",", ":")))
    return f'{{"batch":{issues},"skipped":{left},{tail[1:]}'
