"""The check protocol: metadata as class variables, findings as a generator.

Each check documents itself in its docstring with four fixed sections (检查内容 / 为何重要 / 示例 /
如何修改), which ``xlperf rule CODE`` prints; a test fails when a section is missing.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from xlperf.checks.context import CheckContext
from xlperf.findings import Finding, Severity
from xlperf.ingest.notes import Note, Noted

__all__ = ["CODE_PATTERN", "DOC_SECTIONS", "AnnotationCheck", "Check", "ReaderCheck"]

CODE_PATTERN = re.compile(r"^XP\d{3}$")
DOC_SECTIONS = ("检查内容", "为何重要", "示例", "如何修改")


def _template_for(template: str, values: dict[str, Any]) -> str:
    """Templates quote names as “{name}”; a name that opens with its own quote (“三公”经费变动率) is shown
    as it is, not quoted a second time."""
    for key, value in values.items():
        if isinstance(value, str) and value.startswith("“"):
            template = template.replace(f"“{{{key}}}”", f"{{{key}}}")
    return template


class Check:
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, stable
    severity: ClassVar[Severity]
    title: ClassVar[str]  # short Chinese title
    template: ClassVar[str] = "{detail}"
    family: ClassVar[str]  # internal | file | structure | cells | money | budget | audit | scoring
    status: ClassVar[str] = "stable"

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        raise NotImplementedError

    # Helpers ------------------------------------------------------------------------------------

    def finding(self, ctx: CheckContext, *, at: str | None = None, sheet: str | None = None,
                cell: str | None = None, severity: Severity | None = None, found: Any = None,
                expected: Any = None, indicator: str | None = None, **fields: Any) -> Finding:
        """A finding located at a named cell (``at``) or an explicit sheet/cell."""
        if at is not None:
            loc = ctx.location(at)
            if loc is not None:
                sheet, cell = loc
        values = dict(found=found, expected=expected, indicator=indicator, **fields)
        message = _template_for(self.template, values).format(**values)
        return Finding(code=self.code, name=self.name, severity=severity or self.severity,
                       message=message, sheet=sheet, cell=cell,
                       found=found, expected=expected, indicator=indicator)

    @classmethod
    def make(cls, detail: str, *, sheet: str | None = None, cell: str | None = None, found: Any = None,
             expected: Any = None, indicator: str | None = None) -> Finding:
        """A finding of this check outside a workbook's checks (a file that could not be read, an annotated
        copy): the message is the template filled with ``detail``."""
        return Finding(code=cls.code, name=cls.name, severity=cls.severity, message=cls.template.format(detail=detail),
                       sheet=sheet, cell=cell, found=found, expected=expected, indicator=indicator)

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")


class ReaderCheck(Check):
    """A check whose findings come from what the reader noticed while parsing (the file, the structure, the
    cells): it names the kind of :class:`~xlperf.ingest.notes.Note` it reports; the reader knows no code."""

    note: ClassVar[Noted]

    @classmethod
    def from_note(cls, note: Note) -> Finding:
        return cls.make(note.detail, sheet=note.sheet, cell=note.cell, found=note.found, expected=note.expected,
                        indicator=note.indicator)

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        for f in ctx.reader_findings:
            if f.code == self.code:
                yield f


class AnnotationCheck(Check):
    """A check whose findings the annotation of a copy reports (``--annotate``, ``--returns``, the button):
    what it restores or ignores in the copy. Nothing to find in a validation run."""

    def run(self, ctx: CheckContext) -> Iterator[Finding]:
        return iter(())
