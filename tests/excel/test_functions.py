"""xlperf.addins.excel.functions — the Python behind every UDF — against hand arithmetic and the engine.

Hand-computed values come from the seed report (福田区科技创新局 2021) and the band edges of the
futian-2021 framework; engine values from :func:`xlperf.engine.scoring.score` on the seed and on
random departments. Arguments are passed as Excel/xlwings would (floats, None, "是/否", lists).
"""

from __future__ import annotations

import itertools
import math
from decimal import ROUND_HALF_UP, Decimal

import pytest

from xlperf.data.models import DepartmentData
from tests.support.futian_random import random_department
from xlperf import resolve
from xlperf.addins.excel import functions as fn
from xlperf.engine.rules import compiled_names
from xlperf.engine.scoring import data_env
from xlperf.compiled import build_env, compiled, score

from .helpers import DEMO_DIR, DEMO_FW, ERR, D, demo, excel_value, futian, seed_data, yes_no

FW = futian()
QUOTA = 81164.95
PAID = [12693.28, 33284.43, 52925.34, 79260.57]


def r4(x: Decimal) -> Decimal:
    return x.quantize(D("0.0001"), rounding=ROUND_HALF_UP)


def r2(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


# Hand-computed values ------------------------------------------------------------------------------


def test_budget_execution_of_the_seed() -> None:
    rates = [r4(D(str(p)) / (D(str(QUOTA)) * s)) for p, s in zip(PAID, (D("0.25"), D("0.5"), D("0.75"), D(1)))]
    assert rates == [D("0.6256"), D("0.8202"), D("0.8694"), D("0.9765")]
    avg = r4(sum(rates, D(0)) / 4)
    hand = r2(sum(rates, D(0)) * 1 + avg * 2)  # 3.2917 + 0.8229 × 2 = 4.9375
    assert hand == D("4.94")
    assert fn.exec_score(PAID, QUOTA) == 4.94
    assert fn.exec_score([PAID], QUOTA) == 4.94                       # a selected row (2-D)
    assert fn.exec_score([[p] for p in PAID], QUOTA) == 4.94          # a selected column
    assert fn.exec_score([*PAID, None], QUOTA) == 4.94                # a trailing empty cell
    assert fn.exec_score(["12,693.28", "33,284.43", "52,925.34", "79,260.57"], "81,164.95") == 4.94
    assert fn.exec_score(PAID, QUOTA, [0.25, 0.5, 0.75, 1], 1, 2, 1, "futian-2021") == 4.94
    assert fn.exec_score(PAID, QUOTA, ["25%", "50%", "75%", "100%"]) == 4.94


def test_budget_execution_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fn.FRAMEWORK_PATH_ENV, str(DEMO_DIR))  # a framework file by path: only from there
    # over schedule in every quarter: capped at 100% by the framework → full 6
    assert fn.exec_score([30, 60, 90, 100], 100) == 6.0
    # without the cap each quarter counts 1.2 / 1.2 / 1.2 / 1 → 4.6 + mean 1.15 × 2 = 6.9
    assert fn.exec_score([30, 60, 90, 100], 100, None, None, None, "无") == 6.9
    assert fn.exec_score([30, 60, 90, 100], 100, cap=1.1) == float(r2(D("1.1") * 3 + 1 + r4((D("3.3") + 1) / 4) * 2))
    # other weights: 2 per quarter, 0 for the average
    assert fn.exec_score(PAID, QUOTA, None, 2, 0) == float(r2(D("3.2917") * 2))
    # a half-year schedule given explicitly
    assert fn.exec_score([50, 100], 100, [0.5, 1], 2, 3) == 7.0
    # a row of four quarters fits the demo framework's half-year rule (Q2 and Q4)
    assert fn.exec_score([10, 50, 70, 100], 100, framework=str(DEMO_FW)) == 7.0


def test_execution_rate() -> None:
    assert fn.exec_rate(79260.57, QUOTA) == float(r4(D("79260.57") / D("81164.95"))) == 0.9765
    assert fn.exec_rate(None, 10) == 0.0
    assert fn.exec_rate(1, 0) == f"{ERR} 预算数必须大于0"
    assert fn.exec_rate(1, None) == f"{ERR} 预算数必须大于0"


