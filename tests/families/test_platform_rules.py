"""Issue 21 item 6: the 预算管理一体化 platform's rules in the yitihua-2024 family (tests/data/frameworks/families/):

- 总分按预算执行率封顶 (framework ``caps``): 执行率 in [70%, 80%) → total at most 89; [60%, 70%) → 79;
  [50%, 60%) → 69; below 50% → 59; 80% and above not capped;
- 指标偏离 (a composition of table columns): a 正向 定量 row whose result is 30% or more above its target
  (偏离度 rounded to 0.01%) loses 2 points of its own score, not below 0.

Every expected score is hand arithmetic; LibreOffice recalculates the workbooks (every band edge, the deviation
cases, caps on a leaf and on a branch) in ONE call and equals the engine on every computed cell.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from xlperf.compiled import build_env, data_model, plan_for, score
from xlperf.data.models import DepartmentData
from xlperf.data.values import data_values
from xlperf.devtools.libreoffice import recalculate
from xlperf.engine.scoring import ScoreResult, data_env
from xlperf.errors import InputError
from xlperf.framework.models import Framework
from xlperf.ingest.xlsx import open_book
from xlperf.loader import load_framework
from xlperf.plan.formulas import SCORE_COLS
from xlperf.plan.layout import SCORE_SHEET
from xlperf.validate import validate_file
from xlperf.write.template import write_template
from tests.families.test_families import number

HERE = Path(__file__).resolve().parents[2] / "tests" / "data" / "frameworks" / "families"
FW = HERE / "yitihua-2024.yaml"
D = Decimal
RAW_FW: dict[str, Any] = yaml.safe_load(FW.read_text(encoding="utf-8"))
RAW_DATA: dict[str, Any] = yaml.safe_load((HERE / "yitihua-2024-data.yaml").read_text(encoding="utf-8"))


def r2(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def r4(x: Decimal) -> Decimal:
    return x.quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def data_for(fw: Framework, spent: str = "7500.00", rows: list[dict[str, Any]] | None = None,
             self_execution: str = "7.5") -> DepartmentData:
    raw = copy.deepcopy(RAW_DATA)
    raw["funds"]["spent_total"] = D(spent)
    raw["self_scores"]["execution"]["score"] = D(self_execution)
    if rows is not None:
        raw["tables"]["targets"] = rows
    return data_model(fw).model_validate(raw)


def fw_from(raw: dict[str, Any], folder: Path, name: str = "v.yaml") -> Framework:
    path = folder / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_framework(str(path))


# The base data's rows, by hand: (deviation, deviated, points)
#   农技培训人次 1,000 → 1,299.9: 29.99% → not deviated; 100% × 30 = 30
#   高标准农田 2,000 → 2,600: 30.00% → deviated; 20 − 2 = 18
#   抽检合格率 0.90 → 0.98: 8.89%; 20
#   每亩成本 0.3 → 0.15 (逆向, −50%): never deviated; 10
#   群众满意度 1 → 1.5 (定性, +50%): never deviated; 10
ROWS_SCORE = D(30) + D(18) + D(20) + D(10) + D(10)   # 88


# Edges of the execution-rate bands: (全年执行数 of 10,000.00, cap or None)
EDGES = [("4999.00", D(59)),   # 49.99% < 50%
         ("5000.00", D(69)),   # 50% is in [50%, 60%)
         ("5999.00", D(69)),   # 59.99%
         ("6000.00", D(79)),   # 60% is in [60%, 70%)
         ("6999.00", D(79)),   # 69.99%
         ("7000.00", D(89)),   # 70% is in [70%, 80%)
         ("7999.00", D(89)),   # 79.99%
         ("8000.00", None)]    # 80%: not capped


@pytest.mark.parametrize(("spent", "cap"), EDGES)
def test_total_capped_by_the_execution_rate_band(spent: str, cap: Decimal | None) -> None:
    fw = load_framework(str(FW))
    result = score(fw, data_for(fw, spent))
    rate = r4(D(spent) / D("10000.00"))
    execution = r2(rate * 10)                                  # e.g. 49.99% × 10 = 4.999 → 5.00
    uncapped = execution + ROWS_SCORE
    assert result.by_id("execution").computed == execution
    assert result.by_id("targets_done").computed == ROWS_SCORE
    assert result.total.computed == (uncapped if cap is None else min(uncapped, cap))
    self_sum = D("7.5") + D(88)                                # the data's self-scores
    assert result.total.self == (self_sum if cap is None else min(self_sum, cap))
    (outcome,) = result.caps
    assert (outcome.cap, outcome.before, outcome.self_before) == (cap, uncapped, self_sum)


def test_the_cap_explains_itself() -> None:
    fw = load_framework(str(FW))
    result = score(fw, data_for(fw, "6500.00"))
    assert result.total.computed == 79 and result.total.self == 79
    assert result.total.explanation == ("预算执行率封顶：预算执行率 = 6,500.00 ÷ 10,000.00 = 65.00% 在 [60%, 70%) 区间，"
                                        "最高 79 分 → 79 分")
    assert score(fw, data_for(fw, "9000.00")).total.explanation is None


DEVIATION_ROWS = [
    {"title": "a", "nature": "定量", "direction": "正向", "target": 10000, "actual": 12999, "weight": 20},  # 29.99%
    {"title": "b", "nature": "定量", "direction": "正向", "target": 10000, "actual": 13000, "weight": 20},  # 30%
    {"title": "c", "nature": "定量", "direction": "正向", "target": 10000, "actual": 15000, "weight": 20},  # 50%
    {"title": "d", "nature": "定量", "direction": "正向", "target": 0.98, "actual": 1.274, "weight": 10},  # 30% (float)
    {"title": "e", "nature": "定量", "direction": "正向", "target": 100, "actual": 140, "weight": 1},      # floor 0
    {"title": "f", "nature": "定量", "direction": "逆向", "target": 100, "actual": 20, "weight": 9},       # 逆向
    {"title": "g", "nature": "定性", "direction": "正向", "target": 1, "actual": 2, "weight": 5},          # 定性
    {"title": "h", "nature": "定量", "direction": "正向", "target": 0, "actual": 5, "weight": 5},          # target 0
]


def test_deviation_deduction_by_hand() -> None:
    fw = load_framework(str(FW))
    data = data_for(fw, "9000.00", DEVIATION_ROWS)
    env, _ = build_env(fw, data_env(data), {})
    assert env["targets.deviation"] == (D("0.2999"), D("0.3"), D("0.5"), D("0.3"), D("0.4"), D("-0.8"), D(1), D(0))
    assert env["targets.deviated"] == (False, True, True, True, True, False, False, False)
    # every row is complete (rate 100%; 逆向 20 ≤ 100 → 100%; target 0 → 100%): weight − 2 where deviated, ≥ 0
    assert env["targets.pts"] == (D(20), D(18), D(18), D(8), D(0), D(9), D(5), D(5))
    result = score(fw, data)
    assert result.by_id("targets_done").computed == 83 and env["rows_deviated"] == 4
    assert result.total.computed == D(9) + 83   # 90% → not capped


def parent_raw() -> dict[str, Any]:
    """The documented alternative: rows keep 分值 × 完成率; the parent loses 2 points per deviated row, floor 0."""
    raw = copy.deepcopy(RAW_FW)
    pts = next(c for c in raw["form"]["tables"][0]["columns"] if c["name"] == "pts")
    pts["expr"] = "round_(weight * rate, 2)"
    raw["form"]["derived"].append({"name": "rows_net", "label": "绩效指标得分（扣除指标偏离）", "kind": "points",
                                   "expr": "max(0, rows_score - 2 * rows_deviated)"})
    raw["indicators"][1]["rule"]["measure"] = "rows_net"
    return raw


def test_deviation_deducted_from_the_parent(tmp_path: Path) -> None:
    fw = fw_from(parent_raw(), tmp_path)
    result = score(fw, data_for(fw, "9000.00", DEVIATION_ROWS))
    # rows undeducted: 20 + 20 + 20 + 10 + 1 + 9 + 5 + 5 = 90; four deviated rows → 90 − 8 = 82
    assert result.by_id("targets_done").computed == 82
    assert result.by_id("targets_done").explanation == "绩效指标得分（扣除指标偏离） 82 分 × 1 = 82 分"
    few = [dict(r, weight=1) for r in DEVIATION_ROWS]            # 8 rows of 1 point, 4 deviated: 8 − 8 = 0
    assert score(fw, data_for(fw, "9000.00", few)).by_id("targets_done").computed == 0
    many = few + [dict(DEVIATION_ROWS[2], title=f"x{i}", weight=1) for i in range(2)]   # 10 − 12 → floor 0
    assert score(fw, data_for(fw, "9000.00", many)).by_id("targets_done").computed == 0


# Caps on a leaf and on a branch: the indicators regrouped under 预算执行 and 产出效益.
def nested_raw() -> dict[str, Any]:
    raw = copy.deepcopy(RAW_FW)
    execution, targets = raw["indicators"]
    raw["indicators"] = [{"id": "budget", "name": "预算执行", "points": 10, "children": [execution]},
                         {"id": "perf", "name": "产出效益", "points": 90, "children": [targets]}]
    raw["caps"] += [
        {"id": "leaf_cap", "name": "执行率得分封顶", "target": "execution", "measure": "exec_rate",
         "bands": [{"upper": 0.8, "cap": 7}]},
        {"id": "perf_cap", "name": "产出效益封顶", "target": "perf", "measure": "exec_rate",
         "bands": [{"lower": 0.7, "upper": 0.8, "cap": 80}]},
    ]
    return raw


def test_caps_on_a_leaf_and_a_branch(tmp_path: Path) -> None:
    fw = fw_from(nested_raw(), tmp_path)
    result = score(fw, data_for(fw))                    # 75%
    got = {i.id: (i.computed, i.self) for i in result.indicators}
    # execution 7.50 → capped at 7 (self 7.5 typed, not capped); perf 88 → 80 (self sum 88 → 80);
    # total 7 + 80 = 87 ≤ 89; self 7.5 + 80 = 87.5
    assert got == {"budget": (D(7), D("7.5")), "execution": (D(7), D("7.5")),
                   "perf": (D(80), D(80)), "targets_done": (D(88), D(88))}
    assert (result.total.computed, result.total.self) == (D(87), D("87.5"))
    assert result.by_id("execution").explanation.endswith("< 80%，最高 7 分 → 7 分")


def findings(book: Path, fw_path: Path) -> list[tuple[str, str, str]]:
    return [(f.code, f.location, f.message) for f in validate_file(book, str(fw_path)).findings]


def test_validator_names_the_cap(tmp_path: Path) -> None:
    fw = load_framework(str(FW))
    book = write_template(fw, tmp_path / "y.xlsx", values=data_values(data_for(fw)))
    plan = plan_for(fw)
    total = plan.cells["self_total"]
    assert findings(book, FW) == [(
        "XP413", f"{total.sheet}!{total.cell}",
        "总分的各项自评得分合计 95.5 分，超过封顶分 89 分，按 89 分计：预算执行率封顶：预算执行率 = 7,500.00 ÷ 10,000.00 = "
        "75.00% 在 [70%, 80%) 区间，最高 89 分（预算执行率在 70%（含）至 80% 之间的，自评总分最高 89 分；60%（含）至 "
        "70% 之间的，最高 79 分；低于 60% 的，最高 69 分；低于 50% 的，最高 59 分）")]
    clean = write_template(fw, tmp_path / "c.xlsx", values=data_values(data_for(fw, "8000.00", self_execution="8")))
    assert findings(clean, FW) == []
    nested_path = tmp_path / "n.yaml"
    nested = fw_from(nested_raw(), tmp_path, "n.yaml")
    book = write_template(nested, tmp_path / "n.xlsx", values=data_values(data_for(nested)))
    got = findings(book, nested_path)
    nplan = plan_for(nested)
    perf_row = next(r.row for r in nplan.score_rows if r.indicator is not None and r.indicator.id == "perf")
    self_exec = nplan.cells["self_execution"]
    assert [(c, loc) for c, loc, _ in got] == [("XP402", f"{self_exec.sheet}!{self_exec.cell}"),
                                               ("XP413", f"{SCORE_SHEET}!{SCORE_COLS['self']}{perf_row}")]
    assert got[0][2].endswith("执行率得分封顶：预算执行率 = 7,500.00 ÷ 10,000.00 = 75.00% < 80%，最高 7 分 → 7 分")
    assert got[1][2].startswith("产出效益的各项自评得分合计 88 分，超过封顶分 80 分，按 80 分计")


def test_validator_reports_deviated_rows_without_a_reason(tmp_path: Path) -> None:
    """The family's each_row audit PL-01 (提示): a deviated row needs its 偏差原因; the deduction itself is in 得分."""
    fw = load_framework(str(FW))
    rows = copy.deepcopy(DEVIATION_ROWS)
    rows[2]["reason"] = "追加任务"          # c is deviated but explained
    book = write_template(fw, tmp_path / "d.xlsx", values=data_values(data_for(fw, "9000.00", rows, "9")))
    tp = plan_for(fw).tables["targets"]
    got = [(f.code, f.location, f.message) for f in validate_file(book, str(FW)).findings if f.rule == "PL-01"]
    at = [f"{tp.sheet}!{tp.columns['reason']}{tp.first_row + i}" for i in (1, 3, 4)]   # b, d, e
    assert got == [
        ("XP321", at[0], "审核规则 PL-01（提示性）：第 2 行：b：实际完成值 13,000 比指标值 10,000 高 30% 及以上，指标偏离扣 2 分，"
                         "请在“偏差原因分析及改进措施”栏说明原因"),
        ("XP321", at[1], "审核规则 PL-01（提示性）：第 4 行：d：实际完成值 1.27 比指标值 0.98 高 30% 及以上，指标偏离扣 2 分，"
                         "请在“偏差原因分析及改进措施”栏说明原因"),
        ("XP321", at[2], "审核规则 PL-01（提示性）：第 5 行：e：实际完成值 140 比指标值 100 高 30% 及以上，指标偏离扣 2 分，"
                         "请在“偏差原因分析及改进措施”栏说明原因")]


