"""The 汇总's streamed tables write each row's XML as text (render/consolidation._Table, for speed): whatever a
submission's text holds comes back as that text in a string cell — never markup, a formula or a broken part."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

from lxml import etree
from openpyxl import Workbook, load_workbook

from xlperf.render.consolidation import _Table
from xlperf.safe_text import xml_text

TEXTS = [
    '</t></is></c><c r="A1"><f>1+1</f><v>2</v></c><c><is><t>',
    "=HYPERLINK(\"http://x\",\"点我\")", "=cmd|' /c calc'!A0", "@SUM(1)", "+1+1", "-1-1",
    "&amp; &lt; &#x41; <![CDATA[x]]> ]]>", "  前后空格  ", "一\r二\n三\r\n四\t五",
    "控制\x00\x01\x08\x0b\x0c\x1f字符", "孤\ud800代\udfff理", "\ufffe\uffff", "\u202e反向", "x" * 40_000,
    '"引号" \'单引号\'',
]


def test_hostile_text_round_trips_as_plain_strings(tmp_path: Path) -> None:
    wb = Workbook(write_only=True)
    table = _Table(wb, "问题明细", ("序号", "文本", "数"), (4, 40, 6))
    for i, text in enumerate(TEXTS, start=1):
        table.add((i, text, Decimal("1.25") if i % 2 else None))
    table.finish()
    out = tmp_path / "t.xlsx"
    wb.save(out)
    with zipfile.ZipFile(out) as zf:
        (part,) = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        root = etree.fromstring(zf.read(part))  # well-formed XML
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    assert not root.findall(".//m:f", ns), "a formula in the written sheet"
    assert len(root.findall(".//m:row", ns)) == len(TEXTS) + 1
    ws = load_workbook(out)["问题明细"]
    for i, text in enumerate(TEXTS, start=2):
        cell = ws.cell(row=i, column=2)
        assert cell.data_type in ("s", "inlineStr"), (text, cell.data_type)  # a string cell (empty: no text)
        # what xml_text keeps (controls dropped, surrogates replaced, bounded), a carriage return included
        assert cell.value == (xml_text(text) or None), repr(text)
        assert ws.cell(row=i, column=1).value == i - 1
