"""The check catalogue: stable unique codes and names, complete Chinese docs, an append-only code list."""

from __future__ import annotations

import re

import pytest

from xlperf.checks.base import DOC_SECTIONS
from xlperf.checks.registry import CHECKS, REDIRECTS, by_code, resolve
from xlperf.findings import Severity
from xlperf.ingest import precheck as safety
from xlperf.checks.base import ReaderCheck
from xlperf.ingest.notes import Noted

from .common import GOLDEN, run_cli

CODE = re.compile(r"^XP\d{3}$")
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
HAN = re.compile(r"[\u4e00-\u9fff]")
FAMILIES = {"internal", "file", "structure", "cells", "money", "budget", "audit", "scoring", "report", "batch"}


def golden() -> list[tuple[str, str]]:
    """(code, name) of every code ever issued, from tests/golden/codes.txt (append-only)."""
    out = []
    for line in (GOLDEN / "codes.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            code, name = line.split()[:2]
            out.append((code, name))
    return out


def test_codes_unique_and_well_formed() -> None:
    codes = [c.code for c in CHECKS]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)
    assert all(CODE.match(c) for c in codes), [c for c in codes if not CODE.match(c)]


def test_names_unique_kebab_case() -> None:
    names = [c.name for c in CHECKS]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert all(KEBAB.match(n) for n in names), [n for n in names if not KEBAB.match(n)]


@pytest.mark.parametrize("check", CHECKS, ids=[c.code for c in CHECKS])
def test_metadata_and_doc_sections(check: type) -> None:
    assert isinstance(check.severity, Severity)
    assert check.family in FAMILIES
    assert HAN.search(check.title), check.title
    doc = check.doc()
    positions = []
    for section in DOC_SECTIONS:
        m = re.search(rf"(^|\n){section}：\S", doc)
        assert m, f"{check.code}: docstring lacks “{section}：…”"
        positions.append(m.start())
    assert positions == sorted(positions), f"{check.code}: sections out of order"


def test_sections_are_the_four_required() -> None:
    assert DOC_SECTIONS == ("检查内容", "为何重要", "示例", "如何修改")


def test_golden_file_is_well_formed() -> None:
    rows = golden()
    codes = [c for c, _ in rows]
    assert len(codes) == len(set(codes)), "a code appears twice in tests/golden/codes.txt: codes are never reused"
    assert all(CODE.match(c) for c in codes)
    assert all(KEBAB.match(n) for _, n in rows)


def test_every_registered_code_is_in_golden_file() -> None:
    listed = {c for c, _ in golden()}
    missing = sorted(c.code for c in CHECKS if c.code not in listed)
    assert not missing, f"add these codes to tests/golden/codes.txt (append-only): {missing}"


def test_no_code_disappears_without_redirect() -> None:
    registered = by_code()
    gone = sorted(c for c, _ in golden() if c not in registered and c not in REDIRECTS)
    assert not gone, f"codes no longer registered and not redirected in registry.REDIRECTS: {gone}"
    for old, new in REDIRECTS.items():
        assert resolve(new), f"REDIRECTS[{old!r}] = {new!r} points to no check"


def test_renamed_names_are_redirected() -> None:
    """Names are stable too (--select accepts them): a renamed check keeps its old name as a redirect."""
    registered = by_code()
    for code, name in golden():
        if code in registered and registered[code].name != name:
            assert REDIRECTS.get(name) == code, f"{code} was “{name}”, now “{registered[code].name}”: redirect it"


def test_every_kind_of_note_has_exactly_one_check() -> None:
    """Readers and the pre-check make notes, not findings: each kind of note is reported by exactly one check
    class, which alone holds its code, name, severity and title."""
    reporting = [c.note for c in CHECKS if issubclass(c, ReaderCheck)]
    assert sorted(k.name for k in reporting) == sorted(k.name for k in Noted)
    assert len(reporting) == len(set(reporting))


# CLI ---------------------------------------------------------------------------------------------------------

def test_cli_rules_lists_every_code() -> None:
    code, out, err = run_cli(["rules"])
    assert code == 0, err
    listed = [line.split("\t")[0] for line in out.splitlines() if line.strip()]
    assert sorted(listed) == sorted(c.code for c in CHECKS)
    for c in CHECKS:
        line = next(line for line in out.splitlines() if line.startswith(c.code + "\t"))
        assert c.name in line and c.title in line and c.severity.zh in line


@pytest.mark.parametrize("selector", ["XP303", "xp303", "stated-rate-mismatch"])
def test_cli_rule_prints_doc(selector: str) -> None:
    code, out, err = run_cli(["rule", selector])
    assert code == 0, err
    assert out.startswith("XP303 stated-rate-mismatch")
    for section in DOC_SECTIONS:
        assert section + "：" in out
    assert "55.23%" in out and "4.79 ÷ 8.67 = 55.25%" in out


def test_cli_unknown_rule_exit_2_chinese() -> None:
    from tests.support.cli import xlperf

    run = xlperf("rule", "XP999")
    assert run.code == 2
    assert "XP999" in run.err and HAN.search(run.err)
    assert "Traceback" not in run.err + run.out
    assert run.out == ""
