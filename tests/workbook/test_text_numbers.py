"""Numbers typed as text: the sheet and the engine compute the same thing with them.

Every typed number of a filled workbook (scalar inputs, stated figures, judged points, self-scores and
the number columns of tables) is, for a seeded half of them, replaced by a text form of itself
(``"1,234.56"``, ``"97.65%"``, ``"１２．５"``, ``"17人"``, ``"12.5"``) as a department pasting from another
system would leave it. Three things are checked, each against LibreOffice:

1. LibreOffice computes the text-filled workbook exactly as the same workbook with 0 typed in those cells
   (the semantics, from the spreadsheet alone: a number stored as text is 0 in every formula);
2. the engine's value of every formula cell (what ``cache_results`` writes, from ``read_workbook``) equals
   LibreOffice's value of the text-filled workbook;
3. the validator reports every such cell as an error and ``total_computed`` is LibreOffice's total.

The same engine-equals-sheet comparison runs on workbooks whose table rows have numbers but an empty
first column (a cleared 指标名称, numbers typed in a spare row): the sheet's SUM takes them, its row
formulas do not, and so must the engine; the empty first cell is reported (XP207).
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlperf.ingest.datafile import load_data
from xlperf.data.values import data_values
from xlperf.devtools.libreoffice import recalculate
from xlperf.findings import Severity
from xlperf.loader import load_framework
from xlperf.framework.models import Framework
from xlperf.validate import validate_file
from xlperf.write.cached import cache_results
from xlperf.plan.formulas import NUMBER_KINDS
from xlperf.compiled import plan_for
from xlperf.write.template import write_template
from xlperf.ingest.xlsx import open_book

REPO = Path(__file__).resolve().parents[2]
FAMILIES = REPO / "tests" / "data" / "frameworks" / "families"
CASES = {  # case → (framework file, data file)
    "futian-2021": (REPO / "xlperf" / "framework" / "builtin" / "futian-2021.yaml",
                    REPO / "workbooks" / "examples" / "futian-kcj-2021.yaml"),
    **{name: (FAMILIES / f"{name}.yaml", FAMILIES / f"{name}-data.yaml")
       for name in ("ppd-2024", "coef-2024", "annual-2024")},
}
SEEDS = (1,)
TOL = Decimal("0.000001")
FULL_WIDTH = str.maketrans("0123456789.,%", "０１２３４５６７８９．，％")


@dataclass
class Variant:
    case: str
    fw: Framework
    filled: Path  # the workbook as written from the data file
    text: Path  # the same with some numbers typed as text
    zeros: Path | None  # the same with 0 typed (as numbers) in those cells (None: a keyless-row variant)
    cells: list[tuple[str, str]]  # the cells typed as text (keyless variant: the empty first cells)


def _as_text(value: Decimal | int, kind: str, rng: random.Random) -> str:
    """A text a person or another system would leave for this number."""
    if kind == "rate":
        percent = f"{Decimal(value) * 100:f}".rstrip("0").rstrip(".")
        return rng.choice([f"{percent}%", str(value), f"{percent}%".translate(FULL_WIDTH)])
    plain = f"{value:f}" if isinstance(value, Decimal) else str(value)
    forms = [plain, f" {plain} ", plain.translate(FULL_WIDTH)]
    if kind == "money":
        forms += [f"{Decimal(value):,.2f}", f"{plain}万元"]
    if kind == "count":
        forms.append(f"{plain}人")
    if kind == "points":
        forms.append(f"{plain}分")
    return rng.choice(forms)


def _number_cells(fw: Framework, path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, kind) of every typed number cell that holds a number in the filled workbook."""
    plan = plan_for(fw)
    book = open_book(path)
    out = []
    for cp in plan.cells.values():
        spec = cp.spec
        if spec is None or not spec.is_input or spec.kind not in NUMBER_KINDS or cp.formula:
            continue
        out.append((cp.sheet, cp.cell, spec.kind))
    for decl in fw.form.tables:
        tp = plan.tables[decl.name]
        for col in decl.columns:
            if col.expr is None and col.kind in NUMBER_KINDS:
                out += [(tp.sheet, f"{tp.columns[col.name]}{r}", col.kind) for r in range(tp.first_row, tp.last_row + 1)]
    return [(s, c, k) for s, c, k in out if (raw := book.cell(s, c)) is not None and raw.type == "n" and raw.value]


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Variant]:
    root = tmp_path_factory.mktemp("text-numbers")
    out: dict[str, Variant] = {}
    for case, (fw_file, data_file) in CASES.items():
        fw = load_framework(str(fw_file))
        filled = write_template(fw, root / f"{case}.xlsx", values=data_values(load_data(data_file, fw)))
        candidates = _number_cells(fw, filled)
        for seed in SEEDS:
            rng = random.Random(f"{case}-{seed}")
            chosen = [c for c in candidates if rng.random() < 0.5]
            text_wb, zero_wb = load_workbook(filled), load_workbook(filled)
            for sheet, cell, kind in chosen:
                value = text_wb[sheet][cell].value
                number = int(value) if kind in ("count", "int") else Decimal(str(value))
                text_wb[sheet][cell].value = _as_text(number, kind, rng)
                zero_wb[sheet][cell].value = 0
            key = f"{case}-{seed}"
            text_wb.save(root / f"{key}-text.xlsx")
            zero_wb.save(root / f"{key}-zeros.xlsx")
            out[key] = Variant(case, fw, filled, root / f"{key}-text.xlsx", root / f"{key}-zeros.xlsx",
                               [(s, c) for s, c, _ in chosen])
        if fw.form.tables:
            out[f"{case}-keyless"] = _keyless(fw, filled, root / f"{case}-keyless.xlsx")
    return out