# The specific quantities of the seed, through the generic functions (names are the framework's).


def _public(sangong: tuple[float, float], public: tuple[float, float] = (0, 0)) -> float | str:
    return fn.score(None, "public_funds_control", "sangong_actual", sangong[0], "sangong_budget", sangong[1],
                    "public_actual", public[0], "public_adjusted", public[1])


@pytest.mark.parametrize(("actual", "budget", "expected"), [
    (4.79, 8.67, 3.0),       # seed: 55.25%
    (8.67 * 0.9, 8.67, 2.0),  # 90% exactly
    (8.67, 8.67, 2.0),       # 100%
    (8.68, 8.67, 0.0),       # 100.12%
    (0, 0, 3.0),             # nothing budgeted, nothing spent: 0%
    (1, 0, 0.0),             # spent without a budget: treated as far over 100%
])
def test_sangong_control(actual: float, budget: float, expected: float) -> None:
    # the 日常公用 part with nothing budgeted and nothing spent (0%) gives its full 3 points
    assert _public((actual, budget)) == expected + 3
    assert fn.score(None, "public_funds_control", "sangong_rate", fn.measure(None, "sangong_rate", actual, budget),
                    "public_rate", 0) == expected + 3


def test_public_control() -> None:
    assert _public((0, 0), (25.00, 39.15)) == 6.0          # seed: 63.86% → 3 + 3
    assert _public((0, 0), (39.15, 39.15)) == 5.0          # 100% → 2 + 3
    assert fn.measure(None, "public_rate", 25.00, 39.15) == 0.6386


@pytest.mark.parametrize(("offpost", "staff_all", "expected"), [
    (14, 33, 0.0),          # seed: 42.42%
    (1, 20, 0.5),           # 5% → 0.5
    (1, 10, 0.5),           # 10% → 0.5
    (1001, 10000, 0.0),     # 10.01% → 0
    (499, 10000, 1.0),      # 4.99% → 1
    (0, 0, 1.0),            # nobody at all: 0%
])
def test_offpost_bands(offpost: int, staff_all: int, expected: float) -> None:
    assert fn.score(None, "offpost_control", "staff_offpost", offpost, "staff_all", staff_all) == expected
    # genuine integers and the floats Excel passes give the same
    assert fn.score("", "offpost_control", "staff_offpost", float(offpost), "staff_all", float(staff_all)) == expected


@pytest.mark.parametrize(("in_post", "authorized", "expected"), [
    (18, 21, 1.0), (21, 21, 1.0), (22, 21, 0.0), (1, 0, 0.0), (0, 0, 1.0)])
def test_staff_control(in_post: int, authorized: int, expected: float) -> None:
    assert fn.score(None, "staff_control", "staff_in_post", in_post, "staff_authorized", authorized) == expected


@pytest.mark.parametrize(("adjusted", "initial", "expected"), [
    (81164.95, 43189.21, 0.0),   # seed: 87.93% → 77.93 points over → deduction exceeds 1
    (110, 100, 1.0),             # exactly 10%
    (90, 100, 1.0),              # net adjustment is |调整后 − 年初|
    (110.5, 100, 0.95),          # 0.5 point over → −0.05
    (115, 100, 0.5),
    (125, 100, 0.0),
])
def test_adjustment_deduction(adjusted: float, initial: float, expected: float) -> None:
    # the two judged parts answered 0: the score is the deduction part alone
    assert fn.score(None, "financial_compliance", "total_adjusted", adjusted, "total_initial", initial,
                    "j_compliance_spending", 0, "j_compliance_accounting", 0, "violation", "否") == expected


@pytest.mark.parametrize(("in_use", "total", "expected"), [
    (186.13, 186.13, 1.0), (0.9, 1, 1.0), (0.8999, 1, 0.7), (0.75, 1, 0.7), (0.7499, 1, 0.4),
    (0.6, 1, 0.4), (0.5999, 1, 0.0), (0, 0, 1.0)])
def test_asset_utilisation(in_use: float, total: float, expected: float) -> None:
    assert fn.score(None, "asset_utilisation", "fa_in_use", in_use, "fa_original", total) == expected


