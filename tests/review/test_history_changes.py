"""What changed for a unit between rounds, from the history's finding rows: a 提示 the unit has now explained is
已说明 — neither 仍未改正 nor 新增 (a unit that passed as 通过（提示已说明） was told one finding was still open)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from xlperf.review.history import History
from xlperf.review.spool import EXPLAINED

WARN = ["XP303", "YS-02", "预算执行", "D7", "warning", "公用经费决算数大于调整预算数"]
ERROR = ["XP320", "ZC-01", "资产", "B7", "error", "实际在用固定资产原值大于账面原值"]
OTHER = ["XP303", "YS-04", "预算执行", "D9", "warning", "因公出国费决算数大于预算数"]


def _unit(tmp_path: Path, sha: str, rows: list[list[str]]) -> SimpleNamespace:
    summary = SimpleNamespace(unit_code="0101", department="甲局", path=str(tmp_path / f"{sha}.xlsx"), sha256=sha,
                              review="explain")
    return SimpleNamespace(summary=summary, history=rows, figures={"public_actual": "10.00"})


def test_explained_warnings_are_neither_open_nor_new(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        history.record(1, tmp_path / "1.xlsx", [_unit(tmp_path, "a", [[*WARN, ""], ERROR])], [False])
        now = _unit(tmp_path, "b", [[*WARN, EXPLAINED], [*OTHER, EXPLAINED]])  # ERROR corrected
        change = history.change(history.previous(2), now.summary, now.history, now.figures)
    assert change is not None
    assert change.fixed == [ERROR] and change.explained == [WARN, OTHER]
    assert change.still_open == [] and change.new == []
    assert change.summary == "第 1 轮需说明；已改正 1 项，已说明 2 项，新增 0 项，仍未改正 0 项；数据变化 0 项"


def test_rows_of_an_older_history_have_six_columns(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite") as history:
        history.record(1, tmp_path / "1.xlsx", [_unit(tmp_path, "a", [WARN])], [False])  # written before 已说明
        now = _unit(tmp_path, "b", [[*WARN, ""], [*OTHER, ""]])
        change = history.change(history.previous(2), now.summary, now.history, now.figures)
    assert change is not None
    assert change.still_open == [WARN] and change.new == [OTHER] and change.fixed == change.explained == []
    assert "已说明" not in change.summary
