"""Every non-value xlwings 0.37.8 can hand to a UDF gives a Chinese ``#XLPERF!`` text, never a score.

Arguments go through xlwings' real conversion (``tests/excel/xlwings_windows.py``: the pipeline of
``xlwings.conversion`` with the Windows engine's own ``clean_value_data``) and the real
classic-decorated UDFs of ``udfs/xlperf_udfs.py`` (options such as ``ndim``/``err_to_str`` as
registered). The error codes below are written out independently of xlperf: Microsoft's
XlCVError numbers, which COM passes as the SCODE 0x800A0000 + number.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from xlperf.addins.excel import functions as fn

from .xlwings_windows import CELL_ERRORS, call_like_xlwings

ERR = "#XLPERF!"
XL_CV_ERRORS = {  # Excel's error values and their XlCVError numbers (VBA CVErr)
    "#NULL!": 2000, "#DIV/0!": 2007, "#VALUE!": 2015, "#REF!": 2023, "#NAME?": 2029, "#NUM!": 2036,
    "#N/A": 2042, "#GETTING_DATA": 2043, "#SPILL!": 2045, "#CONNECT!": 2046, "#BLOCKED!": 2047,
    "#UNKNOWN!": 2048, "#FIELD!": 2049, "#CALC!": 2050, "#BUSY!": 2051,
}


def scode(number: int) -> int:
    """The signed 32-bit COM error code pywin32 gives Python for CVErr(number)."""
    return (0x800A0000 + number) - (1 << 32)


CODES = {text: scode(n) for text, n in XL_CV_ERRORS.items()}
PAID = (12693.28, 33284.43, 52925.34, 79260.57)
QUOTA = 81164.95
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_codes_are_the_ones_xlwings_knows_plus_the_newer_ones() -> None:
    assert CODES["#SPILL!"] == -2146826243  # the value of the issue report
    assert CODES["#DIV/0!"] == -2146826281
    # xlwings converts exactly the classic seven to text; every newer error stays an integer
    assert CELL_ERRORS == {code: text for text, code in CODES.items() if XL_CV_ERRORS[text] <= 2042}
    assert fn.CVERR_CODES == {code: text for text, code in CODES.items()}
    assert (fn.CVERR_MIN, fn.CVERR_MAX) == (scode(2000), scode(2088))


# Baseline calls: (udf name, arguments as Excel passes them (ranges as COM tuples), index of range args)
BASE: dict[str, tuple[Any, ...]] = {
    "xlperf_ratio": (1.0, 3.0, 0.0, None, 4.0),
    "xlperf_measure": ("", "offpost_rate", 14.0, 33.0),
    "xlperf_score": ("", "offpost_control", "staff_offpost", 14.0, "staff_all", 33.0),
    "xlperf_explain": ("", "offpost_control", "staff_offpost", 14.0, "staff_all", 33.0),
    "xlperf_exec_rate": (79260.57, QUOTA, ""),
    "xlperf_exec_score": ((PAID,), QUOTA, ((0.25, 0.5, 0.75, 1.0),), 1.0, 2.0, 1.0, "", ""),
}
EXPECTED_BASE = {
    "xlperf_ratio": 0.3333, "xlperf_measure": 0.4242, "xlperf_score": 0.0,
    "xlperf_explain": "编外人员控制率 = 14 ÷ 33 = 42.42% > 10% → 0 分",
    "xlperf_exec_rate": 0.9765, "xlperf_exec_score": 4.94,
}


def _with(args: tuple[Any, ...], i: int, value: Any) -> tuple[Any, ...]:
    """``args`` with argument i replaced by ``value`` (inside a range: its last cell)."""
    out = list(args)
    if isinstance(out[i], tuple):
        rows = [list(r) for r in out[i]]
        rows[-1][-1] = value
        out[i] = tuple(tuple(r) for r in rows)
    else:
        out[i] = value
    return tuple(out)


def test_the_baseline_calls_score(classic: Any, windows_engine: Any) -> None:
    for name, args in BASE.items():
        assert call_like_xlwings(getattr(classic.module, name), *args) == EXPECTED_BASE[name], name


@pytest.mark.parametrize("error", sorted(CODES))
def test_every_excel_error_in_every_argument_is_a_chinese_text(classic: Any, windows_engine: Any,
                                                               error: str) -> None:
    for name, args in BASE.items():
        func = getattr(classic.module, name)
        for i in range(len(args)):
            result = call_like_xlwings(func, *_with(args, i, CODES[error]))
            assert isinstance(result, str) and result.startswith(ERR), (name, i, error, result)
            assert error in result and "请先修正该单元格" in result, (name, i, error, result)


@pytest.mark.parametrize("error", sorted(CODES))
def test_an_error_code_is_never_scored(error: str) -> None:
    """The issue's cases: a #SPILL! as a rate scored full marks, as a ratio gave -21468262.43."""
    code = CODES[error]
    assert fn.score(None, "offpost_control", "offpost_rate", code).startswith(ERR)
    assert fn.ratio(code, 100) == f"{ERR} 分子是错误值 {error}，请先修正该单元格"
    assert fn.ratio(float(code), 100) == f"{ERR} 分子是错误值 {error}，请先修正该单元格"
    assert fn.score(None, "disclosure", "classified", code, "j_disclose_budget", 1,
                    "j_disclose_final", 1).startswith(f"{ERR} “classified”是错误值 {error}")
    assert fn.score(None, "offpost_control", code, 1) == f"{ERR} 第1对的名称是错误值 {error}，请先修正该单元格"
    assert fn.score(code, "offpost_control").startswith(f"{ERR} 评价框架是错误值 {error}")


