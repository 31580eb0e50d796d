"""The score-only path of the rule engine (``Ctx(worded=False)``, what the ``xlperf_score`` Excel function uses) gives
the worded path's raw score exactly, or the same error — for every leaf rule of every framework in the repository,
on its data file's environment and on that environment with values changed at random (zeros, negatives, other
answers, missing names)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from xlperf.compiled import build_env
from xlperf.engine.rules import Ctx, evaluate_rule, sub_rules
from xlperf.engine.scoring import data_env
from xlperf.framework.models import Framework, Rule
from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework

from .helpers import REPO

DATA_FILES = [*sorted((REPO / "tests" / "data" / "frameworks").rglob("*-data.yaml")),
              REPO / "workbooks" / "examples" / "futian-kcj-2021.yaml"]


def _framework(data: Path) -> Framework:
    sibling = data.with_name(data.name.replace("-data.yaml", ".yaml"))
    return load_framework(str(sibling) if sibling.exists() and sibling != data else "futian-2021")


def _outcome(rule: Rule, env: Mapping[str, Any], worded: bool) -> tuple[str, str]:
    try:
        raw, text = evaluate_rule(rule, Ctx(env, lambda name: f"<{name}>", worded))
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return type(exc).__name__, str(exc)
    assert worded or text == ""
    return "score", repr(raw)


def _changed(env: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = dict(env)
    for name in rng.sample(sorted(out), k=min(len(out), 6)):
        value = out[name]
        if isinstance(value, bool):
            out[name] = not value
        elif isinstance(value, Decimal):
            out[name] = rng.choice([Decimal(0), -value, value * 3, Decimal("0.995"), Decimal("1.2")])
        elif isinstance(value, str):
            out[name] = rng.choice(["", "其他", value])
        if rng.random() < 0.2:
            del out[name]
    return out


@pytest.mark.parametrize("data", DATA_FILES, ids=lambda p: p.stem)
def test_score_only_equals_the_worded_score(data: Path) -> None:
    fw = _framework(data)
    loaded = load_data(data, fw)
    env, _ = build_env(fw, data_env(loaded), dict(loaded.judgements))
    rng = random.Random(data.stem)
    rules = [r for ind in fw.leaves() for r in sub_rules(ind.rule)]  # nested rules on their own too
    kinds = set()
    for trial in range(30):
        case = env if trial == 0 else _changed(env, rng)
        for rule in rules:
            worded = _outcome(rule, case, worded=True)
            assert _outcome(rule, case, worded=False) == worded, (rule, trial)
            kinds.add(worded[0])
    assert "score" in kinds
