"""Issue 20, the reading side's loose ends: bounded loops, one refusal for a broken framework folder, and
messages that are Chinese and true (no libxml2 English, no Python reprs, 1E-400 is tiny, folders named)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.validator.common import run_cli
from xlperf.errors import XlperfError
from xlperf.ingest.prior import read_prior
from xlperf.validate import validate_file
from xlperf.write.annotate import ORPHANS_MAX, annotate_copy

from .helpers import EXAMPLE, Xlsx, fw, where

ENGLISH = re.compile(r"[A-Za-z]{6,}")  # a word of libxml2 or Python (codes like XP126 and names are shorter)


def test_prior_names_moved_elsewhere_are_refused_naming_the_cell(tmp_path: Path) -> None:
    """Issue 20 #6: a name pointing at last year's total score filled a prior figure with 94.32, locked."""
    total = where("score_total")
    sheet, cell = where("abroad_actual")
    path = Xlsx(EXAMPLE).redefine_name("abroad_actual", f"'{total[0]}'!${total[1][0]}${total[1][1:]}") \
        .save(tmp_path / "上年.xlsx")
    with pytest.raises(XlperfError) as err:
        read_prior(fw(), path)
    text = str(err.value)
    assert f"{total[0]}!{total[1]}" in text and f"{sheet}!{cell}" in text and "abroad_actual" in text


def test_the_example_is_a_valid_prior_year(tmp_path: Path) -> None:
    assert read_prior(fw(), EXAMPLE).values  # the unaltered layout is read as before


def _deep_sheet(tmp_path: Path) -> Path:
    book = Xlsx(EXAMPLE)
    sheet, cell = where("vehicle_actual")
    c = book._cell(sheet, cell)
    node = c
    from lxml import etree

    for _ in range(300):
        node = etree.SubElement(node, "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}is")
    return book.save(tmp_path / "deep.xlsx")


def test_libxml2_english_becomes_chinese(tmp_path: Path) -> None:
    path = _deep_sheet(tmp_path)
    rep = validate_file(path)
    for f in rep.findings:
        assert not ENGLISH.search(f.message.replace(path.name, "")), f.message
    try:
        read_prior(fw(), path)
    except XlperfError as exc:
        assert "XMLSyntaxError" not in str(exc) and not ENGLISH.search(str(exc).replace(path.name, ""))


def test_a_tiny_exponent_is_not_called_a_trillion(tmp_path: Path) -> None:
    sheet, cell = where("vehicle_actual")
    path = Xlsx(EXAMPLE).set_number_text(sheet, cell, "1E-400").save(tmp_path / "tiny.xlsx")
    found = [f for f in validate_file(path).findings if (f.sheet, f.cell) == (sheet, cell)]
    assert found and all("万亿" not in f.message for f in found), [f.message for f in found]
    assert any("-30" in f.message for f in found)


def test_orphan_explanations_are_bounded_and_counted(tmp_path: Path) -> None:
    wb = load_workbook(EXAMPLE)
    ws = wb["校验结果"]
    n = ORPHANS_MAX + 200
    for i in range(n):  # explanations of findings that do not exist (codes nobody emits)
        row = 10 + i
        ws.cell(row=row, column=2, value="XP999")
        ws.cell(row=row, column=4, value="基本信息")
        ws.cell(row=row, column=5, value=f"Z{i + 1}")
        ws.cell(row=row, column=10, value=f"已按规定说明第 {i} 条")
    path = tmp_path / "orphans.xlsx"
    wb.save(path)
    out = annotate_copy(path, tmp_path / "标注.xlsx", validate_file(path))
    rows = list(load_workbook(out)["校验结果"].iter_rows(values_only=True))
    kept = [r for r in rows if r[1] == "XP999"]
    assert len(kept) == ORPHANS_MAX
    assert any(isinstance(r[5], str) and f"另有 {n - ORPHANS_MAX} 条" in r[5] for r in rows)


def test_an_expected_list_over_the_limit_is_refused(tmp_path: Path) -> None:
    from xlperf.review.batch import EXPECTED_MAX, read_expected

    path = tmp_path / "units.csv"
    path.write_text("".join(f"U{i},单位{i}\n" for i in range(EXPECTED_MAX + 50)), encoding="utf-8")
    with pytest.raises(XlperfError, match="超过"):
        read_expected(path)


def test_a_broken_framework_folder_refuses_once_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "a.yaml").write_text("id: a\nextends: b\nindicators: []\n", encoding="utf-8")
    (folder / "b.yaml").write_text("id: b\nextends: a\nindicators: []\n", encoding="utf-8")
    code, out, err = run_cli(["validate", "--framework", folder, EXAMPLE, EXAMPLE.parent])
    assert code == 2 and "a.yaml" in err and "XP122" not in out + err


def test_an_empty_folder_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    code, _out, err = run_cli(["validate", empty])
    assert code == 2 and "空文件夹" in err


def test_data_file_messages_show_values_not_python(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("framework: futian-2021\ninfo:\n  eval_year: 2021-01-01 10:00:00\n", encoding="utf-8")
    code, _out, err = run_cli(["score", path])
    assert code == 2 and "datetime" not in err and "2021-01-01" in err


@pytest.mark.parametrize("command", ["score", "template"])
def test_control_characters_are_refused_by_every_command_naming_the_field(command: str, tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text('framework: futian-2021\ninfo:\n  dept_name: "科技\\x01局"\n', encoding="utf-8")
    args = ["score", path] if command == "score" else ["template", "-o", tmp_path / "t.xlsx", "--data", path]
    code, _out, err = run_cli(args)
    assert code == 2 and "info.dept_name" in err and "U+0001" in err and "IllegalCharacter" not in err
