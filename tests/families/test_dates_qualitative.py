"""Issue 21 items 4 and 3: a date kind, and qualitative rows of a 绩效指标 table.

The dated-2021 family (tests/data/frameworks/families/) has a report date (``kind: date`` with bounds over the
evaluated year), audit rules over it (``report_date >= date(eval_year, 12, 31)``, ``report_date <=
date(eval_year + 1, 4, 30)``) and a table mixing 定量 rows (numbers, scored by completion rate), 定性 rows (a text
target, a result chosen from 达成 / 部分达成 / 未达成 → 100% / 60% / 0) and 评议 rows (the stated score within [0,
weight]). Scores are worked out by hand; LibreOffice recalculates each workbook (hostile date cells included, and
one saved in the 1904 date system) and equals the engine on every computed cell, every table row and every
audit rule's own formula.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from xlperf.compiled import catalog, plan_for, score
from xlperf.data.values import data_values
from xlperf.dates import DATE_MAX, DATE_MIN, date_of_serial, date_text, excel_date, serial_of, yyyymmdd
from xlperf.devtools.libreoffice import recalculate
from xlperf.errors import InputError
from xlperf.expr import parse
from xlperf.ingest.cells import parse_cell
from xlperf.ingest.datafile import load_data
from xlperf.ingest.reader import read_workbook
from xlperf.ingest.xlsx import RawCell, open_book
from xlperf.loader import load_framework
from xlperf.plan.formulas import NUMBER_KINDS, name_of_factory
from xlperf.validate import validate_file
from xlperf.write.template import write_template
from tests.families.test_families import HERE, engine_values, number, r

FW = HERE / "dated-2021.yaml"
DATA = HERE / "dated-2021-data.yaml"
D = Decimal
VERDICTS = "verdicts"


def test_scores_by_hand() -> None:
    fw = load_framework(str(FW))
    result = score(fw, load_data(DATA, fw))
    execution = r(D("950.00") / D("1000.00"), "0.0001") * 20      # 95% × 20 = 19
    rows = [D(20),                                                  # 520 ≥ 500 → 100% of 20
            r(20 * r(D("0.90") / D("0.95"), "0.0001"), "0.01"),     # 94.74% × 20 = 18.948 → 18.95
            D(15),                                                  # 定性, 达成 → 100% of 15
            15 * D("0.6"),                                          # 定性, 部分达成 → 60% of 15 = 9
            D("8.5")]                                               # 评议: stated 8.5 within [0, 10]
    assert (execution, rows) == (19, [20, D("18.95"), 15, 9, D("8.5")])
    assert {i.id: i.computed for i in result.indicators} == {"execution": execution, "targets_done": sum(rows)}
    assert result.total.computed == D("90.45")
    assert result.derived["days_late"] == 0                         # 2022-03-15 is before 2022-04-30
    assert result.derived["report_due"] == "2022-04-30"


def test_dates_as_spreadsheets_count_them() -> None:
    # Serial numbers of the 1900 date system, by hand: 1900-03-01 is 61 (Excel counts a 1900-02-29), 2021-12-31
    # is 44,561 (known from Excel: =DATE(2021,12,31) shows 44561 as a number).
    assert serial_of(date(1900, 3, 1)) == 61 and serial_of(date(2021, 12, 31)) == 44561
    assert date_of_serial(D(44561)) == date(2021, 12, 31)
    assert date_of_serial(D(44561 - 1462), date1904=True) == date(2021, 12, 31)
    assert date_of_serial(D("44561.5")) is None and date_of_serial(D(-5)) is None and date_of_serial(D("1E+308")) is None
    assert excel_date(2021, 13, 1) == date(2022, 1, 1) and excel_date(2022, 3, 0) == date(2022, 2, 28)
    assert excel_date(99, 1, 1) is None
    for text in ("2021-12-31", "2021/12/31", "2021.12.31", "2021年12月31日", "２０２１年１２月３１日", "2021 年 12 月 31 日"):
        assert date_text(text) == date(2021, 12, 31), text
    assert [date_text(t) for t in ("2021-02-30", "去年年底", "2021-12", "12/31/2021")] == [None] * 4
    assert yyyymmdd(D(20211231)) == date(2021, 12, 31) and yyyymmdd(D(20211331)) is None
    assert parse("date(2021, 12, 31) + 30").evaluate({}) == 44591
    assert parse("date(y, 12, 31)").to_excel() == "DATE(y,12,31)"


def _write_data(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_data_files_take_iso_dates_and_check_them(tmp_path: Path) -> None:
    fw = load_framework(str(FW))
    as_json = tmp_path / "d.json"
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    raw["info"]["report_date"] = "2022-03-15"
    as_json.write_text(json.dumps(raw, ensure_ascii=False, default=str), encoding="utf-8")
    from_json = load_data(as_json, fw)
    assert from_json.values()["report_date"] == date(2022, 3, 15)
    assert from_json.table_rows()["targets"][1]["done"] == date(2021, 12, 20)   # a table's date column
    for bad, why in (("2022/03/15", "report_date"), ("20220315", "report_date"), ("1900-01-05", "report_date")):
        path = _write_data(tmp_path, lambda d, bad=bad: d["info"].update(report_date=bad))
        with pytest.raises(InputError, match=why):
            load_data(path, fw)
    path = _write_data(tmp_path, lambda d: d["info"].update(report_date=date(2023, 1, 5)))
    with pytest.raises(InputError, match="自评报告日期 2023-01-05 晚于允许的日期 2022-12-31"):
        load_data(path, fw)    # max: date(eval_year + 1, 12, 31)


def test_qualitative_rows_in_data_files(tmp_path: Path) -> None:
    fw = load_framework(str(FW))

    def number_in_qualitative(d: dict[str, Any]) -> None:
        d["tables"]["targets"][2]["actual"] = 0.8

    with pytest.raises(InputError, match="targets 第 3 行 actual.*应选择 达成、部分达成、未达成 之一，不是数字 0.8"):
        load_data(_write_data(tmp_path, number_in_qualitative), fw)
    with pytest.raises(InputError, match="第 4 行 actual.*“大部分达成”不是可选项"):
        load_data(_write_data(tmp_path, lambda d: d["tables"]["targets"][3].update(actual="大部分达成")), fw)
    with pytest.raises(InputError, match="第 1 行 target.*应填写数字，不是文字“高”"):
        load_data(_write_data(tmp_path, lambda d: d["tables"]["targets"][0].update(target="高")), fw)


def test_declarations_are_checked() -> None:
    from xlperf.framework.form import ColumnDecl, InputDecl

    with pytest.raises(ValueError, match="应为日期"):
        InputDecl.model_validate({"name": "rep_date", "label": "x", "kind": "date", "min": 2021})
    with pytest.raises(ValueError, match="应为数字"):
        InputDecl.model_validate({"name": "rep_x", "label": "x", "kind": "money", "min": "2021-01-01"})
    with pytest.raises(ValueError):
        InputDecl.model_validate({"name": "rep_date", "label": "x", "kind": "date", "max": "date(eval_year,"})
    with pytest.raises(ValueError, match="text_if 只用于"):
        ColumnDecl.model_validate({"name": "a", "label": "A", "kind": "points", "text_if": "b == 1"})
    with pytest.raises(ValueError, match="需要 text_if"):
        ColumnDecl.model_validate({"name": "a", "label": "A", "text_options": ["x", "y"]})


# Workbooks -----------------------------------------------------------------------------------------------------

HOSTILE: dict[str, tuple[object, str | None]] = {
    # variant → (what the report-date cell holds, the number format it is shown with: None keeps yyyy-mm-dd)
    "text": ("2021年12月31日", None),
    "slash": ("2021/12/31", None),
    "yyyymmdd": (20211231, "General"),
    "huge": (1e308, "General"),
    "negative": (-5, None),
    "garbage": ("去年年底", None),
    "timed": (44561.5, None),
}


def _book(root: Path, name: str, values: dict[str, Any], cell_value: object = None,
          number_format: str | None = None, epoch1904: bool = False) -> Path:
    """A filled workbook, the report-date cell optionally replaced (as a person or a program could), plus a sheet
    with every audit rule's own formula (rendered as the workbook's formulas are)."""
    fw = load_framework(str(FW))
    path = write_template(fw, root / f"{name}-src.xlsx", values=values)
    wb = openpyxl.load_workbook(path)
    plan = plan_for(fw)
    where = plan.cells["report_date"]
    if cell_value is not None:
        cell = wb[where.sheet][where.cell]
        cell.value = cell_value
        if number_format is not None:
            cell.number_format = number_format
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904   # the date written again, counted from 1904
    ws = wb.create_sheet(VERDICTS)
    name_of = name_of_factory(catalog(fw))
    tp = plan.tables["targets"]
    kinds = {c.name: c.kind for c in fw.form.tables[0].columns}
    for i, rule in enumerate(fw.form.audits, start=1):
        ws[f"A{i}"] = rule.id
        if rule.each_row is None:
            ws[f"B{i}"] = "=" + parse(rule.assert_).to_excel(name_of)
            continue
        for j, row in enumerate(range(tp.first_row, tp.last_row + 1)):   # the rule in each row, as the row reads
            def local(name: str, row: int = row) -> str:
                if name not in tp.columns:
                    return name_of(name)
                ref = f"'{tp.sheet}'!${tp.columns[name]}{row}"
                return f"N({ref})" if kinds[name] in NUMBER_KINDS else ref
            ws.cell(row=i, column=2 + j, value="=" + parse(rule.assert_).to_excel(local))
    out = root / f"{name}.xlsx"
    wb.save(out)
    return out


@pytest.fixture(scope="module")
def books() -> Iterator[tuple[Path, dict[str, Path]]]:
    root = Path(tempfile.mkdtemp(prefix="xlperf-dated-"))
    fw = load_framework(str(FW))
    base = data_values(load_data(DATA, fw))
    out = {"filled": _book(root, "filled", base),
           "late": _book(root, "late", {**base, "report_date": date(2022, 5, 20),
                                        "targets.done": [date(2021, 11, 30), date(2022, 1, 15), None, None, None]}),
           "early": _book(root, "early", {**base, "report_date": date(2021, 6, 30)}),
           "late1904": _book(root, "late1904", {**base, "report_date": date(2022, 5, 20)}, epoch1904=True)}
    actual = list(base["targets.actual"])
    actual[2] = D("0.8")                 # a number where a 定性 row's choice is required
    actual[3] = "大部分达成"              # a text that is not one of the choices
    target = list(base["targets.target"])
    target[0] = "高"                    # text in a 定量 row's number cell
    done = ["2021年11月30日", *base["targets.done"][1:]]   # a date typed as text in a table's date column
    out["rows"] = _book(root, "rows", {**base, "targets.actual": actual, "targets.target": target,
                                       "targets.done": done})
    for name, (value, fmt) in HOSTILE.items():
        out[name] = _book(root, name, base, value, fmt)
    yield root, out
    shutil.rmtree(root, ignore_errors=True)


def _validate(path: Path) -> list[Any]:
    """The validator's findings, without those on the test's own sheet of audit formulas (foreign formulas)."""
    return [f for f in validate_file(path, str(FW)).findings if f.sheet != VERDICTS]


def _findings(path: Path) -> set[tuple[str, str | None]]:
    return {(f.rule or f.code, f.location) for f in _validate(path)}


def test_the_filled_form_is_clean_and_dates_are_dates(books: tuple[Path, dict[str, Path]]) -> None:
    _, paths = books
    assert _validate(paths["filled"]) == []
    fw = load_framework(str(FW))
    where = plan_for(fw).cells["report_date"]
    ws = openpyxl.load_workbook(paths["filled"])[where.sheet]
    assert ws[where.cell].number_format == "yyyy-mm-dd"
    assert ws[where.cell].value.date() == date(2022, 3, 15)
    dv = next(v for v in ws.data_validations.dataValidation if v.type == "date")
    assert (str(dv.sqref), dv.formula1, dv.formula2) == (where.cell, "DATE(N(eval_year),1,1)",
                                                         "DATE(N(eval_year)+1,12,31)")
    assert read_workbook(paths["filled"], str(FW)).values["report_date"] == date(2022, 3, 15)
    tp = plan_for(fw).tables["targets"]
    row = tp.first_row
    pts = ws[f"{tp.columns['pts']}{row}"].value
    # one IF on the row's kind; the choice compared as text, the numbers read through N()
    assert f'IF($B{row}="定性",IF($D{row}="达成",1,IF($D{row}="部分达成",0.6,0))' in pts
    assert f"MIN(N($D{row})/N($C{row}),1)" in pts


def test_date_rules_and_hostile_dates_are_findings(books: tuple[Path, dict[str, Path]]) -> None:
    _, paths = books
    fw = load_framework(str(FW))
    plan = plan_for(fw)
    at = plan.cells["report_date"].ref
    tp = plan.tables["targets"]
    row2 = f"{tp.sheet}!{tp.columns['done']}{tp.first_row + 1}"
    assert _findings(paths["late"]) == {("RQ-02", at), ("WC-01", row2)}
    late = next(f for f in _validate(paths["late"]) if f.rule == "RQ-02")
    assert "自评报告日期 2022-05-20 晚于报送截止日期 2022-04-30 20 天" in late.message   # May 20 − Apr 30
    row = next(f for f in _validate(paths["late"]) if f.rule == "WC-01")
    assert row.message.endswith("第 2 行：“培训合格率”的完成日期 2022-01-15 晚于评价年度末，请说明原因")
    assert row.found == "2022-01-15"
    assert read_workbook(paths["filled"], str(FW)).tables["targets"][0]["done"] == date(2021, 11, 30)
    early = next(f for f in _validate(paths["early"]) if f.rule == "RQ-01")
    assert (early.found, early.expected) == ("2021-06-30", "2021-12-31")
    assert _findings(paths["late1904"]) == {("RQ-02", at)}
    assert open_book(paths["late1904"]).date1904 and not open_book(paths["late"]).date1904
    assert read_workbook(paths["late1904"], str(FW)).values["report_date"] == date(2022, 5, 20)
    expected_codes = {"text": "XP218", "slash": "XP218", "yyyymmdd": "XP219", "huge": "XP219", "negative": "XP219",
                      "garbage": "XP219", "timed": "XP219"}
    for name, code in expected_codes.items():
        found = _validate(paths[name])   # never an exception
        own = [f for f in found if f.location == at and f.code.startswith("XP2")]
        assert [f.code for f in own] == [code], (name, [(f.code, f.message) for f in found])
    text = next(f for f in _validate(paths["text"]) if f.code == "XP218")
    assert text.expected == "2021-12-31" and "是文字，不是日期" in text.message
    spelled = next(f for f in _validate(paths["yyyymmdd"]) if f.code == "XP219")
    assert spelled.expected == "2021-12-31" and "请重新输入 2021-12-31" in spelled.message


def test_qualitative_rows_in_the_workbook(books: tuple[Path, dict[str, Path]]) -> None:
    _, paths = books
    fw = load_framework(str(FW))
    tp = plan_for(fw).tables["targets"]
    got = {(f.code, f.location) for f in _validate(paths["rows"]) if f.code.startswith("XP2")}
    assert got == {("XP211", f"{tp.sheet}!{tp.columns['actual']}{tp.first_row + 2}"),
                   ("XP211", f"{tp.sheet}!{tp.columns['actual']}{tp.first_row + 3}"),
                   ("XP201", f"{tp.sheet}!{tp.columns['target']}{tp.first_row}"),
                   ("XP218", f"{tp.sheet}!{tp.columns['done']}{tp.first_row}")}
    messages = {f.message for f in _validate(paths["rows"])}
    assert "绩效指标 实际完成值（第 3 行）：本行满足 nature == \"定性\"，应选择 达成、部分达成、未达成 之一，不是数字 0.8" \
        in messages
    assert "绩效指标 实际完成值（第 4 行）：“大部分达成”不是可选项，应为 达成、部分达成、未达成 之一" in messages


def _number(book: Any, sheet: str, ref: str) -> Decimal | str | None:
    """A recalculated cell's number; one beyond 1E+22 is kept as text by the reader (no figure is that large)."""
    got = number(book, sheet, ref)
    if isinstance(got, str) and got.startswith("str:") and book.cell(sheet, ref).formula is not None:
        return D(got[4:])
    return got


