"""``xlperf report`` as a user runs it (the app in this process): a clean workbook is drafted, one with errors is
refused with each error's sheet!cell unless --allow-errors, outputs are never an input and never replaced
without --force, a data file is accepted like ``score`` accepts it."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest

from report.common import FAMILIES, REPO, SEED_XLSX, SEED_YAML, read


def xlperf(*args: object) -> tuple[int, str, str]:
    """``xlperf ARGS`` in this process (tests/support/cli.py)."""
    from tests.support.cli import xlperf as run

    result = run(*args)
    return result.code, result.out, result.err


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def clean_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workbook without any finding (a random department the validator tests know to be clean)."""
    from tests.support.futian_random import random_department
    from validator.common import QUIET_SEED
    from xlperf.data.values import data_values
    from xlperf.loader import load_framework
    from xlperf.write.template import write_template

    fw = load_framework("futian-2021")
    return write_template(fw, tmp_path_factory.mktemp("clean") / "clean.xlsx",
                          values=data_values(random_department(fw, QUIET_SEED)))


def test_clean_workbook_is_drafted(clean_book: Path, tmp_path: Path) -> None:
    before = sha(clean_book)
    out = tmp_path / "报告.docx"
    code, stdout, stderr = xlperf("report", clean_book, "-o", out)
    assert (code, stderr) == (0, "")
    assert "已生成" in stdout and "futian-2021" in stdout
    drafted = read(out)
    assert drafted.headings[0] == "一、部门（单位）基本情况"
    assert sha(clean_book) == before
    # a complete workbook leaves no figure to fill in: the only markers are the parts the department writes
    # (and 填报人, which the random department leaves blank)
    from xlperf.loader import load_framework
    from xlperf.framework.report import WriteItem

    spec = load_framework("futian-2021").report
    assert spec is not None
    prompts = {"填报人"}

    def walk(sections: list) -> None:  # type: ignore[type-arg]
        for sec in sections:
            prompts.update(i.write for i in sec.body if isinstance(i, WriteItem))
            walk(sec.children)

    walk(spec.sections)
    markers = set(re.findall(r"【请填写：(.*?)】", drafted.text))
    assert markers and markers <= prompts, markers - prompts


def test_workbook_with_errors_is_refused_and_the_errors_listed(tmp_path: Path) -> None:
    book = Path(shutil.copy(SEED_XLSX, tmp_path / "科创局.xlsx"))
    out = tmp_path / "报告.docx"
    code, _, stderr = xlperf("report", book, "-o", out)
    assert code == 1 and not out.exists()
    assert "有 10 个错误，未生成报告" in stderr and "--allow-errors" in stderr
    assert "三公经费与政府采购!B27  XP303" in stderr and "评分表!G24  XP402" in stderr
    code, stdout, _ = xlperf("report", book, "-o", out, "--allow-errors")
    assert code == 0 and out.exists()
    assert "工作簿有 10 个错误" in stdout and "预算编制!B17" in stdout


def test_existing_output_needs_force_and_an_input_is_never_the_output(clean_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.docx"
    out.write_bytes(b"keep")
    code, _, stderr = xlperf("report", clean_book, "-o", out)
    assert code == 2 and "已存在" in stderr and out.read_bytes() == b"keep"
    assert xlperf("report", clean_book, "-o", out, "--force")[0] == 0
    link = tmp_path / "same.docx"
    os.link(out, link)
    before = sha(out)
    code, _, stderr = xlperf("report", link, "-o", out, "--force")
    assert code == 2 and sha(out) == before
    code, _, stderr = xlperf("report", clean_book, "-o", tmp_path / "r.xlsx")
    assert code == 2 and ".docx" in stderr


def test_data_file_and_family_framework(tmp_path: Path) -> None:
    out = tmp_path / "a.docx"
    code, _, stderr = xlperf("report", SEED_YAML, "-o", out)
    assert (code, stderr) == (0, "")
    out2 = tmp_path / "b.docx"
    code, _, _ = xlperf("report", FAMILIES / "ppd-2024-data.yaml", "--framework", FAMILIES / "ppd-2024.yaml", "-o", out2)
    assert code == 0 and read(out2).headings[0] == "一、部门基本情况"


def test_framework_without_a_report(tmp_path: Path) -> None:
    text = (FAMILIES / "annual-2024.yaml").read_text(encoding="utf-8")
    fw = tmp_path / "annual-2024.yaml"
    fw.write_text(text[: text.index("\nreport:")], encoding="utf-8")
    code, _, stderr = xlperf("report", FAMILIES / "annual-2024-data.yaml", "--framework", fw, "-o", tmp_path / "x.docx")
    assert code == 2 and "没有声明报告（report:）" in stderr and not (tmp_path / "x.docx").exists()


def test_unreadable_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    code, _, stderr = xlperf("report", bad, "-o", tmp_path / "x.docx")
    assert code == 2 and "无法读取" in stderr and not (tmp_path / "x.docx").exists()


def test_data_file_with_unknown_judgements_is_refused_as_score_refuses_it(tmp_path: Path) -> None:
    data = tmp_path / "d.yaml"
    text = (FAMILIES / "jiangbei-2025-data.yaml").read_text(encoding="utf-8")
    data.write_text(text.replace("  prep_issues: 1\n", "  prep_issues: 1\n  j_nonexistent: 1\n"), encoding="utf-8")
    code, _, stderr = xlperf("report", data, "-f", FAMILIES / "jiangbei-2025.yaml", "-o", tmp_path / "x.docx")
    assert code == 2 and "评判答案 j_nonexistent 不是框架 jiangbei-2025 定义的输入" in stderr
    assert not (tmp_path / "x.docx").exists()
