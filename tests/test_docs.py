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


def test_framework_reference_is_up_to_date() -> None:
    from xlperf.render.docs import framework_reference_markdown

    committed = (ROOT / "docs" / "framework-reference.md").read_text(encoding="utf-8")
    assert committed == framework_reference_markdown(), (
        "docs/framework-reference.md is stale: run `xlperf framework-schema --markdown > docs/framework-reference.md`")


def test_framework_reference_names_every_key() -> None:
    """Every field of every form model appears as a key row (a renamed field cannot hide from the docs)."""
    from xlperf.framework import form
    from xlperf.render.docs import framework_reference_markdown

    text = framework_reference_markdown()
    for model in (form.InputDecl, form.DerivedDecl, form.StatedDecl, form.AuditRule, form.TableDecl,
                  form.ColumnDecl, form.Sheet, form.Block, form.Chart, form.Grade, form.IdentityDecl):
        assert f"## {model.__name__}" in text
        for name, fld in model.model_fields.items():
            assert f"| `{fld.alias or name}` |" in text, (model.__name__, name)