def test_a_cap_on_an_empty_prior_figure_says_so(tmp_path: Path) -> None:
    """An empty prior-year figure is never 0: the cap is not applied and XP414 names the figure."""
    raw = copy.deepcopy(RAW_FW)
    next(i for i in raw["form"]["inputs"] if i["name"] == "spent_total")["prior"] = True
    raw["measures"].append({"id": "spent_change", "name": "执行数变动率", "num": "spent_total - prev.spent_total",
                            "den": "prev.spent_total"})
    raw["caps"] = [{"id": "change_cap", "name": "执行数下降封顶", "measure": "spent_change",
                    "bands": [{"upper": 0, "cap": 80}]}]
    fw = fw_from(raw, tmp_path)
    result = score(fw, data_for(fw))
    assert result.total.computed == D("95.5")      # 7.5 + 88, not capped
    (cap,) = result.caps
    assert cap.cap is None and cap.error == "执行数变动率：上年数 全年执行数 未填写，不能按 0 或分母为 0 处理"
    book = write_template(fw, tmp_path / "p.xlsx", values=data_values(data_for(fw)))
    where = plan_for(fw).cells["score_total"]
    assert [(f.code, f.location, f.message) for f in validate_file(book, str(tmp_path / "v.yaml")).findings
            if f.code == "XP414"] == [
        ("XP414", f"{where.sheet}!{where.cell}", "总分的封顶规则“执行数下降封顶”无法计算（执行数变动率：上年数 "
                                                 "全年执行数 未填写，不能按 0 或分母为 0 处理），未按封顶规则处理")]
    raw_data = copy.deepcopy(RAW_DATA)
    raw_data["prior"] = {"prev_spent_total": D("8000.00")}       # 7,500 / 8,000 − 1 = −6.25% < 0 → 80
    assert score(fw, data_model(fw).model_validate(raw_data)).total.computed == 80