@pytest.mark.parametrize(("rate", "expected"), [
    (0.95, 6.0), (0.9499, 4.0), ("94.995%", 6.0), (0.9, 4.0), (0.8999, 2.0), (0.8, 2.0), (0.7999, 1.0),
    (1, 6.0), (None, 1.0)])
def test_satisfaction(rate: object, expected: float) -> None:
    # typed rates are rounded to 0.01% first, as the engine does: 94.995% → 95.00%
    assert fn.score(None, "satisfaction", "satisfaction", rate) == expected


def test_procurement() -> None:
    def proc(actual: float, plan: float, policy: object) -> float | str:
        return fn.score(None, "procurement", "procurement_actual", actual, "procurement_plan", plan,
                        "j_procurement_policy", policy)

    assert proc(730.68, 1931.52, 1) == 1.38   # 37.83% × 1 → 0.38, + policy 1
    assert proc(730.68, 1931.52, None) == 0.38
    assert proc(2000, 1931.52, 1) == 1.0      # actual above plan → rate part 0
    assert proc(0, 0, 0.5) == 1.5             # no plan, no purchase: 100%
    assert proc(1931.52, 1931.52, 3) == 2.0   # policy points clamped to their 1 point


def test_measure_uses_the_frameworks_definition() -> None:
    assert fn.measure(None, "offpost_rate", 14, 33) == 0.4242              # 14/33 = 0.424242…
    assert fn.measure("futian-2021", "procurement_rate", 0, 0) == 1.0      # den_zero: 1
    assert fn.measure(None, "procurement_rate", 5, 0) == 9.9999            # den_zero_num_positive
    assert fn.measure(None, "sangong_rate", 0, 0) == 0.0                   # den_zero: 0
    assert fn.measure(None, "fa_use_rate", "186.13", "186.13") == 1.0
    assert fn.measure(None, "nope", 1, 2).startswith(f"{ERR} 未知比率 nope（框架 futian-2021：procurement_rate、")
    assert fn.measure(None, "exec_q1", 1, 2) == f"{ERR} exec_q1（一季度执行率）是按序时进度计算的执行率，请用 xlperf_exec_score"
    assert fn.measure(None, "", 1, 2) == f"{ERR} 请给出比率编号（框架文件 measures 中的 id）"


def test_ratio() -> None:
    assert fn.ratio(1, 3, 0) == 0.3333
    assert fn.ratio(2, 3, 0, None, 2) == 0.67
    assert fn.ratio(1, 0, 0, 9.9999) == 9.9999
    assert fn.ratio(0, 0, 1, 9.9999) == 1.0
    assert fn.ratio(1, 0, 1) == 1.0
    assert fn.ratio(0.00005, 1, 0) == 0.0001                  # half up, like Excel's ROUND
    assert fn.ratio(-0.00005, 1, 0) == -0.0001                # away from zero
    assert fn.ratio(1, 3, 0, None, 1.5) == f"{ERR} 小数位数应为 0 到 10 之间的整数"
    assert fn.ratio(1, 3, 0, "", 4) == 0.3333                 # an empty optional cell


# Agreement with the engine -------------------------------------------------------------------------


def _departments() -> list[DepartmentData]:
    return [seed_data(), *(random_department(FW, s) for s in range(12))]


DEPARTMENTS = _departments()


@pytest.mark.parametrize("data", DEPARTMENTS, ids=lambda d: d.info.dept_name)
def test_measures_rates_and_execution_equal_the_engine(data: DepartmentData) -> None:
    result = score(FW, data)
    env, _ = build_env(FW, data_env(data), dict(data.judgements))
    computed = {i.id: i.computed for i in result.indicators}
    x = {k: excel_value(v) for k, v in env.items()}
    q = data.quarterly
    assert D(str(fn.exec_score([q.paid_q1, q.paid_q2, q.paid_q3, q.paid_q4], q.quota_total))) \
        == computed["budget_execution"]
    assert fn.exec_rate(x["total_actual"], x["total_adjusted"]) == float(env["exec_rate_total"])
    for m in result.measures:
        mdef = compiled(FW).measure(m.id)
        if mdef.schedule is not None:
            continue
        args = [excel_value(m.num), excel_value(m.den), excel_value(mdef.den_zero),
                excel_value(mdef.den_zero_num_positive)]
        assert fn.ratio(*args) == float(m.value), m.id
        assert fn.measure(FW.id, m.id, excel_value(m.num), excel_value(m.den)) == float(m.value), m.id


