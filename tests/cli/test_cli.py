"""The command line as a finance officer meets it (issue 11 §6): Chinese help and errors, no traceback,
--version, the JSON shape and its schema, template's refusals, the batch count line."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

import xlperf as package
from validator.common import CORPUS, REPO, SEED_XLSX, SEED_YAML, run_cli
from validator.xlsx_edit import Xlsx
from xlperf.render.json import report_schema, value_pair

from .conftest import sha256, xlperf

HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = ["Usage:", "Error:", "Options", "Arguments", "Commands", "Show this message", "Try '", "Missing",
           "No such", "<list[", "<path>", "<int>", "<str>", "[default", "[required]", "Traceback"]


def _no_english(text: str) -> None:
    for word in ENGLISH:
        assert word not in text, f"{word!r} in:\n{text}"


# Help, usage errors, --version ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["validate", "--help"], ["score", "--help"], ["template", "--help"],
                                  []])
def test_help_is_chinese(args: list[str]) -> None:
    run = xlperf(*args)
    text = run.out + run.err
    assert "用法：" in text and "选项：" in text
    _no_english(text)


def test_validate_help_names_its_argument_in_chinese() -> None:
    run = xlperf("validate", "--help", columns=80)
    assert "文件或文件夹..." in run.out and "--force" in run.out and "--summary" in run.out
    assert "[默认：1]" in run.out


@pytest.mark.parametrize(("args", "words"), [
    (["validate"], "缺少参数 文件或文件夹"),
    (["validate", "--bogus", "x.xlsx"], "没有选项 --bogus"),
    (["validate", "--jsn", "x.xlsx"], "--json"),
    (["validate", "-j", "两个", "x.xlsx"], "必须是整数"),
    (["validate", "--report"], "需要一个值"),
    (["nosuch"], "没有命令“nosuch”"),
    (["rule"], "缺少参数 代码"),
])
def test_usage_errors_are_chinese(args: list[str], words: str) -> None:
    run = xlperf(*args)
    assert run.code == 2
    assert words in run.err, run.err
    assert "错误：" in run.err and "--help”查看帮助" in run.err
    _no_english(run.err)
    assert run.out == ""


def test_version() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    for flag in ("--version", "-V"):
        run = xlperf(flag)
        assert run.code == 0 and run.out == f"xlperf {declared}\n" and package.__version__ == declared


@pytest.mark.parametrize("case", ["missing", "folder", "missing-yaml"])
def test_score_user_errors_are_a_message(case: str, tmp_path: Path) -> None:
    target = {"missing": tmp_path / "nope.xlsx", "folder": tmp_path, "missing-yaml": tmp_path / "nope.yaml"}[case]
    run = xlperf("score", target)
    assert run.code == 2
    assert run.err.startswith("错误：") and HAN.search(run.err)
    assert target.name in run.err
    _no_english(run.err)


def test_internal_error_is_exit_3_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import xlperf.validate as validate_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(validate_module, "validate_paths", broken)
    code, out, err = run_cli(["validate", "-q", SEED_XLSX])
    assert code == 3  # never 1 ("errors found"), never 2 (the user's mistake)
    assert "内部错误" in err and "RuntimeError" in err and "Traceback" not in err


# JSON ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def batch_json(tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("batch")
    shutil.copy(SEED_XLSX, folder / "科创局.xlsx")
    shutil.copy(CORPUS / "truncated.xlsx", folder / "截断.xlsx")
    run = xlperf("validate", "-q", "--json", folder)
    assert run.code == 2, run.err
    return json.loads(run.out)  # type: ignore[no-any-return]


def test_json_numbers_are_numbers_with_a_display(batch_json: dict) -> None:  # type: ignore[type-arg]
    seed = next(f for f in batch_json["files"] if f["path"].endswith("科创局.xlsx"))
    xp303 = next(f for f in seed["findings"] if f["code"] == "XP303" and f["cell"] == "B27")
    assert (xp303["found"], xp303["found_display"]) == (0.5523, "55.23%")
    assert (xp303["expected"], xp303["expected_display"]) == (0.5525, "55.25%")  # 4.79 / 8.67 = 0.55248…
    money = next(f for f in seed["findings"] if f["code"] == "XP302" and f["cell"] == "B23")
    assert (money["found"], money["found_display"]) == (7.3, "7.30")
    assert (money["expected"], money["expected_display"]) == (1931.52, "1,931.52")
    for f in seed["findings"]:
        for key in ("found", "expected"):
            assert not isinstance(f[key], str), f  # every value of the seed's findings is a number


def test_json_indicator_is_id_and_name(batch_json: dict) -> None:  # type: ignore[type-arg]
    seed = next(f for f in batch_json["files"] if f["path"].endswith("科创局.xlsx"))
    indicators = {f["code"]: f["indicator"] for f in seed["findings"]}
    assert indicators["XP402"] == {"id": "procurement", "name": "政府采购执行情况"}  # recorded as an id
    assert indicators["XP305"] == {"id": "financial_compliance", "name": "财务合规性"}  # recorded as a name
    assert indicators["XP301"] is None


def test_json_validates_against_the_published_schema(batch_json: dict) -> None:  # type: ignore[type-arg]
    committed = json.loads((REPO / "docs" / "validate-report.schema.json").read_text(encoding="utf-8"))
    assert committed == report_schema(), "docs/validate-report.schema.json is stale: xlperf json-schema > it"
    assert json.loads(xlperf("json-schema").out) == committed
    jsonschema.Draft202012Validator.check_schema(committed)
    jsonschema.Draft202012Validator(committed).validate(batch_json)
    broken = json.loads(json.dumps(batch_json))
    broken["files"][0]["findings"][0]["indicator"] = "procurement"  # the old shape: must not validate
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(committed).validate(broken)


def test_text_values_stay_text_in_json(tmp_path: Path) -> None:
    src = Xlsx(SEED_XLSX).set("三公经费与政府采购", "B7", "约1.6").save(tmp_path / "x.xlsx")
    data = json.loads(xlperf("validate", "-q", "--json", src).out)
    typed = next(f for f in data["files"][0]["findings"] if f["cell"] == "B7" and f["code"] == "XP201")
    assert typed["found"] == "约1.6" and typed["found_display"] == "约1.6"


@pytest.mark.parametrize(("value", "kind", "expected"), [
    ("55.23%", None, (0.5523, "55.23%")),
    ("1,931.52", None, (1931.52, "1,931.52")),
    ("=5", None, ("=5", "=5")),
    ("1" * 60, None, ("1" * 60, "1" * 60)),  # longer than any amount: kept as text, never a float
    (None, None, (None, None)),
    (True, None, (True, "是")),
    (3, "count", (3, "3")),
])
def test_value_pair(value: object, kind: str | None, expected: tuple[object, object]) -> None:
    assert value_pair(value, kind) == expected


def test_value_pair_decimal_kinds() -> None:
    from decimal import Decimal

    assert value_pair(Decimal("0.8793"), "rate") == (0.8793, "87.93%")
    assert value_pair(Decimal("42507.85"), "money") == (42507.85, "42,507.85")
    assert value_pair(Decimal("2.00"), "points") == (2, "2.00")


# template ------------------------------------------------------------------------------------------------------

def test_template_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "模板.xlsx"
    out.write_bytes(b"my own file")
    run = xlperf("template", "-o", out)
    assert run.code == 2 and "--force" in run.err and HAN.search(run.err)
    assert out.read_bytes() == b"my own file"
    run = xlperf("template", "-o", out, "--force")
    assert run.code == 0, run.err
    assert "评分表" in load_workbook(out).sheetnames


@pytest.mark.parametrize("name", ["t2.txt", "模板.xls", "模板"])
def test_template_refuses_a_name_that_is_not_xlsx(name: str, tmp_path: Path) -> None:
    run = xlperf("template", "-o", tmp_path / name)
    assert run.code == 2 and ".xlsx" in run.err and HAN.search(run.err)
    assert list(tmp_path.iterdir()) == []


def test_template_missing_data_file(tmp_path: Path) -> None:
    run = xlperf("template", "-o", tmp_path / "a.xlsx", "--data", tmp_path / "无.yaml")
    assert run.code == 2 and "找不到文件" in run.err
    assert list(tmp_path.iterdir()) == []


# Batches ------------------------------------------------------------------------------------------------------

def test_batch_summary_line_and_summary_only(quiet_book: Path, tmp_path: Path) -> None:
    folder = tmp_path / "收件箱"
    folder.mkdir()
    shutil.copy(quiet_book, folder / "1-通过.xlsx")
    Xlsx(quiet_book).delete_name("paid_q1").save(folder / "2-仅提示.xlsx")  # XP121: a warning only
    shutil.copy(SEED_XLSX, folder / "3-有错误.xlsx")
    shutil.copy(SEED_XLSX, folder / "4-有错误.xlsx")
    shutil.copy(CORPUS / "truncated.xlsx", folder / "5-无法读取.xlsx")
    run = xlperf("validate", "-q", folder)
    assert run.code == 2
    assert run.out.rstrip().splitlines()[-1] == "共 5 个文件：通过 1 · 通过（提示已说明） 0 · 需说明 1 · 需修改 3（其中无法读取 1）"
    summary = xlperf("validate", "-q", "--summary", folder)
    assert summary.code == 2
    assert "XP303" not in summary.out and "校验汇总" in summary.out
    assert summary.out.rstrip().splitlines()[-1] == run.out.rstrip().splitlines()[-1]
    before = {p.name: sha256(p) for p in folder.iterdir()}
    assert xlperf("validate", "-q", "--summary", folder, "--report", tmp_path / "r.xlsx").code == 2
    assert {p.name: sha256(p) for p in folder.iterdir()} == before


def test_option_spellings_mean_the_same(seed: Path, tmp_path: Path) -> None:
    """``--report X`` and ``--report=X`` (and a trailing ``--``) are one option; --force and --summary hold."""
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")
    plain = run_cli(["validate", "-q", "--summary", seed, "--report", out, "--force"])
    out.write_bytes(b"old")
    other = run_cli(["validate", "-q", "--summary", seed, f"--report={out}", "--force", "--"])
    assert plain[0] == other[0] == 1
    assert plain[1] == other[1]
    assert out.read_bytes()[:2] == b"PK"


def test_seed_yaml_still_scores() -> None:
    run = xlperf("score", SEED_YAML, "--json")
    assert run.code == 0 and json.loads(run.out)["total"]["computed"] == 94.32


def test_json_indicator_of_a_framework_given_as_a_file(tmp_path: Path) -> None:
    """A framework the reviewer names by file: indicator names come from that file, not from the built-ins."""
    from decimal import Decimal

    from validator.test_rules import DEMO_DATA, DEMO_FW
    from xlperf.ingest.datafile import load_data
    from xlperf.data.values import data_values
    from xlperf.loader import load_framework
    from xlperf.compiled import plan_for
    from xlperf.write.template import write_template

    fw = load_framework(DEMO_FW)
    book = write_template(fw, tmp_path / "demo.xlsx", values=data_values(load_data(DEMO_DATA, fw)))
    leaf = next(i for i in fw.leaves() if i.points >= 1)
    cp = plan_for(fw).cells[f"self_{leaf.id}"]
    src = Xlsx(book).set(cp.sheet, cp.cell, Decimal(0)).save(tmp_path / "低分.xlsx")
    data = json.loads(xlperf("validate", "-q", "--json", "--framework", DEMO_FW, src).out)
    below = [f for f in data["files"][0]["findings"] if f["code"] == "XP403"]
    assert below and below[0]["indicator"] == {"id": leaf.id, "name": leaf.name}
