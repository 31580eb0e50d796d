"""Department data files (``xlperf score data.yaml``, ``template --data``, ``--prior last.yaml``) are hostile.

Regression cases: 5,000 digits in any number escaped as ``ValueError`` (exit 3, “内部错误”); ``0x1F`` was 31,
``190:20:30`` 685,230 and ``670.899999999999999`` 670.9, all silently; a key given twice kept the last value;
NaN or a long text were refused in English (“Input should be a finite number”) and echoed a million
characters; 100,000 unknown keys printed 100,000 lines. Now each is one bounded Chinese message naming the
file and the field (or line), or the value the writer meant.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.validator.common import run_cli
from xlperf.ingest.datafile import load_data
from xlperf.errors import InputError
from xlperf.loader import load_framework

from .helpers import REPO, run_limited

SEED = REPO / "workbooks" / "examples" / "futian-kcj-2021.yaml"
TEXT = SEED.read_text(encoding="utf-8")
MONEY_LINE = "personnel_initial: 642.21"  # a money input
COUNT_LINE = "staff_authorized: 21"  # a count input
NAME_LINE = "dept_name: 深圳市福田区科技创新局"  # a text input


def _write(tmp_path: Path, old: str, new: str, name: str = "data.yaml") -> Path:
    assert TEXT.count(old) == 1, old
    path = tmp_path / name
    path.write_text(TEXT.replace(old, new), encoding="utf-8")
    return path


REFUSED = [  # (case id, line replaced, its replacement, words the message must hold)
    ("5000-digit-money", MONEY_LINE, "personnel_initial: " + "9" * 5000, ("budget.personnel_initial", "数字位数过多")),
    ("5000-digit-count", COUNT_LINE, "staff_authorized: " + "9" * 5000, ("staff.staff_authorized", "数字位数过多")),
    ("5000-digit-hex", MONEY_LINE, "personnel_initial: 0x" + "f" * 5000, ("budget.personnel_initial", "必须是数字")),
    ("hex", COUNT_LINE, "staff_authorized: 0x15", ("staff.staff_authorized", "必须是整数", "0x15")),
    ("base-60", MONEY_LINE, "personnel_initial: 190:20:30", ("budget.personnel_initial", "必须是数字", "190:20:30")),
    ("float-noise", MONEY_LINE, "personnel_initial: 642.209999999999999", ("budget.personnel_initial", "数字位数过多", "642.209999999999999")),
    ("nan", MONEY_LINE, "personnel_initial: .nan", ("budget.personnel_initial", "不能是 NaN")),
    ("infinity", MONEY_LINE, "personnel_initial: -.inf", ("budget.personnel_initial", "不能是 NaN 或无穷大")),
    ("bad-date", MONEY_LINE, "personnel_initial: 2021-13-45", ("budget.personnel_initial", "必须是数字", "2021-13-45")),
    ("float-tag-dot", MONEY_LINE, "personnel_initial: !!float .", ("budget.personnel_initial", "必须是数字")),
    ("python-object", MONEY_LINE, "personnel_initial: !!python/object/apply:os.system ['echo x']",
     ("第 11 行", "不支持的类型标签")),
    ("duplicate-key", MONEY_LINE, MONEY_LINE + "\n  personnel_initial: 6420.21", ("第 12 行", "personnel_initial", "第 11 行")),
    ("duplicate-group", "framework: futian-2021", "framework: futian-2021\nframework: futian-2021", ("第 6 行", "第 5 行")),
    ("long-text", NAME_LINE, "dept_name: " + "长" * 1_000_000, ("info.dept_name", "最多 5000 个字符")),
    ("english-pattern", NAME_LINE, "dept_name: [1, 2]", ("info.dept_name", "必须是文字")),
    ("self-reference", NAME_LINE, "dept_name: &x [*x]", ("info.dept_name",)),
    ("deep-nesting", NAME_LINE, "dept_name: " + "[" * 100_000 + "]" * 100_000, ("第 7 行", "嵌套层数过多")),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_a_bounded_chinese_message(case: tuple, tmp_path: Path) -> None:
    _cid, old, new, words = case
    path = _write(tmp_path, old, new)
    with pytest.raises(InputError) as info:
        load_data(path)
    message = str(info.value)
    assert str(path) in message and len(message) < 4000, message[:500]
    for word in words:
        assert word in message, message[:1000]
    assert "Input should" not in message and "String should" not in message, message[:500]


READ_AS_MEANT = [  # (case id, line replaced, its replacement, input name, the value meant)
    ("leading-zero-count", COUNT_LINE, "staff_authorized: 021", "staff_authorized", 21),  # YAML 1.1: octal 17
    ("underscore-grouping", MONEY_LINE, "personnel_initial: 642_000.21", "personnel_initial", Decimal("642000.21")),
    ("exact-decimal", MONEY_LINE, "personnel_initial: 0.10", "personnel_initial", Decimal("0.10")),
    ("code-with-zeros", NAME_LINE, "dept_name: 00123", "dept_name", "00123"),
]


@pytest.mark.parametrize("case", READ_AS_MEANT, ids=[c[0] for c in READ_AS_MEANT])
def test_numbers_are_read_as_written(case: tuple, tmp_path: Path) -> None:
    _cid, old, new, name, meant = case
    values = load_data(_write(tmp_path, old, new)).values()
    assert values[name] == meant and type(values[name]) is type(meant), values[name]


def test_unknown_keys_are_listed_boundedly(tmp_path: Path) -> None:
    extra = "\n".join(f"unknown_{i}: {i}" for i in range(100_000))
    path = _write(tmp_path, "framework: futian-2021", "framework: futian-2021\n" + extra)
    with pytest.raises(InputError) as info:
        load_data(path)
    lines = str(info.value).splitlines()
    assert len(lines) <= 51 and "另有" in lines[-1], lines[-3:]


def test_cli_exit_2_never_3(tmp_path: Path) -> None:
    path = _write(tmp_path, COUNT_LINE, "staff_authorized: " + "9" * 5000)
    code, out, err = run_cli(["score", path])
    assert code == 2 and out == "" and "内部错误" not in err and "staff.staff_authorized" in err, err[-500:]
    code, out, err = run_cli(["template", "-o", tmp_path / "t.xlsx", "--data", path])
    assert code == 2 and "内部错误" not in err and not (tmp_path / "t.xlsx").exists(), err[-500:]
    code, out, err = run_cli(["template", "-o", tmp_path / "t.xlsx", "--prior", path])
    assert code == 2 and "内部错误" not in err and not (tmp_path / "t.xlsx").exists(), err[-500:]


def test_json_data_file(tmp_path: Path) -> None:
    import yaml

    raw = yaml.safe_load(TEXT)
    raw["staff"]["staff_authorized"] = 10**5000
    path = tmp_path / "data.json"
    import sys

    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        path.write_text(json.dumps(raw, ensure_ascii=False, default=str), encoding="utf-8")
    finally:
        sys.set_int_max_str_digits(limit)
    with pytest.raises(InputError) as info:
        load_data(path)
    assert "staff.staff_authorized" in str(info.value) and "数字位数过多" in str(info.value)


@pytest.mark.subprocess
def test_a_department_file_in_the_reviewers_framework_folder(tmp_path: Path) -> None:
    """``--framework DIR`` reads every YAML there to find frameworks; a hostile data file among them is a
    Chinese message (it was a ValueError), and a 100 MB one is not read whole."""
    hostile, big = tmp_path / "hostile", tmp_path / "big"
    for folder in (hostile, big):
        folder.mkdir()
        (folder / "futian.yaml").write_text((REPO / "xlperf" / "framework" / "builtin" / "futian-2021.yaml")
                                            .read_text(encoding="utf-8"), encoding="utf-8")
    (hostile / "dept.yaml").write_text("framework: futian-2021\nx: " + "9" * 5000, encoding="utf-8")
    with (big / "big.yaml").open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    code, _out, err = run_cli(["score", "--framework", hostile, SEED])
    assert code == 0 and "内部错误" not in err, err[-500:]  # not a framework: skipped
    out = run_limited(f"""
        from tests.validator.common import run_cli
        code, out, err = run_cli(["score", "--framework", {str(big)!r}, {str(SEED)!r}])
        print(json.dumps([code, err[-300:]]))
    """, cpu_seconds=60, memory=512 * 1024 * 1024)
    assert out[0] == 0, out


def test_framework_file_with_a_huge_number(tmp_path: Path) -> None:
    text = (REPO / "xlperf" / "framework" / "builtin" / "futian-2021.yaml").read_text(encoding="utf-8")
    path = tmp_path / "fw.yaml"
    path.write_text(text.replace("total_points: 100", "total_points: " + "1" * 5000, 1), encoding="utf-8")
    with pytest.raises(InputError):
        load_framework(path)


@pytest.mark.subprocess
def test_merge_key_and_alias_amplification_is_bounded(tmp_path: Path) -> None:
    """A thousand merges of a thousand merges of a thousand keys (16 KB of YAML): bounded CPU and memory."""
    keys = ",".join(f"k{i}: {i}" for i in range(1000))
    bomb = (f"a: &a {{{keys}}}\nb: &b {{<<: [{','.join(['*a'] * 1000)}]}}\n"
            f"c: &c {{<<: [{','.join(['*b'] * 1000)}]}}\nd: [{','.join(['*c'] * 1000)}]\n")
    path = tmp_path / "bomb.yaml"
    path.write_text("framework: futian-2021\n" + bomb, encoding="utf-8")
    out = run_limited(f"""
        from xlperf.ingest.datafile import load_data
        from xlperf.errors import InputError
        try:
            load_data({str(path)!r})
            print(json.dumps("loaded"))
        except InputError as exc:
            print(json.dumps(str(exc)[:2000]))
    """, cpu_seconds=30, memory=512 * 1024 * 1024)
    assert "未知字段" in out


JUDGED_LINE = "  j_rationality_1: 1\n"  # a judged answer (0/1) of the shipped framework

JUDGED = [  # (case id, replacement of the judged line, words the message must hold); checked by score
    ("long-text", "  j_rationality_1: " + "长" * 1_000_000 + "\n", ("必须是数字", "…")),
    ("huge", "  j_rationality_1: 1.5e+9999\n", ("1.500E+9999", "超出合理范围")),
    ("tiny", "  j_rationality_1: 1.0e-9999\n", ("超出合理范围",)),
    ("200000-unknown", JUDGED_LINE + "".join(f"  x{i}: 1\n" for i in range(200_000)), ("另有问题未列出",)),
]


@pytest.mark.parametrize("case", JUDGED, ids=[c[0] for c in JUDGED])
def test_judged_answers_are_refused_boundedly(case: tuple, tmp_path: Path) -> None:
    """Regression: a 1,000,000-character answer was echoed whole, 200,000 unknown answers printed 200,000 lines,
    1.5E+9999 was taken as full marks and 1E-9999 as 0."""
    _cid, new, words = case
    path = tmp_path / "data.yaml"
    path.write_text(TEXT.replace(JUDGED_LINE, new, 1), encoding="utf-8")
    code, out, err = run_cli(["score", path])
    assert code == 2 and out == "" and len(err) < 8000 and len(err.splitlines()) <= 52, (len(err), err[:300])
    for word in words:
        assert word in err, err[:1000]


SYNTAX = [  # (case id, the file's text, words of the Chinese message)
    ("colon-in-value", "a: b: c\n", ("第 1 行第 5 列", "键: 值")),
    ("bad-escape", 'a: "x\\q"\n', ("第 1 行", "转义字符")),
    ("open-list", "a: [1, 2\n", ("第 2 行", "右括号“]”")),
    ("open-map", "a: {b: 1\n", ("第 2 行", "右括号“}”")),
    ("open-quote", "a: 'x\n", ("第 2 行", "未闭合")),
    ("tab-indent", "a:\n\tb: 1\n", ("第 2 行", "制表符")),
    ("nul", "a: b\x00c\n", ("第 5 个字符", "U+0000")),
]


@pytest.mark.parametrize("case", SYNTAX, ids=[c[0] for c in SYNTAX])
def test_yaml_syntax_errors_are_located_in_chinese(case: tuple, tmp_path: Path) -> None:
    _cid, text, words = case
    path = tmp_path / "data.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_data(path)
    message = str(info.value)
    assert all(w in message for w in words) and "while " not in message and "expected" not in message, message