@pytest.mark.parametrize("data", DEPARTMENTS[:5], ids=lambda d: d.info.dept_name)
def test_generic_score_and_explain_equal_the_engine(data: DepartmentData) -> None:
    """Every level-3 indicator: from raw inputs (all of them) and from the workbook's own pairs."""
    result = score(FW, data)
    env, _ = build_env(FW, data_env(data), dict(data.judgements))
    raw = {**data_env(data), **data.judgements}
    all_pairs = [v for name, value in raw.items() for v in (name, excel_value(yes_no(value)))]
    for ind in FW.leaves():
        engine = result.by_id(ind.id)
        assert D(str(fn.score(FW.id, ind.id, *all_pairs))) == engine.computed, ind.id
        assert fn.explain(FW.id, ind.id, *all_pairs) == engine.explanation, ind.id
        own = sorted(compiled_names(FW, ind))  # what the UDF-flavour workbook passes
        pairs = [v for name in own for v in (name, excel_value(yes_no(env[name])))]
        assert D(str(fn.score(FW.id, ind.id, *pairs))) == engine.computed, ind.id
        two_columns = [[name, excel_value(yes_no(env[name]))] for name in own]  # a selected block
        assert D(str(fn.score("", ind.id, two_columns))) == engine.computed, ind.id


def test_explain_of_the_seed() -> None:
    assert fn.explain(None, "offpost_control", "staff_offpost", 14, "staff_all", 33) \
        == "编外人员控制率 = 14 ÷ 33 = 42.42% > 10% → 0 分"
    assert fn.explain(None, "offpost_control", "offpost_rate", 0.4242) == "编外人员控制率 42.42% > 10% → 0 分"
    text = fn.explain(None, "budget_execution", "paid_q1", PAID[0], "paid_q2", PAID[1], "paid_q3", PAID[2],
                      "paid_q4", PAID[3], "quota_total", QUOTA)
    assert text.startswith("一季度执行率 = 12,693.28 ÷ 81,164.95 ÷ 25% = 62.56%")
    assert text.endswith("合计 4.9375 分 → 得分 4.94 分（四舍五入）")


def test_demo_framework_by_path_id_and_search_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    fw = demo()
    data = random_department(fw, 3)
    result = score(fw, data)
    env, _ = build_env(fw, data_env(data), dict(data.judgements))
    monkeypatch.setattr(resolve, "_UDF_REGISTERED", {})
    monkeypatch.setattr(resolve, "_UDF_FILES", {})
    assert fn.score("demo-region-2023", "offpost_control", "offpost_rate", 0.5).startswith(
        f"{ERR} 未知评价框架 demo-region-2023")
    monkeypatch.setenv(fn.FRAMEWORK_PATH_ENV, str(DEMO_DIR))
    for framework in ("demo-region-2023", str(DEMO_FW)):
        for m in result.measures:
            if compiled(fw).measure(m.id).schedule is None:
                assert fn.measure(framework, m.id, excel_value(m.num), excel_value(m.den)) == float(m.value)
        for ind in fw.leaves():
            pairs = [v for n in sorted(compiled_names(fw, ind)) for v in (n, excel_value(yes_no(env[n])))]
            assert D(str(fn.score(framework, ind.id, *pairs))) == result.by_id(ind.id).computed, ind.id
        q = data.quarterly
        # the demo's half-year rule (50%, 100%) takes Q2 and Q4 of a row of four quarter-end payments
        assert D(str(fn.exec_score([q.paid_q1, q.paid_q2, q.paid_q3, q.paid_q4], q.quota_total, framework=framework))) \
            == result.by_id("budget_execution").computed
        assert fn.exec_score([q.paid_q2, q.paid_q4], q.quota_total, framework=framework) \
            == fn.exec_score([0, q.paid_q2, 0, q.paid_q4], q.quota_total, framework=framework)


# The default framework ------------------------------------------------------------------------------


