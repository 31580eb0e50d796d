"""Error values are never a silent pass (issue 18, item 3).

- A UDF-flavour workbook saved where the xlperf functions are not loaded: LibreOffice (which has no
  ``xlperf_ratio``/``xlperf_score``) recalculates it and saves ``#NAME?`` wherever a formula calls one and
  in every cell depending on one. The validator names each cell calling a function (XP324, "functions not
  loaded") and each dependent cell such as the total (XP323); the file is ``invalid``.
- A native workbook whose total holds a saved ``#REF!`` and a measure holding an xlperf function's failure
  text are XP323 at that cell.
- In the UDF flavour a failed quarter makes 全年平均执行率 an error, as in the native workbook (LibreOffice
  evaluates the formula with a quarter holding the failure text; the old ``MIN(exec_q1,1)`` read it as 100%).
- A blank ``decimals`` of ``xlperf_ratio`` means the default 4 places.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xlperf.data.values import data_values
from xlperf.devtools.libreoffice import FormulaBatch, evaluate_formulas, recalculate
from xlperf.validate import validate_file
from xlperf.write.template import write_template
from tests.validator.xlsx_edit import Xlsx

from .helpers import futian, seed_data, udfs


def _names(path: Path) -> dict[str, tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for name, dn in wb.defined_names.items():
        for sheet, ref in dn.destinations:
            out[name] = (sheet, ref.replace("$", ""))
    return out


@pytest.mark.libreoffice
def test_udf_workbook_without_functions(tmp_path: Path) -> None:
    fw = futian()
    udf = write_template(fw, tmp_path / "udf.xlsx", flavour="udf", values=data_values(seed_data()))
    (saved,) = recalculate([udf], tmp_path / "lo")
    formulas = openpyxl.load_workbook(saved)
    values = openpyxl.load_workbook(saved, data_only=True)
    calling, failing = set(), set()
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for c in row:
                shown = values[ws.title][c.coordinate].value
                if isinstance(c.value, str) and c.value.startswith("=") and isinstance(shown, str) \
                        and shown.startswith("#"):
                    failing.add((ws.title, c.coordinate))
                    if "xlperf_" in c.value.lower():
                        calling.add((ws.title, c.coordinate))
    assert len(calling) > 20  # every measure and leaf score calls one (LibreOffice knows no xlperf function)
    assert len(failing) > 2 * len(calling)  # ... and what depends on them shows #NAME? too
    total = _names(saved)["score_total"]
    assert total in failing and total not in calling

    report = validate_file(saved)
    found = {code: {(f.sheet, f.cell) for f in report.findings if f.code == code} for code in ("XP323", "XP324")}
    assert found["XP324"] == calling
    assert total in found["XP323"]
    assert found["XP323"] <= failing - calling
    assert report.status == "invalid" and report.review == "revise"
    one = next(f for f in report.findings if f.code == "XP324")
    assert "没有加载" in one.message and "#NAME?" in one.message


def test_saved_ref_error_in_a_native_total(tmp_path: Path) -> None:
    fw = futian()
    path = write_template(fw, tmp_path / "native.xlsx", values=data_values(seed_data()))
    names = _names(path)
    total, rate = names["score_total"], names["exec_q1"]
    book = Xlsx(path).set_cached(*total, "#REF!").set_cached(*rate, "#XLPERF! 分母是错误值")
    book._cell(*total).set("t", "e")  # the formula stays; Excel saved an error as its result
    book._cell(*rate).set("t", "str")  # ... and a text for the failed function
    book.save(tmp_path / "edited.xlsx")
    report = validate_file(tmp_path / "edited.xlsx")
    hits = {(f.sheet, f.cell): f for f in report.findings if f.code == "XP323"}
    assert set(hits) == {total, rate}
    assert "#REF!" in hits[total].message and hits[total].found == "#REF!"
    assert hits[rate].found == "#XLPERF! 分母是错误值"
    assert not [f for f in report.findings if f.code == "XP324"]


@pytest.mark.libreoffice
def test_failed_quarter_makes_the_average_an_error(tmp_path: Path) -> None:
    from xlperf.compiled import plan_for

    fw = futian()
    avg = plan_for(fw, "udf").cells["exec_avg"].formula
    assert avg is not None and "(exec_q1+0)" in avg
    ratio = avg.removeprefix("=")
    inputs: dict[str, Decimal | str | None] = {"exec_q1": "#XLPERF! 分母是错误值", "exec_q2": Decimal("0.5"),
                                               "exec_q3": Decimal("0.75"), "exec_q4": Decimal("1")}
    # LibreOffice stands in for Excel; the function itself is replaced by its own arguments' sum
    inner = ratio[len("xlperf_ratio("):].rsplit(",", 2)[0]
    old = inner.replace("(exec_q1+0)", "exec_q1").replace("(exec_q2+0)", "exec_q2") \
        .replace("(exec_q3+0)", "exec_q3").replace("(exec_q4+0)", "exec_q4")
    healthy = dict(inputs, exec_q1=Decimal("0.25"))
    (now, before), (ok, _) = evaluate_formulas([FormulaBatch(inputs, [inner, old]),
                                                FormulaBatch(healthy, [inner, old])], tmp_path)
    assert now.kind == "e"  # the failed quarter makes the sum (so the average) an error
    assert before.number == Decimal("3.25")  # what it was: the failure counted as MIN(text, 1) = 1
    assert ok.number == Decimal("2.5")


def test_blank_decimals_means_the_default() -> None:
    f = udfs()
    assert f.xlperf_ratio(1, 3, 0, None, None) == pytest.approx(0.3333)
    assert f.xlperf_ratio(1, 3, 0, None, "") == pytest.approx(0.3333)
    assert f.xlperf_ratio(1, 3, 0, None, 0) == 0
    assert f.xlperf_ratio(1, 3, 0, None, 2) == pytest.approx(0.33)


@pytest.mark.parametrize(("name", "args"), [("xlperf_ratio", (1, 3)), ("xlperf_exec_rate", (50, 80)),
                                            ("xlperf_exec_score", ([[10, 40, 70, 95]], 100))])
def test_every_blank_optional_argument_means_its_default(name: str, args: tuple[object, ...]) -> None:
    """A blank cell given for an optional argument (None from xlwings, or "") is the same as leaving it out."""
    import inspect

    fn = getattr(udfs(), name)
    optional = [p.name for p in inspect.signature(fn).parameters.values()
                if p.default is not inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
    base = fn(*args)
    assert isinstance(base, float), base
    assert optional
    for param in optional:
        for blank in (None, ""):
            assert fn(*args, **{param: blank}) == base, (name, param, blank)