def _keyless(fw: Framework, filled: Path, out: Path) -> Variant:
    """Every table: the first cell of its first filled row cleared, and its numbers copied into the first
    spare row (first column left empty)."""
    plan = plan_for(fw)
    wb = load_workbook(filled)
    keys = []
    for decl in fw.form.tables:
        tp = plan.tables[decl.name]
        ws = wb[tp.sheet]
        typed = [tp.columns[c.name] for c in decl.columns if c.expr is None]
        rows = [r for r in range(tp.first_row, tp.last_row + 1) if ws[f"{typed[0]}{r}"].value not in (None, "")]
        spare = next(r for r in range(tp.first_row, tp.last_row + 1) if r not in rows)
        first = rows[0]
        for letter in typed[1:]:
            ws[f"{letter}{spare}"].value = ws[f"{letter}{first}"].value
        ws[f"{typed[0]}{first}"].value = None
        keys += [(tp.sheet, f"{typed[0]}{first}"), (tp.sheet, f"{typed[0]}{spare}")]
    wb.save(out)
    return Variant(fw.id, fw, filled, out, None, keys)


@pytest.fixture(scope="module")
def recalculated(variants: dict[str, Variant], tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    paths = sorted({p for v in variants.values() for p in (v.filled, v.text, v.zeros) if p is not None})
    saved = recalculate(paths, tmp_path_factory.mktemp("text-numbers-lo"))  # one LibreOffice call
    return dict(zip(paths, saved, strict=True))


def _value(book: object, sheet: str, cell: str) -> tuple[str, str]:
    raw = book.cell(sheet, cell)  # type: ignore[attr-defined]
    if raw is None or raw.value in (None, ""):
        return ("", "")
    return (raw.type, raw.value)


def _same(a: tuple[str, str], b: tuple[str, str]) -> bool:
    if a[0] == b[0] == "n":
        return abs(Decimal(a[1]) - Decimal(b[1])) <= TOL
    return a == b


@pytest.mark.libreoffice
def test_text_is_zero_in_every_formula_of_the_sheet(variants: dict[str, Variant],
                                                     recalculated: dict[Path, Path]) -> None:
    """LibreOffice alone: text in a number cell computes exactly as 0 typed there, and it matters."""
    changed = 0
    for key, v in variants.items():
        assert v.cells, key
        if v.zeros is None:
            continue
        text, zeros, filled = (open_book(recalculated[p]) for p in (v.text, v.zeros, v.filled))
        formulas = plan_for(v.fw).formulas()
        differ = [(s, c, _value(text, s, c), _value(zeros, s, c)) for s, c in formulas
                  if not _same(_value(text, s, c), _value(zeros, s, c))]
        assert not differ, f"{key}: {len(differ)} formula cell(s) differ from 0 typed there: {differ[:8]}"
        changed += sum(not _same(_value(text, s, c), _value(filled, s, c)) for s, c in formulas)
    assert changed > 50  # the text did change results: the comparison above is not vacuous


@pytest.mark.libreoffice
def test_engine_equals_sheet_with_text_numbers(variants: dict[str, Variant], recalculated: dict[Path, Path],
                                               tmp_path: Path) -> None:
    """The engine's value of every formula cell it can compute equals LibreOffice's with the text in place."""
    compared = 0
    for key, v in variants.items():
        mine = tmp_path / f"{key}-engine.xlsx"
        shutil.copyfile(v.text, mine)
        assert cache_results(mine, v.fw) > 0
        engine, lo = open_book(mine), open_book(recalculated[v.text])
        wrong = []
        for (sheet, cell), formula in plan_for(v.fw).formulas().items():
            raw = engine.cell(sheet, cell)
            if raw is None or (raw.value is None and raw.type != "str"):
                continue  # the engine could not compute it (e.g. a rate over a 0 that is text)
            compared += 1
            if not _same(_value(engine, sheet, cell), _value(lo, sheet, cell)):
                wrong.append(f"{sheet}!{cell} ={formula}: engine {raw.value!r} ≠ LibreOffice {_value(lo, sheet, cell)}")
        assert not wrong, f"{key}: {len(wrong)} cell(s):\n" + "\n".join(wrong[:12])
    assert compared > 300


@pytest.mark.libreoffice
def test_validator_reports_each_text_cell_and_the_sheets_total(variants: dict[str, Variant],
                                                               recalculated: dict[Path, Path]) -> None:
    for key, v in variants.items():
        report = validate_file(v.text, v.fw)
        errors = {(f.sheet, f.cell) for f in report.findings if f.severity == Severity.error
                  and f.code in ("XP201", "XP202", "XP203", "XP204", "XP207", "XP210", "XP214", "XP216")}
        assert set(v.cells) <= errors, (key, sorted(set(v.cells) - errors)[:5])
        total = plan_for(v.fw).cells["score_total"]
        lo_total = _value(open_book(recalculated[v.text]), total.sheet, total.cell)
        assert lo_total[0] == "n" and report.total_computed == Decimal(lo_total[1]).quantize(Decimal("0.01")), key
