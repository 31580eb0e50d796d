"""A batch validated with its JSON written as it runs (``xlperf validate --json`` of several files, ``--jsonl``).

Each file's JSON is rendered in the worker process that read it (:func:`xlperf.render.json.file_line`); the
parent writes text and keeps only a small :class:`~xlperf.findings.FileSummary` per file, from which the batch
checks (two files for one unit, another year or framework version) and the counts are made at the end. So the
parent's memory does not grow with the findings, and with ``--jsonl`` the files' lines leave as they arrive.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from xlperf.findings import REVIEW_ZH, FileSummary, Finding
from xlperf.render.json import amended_line, batch_tail, file_line, file_model
from xlperf.review.batch import ExpectedUnit, batch_errors, batch_issues
from xlperf.safe_io import shown_path
from xlperf.safe_text import json_visible
from xlperf.validate import ReportRequest, iter_validate

__all__ = ["stream_json"]


def stream_json(files: Sequence[Path], framework: str | None, out: TextIO, *, lines: bool = False, workers: int = 1,
                select: Sequence[str] | None = None, ignore: Sequence[str] | None = None,
                report_texts: dict[str, ReportRequest] | None = None, expected: list[ExpectedUnit] | None = None,
                skipped: list[Any] | None = None, progress: Callable[[FileSummary], None] | None = None) -> int:
    """Validate ``files`` and write their JSON to ``out``; the exit code (0 / 1 errors / 2 unreadable).

    ``lines=False``: the document of ``xlperf validate --json`` (files, batch, skipped; the files' batch errors
    XP411/XP412 added to them, so the files' text is held until the batch is known). ``lines=True``: JSON
    Lines, one file per line as soon as it is read (in the order given), then one last line
    ``{"batch", "batch_errors", "skipped", "summary"}``: the batch's errors of a file already written are
    listed there with its path."""
    summaries: list[FileSummary] = []
    held: list[str] = []
    for outcome in iter_validate(files, framework, workers=workers, select=select, ignore=ignore,
                                 report_texts=report_texts, render=file_line, keep=False):
        assert outcome.text is not None
        summaries.append(outcome.summary)
        if lines:
            out.write(outcome.text + "\n")
        else:
            held.append(outcome.text)
        if progress:
            progress(outcome.summary)
    batch = batch_issues(summaries, expected) if len(files) > 1 or expected is not None else []
    extras = batch_errors(summaries, batch) if batch else {}
    issues, left = batch_tail(batch, skipped)
    if lines:
        out.write(_last_line(summaries, extras, issues, left) + "\n")
    else:
        out.write('{"files":[')
        for index, text in enumerate(held):
            out.write(("," if index else "") + (amended_line(text, extras[index]) if index in extras else text))
        held.clear()
        out.write(f'],"batch":{issues},"skipped":{left}}}\n')
    out.flush()
    if any(s.status == "error" for s in summaries):
        return 2
    return 1 if extras or any(s.errors for s in summaries) else 0


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