@pytest.mark.parametrize(("change", "message"), [
    ({"target": "nope"}, "封顶规则 exec_cap 的 target 'nope' 既不是 total，也不是指标编号"),
    ({"bands": [{"upper": 0.5, "cap": 101}]}, "封顶规则 exec_cap 的封顶分 101 超过对象的分值 100"),
    ({"bands": [{"upper": 0.5, "cap": 59.125}]}, "封顶规则 exec_cap 的封顶分 59.125 的小数位数多于得分的 2 位"),
    ({"bands": [{"lower": 0.8, "upper": 0.7, "cap": 89}]}, "档位下限大于上限"),
    ({"bands": []}, "字段 caps.0.bands：至少需要 1 项"),
    ({"bands": [{"upper": 0.5, "cap": 59}] * 31}, "字段 caps.0.bands：最多 30 项"),
    ({"measure": "exec_rte"}, "封顶规则 exec_cap 的 measure 引用了未定义（或在它之后才定义）的名称 exec_rte"),
    ({"measure": "score_total"}, "封顶规则 exec_cap 的 measure 引用了未定义（或在它之后才定义）的名称 score_total"),
    ({"colour": "red"}, "字段 caps.0.colour：未知字段"),
])
def test_cap_declarations_are_checked(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    raw = copy.deepcopy(RAW_FW)
    raw["caps"][0].update(change)
    with pytest.raises(InputError) as info:
        fw_from(raw, tmp_path)
    assert message in str(info.value)


def test_two_caps_with_one_id_are_refused(tmp_path: Path) -> None:
    raw = copy.deepcopy(RAW_FW)
    raw["caps"].append(copy.deepcopy(raw["caps"][0]))
    with pytest.raises(InputError, match="封顶规则编号 exec_cap 重复"):
        fw_from(raw, tmp_path)


def test_udf_flavour_keeps_the_cap_native(tmp_path: Path) -> None:
    """The UDF workbook's scores call xlperf_score; the cap around them stays MIN(…, IF(…)), its measure read as
    (m+0) so an xlperf function's failure text is #VALUE!, not a number above every band."""
    fw = load_framework(str(FW))
    udf = plan_for(fw, "udf").cells["score_total"].formula
    assert udf == ("MIN(score_execution+score_targets_done,IF(AND((exec_rate+0)>=0.7,(exec_rate+0)<0.8),89,"
                   "IF(AND((exec_rate+0)>=0.6,(exec_rate+0)<0.7),79,IF(AND((exec_rate+0)>=0.5,(exec_rate+0)<0.6),69,"
                   "IF((exec_rate+0)<0.5,59,100)))))")
    assert plan_for(fw).cells["score_total"].formula == udf.replace("(exec_rate+0)", "exec_rate")
    native = write_template(fw, tmp_path / "n.xlsx", values=data_values(data_for(fw)))
    udf_book = write_template(fw, tmp_path / "u.xlsx", values=data_values(data_for(fw)), flavour="udf")
    assert [c for c, _, _ in findings(udf_book, FW)] == [c for c, _, _ in findings(native, FW)] == ["XP413"]


# LibreOffice = engine -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cases() -> Iterator[tuple[Path, list[tuple[Framework, DepartmentData, Path]]]]:
    root = Path(tempfile.mkdtemp(prefix="xlperf-yitihua-"))
    fw = load_framework(str(FW))
    nested = fw_from(nested_raw(), root, "nested.yaml")
    built = []
    datas = [(fw, data_for(fw, spent)) for spent, _ in EDGES]
    parent = fw_from(parent_raw(), root, "parent.yaml")
    many = [dict(r, weight=1) for r in DEVIATION_ROWS] + [dict(DEVIATION_ROWS[2], title=f"x{i}", weight=1)
                                                         for i in range(2)]
    datas += [(fw, data_for(fw, "6500.00", DEVIATION_ROWS)), (nested, data_for(nested)),
              (nested, data_for(nested, "8500.00")), (parent, data_for(parent, "9000.00", DEVIATION_ROWS)),
              (parent, data_for(parent, "9000.00", many))]
    for i, (f, data) in enumerate(datas):
        built.append((f, data, write_template(f, root / f"case{i}.xlsx", values=data_values(data))))
    yield root, built
    shutil.rmtree(root, ignore_errors=True)


def engine(fw: Framework, data: DepartmentData) -> tuple[dict[str, Any], ScoreResult]:
    built, _ = build_env(fw, data_env(data), dict(data.judgements))
    env: dict[str, Any] = dict(built)
    result = score(fw, data)
    for item in result.indicators:
        env[f"score_{item.id}"] = item.computed
    env["score_total"], env["self_total"] = result.total.computed, result.total.self
    return env, result


@pytest.mark.libreoffice
def test_libreoffice_equals_engine(cases: tuple[Path, list[tuple[Framework, DepartmentData, Path]]]) -> None:
    root, built = cases
    out = recalculate([b for _, _, b in built], root / "lo")
    bad: dict[str, Any] = {}
    compared = 0
    for (fw, data, _), book_path in zip(built, out, strict=True):
        plan = plan_for(fw)
        env, result = engine(fw, data)
        book = open_book(book_path)
        tag = book_path.stem
        for n, cell in plan.cells.items():
            if cell.formula:
                got = number(book, cell.sheet, cell.cell)
                if not isinstance(got, Decimal) or abs(got - D(env[n])) > D("1e-9"):
                    bad[f"{tag}:{n}"] = (got, env[n])
                compared += 1
        for r in plan.score_rows:   # a branch's self-assessed sum (capped like the computed one)
            if r.indicator is not None and r.indicator.children:
                got = number(book, SCORE_SHEET, f"{SCORE_COLS['self']}{r.row}")
                if got != result.by_id(r.indicator.id).self:
                    bad[f"{tag}:self_{r.indicator.id}"] = (got, result.by_id(r.indicator.id).self)
                compared += 1
        for h in plan.helpers:   # the form's copies (=score_execution, =score_total) and 评分表's 差异 column
            if h.formula in env:
                want = env[h.formula]
            elif h.sheet == SCORE_SHEET and h.cell.startswith(SCORE_COLS["delta"]):
                row = int(h.cell[len(SCORE_COLS["delta"]):])
                item = next((r.indicator for r in plan.score_rows if r.row == row and r.indicator), None)
                own = result.total if item is None else result.by_id(item.id)
                want = "" if own.self is None else own.self - own.computed
            else:
                continue
            got = number(book, h.sheet, h.cell)
            got = "" if got is None else got
            if (got != want if not isinstance(got, Decimal) or not isinstance(want, Decimal)
                    else abs(got - want) > D("1e-9")):
                bad[f"{tag}:{h.sheet}!{h.cell}"] = (got, want)
            compared += 1
        tp = plan.tables["targets"]
        for col in ("rate", "deviation", "deviated", "pts"):
            for i, want in enumerate(env[f"targets.{col}"]):
                got = number(book, tp.sheet, f"{tp.columns[col]}{tp.first_row + i}")
                expected = ("str:是" if want else "str:否") if isinstance(want, bool) else want
                if got != expected:
                    bad[f"{tag}:{col}[{i}]"] = (got, want)
                compared += 1
    assert not bad, bad
    assert compared > 250
    # the hand-worked totals, as LibreOffice computed them
    totals = [number(open_book(p), SCORE_SHEET, plan_for(f).cells["score_total"].cell)
              for (f, _, _), p in zip(built, out, strict=True)]
    assert totals[:8] == [D(59), D(69), D(69), D(79), D(79), D(89), D(89), D(96)]
    assert totals[8] == 79          # 6.5 + 83 = 89.5 → 65% caps at 79
    assert totals[9:] == [D(87), D("8.5") + 88, 9 + D(82), D(9)]
    total_row = plan_for(built[5][0]).score_rows[-1].row
    assert number(open_book(out[5]), SCORE_SHEET, f"{SCORE_COLS['explain']}{total_row}") == (
        "str:预算执行率封顶：预算执行率 70.00%（预算执行率在 70%（含）至 80% 之间的，自评总分最高 89 分；60%（含）至 70% 之间的，"
        "最高 79 分；低于 60% 的，最高 69 分；低于 50% 的，最高 59 分。）")


def test_extends_merges_caps_by_id(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(FW.read_text(encoding="utf-8"), encoding="utf-8")
    child = {"extends": "base.yaml", "id": "yitihua-2025", "year": 2025,
             "caps": [{"id": "exec_cap", "bands": [{"upper": 0.9, "cap": 90}]},
                      {"id": "leaf_cap", "name": "执行率得分封顶", "target": "execution", "measure": "exec_rate",
                       "bands": [{"upper": 0.8, "cap": 7}]}]}
    fw = fw_from(child, tmp_path, "child.yaml")
    assert [(c.id, c.name, c.target, [(b.upper, b.cap) for b in c.bands]) for c in fw.caps] == [
        ("exec_cap", "预算执行率封顶", "total", [(D("0.9"), D(90))]),     # merged: bands replaced, the rest kept
        ("leaf_cap", "执行率得分封顶", "execution", [(D("0.8"), D(7))])]
    result = score(fw, data_for(fw))   # 75%: execution 7.5 → 7; total 7 + 88 = 95 → 90
    assert (result.by_id("execution").computed, result.total.computed) == (D(7), D(90))
    explain = next(h.formula for h in plan_for(fw).helpers
                   if h.formula and h.formula.startswith('"预算执行率 "&TEXT(exec_rate'))
    assert explain.endswith('&"；"&"执行率得分封顶：预算执行率 "&TEXT(exec_rate,"0.00%")&"（< 80%，最高 7 分）"')
