"""Generated documentation stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from xlperf.render.docs import rules_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_rules_markdown_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), "docs/rules.md is stale: run `xlperf rules --markdown > docs/rules.md`"


def test_rules_markdown_documents_every_code_with_its_sections() -> None:
    from xlperf.checks.registry import CHECKS

    text = rules_markdown()
    for check in CHECKS:
        assert f"## {check.code} `{check.name}`" in text
    assert text.count("检查内容") >= len(CHECKS)


def test_readme_names_commands_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash tests/run_all.sh" in readme
    assert (ROOT / "tests" / "run_all.sh").exists()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "tests/run_all.sh" in ci
    example = "workbooks/examples/深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"
    assert example in readme and (ROOT / example).exists()
