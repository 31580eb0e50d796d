"""Classic (Windows, COM) xlwings registration of udfs/xlperf_udfs.py, proven on Linux.

xlwings' “Import Functions” runs ``xlwings.udfs.import_udfs``: it reads the ``__xlfunc__`` metadata the
decorators attach, writes a VBA module of wrapper functions (``generate_vba_wrapper``), imports it
into the workbook and registers descriptions with ``Application.MacroOptions``. Here the Windows-only
modules are stubbed, the real decorators are applied to the real module, and ``import_udfs`` runs
against a fake workbook that records the VBA and the MacroOptions calls.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

from xlperf.loader import load_framework
from xlperf.compiled import plan_for

from .conftest import MODULE

EXPECTED: dict[str, str] = {
    # name → the VBA signature Excel will show
    "xlperf_ratio": "num, den, Optional den_zero, Optional den_zero_num_positive, Optional decimals",
    "xlperf_measure": "framework, measure, num, den",
    "xlperf_score": "framework, indicator, ParamArray pairs()",
    "xlperf_explain": "framework, indicator, ParamArray pairs()",
    "xlperf_exec_rate": "spent, quota, Optional framework",
    "xlperf_exec_score": "paid, total, Optional schedule, Optional quarter_points, Optional average_points, "
                         "Optional cap, Optional framework, Optional indicator",
}

# VBA keywords and names of the generated wrapper's own locals, which an argument must not shadow
VBA_RESERVED = {
    "and", "as", "boolean", "byref", "byte", "byval", "call", "case", "const", "currency", "date", "decimal",
    "declare", "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum", "eqv", "erase",
    "error", "event", "exit", "false", "for", "friend", "function", "get", "global", "gosub", "goto", "if",
    "imp", "implements", "in", "input", "integer", "is", "let", "lib", "like", "long", "loop", "lset", "me",
    "mod", "name", "new", "next", "not", "nothing", "null", "object", "on", "open", "option", "optional",
    "or", "paramarray", "preserve", "print", "private", "property", "public", "put", "raiseevent", "redim",
    "rem", "resume", "return", "rset", "seek", "select", "set", "single", "static", "step", "stop", "string",
    "sub", "text", "then", "time", "to", "true", "type", "typeof", "until", "variant", "wend", "while",
    "with", "withevents", "write", "xor", "len", "val", "mid", "k", "argsarray",
}


def _registered(module: Any) -> dict[str, dict[str, Any]]:
    return {getattr(module, n).__xlfunc__["name"]: getattr(module, n).__xlfunc__
            for n in dir(module) if hasattr(getattr(module, n), "__xlfunc__")}


def test_every_udf_is_registered_with_its_name_and_arguments(classic: Any) -> None:
    signatures = dict(re.findall(r"^Function (\w+)\((.*)\)$", classic.vba, re.M))
    assert signatures == EXPECTED
    assert "Sub " not in classic.vba  # main() is a RunPython macro, not a registered function
    for name in EXPECTED:
        assert f'{name} = XLPy.CallUDF("{MODULE}", "{name}", ' in classic.vba
    # an add-in forwards the calling workbook, not itself
    assert "ThisWorkbook, Application.Caller" not in classic.vba
    # the ParamArray is copied after the fixed arguments
    score_block = classic.vba.split("Function xlperf_score(")[1].split("End Function")[0]
    assert "argsArray = Array(framework, indicator)" in score_block
    assert "argsArray(2 + k - LBound(pairs)) = pairs(k)" in score_block


def test_signatures_are_ones_classic_xlwings_accepts(classic: Any) -> None:
    funcs = _registered(classic.module)
    assert set(funcs) == set(EXPECTED)
    for name in EXPECTED:
        sig = inspect.signature(getattr(classic.module, name))
        kinds = {p.kind for p in sig.parameters.values()}
        assert kinds <= {inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL}, name
        has_vararg = inspect.Parameter.VAR_POSITIONAL in kinds
        has_default = any(p.default is not inspect.Parameter.empty for p in sig.parameters.values())
        assert not (has_vararg and has_default), f"{name}: xlwings rejects optional + variable arguments"
        for arg in funcs[name]["args"]:
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", arg["name"]), arg["name"]
            assert arg["name"].lower() not in VBA_RESERVED, (name, arg["name"])
            assert arg["name"] != "caller"
        assert funcs[name]["category"] == "xlperf"
        assert not funcs[name]["volatile"] and funcs[name]["async_mode"] is None


def test_help_texts_are_chinese_and_fit_excel(classic: Any) -> None:
    funcs = _registered(classic.module)
    for name, info in funcs.items():
        doc = info["ret"]["doc"]
        assert doc and len(doc) <= 255 and "\n" not in doc.strip(), name
        assert re.search(r"[\u4e00-\u9fff]", doc), name
        for arg in info["args"]:
            assert not arg["doc"].startswith("Positional argument"), (name, arg["name"])
            assert len(arg["doc"]) <= 255 and re.search(r"[\u4e00-\u9fff]", arg["doc"]), (name, arg["name"])
            assert arg["options"].get("err_to_str") is True, (name, arg["name"])  # cell errors arrive as text
    by_macro = {o["macro"]: o for o in classic.options}
    assert set(by_macro) == {f"'xlperf.xlam'!{n}" for n in EXPECTED}
    for name, info in funcs.items():
        option = by_macro[f"'xlperf.xlam'!{name}"]
        assert option["Category"] == "xlperf"
        assert option["Description"] == info["ret"]["doc"]  # not truncated
        assert option["ArgumentDescriptions"] == [a["doc"] for a in info["args"]]


def test_quarter_rows_are_accepted_as_ranges(classic: Any) -> None:
    funcs = _registered(classic.module)
    args = {a["name"]: a for a in funcs["xlperf_exec_score"]["args"]}
    # ndim=2: any selection reaches the function, which checks its shape in Chinese (ndim=1 would
    # let xlwings raise "Range must be 1-by-n or n-by-1" for a block)
    assert args["paid"]["options"]["ndim"] == 2
    assert args["schedule"]["options"]["ndim"] == 2
    # the plain functions are what the COM server calls: same objects as on Linux
    assert classic.module.xlperf_exec_score([12693.28, 33284.43, 52925.34, 79260.57], 81164.95) == 4.94


def _top_level_args(call: str) -> list[str]:
    inner = call[call.index("(") + 1: call.rindex(")")]
    args, depth, quoted, current = [], 0, False, ""
    for ch in inner:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "(":
            depth += 1
        elif not quoted and ch in ")":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            args.append(current)
            current = ""
        else:
            current += ch
    return [*args, current]


@pytest.mark.parametrize("fw_ref", ["futian-2021", "tests/data/frameworks/demo-region-2023.yaml"])
def test_the_udf_workbook_calls_fit_the_registered_signatures(classic: Any, fw_ref: str) -> None:
    from .helpers import REPO

    fw = load_framework(fw_ref if fw_ref == "futian-2021" else REPO / fw_ref)
    funcs = _registered(classic.module)
    used = 0
    for (_sheet, _cell), formula in plan_for(fw, "udf").formulas().items():
        for name in EXPECTED:
            if formula.startswith(name + "("):
                used += 1
                args = _top_level_args(formula)
                spec = funcs[name]["args"]
                required = [a for a in spec if "optional" not in a and not a["vararg"]]
                vararg = any(a["vararg"] for a in spec)
                assert len(required) <= len(args) <= (255 if vararg else len(spec)), formula
            else:
                assert name + "(" not in formula, formula  # only ever the outermost call
    assert used > 20