def test_codes_without_a_known_name_in_the_error_window_are_errors_too() -> None:
    assert fn.ratio(scode(2088), 1) == f"{ERR} 分子是错误值 （Excel 错误代码 2088），请先修正该单元格"
    assert fn.ratio(1, scode(2052)).startswith(f"{ERR} 分母是错误值 （Excel 错误代码 2052）")


def test_genuine_integers_still_count(classic: Any, windows_engine: Any) -> None:
    assert call_like_xlwings(classic.module.xlperf_ratio, 1, 3, 0, None, 4) == 0.3333
    assert fn.score(None, "offpost_control", "staff_offpost", 1, "staff_all", 20) == 0.5
    assert fn.ratio(-2146826289, 1000000) == -2146.8263       # just below the error window: a number
    assert fn.ratio(-2146826199, 1000000) == -2146.8262       # just above it (-2146.826199 half up)
    assert fn.ratio(999_999_999_999_999, 1, 0, None, 0) == 999_999_999_999_999.0   # 15 digits: accepted


HUGE = [1e24, -1e24, 1e15, -1e15, 1e308, float("inf"), float("-inf"), float("nan"), 10 ** 30, "1e24", "1e400",
        "-1E+15"]


@pytest.mark.parametrize("value", HUGE, ids=repr)
def test_out_of_range_magnitudes_are_refused_in_chinese(classic: Any, windows_engine: Any, value: Any) -> None:
    numeric = {"xlperf_ratio": (0, 1, 2, 3, 4), "xlperf_measure": (2, 3), "xlperf_score": (3, 5),
               "xlperf_explain": (3, 5), "xlperf_exec_rate": (0, 1), "xlperf_exec_score": (0, 1, 2, 3, 4, 5)}
    for name, positions in numeric.items():
        func = getattr(classic.module, name)
        for i in positions:
            result = call_like_xlwings(func, *_with(BASE[name], i, value))
            assert isinstance(result, str) and result.startswith(ERR), (name, i, value, result)
            assert CJK.search(result) and "内部错误" not in result and "Invalid" not in result, (name, i, result)


def test_results_beyond_decimal_precision_are_refused_in_chinese() -> None:
    assert fn.ratio(1, 1e-300) == f"{ERR} 数值超出可计算的范围，请检查各参数"
    assert fn.ratio(9e14, 1e-14) == f"{ERR} 数值超出可计算的范围，请检查各参数"


SHAPES_OK = {
    "row": (PAID,),                                   # 1 × 4
    "column": tuple((p,) for p in PAID),              # 4 × 1
    "row with a trailing empty cell": ((*PAID, None),),
}
SHAPES_BAD = {
    "2 × 2": ((PAID[0], PAID[1]), (PAID[2], PAID[3])),
    "2 × 4": (PAID, PAID),
    "4 × 2": tuple((p, p) for p in PAID),
}


SCHEDULES = {"row": ((0.25, 0.5, 0.75, 1.0),), "column": ((0.25,), (0.5,), (0.75,), (1.0,)),
             "row with a trailing empty cell": ((0.25, 0.5, 0.75, 1.0, None),)}


