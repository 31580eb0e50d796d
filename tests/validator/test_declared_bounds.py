"""An input's declared min / max (framework data): a value outside is XP217 at its cell, and the file is still
scored; a data file with such a value is refused with the reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from xlperf.ingest.datafile import load_data
from xlperf.data.values import data_values
from xlperf.loader import load_framework
from xlperf.validate import validate_file
from xlperf.compiled import plan_for
from xlperf.write.template import write_template

from .common import REPO
from .xlsx_edit import Xlsx

FAMILIES = REPO / "tests" / "data" / "frameworks" / "families"
FW = FAMILIES / "ppd-2024.yaml"


def test_rate_above_its_declared_maximum(tmp_path: Path) -> None:
    fw = load_framework(FW)
    bounded = next(d for d in fw.form.inputs if d.max is not None)
    assert bounded.max == Decimal(1)
    book = write_template(fw, tmp_path / "ok.xlsx", values=data_values(load_data(FAMILIES / "ppd-2024-data.yaml", fw)))
    cp = plan_for(fw).cells[bounded.name]
    clean = validate_file(book, str(FW))
    assert not [f for f in clean.findings if f.code == "XP217"]
    bad = Xlsx(book).set(cp.sheet, cp.cell, Decimal("1.05")).save(tmp_path / "bad.xlsx")
    report = validate_file(bad, str(FW))
    hits = [(f.code, f.sheet, f.cell) for f in report.findings if f.code == "XP217"]
    assert hits == [("XP217", cp.sheet, cp.cell)]
    assert "105.00%" in next(f.message for f in report.findings if f.code == "XP217")
    assert report.total_computed is not None  # still scored


def test_a_quoted_indicator_name_is_not_quoted_twice(tmp_path: Path) -> None:
    """ppd-2024 has an indicator named “三公”经费变动率: its XP305 message quotes it once."""
    fw = load_framework(FW)
    book = write_template(fw, tmp_path / "ppd.xlsx", values=data_values(load_data(FAMILIES / "ppd-2024-data.yaml", fw)))
    messages = [f.message for f in validate_file(book, str(FW)).findings if f.code == "XP305"]
    assert any("：“三公”经费变动率按规则扣分" in m for m in messages), messages
    assert not any("““" in m or "””" in m for m in messages)