@pytest.mark.libreoffice
def test_libreoffice_equals_engine(books: tuple[Path, dict[str, Path]]) -> None:
    root, paths = books
    fw = load_framework(str(FW))
    plan = plan_for(fw)
    tp = plan.tables["targets"]
    names = list(paths)
    out = dict(zip(names, recalculate([paths[n] for n in names], root / "lo"), strict=True))
    compared, bad = 0, {}
    for name in names:
        read = read_workbook(paths[name], str(FW))
        assert read.data is not None, name
        env = engine_values(fw, read.data)
        book = open_book(out[name])
        for n, cell in plan.cells.items():
            if cell.formula and n in env:
                got, want = _number(book, cell.sheet, cell.cell), env[n]
                if book.date1904 and cell.spec is not None and cell.spec.kind == "date" and isinstance(got, Decimal):
                    got += 1462   # the same day, counted from 1904 in the sheet and from 1900 in the engine
                want = D(int(want)) if isinstance(want, bool) else want
                if not isinstance(got, Decimal) or abs(got - want) > D("1e-9"):  # type: ignore[operator]
                    bad[f"{name}:{n}"] = (got, want)
                compared += 1
        for i, want in enumerate(env["targets.pts"]):  # type: ignore[arg-type]
            got = number(book, tp.sheet, f"{tp.columns['pts']}{tp.first_row + i}")
            if got != want:
                bad[f"{name}:pts[{i}]"] = (got, want)
            compared += 1
        found = _validate(paths[name])
        found += [c for f in found for c in f.consequences]   # a rule over a cell with its own error is folded under it
        fired = {f.rule for f in found if f.rule}
        for i, rule in enumerate(fw.form.audits, start=1):
            if rule.each_row is not None:   # per row: the finding at the row's own cell
                at_rows = {f.location for f in found if f.rule == rule.id}
                for j in range(len(env["targets.title"])):  # type: ignore[arg-type]
                    sheet_says = number(book, VERDICTS, f"{get_column_letter(2 + j)}{i}")
                    cell = f"{tp.sheet}!{tp.columns[rule.at or 'done']}{tp.first_row + j}"
                    if sheet_says != D(0 if cell in at_rows else 1):
                        bad[f"{name}:{rule.id}[{j}]"] = (sheet_says, cell in at_rows)
                    compared += 1
                continue
            sheet_says = number(book, VERDICTS, f"B{i}")
            if sheet_says != D(0 if rule.id in fired else 1):
                bad[f"{name}:{rule.id}"] = (sheet_says, rule.id in fired)
            compared += 1
    assert not bad and compared >= 100, bad
    rows = open_book(out["rows"])
    assert number(rows, tp.sheet, f"{tp.columns['pts']}{tp.first_row + 2}") == 0     # 0.8 is no choice: 0 points
    assert number(rows, tp.sheet, f"{tp.columns['pts']}{tp.first_row + 3}") == 0     # nor is 大部分达成
    assert number(rows, tp.sheet, f"{tp.columns['pts']}{tp.first_row}") == 20        # "高" reads 0: target 0 → 100%
    late = open_book(out["late1904"])
    days, due = plan.cells["days_late"], plan.cells["report_due"]
    assert number(late, days.sheet, days.cell) == 20
    assert number(late, due.sheet, due.cell) == 44681 - 1462       # 2022-04-30 in the 1904 system
    assert number(open_book(out["late"]), due.sheet, due.cell) == 44681   # and in the 1900 system


def test_no_date_cell_raises_and_whatever_is_accepted_is_a_sane_day() -> None:
    """Hostile stored values (any text, any number text, booleans, both date systems): a date or a finding."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    spec = catalog(load_framework(str(FW)))["report_date"]
    numbers = st.one_of(st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(repr),
                        st.sampled_from(["1E+308", "1e+999999", "-1E-400", "Infinity", "NaN", "44561", "20211231"]))
    cells = st.one_of(
        st.builds(RawCell, numbers, st.sampled_from(["n", "str"]), st.none(), st.booleans()),
        st.builds(RawCell, st.text(max_size=80), st.sampled_from(["s", "inlineStr", "str"])),
        st.builds(RawCell, st.sampled_from(["0", "1"]), st.just("b")))

    @settings(max_examples=400, deadline=None)
    @given(cells, st.booleans())
    def check(raw: RawCell, date1904: bool) -> None:
        parsed = parse_cell(raw, spec, date1904=date1904)
        if parsed.error is None and parsed.value is not None:
            assert isinstance(parsed.value, date) and DATE_MIN <= parsed.value <= DATE_MAX
        else:
            assert parsed.value is None

    check()
