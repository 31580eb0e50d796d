"""LibreOffice headless as the reference spreadsheet engine: recalculate workbooks in one call.

A private profile is created once per process with ``OOXMLRecalcMode = 0`` (always recalculate on
load), so cached values in a file can never pass through unchecked. :func:`evaluate_formulas` computes
many stand-alone formulas over named inputs in one call (the property tests' engine = sheet check).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

__all__ = ["Cell", "FormulaBatch", "LibreOfficeMissing", "evaluate_formulas", "recalculate", "soffice_path"]

_ITEM = ('<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
         'oor:op="fuse"><value>0</value></prop></item>')
_profile: Path | None = None


class LibreOfficeMissing(RuntimeError):
    pass


def soffice_path() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise LibreOfficeMissing("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")


def _ensure_profile() -> Path:
    global _profile  # noqa: PLW0603 - one LibreOffice profile per process, made on first use
    if _profile is not None and (_profile / "user" / "registrymodifications.xcu").exists():
        return _profile
    root = Path(tempfile.mkdtemp(prefix="xlperf-lo-profile-"))
    subprocess.run([soffice_path(), f"-env:UserInstallation={root.as_uri()}", "--headless",
                    "--terminate_after_init"], check=True, capture_output=True, timeout=180)
    xcu = root / "user" / "registrymodifications.xcu"
    text = xcu.read_text(encoding="utf-8")
    if "OOXMLRecalcMode" not in text:
        xcu.write_text(text.replace("</oor:items>", _ITEM + "</oor:items>"), encoding="utf-8")
    _profile = root
    return root


def recalculate(paths: Sequence[Path], outdir: Path, *, timeout: int = 900) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate everything, save as xlsx into ``outdir``."""
    if not paths:
        return []
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError("recalculate: input files must have distinct names (outputs are named by stem)")
    profile = _ensure_profile()
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HOME=str(profile))
    cmd = [soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(outdir), *map(str, paths)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout, env=env)
    out = [outdir / (Path(p).stem + ".xlsx") for p in paths]
    missing = [p for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return out


@dataclass(frozen=True)
class Cell:
    """A recalculated value: ``kind`` is "n" (number), "b" (TRUE/FALSE as 1/0), "s" (text), "e" (an error
    such as #DIV/0!, in ``text``) or "blank"."""

    kind: str
    text: str | None

    @property
    def number(self) -> Decimal | None:
        """The value as LibreOffice saved it (numbers and booleans), exactly, else None."""
        if self.kind in ("n", "b") and self.text is not None:
            return Decimal(self.text)
        return None


@dataclass(frozen=True)
class FormulaBatch:
    """Named inputs, named formulas (e.g. measures other formulas refer to) and the formulas to compute
    (formula text without '='); names are workbook-wide."""

    inputs: Mapping[str, Decimal | int | bool | str | None]
    formulas: Sequence[str]
    named: Mapping[str, str] = field(default_factory=dict)


def evaluate_formulas(batches: Sequence[FormulaBatch], workdir: Path) -> list[list[Cell]]:
    """Write each batch as a workbook (one defined name per input, one cell per formula), recalculate all
    of them in ONE LibreOffice call and return each formula's value, batch by batch.

    Inputs of None are left blank (as an unanswered cell); text is always stored as text, never as a
    formula. Up to 100,000 names and 100,000 formulas per batch.
    """
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName

    from xlperf.ingest.xlsx import open_book

    workdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, batch in enumerate(batches):
        if len(batch.inputs) + len(batch.named) > 100_000 or len(batch.formulas) > 100_000:
            raise ValueError("evaluate_formulas: at most 100,000 names and 100,000 formulas per batch")
        wb = Workbook()
        inputs = wb.worksheets[0]
        inputs.title = "In"
        out = wb.create_sheet("Out")
        for row, (name, value) in enumerate(batch.inputs.items(), start=1):
            inputs.cell(row, 1, name).data_type = "s"
            if value is not None:
                cell = inputs.cell(row, 2, value)
                if isinstance(value, str):
                    cell.data_type = "s"
            wb.defined_names[name] = DefinedName(name, attr_text=f"In!$B${row}")
        for row, (name, formula) in enumerate(batch.named.items(), start=len(batch.inputs) + 1):
            inputs.cell(row, 1, name).data_type = "s"
            inputs.cell(row, 2, "=" + formula)
            wb.defined_names[name] = DefinedName(name, attr_text=f"In!$B${row}")
        for row, formula in enumerate(batch.formulas, start=1):
            out.cell(row, 1, "=" + formula)
        path = workdir / f"batch{n:03d}.xlsx"
        wb.save(path)
        paths.append(path)
    saved = recalculate(paths, workdir / "out")
    results = []
    for path, batch in zip(saved, batches, strict=True):
        sheet = open_book(path).sheets.get("Out", {})
        cells = []
        for row in range(1, len(batch.formulas) + 1):
            raw = sheet.get(f"A{row}")
            if raw is None or raw.value in (None, ""):
                cells.append(Cell("blank", None))
            else:
                kind = {"str": "s", "inlineStr": "s"}.get(raw.type, raw.type)
                cells.append(Cell(kind, raw.value))
        results.append(cells)
    return results
