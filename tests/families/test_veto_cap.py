"""一票否决 written as a cap (haicheng-2024): a 是/否 input that zeroes a level-1 section.

The explanation (score text, XP413) must read as the department reads its form — 是/否, no Python ``True`` and no
percentage band on a flag; the figures are the family's data with 重大违纪违规 set to 是 (hand arithmetic below)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml

from xlperf.compiled import score
from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework

HERE = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "families"


def test_veto_zeroes_the_section_and_says_so_in_chinese(tmp_path: Path) -> None:
    raw = yaml.safe_load((HERE / "haicheng-2024-data.yaml").read_text(encoding="utf-8"))
    raw["flags"]["major_violation"] = True
    data_file = tmp_path / "veto.yaml"
    data_file.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    fw = load_framework(str(HERE / "haicheng-2024.yaml"))
    result = score(fw, load_data(data_file, fw))
    process = next(i for i in result.indicators if i.id == "process")
    assert process.computed == 0  # 19.94 before the veto
    assert result.total.computed == Decimal("69.50")  # 89.44 − 19.94
    cap = next(c for c in result.caps if c.id == "veto_process")
    assert cap.before == Decimal("19.94") and cap.after == 0 and cap.self_after == 0
    assert cap.explanation == "一票否决：是否发生重大违纪违规问题（一票否决） 是，最高 0 分"
