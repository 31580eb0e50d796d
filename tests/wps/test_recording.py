"""The WPS route's operations: replayed onto an openpyxl copy they give what ``xlperf validate --annotate``
writes (cells, fills, notes, links, 校验结果 rows, the record sheet), a second run included (出错说明 kept)."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from tests.cli.conftest import xlperf
from validator.common import SEED_XLSX
from xlperf.addins.service import clear_workbook, record_workbook
from xlperf.findings import Severity
from xlperf.plan.layout import MARKS_SHEET, RESULT_SHEET
from xlperf.ingest.explanations import EXPLAIN_COL
from xlperf.write.annotate import SEVERITY_COLORS

from .replay import digest, replay

SG = "三公经费与政府采购"
EXPLANATION = "本年度采购计划调整，已报财政局备案说明"


def _cli_annotate(src: Path, out: Path) -> dict[str, object]:
    run = xlperf("validate", "-q", src, "--annotate", out)
    assert run.code in (0, 1), run.err
    return digest(load_workbook(out))


def _replayed(src: Path, tmp: Path) -> dict[str, object]:
    before = src.read_bytes()
    result = record_workbook(src)
    assert src.read_bytes() == before  # the submission is never modified
    assert result["ok"] and result["ops"]
    wb = load_workbook(src)
    replay(wb, result["ops"])
    wb.save(tmp)  # through a save, as the CLI's copy is
    return digest(load_workbook(tmp))


def _same(cli: dict[str, object], ours: dict[str, object]) -> None:
    assert set(cli) == set(ours)
    for name in cli:
        assert cli[name] == ours[name], name


def test_replay_equals_cli_annotate_on_the_seed(tmp_path: Path) -> None:
    src = tmp_path / "seed.xlsx"
    shutil.copy(SEED_XLSX, src)
    cli = _cli_annotate(src, tmp_path / "cli.xlsx")
    assert cli[MARKS_SHEET]["state"] == "veryHidden"  # type: ignore[index]
    error = SEVERITY_COLORS[Severity.error]  # s19: CC79A7 (FFC7CE is only recognised, no longer written)
    assert any(v[1] == error for v in cli["评分表"]["cells"].values())  # type: ignore[index]
    _same(cli, _replayed(src, tmp_path / "ours.xlsx"))


def test_second_run_keeps_explanations_and_undoes_first_highlights(tmp_path: Path) -> None:
    src = tmp_path / "seed.xlsx"
    shutil.copy(SEED_XLSX, src)
    xlperf("validate", "-q", src, "--annotate", tmp_path / "first.xlsx")
    wb = load_workbook(tmp_path / "first.xlsx")
    ws = wb[RESULT_SHEET]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=2).value)
    ws.cell(row=row, column=EXPLAIN_COL, value=EXPLANATION)  # the department explains one finding
    wb[SG]["B7"].comment = Comment("部门自己的批注", "财务科")  # and writes its own note
    wb.save(tmp_path / "explained.xlsx")
    cli = _cli_annotate(tmp_path / "explained.xlsx", tmp_path / "cli2.xlsx")
    ours = _replayed(tmp_path / "explained.xlsx", tmp_path / "ours2.xlsx")
    _same(cli, ours)
    texts = [v[0] for v in ours[RESULT_SHEET]["cells"].values()]  # type: ignore[index]
    assert EXPLANATION in texts


def test_hostile_result_sheet_is_neutralised_the_same_way(tmp_path: Path) -> None:
    """A submitted 校验结果 with a live formula, an outside link and a merged area over our rows."""
    wb = load_workbook(SEED_XLSX)
    if RESULT_SHEET in wb.sheetnames:
        wb.remove(wb[RESULT_SHEET])
    ws = wb.create_sheet(RESULT_SHEET)
    ws["N40"] = '=HYPERLINK("http://evil.example/x","查看说明")'
    ws["O41"] = "点此"
    ws["O41"].hyperlink = Hyperlink(ref="O41", target="http://evil.example/")
    ws.merge_cells("A5:C6")
    wb[SG]["B9"].fill = PatternFill("solid", fgColor="00B0F0")  # the department's own colour
    src = tmp_path / "hostile.xlsx"
    wb.save(src)
    cli = _cli_annotate(src, tmp_path / "cli.xlsx")
    ours = _replayed(src, tmp_path / "ours.xlsx")
    _same(cli, ours)
    assert ours[RESULT_SHEET]["cells"]["N40"][0] == '=HYPERLINK("http://evil.example/x","查看说明")'  # type: ignore[index]
    assert ours[RESULT_SHEET]["cells"]["O41"][3] is None  # type: ignore[index]
    assert ours[RESULT_SHEET]["merged"] == []  # type: ignore[index]


def test_new_result_sheet_is_added(tmp_path: Path) -> None:
    wb = load_workbook(SEED_XLSX)
    for name in (RESULT_SHEET, MARKS_SHEET):
        if name in wb.sheetnames:
            wb.remove(wb[name])
    src = tmp_path / "fresh.xlsx"
    wb.save(src)
    result = record_workbook(src)
    assert result["ops"][0] == {"op": "add_sheet", "sheet": RESULT_SHEET}
    _same(_cli_annotate(src, tmp_path / "cli.xlsx"), _replayed(src, tmp_path / "ours.xlsx"))


def test_clear_gives_back_the_original_fills_and_notes(tmp_path: Path) -> None:
    wb = load_workbook(SEED_XLSX)
    wb[SG]["B7"].comment = Comment("部门自己的批注", "财务科")
    src = tmp_path / "own.xlsx"
    wb.save(src)
    original = digest(load_workbook(src))
    xlperf("validate", "-q", src, "--annotate", tmp_path / "annotated.xlsx")
    annotated = tmp_path / "annotated.xlsx"
    result = clear_workbook(annotated)
    assert result["ok"] and "已清除" in result["message"]
    wb = load_workbook(annotated)
    replay(wb, result["ops"])
    wb.save(tmp_path / "cleared.xlsx")
    cleared = digest(load_workbook(tmp_path / "cleared.xlsx"))
    for name, sheet in original.items():
        if name not in (RESULT_SHEET, MARKS_SHEET):
            assert cleared[name]["cells"] == sheet["cells"], name  # type: ignore[index]
    assert clear_workbook(tmp_path / "cleared.xlsx")["message"] == "没有需要清除的标注。"


def test_unreadable_workbook_gives_a_chinese_message_and_no_operations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    result = record_workbook(bad)
    assert result["ok"] and result["ops"] == []
    assert result["message"].startswith("工作簿无法读取")
    assert clear_workbook(bad)["ok"] is False