@pytest.mark.parametrize("shape", sorted(SHAPES_OK))
def test_a_row_or_a_column_of_quarters_is_accepted(classic: Any, windows_engine: Any, shape: str) -> None:
    func = classic.module.xlperf_exec_score
    assert call_like_xlwings(func, SHAPES_OK[shape], QUOTA) == 4.94
    assert call_like_xlwings(func, SHAPES_OK[shape], QUOTA, SCHEDULES[shape]) == 4.94
    # a different schedule given the same way changes the score: the range was really read
    other = tuple(tuple(v * 2 if v else v for v in row) for row in SCHEDULES[shape])
    assert call_like_xlwings(func, SHAPES_OK[shape], QUOTA, other, None, None, "无") < 4.94


@pytest.mark.parametrize("shape", sorted(SHAPES_BAD))
def test_a_block_of_cells_is_refused_in_chinese(classic: Any, windows_engine: Any, shape: str) -> None:
    func = classic.module.xlperf_exec_score
    rows, cols = len(SHAPES_BAD[shape]), len(SHAPES_BAD[shape][0])
    result = call_like_xlwings(func, SHAPES_BAD[shape], QUOTA)
    assert result == f"{ERR} 累计支付数应选中一行或一列单元格，选中了 {rows} 行 {cols} 列"
    sched_block = ((0.25, 0.5), (0.75, 1.0))
    assert call_like_xlwings(func, (PAID,), QUOTA, sched_block) == \
        f"{ERR} 序时进度应选中一行或一列单元格，选中了 2 行 2 列"


def test_ndim_1_would_have_shown_xlwings_english_error(windows_engine: Any) -> None:
    """Why paid/schedule are registered with ndim=2 (xlwings' own message for ndim=1)."""
    from .xlwings_windows import as_udf_argument

    with pytest.raises(Exception, match="Range must be 1-by-n or n-by-1"):
        as_udf_argument(SHAPES_BAD["2 × 2"], {"ndim": 1, "err_to_str": True})


def test_a_single_cell_and_a_range_where_one_cell_is_needed(classic: Any, windows_engine: Any) -> None:
    func = classic.module.xlperf_exec_score
    assert call_like_xlwings(func, 79260.57, QUOTA) == f"{ERR} 需要 4 期累计支付数，得到 1 个"
    assert call_like_xlwings(func, (PAID,), ((QUOTA, QUOTA),)) == f"{ERR} 全年预算指标只能是一个单元格，选中了 2 个"
    assert call_like_xlwings(classic.module.xlperf_ratio, ((1.0, 2.0), (3.0, 4.0)), 3.0) == \
        f"{ERR} 分子只能是一个单元格，选中了 4 个"


def test_a_two_column_block_of_names_and_values(classic: Any, windows_engine: Any) -> None:
    block = (("staff_offpost", 14.0), ("staff_all", 33.0), (None, None))  # with an empty last row
    assert call_like_xlwings(classic.module.xlperf_score, "", "offpost_control", block) == 0.0
    block = (("staff_offpost", 1.0), ("staff_all", 20.0))
    assert call_like_xlwings(classic.module.xlperf_score, "", "offpost_control", block) == 0.5


def test_no_shape_or_value_ever_shows_english(classic: Any, windows_engine: Any) -> None:
    # (COM never passes an empty range: a selection has at least one cell)
    values = [*CODES.values(), *HUGE, *SHAPES_BAD.values(), ((None,),), "", None, True, "abc"]
    for (name, args), value in itertools.product(BASE.items(), values):
        func = getattr(classic.module, name)
        for i in range(len(args)):
            try:
                result = call_like_xlwings(func, *_with(args, i, value) if not isinstance(value, tuple)
                                           else (*args[:i], value, *args[i + 1:]))
            except Exception as exc:  # xlwings' own conversion refused it before the UDF ran
                pytest.fail(f"{name} argument {i} = {value!r}: xlwings raised {exc!r}")
            if isinstance(result, str) and result.startswith(ERR):
                assert CJK.search(result) and "Traceback" not in result, (name, i, value, result)
                assert "内部错误" not in result, (name, i, value, result)
            else:
                assert isinstance(result, float | str), (name, i, value, result)
