"""What a terminal shows is what was typed: file names and cell text cannot send escape sequences or forge lines.

Regression cases: a submitted file named ``c\\x1b[31m….xlsx`` or a department ``科技\\x9b2J局`` (CSI, legal in
XML) reached the terminal raw through the summary table and the 批次检查 lines; a file named
``b\\n共 9 个文件：通过 9.xlsx`` printed a forged summary line; a bidirectional override (U+202E) in a name
shows ``gpj.xlsx`` reversed (also in the 退回修改 files named after the unit). Now each such character is shown as ``\\x1b`` / ``<U+202E>``, JSON carries it as
``\\u009b`` (the same data), and only xlperf's own summary line starts with “共”.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.support.cli import xlperf

from .helpers import EXAMPLE, REPO, Xlsx, where

RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
DEPARTMENT = "科技\x9b2J局\r共 1 个文件：通过 1\u202e"
NAMES = ["b\n共 9 个文件：通过 9 · 仅提示 0 · 有错误 0 · 无法读取 0.xlsx", "c\x1b[31mred.xlsx", "d\u202egpj.xlsx",
         "e\rfake.xlsx"]


def _run(*args: object) -> tuple[int, str, str]:
    """In this process: what xlperf writes to stdout and stderr is what a terminal would receive."""
    run = xlperf(*args)
    return run.code, run.out, run.err


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "收件箱"
    folder.mkdir()
    sheet, cell = where("dept_name")
    Xlsx(EXAMPLE).set(sheet, cell, DEPARTMENT).save(folder / "a.xlsx")
    for name in NAMES:
        shutil.copy(EXAMPLE, folder / name)
    return folder


def _clean(text: str) -> None:
    assert not RAW.search(text), repr(RAW.findall(text)[:5])
    forged = [line for line in text.splitlines() if line.lstrip("│ ").startswith("共 9")]
    assert not forged, forged


def test_validate_text_summary_and_json(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    for options in ([], ["--summary"]):
        code, out, err = _run("validate", "-q", *options, folder)
        assert code == 1, err
        _clean(out)
        _clean(err)
        assert "<U+202E>" in out and "\\x1b[31mred.xlsx" in out and "\\x9b2J" in out
    code, out, err = _run("validate", "-q", "--json", folder)
    _clean(out)
    files = json.loads(out)["files"]
    assert DEPARTMENT in {f["department"] for f in files}  # the data itself, unchanged
    assert {Path(f["path"]).name for f in files} == {"a.xlsx", *NAMES}


def test_consolidate_lines(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    code, out, err = _run("consolidate", "-q", folder, "-o", tmp_path / "汇总.xlsx", "--returns", tmp_path / "退回")
    assert code == 1, err
    _clean(out)
    _clean(err)
    assert "批次检查" in out
    names = [p.name for p in (tmp_path / "退回").iterdir()]  # the unit's name becomes file names
    assert any(n.startswith("科技_2J局") for n in names), names
    assert not [n for n in names if RAW.search(n) or "\u200b" in n], names


def test_score_of_a_data_file_with_control_characters_is_refused_naming_the_field(tmp_path: Path) -> None:
    """A data file's text is written into workbooks: control characters (an escape sequence, C1, CR, a bidi
    override) are refused by every command, naming the field, and the message itself stays printable."""
    text = (REPO / "workbooks" / "examples" / "futian-kcj-2021.yaml").read_text(encoding="utf-8")
    path = tmp_path / "data.yaml"
    path.write_text(text.replace("dept_name: 深圳市福田区科技创新局", 'dept_name: "科技\\e[2J\\x9b31m局\\r\\u202e"', 1),
                    encoding="utf-8")
    for args in (("score", path), ("score", "--json", path)):
        code, out, err = _run(*args)
        assert code == 2, (out, err)
        _clean(out + err)
        assert "dept_name" in err and "控制字符" in err