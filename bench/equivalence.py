"""Equivalence harness for speed work: every FileReport of a fixed, diverse corpus must stay byte-identical.

    python bench/equivalence.py make DIR [--no-libreoffice]   # build the corpus (deterministic; reused if present)
    python bench/equivalence.py record DIR OUT.jsonl          # the JSON of every FileReport (run on the base)
    python bench/equivalence.py check DIR OUT.jsonl           # the same now; exit 1 and list every difference

A speed change must not change a finding, a message, an order or a total. The corpus (``DIR/cases.json`` lists
each file and the framework it is validated against) holds: clean random departments (seeded
``random_department``), the ~50-findings corpus of bench/run.py (``_noisy``), UDF-flavoured and blank
templates, the shipped example, cell-level mutants (inputs set to text, errors, huge or negative numbers,
formulas replaced, cached results tampered — as tests/validator/xlsx_edit.py stores them: shared strings),
XML-level mutants (tests/hostile/fuzz.py), the hostile corpus and the fuzz regressions (tests/corpus/),
large-sheet packages (tests/hostile/builders.py), templates of the other frameworks (tests/data/frameworks/)
filled from their data files, and copies of several of these saved by LibreOffice (cached values, shared
strings, LibreOffice's own XML — what real submissions look like, not openpyxl's).

A report's ``seconds`` (wall time) is set to 0 before it is stored; everything else is compared as
``model_dump_json()`` and as the JSON Lines record (``render.json.file_line``) the batch writes, with object
keys sorted (see :func:`_canonical`; list order is compared as is).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

FAMILIES = ROOT / "tests" / "data" / "frameworks" / "families"


def _case(cases: list[dict[str, Any]], path: Path, folder: Path, framework: str | None = None) -> None:
    cases.append({"file": path.relative_to(folder).as_posix(), "framework": framework})


def _futian(folder: Path, cases: list[dict[str, Any]]) -> list[Path]:
    """Clean, noisy, UDF-flavoured and blank futian-2021 workbooks; returns those worth a LibreOffice copy."""
    from run import _noisy

    from tests.support.futian_random import random_department
    from xlperf.data.values import data_values
    from xlperf.loader import load_framework
    from xlperf.write.template import write_template

    fw = load_framework("futian-2021")
    lo: list[Path] = []
    kinds = [("clean", 16, "native", False), ("noisy", 8, "native", True), ("udf", 5, "udf", False)]
    for kind, count, flavour, noisy in kinds:
        for i in range(count):
            path = folder / "gen" / f"{kind}{i:02d}.xlsx"
            if not path.exists():
                values = data_values(random_department(fw, 22000 + 97 * i + len(kind)))
                write_template(fw, path, flavour=flavour, values=_noisy(values) if noisy else values)
            _case(cases, path, folder)
            if i < {"clean": 4, "noisy": 2, "udf": 2}[kind]:
                lo.append(path)
    for flavour in ("native", "udf"):
        path = folder / "gen" / f"blank-{flavour}.xlsx"
        if not path.exists():
            write_template(fw, path, flavour=flavour)
        _case(cases, path, folder)
    lo.append(folder / "gen" / "blank-native.xlsx")
    return lo


_INPUT_VALUES: list[Any] = ["", "  ", "不适用", "12,345.6", "=1+1", "#N/A", -5, 0, Decimal("1E+21"), Decimal("0.001"),
                            Decimal("123456.785"), True, "１２３", "\u202e99", 44202]


def _cell_mutants(folder: Path, cases: list[dict[str, Any]]) -> list[Path]:
    """Clean workbooks with 1–6 cells edited at the XML level (values, errors, formulas, cached results)."""
    from tests.validator.xlsx_edit import Xlsx
    from xlperf.compiled import plan_for
    from xlperf.loader import load_framework

    plan = plan_for(load_framework("futian-2021"))
    inputs = sorted(n for n, c in plan.cells.items() if c.spec is not None and c.spec.is_input)
    computed = sorted(n for n, c in plan.cells.items() if c.formula)
    out: list[Path] = []
    for i in range(14):
        path = folder / "mut" / f"cell{i:02d}.xlsx"
        out.append(path)
        _case(cases, path, folder)
        if path.exists():
            continue
        rnd = random.Random(f"equivalence:{i}")
        book = Xlsx(folder / "gen" / f"clean{i % 16:02d}.xlsx")
        for _ in range(rnd.randint(1, 6)):
            op = rnd.choice(["value", "value", "error", "formula", "cached", "number-text"])
            if op in ("formula", "cached"):
                cp = plan.cells[rnd.choice(computed)]
                if op == "formula":
                    book.set_formula(cp.sheet, cp.cell, rnd.choice(["1+1", "SUM(A1:A3)", "B2*100"]), cached=7)
                else:
                    book.set_cached(cp.sheet, cp.cell, rnd.choice(["0", "99.5", "-1", "1E+300"]))
                continue
            cp = plan.cells[rnd.choice(inputs)]
            if op == "error":
                book.set_error(cp.sheet, cp.cell, rnd.choice(["#REF!", "#DIV/0!", "#VALUE!"]))
            elif op == "number-text":
                book.set_number_text(cp.sheet, cp.cell, rnd.choice(["79260.570000000007", "1e3", "-0"]))
            else:
                book.set(cp.sheet, cp.cell, rnd.choice(_INPUT_VALUES), inline=rnd.random() < 0.3)
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    return out


def _hostile(folder: Path, cases: list[dict[str, Any]]) -> None:
    """XML-level mutants, the hostile corpus, the fuzz regressions, large-sheet packages."""
    from tests.hostile import builders
    from tests.hostile.fuzz import example_parts, mutant
    from tests.hostile.helpers import EXAMPLE

    parts = example_parts()
    dest = folder / "hostile"
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(24):
        path = dest / f"fuzz{i:02d}.xlsx"
        if not path.exists():
            path.write_bytes(mutant(2022, i, parts)[0])
        _case(cases, path, folder)
    sources = sorted((ROOT / "tests" / "corpus" / "files").iterdir())
    sources += sorted((ROOT / "tests" / "corpus" / "regress").glob("*.xlsx"))[:12]
    for src in sources:
        path = dest / f"{src.parent.name}-{src.name}"
        if not path.exists():
            shutil.copyfile(src, path)
        _case(cases, path, folder)
    big = dest / "extra-rows.xlsx"
    if not big.exists():
        builders.with_extra_sheet(EXAMPLE, big, "项目明细", builders.grid(3000, 4, seed=7))
    _case(cases, big, folder)
    grid = dest / "grid-only.xlsx"
    if not grid.exists():
        builders.build_package(grid, {"Sheet1": builders.grid(400, 12, seed=3)})
    _case(cases, grid, folder)


def _families(folder: Path, cases: list[dict[str, Any]]) -> list[Path]:
    """A filled template of every test framework that has a data file, validated against that framework."""
    from xlperf.data.values import data_values
    from xlperf.ingest.datafile import load_data
    from xlperf.loader import load_framework
    from xlperf.write.template import write_template

    out: list[Path] = []
    for data_file in sorted(FAMILIES.glob("*-data.yaml")):
        fw_file = data_file.with_name(data_file.name.replace("-data.yaml", ".yaml"))
        if not fw_file.exists():
            continue
        rel = fw_file.relative_to(ROOT).as_posix()
        path = folder / "families" / f"{fw_file.stem}.xlsx"
        if not path.exists():
            fw = load_framework(str(fw_file))
            write_template(fw, path, values=data_values(load_data(data_file, fw)))
        _case(cases, path, folder, rel)
        out.append(path)
    return out


def make(folder: Path, libreoffice: bool = True) -> list[dict[str, Any]]:
    from tests.hostile.helpers import EXAMPLE

    folder.mkdir(parents=True, exist_ok=True)
    cases: list[dict[str, Any]] = []
    lo = _futian(folder, cases)
    example = folder / "gen" / "example.xlsx"
    if not example.exists():
        shutil.copyfile(EXAMPLE, example)
    _case(cases, example, folder)
    lo.append(example)
    lo += _cell_mutants(folder, cases)[:4]
    _hostile(folder, cases)
    lo_fw: dict[Path, str | None] = {p: None for p in lo}
    for p in _families(folder, cases)[:3]:
        lo_fw[p] = next(c["framework"] for c in cases if c["file"] == p.relative_to(folder).as_posix())
    if libreoffice:
        _libreoffice(folder, lo_fw, cases)
    (folder / "cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1), encoding="utf-8")
    return cases


def _libreoffice(folder: Path, sources: dict[Path, str | None], cases: list[dict[str, Any]]) -> None:
    """Copies saved by LibreOffice (recalculated: its cached values, shared strings and XML layout)."""
    from xlperf.devtools.libreoffice import recalculate

    dest = folder / "lo"
    staged = folder / "lo-src"
    renamed = {p: staged / f"lo-{p.parent.name}-{p.stem}.xlsx" for p in sources}
    targets = {p: dest / q.name for p, q in renamed.items()}
    if not all(t.exists() for t in targets.values()):
        staged.mkdir(parents=True, exist_ok=True)
        for p, q in renamed.items():
            shutil.copyfile(p, q)
        recalculate(list(renamed.values()), dest)
        shutil.rmtree(staged)
    for p, t in targets.items():
        _case(cases, t, folder, sources[p])


def _canonical(text: str) -> str:
    """The JSON with its objects' keys sorted: ``cell_kinds`` is filled from a set, so its key order follows
    the process's string hash seed (PYTHONHASHSEED) and differs between two runs of the same code. Lists
    (findings) keep their order."""
    return json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True)


def reports(folder: Path) -> list[str]:
    """One line per case: the file, the report's JSON (seconds zeroed) and its JSON Lines record."""
    import os

    from xlperf.render.json import file_line
    from xlperf.validate import validate_file

    cases = json.loads((folder / "cases.json").read_text(encoding="utf-8"))
    lines = []
    cwd = os.getcwd()
    os.chdir(folder)  # paths in reports (and messages) relative to the corpus, wherever it lives
    try:
        for case in cases:
            framework = str(ROOT / case["framework"]) if case["framework"] else None
            rep = validate_file(case["file"], framework).model_copy(update={"seconds": 0.0})
            lines.append(json.dumps({"file": case["file"], "report": _canonical(rep.model_dump_json()),
                                     "line": _canonical(file_line(rep))}, ensure_ascii=False))
    finally:
        os.chdir(cwd)
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["make", "record", "check"])
    ap.add_argument("folder", type=Path)
    ap.add_argument("out", type=Path, nargs="?")
    ap.add_argument("--no-libreoffice", action="store_true")
    args = ap.parse_args(argv)
    if args.action == "make":
        cases = make(args.folder, libreoffice=not args.no_libreoffice)
        print(f"{len(cases)} cases in {args.folder}")
        return 0
    if args.out is None:
        ap.error("record/check need OUT.jsonl")
    start = time.perf_counter()
    lines = reports(args.folder)
    took = time.perf_counter() - start
    if args.action == "record":
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"recorded {len(lines)} reports in {took:.1f} s")
        return 0
    expected = args.out.read_text(encoding="utf-8").splitlines()
    differ = [json.loads(e)["file"] for e, g in zip(expected, lines, strict=False) if e != g]
    if len(expected) != len(lines):
        differ.append(f"<{len(expected)} recorded, {len(lines)} now>")
    for name in differ:
        print("DIFFERS:", name)
    print(f"{len(lines)} reports, {len(differ)} differ ({took:.1f} s)")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