def test_the_default_framework_is_configured_or_the_only_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fn.FRAMEWORK_ENV, raising=False)
    monkeypatch.setattr(resolve, "builtin_ids", lambda: ["only-one"])
    assert fn.default_framework_ref() == "only-one"
    monkeypatch.undo()
    monkeypatch.setenv(fn.FRAMEWORK_ENV, str(DEMO_FW))
    assert fn.get_framework(None).id == "demo-region-2023"
    assert fn.get_framework("").id == "demo-region-2023"
    # the in_post rule of the demo, reached with an empty framework argument
    assert fn.score("", "in_post_control", "in_post_rate", 1) == fn.score(str(DEMO_FW), "in_post_control",
                                                                         "in_post_rate", 1)
    monkeypatch.setattr(resolve, "builtin_ids", lambda: ["a-2020", "b-2021"])
    monkeypatch.delenv(fn.FRAMEWORK_ENV)
    assert fn.ratio(1, 2) == 0.5  # needs no framework
    assert fn.score(None, "x") == (f"{ERR} 请在第一个参数给出评价框架编号（内置：a-2020、b-2021），"
                                   f"或设置环境变量 {fn.FRAMEWORK_ENV}")


def test_several_schedule_rules_need_the_indicator(monkeypatch: pytest.MonkeyPatch) -> None:
    fw = futian()
    leaves = list(fw.leaves())
    ind = next(i for i in leaves if i.rule is not None and i.rule.kind == "schedule")
    twin = ind.model_copy(update={"id": "second_schedule"})
    doubled = fw.model_copy(update={"id": "doubled", "indicators": [*fw.indicators, twin]})
    fn.register_framework(doubled)
    try:
        assert fn.exec_score(PAID, QUOTA, framework="doubled") == (
            f"{ERR} 评价框架 doubled 有多个按序时进度计分的规则，请在最后一个参数给出指标编号"
            f"（{ind.id}、second_schedule）")
        assert fn.exec_score(PAID, QUOTA, framework="doubled", indicator_id="second_schedule") == 4.94
        assert fn.exec_score(PAID, QUOTA, indicator_id=ind.id) == 4.94
        assert fn.exec_score(PAID, QUOTA, indicator_id="offpost_control") == \
            f"{ERR} 指标 offpost_control 中没有按序时进度计分的规则"
    finally:
        resolve._UDF_REGISTERED.pop("doubled", None)


# Errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("result", "expected"), [
    (lambda: fn.exec_rate(1, 0), "#XLPERF! 预算数必须大于0"),
    (lambda: fn.exec_rate(-1, 5), "#XLPERF! 支出数不能为负数"),
    (lambda: fn.exec_score(PAID, 0), "#XLPERF! 全年预算指标必须大于0"),
    (lambda: fn.exec_score(PAID[:3], QUOTA), "#XLPERF! 需要 4 期累计支付数，得到 3 个"),
    (lambda: fn.exec_score([-1, *PAID[1:]], QUOTA), "#XLPERF! 第1期累计支付数不能为负数"),
    (lambda: fn.exec_score(PAID, QUOTA, [0, 0.5, 0.75, 1]), "#XLPERF! 序时进度必须大于 0"),
    (lambda: fn.exec_score(PAID, QUOTA, cap=0), "#XLPERF! 封顶值必须大于0（不封顶请填“无”）"),
    (lambda: fn.score(None, "xyz"), "#XLPERF! 未知指标 xyz（框架 futian-2021）"),
    (lambda: fn.score(None, "management"), "#XLPERF! 指标 management（部门管理）有下级指标，请对其下每个末级指标分别计分"),
    (lambda: fn.score(None, ""), "#XLPERF! 请给出指标编号（评分表中每个指标的编号）"),
    (lambda: fn.score(None, "offpost_control", "offpost_rate"),
     "#XLPERF! 名称与数值必须成对出现（\"名称\", 值, …），现在有 1 个参数"),
    (lambda: fn.score(None, "offpost_control", "offpost_rat", 1),
     "#XLPERF! 未知名称 offpost_rat（框架 futian-2021）"),
    (lambda: fn.score(None, "offpost_control", "offpost_rate", 1, "offpost_rate", 2),
     "#XLPERF! 名称 offpost_rate 出现了两次"),
    (lambda: fn.score(None, "offpost_control"),
     "#XLPERF! 指标 offpost_control 缺少参数：offpost_rate（编外人员控制率）"),
    (lambda: fn.score(None, "offpost_control", "offpost_rate", "#DIV/0!"),
     "#XLPERF! “offpost_rate”是错误值 #DIV/0!，请先修正该单元格"),
    (lambda: fn.score(None, "offpost_control", "offpost_rate", "很多"),
     "#XLPERF! “offpost_rate”需要数值，得到“很多”"),
    (lambda: fn.score(None, "disclosure", "classified", "也许"), "#XLPERF! “classified”应为“是”或“否”，得到“也许”"),
    (lambda: fn.score("nope", "x"), "#XLPERF! 未知评价框架 nope（内置：futian-2021；也可给出框架文件路径）"),
    (lambda: fn.score(None, "offpost_control", "offpost_rate", [1, 2]),
     "#XLPERF! 名称与数值必须成对出现（\"名称\", 值, …），现在有 3 个参数"),
    (lambda: fn.measure(None, "offpost_rate", "abc", 8.67), "#XLPERF! 分子需要数值，得到“abc”"),
    (lambda: fn.measure(None, "offpost_rate", [1, 2], 8.67), "#XLPERF! 分子只能是一个单元格，选中了 2 个"),
    (lambda: fn.ratio(1, "#N/A", 0), "#XLPERF! 分母是错误值 #N/A，请先修正该单元格"),
    (lambda: fn.ratio(float("nan"), 1), "#XLPERF! 分子不是有效数字"),
    (lambda: fn.ratio(1, float("-inf")), "#XLPERF! 分母不是有效数字"),
])
def test_errors_are_short_chinese_texts(result, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert result() == expected


def test_an_upstream_xlperf_error_is_passed_through() -> None:
    upstream = fn.exec_rate(1, 0)
    assert fn.score(None, "offpost_control", "offpost_rate", upstream) == upstream
    assert fn.measure(None, "sangong_rate", upstream, 1) == upstream
    assert fn.exec_score([upstream, 1, 2, 3], 10) == upstream


def test_internal_errors_never_show_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("x" * 1000)

    monkeypatch.setattr(fn, "evaluate_rule", boom)
    text = fn.score(None, "offpost_control", "offpost_rate", 0.5)
    assert text.startswith(f"{ERR} 内部错误（ZeroDivisionError：")
    assert "Traceback" not in text and "\n" not in text and len(text) <= 255


WEIRD = [None, "", " ", 0, -1, 1e308, float("inf"), float("nan"), "是", "否", True, "#REF!", "x", [1],
         [[1, 2], [3, 4]], [], [[]], "12%", "１２３", "1e400", 10 ** 30, -2146826243, -2146826246, object()]


CALLS = {
    "ratio": lambda a, b: fn.ratio(a, b, 0),
    "ratio_options": lambda a, b: fn.ratio(1, 2, a, b, a),
    "measure": lambda a, b: fn.measure(None, "offpost_rate", a, b),
    "measure_names": lambda a, b: fn.measure(a, b, 1, 2),
    "exec_rate": fn.exec_rate,
    "exec_score": fn.exec_score,
    "exec_score_options": lambda a, b: fn.exec_score(PAID, QUOTA, a, b, a, b, None),
    "exec_score_indicator": lambda a, b: fn.exec_score(PAID, QUOTA, None, None, None, None, a, b),
    "framework_argument": lambda a, b: fn.score(a, "offpost_control", "offpost_rate", b),
    "score": lambda a, b: fn.score(None, "offpost_control", "staff_offpost", a, "staff_all", b),
    "score_names": lambda a, b: fn.score(a, b, a, b),
    "explain": lambda a, b: fn.explain(None, "disclosure", "classified", a, "j_disclose_budget", b),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_no_argument_makes_a_function_raise(name: str) -> None:
    for a, b in itertools.product(WEIRD, repeat=2):
        value = CALLS[name](a, b)
        ok = isinstance(value, float) or (isinstance(value, str) and (value.startswith(ERR) or name == "explain"))
        assert ok and "Traceback" not in str(value), (name, a, b, value)
        assert "内部错误" not in str(value), (name, a, b, value)  # every bad value is foreseen
        if isinstance(value, float):
            assert math.isfinite(value) and abs(value) < 1e15, (name, a, b, value)
