"""The worksheet scanner (ingest/sheetscan.py) against the lxml path it stands in for: same cells or it declines.

Seeded fuzz over generated sheet XML (valid and subtly invalid) and every worksheet of tests/corpus and of
freshly written workbooks. The reference is the lxml path with the scanner switched off; the independent
check that the scanner never accepts malformed XML is lxml's own parse of the same bytes.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from xlperf.ingest import sheetscan, xlsx

NS = xlsx.TRANSITIONAL
CORPUS = Path(__file__).resolve().parent.parent / "corpus"


class _OnePart:
    """The smallest package view ``_read_sheet`` reads: one worksheet part."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def getinfo(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name)
        info.file_size = len(self.data)
        return info

    def read(self, name: str) -> bytes:
        return self.data

    def open(self, name: str) -> io.BytesIO:
        return io.BytesIO(self.data)

    def namelist(self) -> list[str]:
        return ["s.xml"]


STRINGS = ["共享一", "two", "&amp; literal"]
STYLES = xlsx._StyleSet({3})
STYLES.shown = {4: "percent"}


def _read(data: bytes, scan: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    """The cells (with their order) or the exception (type and text) of one path."""
    with monkeypatch.context() as m:
        if not scan:
            m.setattr(xlsx, "prepare", lambda data, ns: None)
        try:
            cells = xlsx._read_sheet(_OnePart(data), "s.xml", STRINGS, STYLES, NS, xlsx._Budget())
        except Exception as exc:  # noqa: BLE001 - compared between the paths
            return (type(exc).__name__, str(exc))
    return list(cells.items())


def _lxml_parses(data: bytes) -> bool:
    try:
        etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        return False
    return True


def _accepts(scan: sheetscan.Scan) -> bool:
    try:
        return xlsx._collect_scanned(scan, STRINGS, STYLES, xlsx._Budget()) is not None
    except xlsx.BookTooLarge:
        return True


def _same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Assert both paths agree; return whether the scanner accepted the part."""
    scan = sheetscan.prepare(data, NS)
    accepted = scan is not None and _accepts(scan)
    if accepted:
        assert _lxml_parses(data), f"the scanner accepted malformed XML: {data[:300]!r}"
    assert _read(data, True, monkeypatch) == _read(data, False, monkeypatch), data[:400]
    return accepted


HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        '<dimension ref="A1:D4"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>')
TAIL = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'

CELLS = [
    '<c r="A{r}" s="1" t="s"><v>0</v></c>', '<c r="B{r}" t="s"><v>2</v></c>', '<c r="C{r}"><v>1325.94</v></c>',
    '<c r="D{r}" s="3"><v>44197</v></c>', '<c r="E{r}" s="4"><v>0.25</v></c>', '<c r="F{r}" s="2"/>',
    '<c r="G{r}" t="inlineStr"><is><t>&#22522;&#26412; &amp; &lt;x&gt; &quot;q&quot; &apos;</t></is></c>',
    '<c r="H{r}" t="inlineStr"><is><t xml:space="preserve">  空格  </t></is></c>',
    '<c r="I{r}"><f>SUM(A1:C1)&amp;"&lt;"</f><v>3</v></c>', '<c r="J{r}"><f t="shared" ref="J1:J9" si="0">A{r}*2</f><v>2</v></c>',
    '<c r="K{r}"><f t="shared" si="0"/><v>4</v></c>', '<c r="L{r}" t="str"><f>"a"</f><v>a</v></c>',
    '<c r="M{r}" t="b"><v>1</v></c>', '<c r="N{r}" t="e"><v>#DIV/0!</v></c>', '<c r="O{r}"><v>1E+999999</v></c>',
    '<c r="P{r}"><v>-0.5e-3</v></c>', '<c><v>7</v></c>', '<c s="5" t="n"><v>8</v></c>',
    "<c r='Q{r}' t='inlineStr'><is><t>single</t></is></c>", '<c r="R{r}" t="inlineStr"><is/></c>',
    '<c r="S{r}" t="inlineStr"><is><t/></is></c>', '<c r="T{r}" t="s"><v>99</v></c>', '<c r="U{r}"><v></v></c>',
    '<c r="V{r}" t="inlineStr"><is><r><t>rich</t></r></is></c>', '<c r="W{r}" t="d"><v>2021-01-01</v></c>',
    '<c r = "X{r}"\n\tt = "s" ><v >1</v ></c >', '<c r="Y{r}" x14ac:foo="1"><v>5</v></c>',
    '<c r="Z{r}" t="inlineStr"><is><t>tab&#9;nl&#10;cr&#13;</t></is></c>', '<c r="AA{r}"><f>A1&gt;0</f></c>',
    '<c r="AB{r}" s="3" t="inlineStr"><is><t>\U0001F600 ok</t></is></c>', '<c r="AC{r}"><v>12345678901234567890123</v></c>',
]
ROWS = ['<row r="{r}">{cells}</row>', '<row r="{r}" spans="1:5" x14ac:dyDescent="0.25">{cells}</row>',
        '<row>{cells}</row>', "<row r='{r}' ht=\"15\">{cells}</row>", '<row r="{r}"/>', '<row r="{r}" >\n  {cells}\n</row>']

# Subtly (or plainly) invalid or unusual pieces, spliced in at random.
BREAKS = [
    "&", "&foo;", "&#0;", "&#xD800;", "&#x110000;", "]]>", "<![CDATA[x]]>", "<!-- c -->", "<?pi x?>", "<", ">",
    '<c r="A1" r="A2"><v>1</v></c>', '<c r="A1" s="1" s="2"/>', "<c r=\"A1\"><v>1</v>", "</row>", "<row>",
    '<c r="A1" a="<"/>', '<c r="A1" undeclared:x="1"/>', '<x:c r="A1"/>', '<c r="A1"><c r="A2"/></c>', "\x01",
    "\x0b", "\r", "\r\n", "\t", "\ufffe", '<c r="A1" xmlns="urn:other"><v>1</v></c>', '<c r="A1" xml:lang="zh"/>',
    '<c r="A1"><extLst/></c>', '<c r="A1"><v>1</v><v>2</v></c>', '<c r="A1"><v>1</v><f>A2</f></c>', "&#65;",
    '<c r="A1" t="s"><v>1</v></c >', "<row r=\"9\" t='a\"b'/>", '<c r="A1" t="inl&#105;neStr"><is><t>x</t></is></c>',
    '<c r="A1" a="x\ty\nz"/>', '<c r="A1" xml:space="odd"/>', "  ", "x", '<c r="A1" xmlns:p="urn:p" p:a="1"/>',
]


def _sheet(rng: random.Random) -> str:
    rows = []
    for r in range(1, rng.randint(1, 6)):
        cells = "".join(rng.choice(CELLS).format(r=r) for _ in range(rng.randint(0, 6)))
        rows.append(rng.choice(ROWS).format(r=r, cells=cells))
    return "".join(rows)


def _mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(text))
        text = text[:at] + rng.choice(BREAKS) + text[at:]
    return text


def test_fuzzed_sheets_read_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(20261208)
    accepted = declined = 0
    for i in range(1500):
        body = _sheet(rng)
        if i % 2:
            body = _mutate(body, rng)
        data = (HEAD + "<sheetData>" + body + "</sheetData>" + TAIL).encode("utf-8", "surrogatepass")
        if _same(data, monkeypatch):
            accepted += 1
        else:
            declined += 1
    assert accepted > 400 and declined > 300  # both sides exercised


PARTS = [
    ("prefixed", f'<x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
                 "</x:sheetData></x:worksheet>", True),
    ("prefix mismatch", f'<x:worksheet xmlns:x="{NS}" xmlns="{NS}"><x:sheetData><row r="1"><c r="A1"><v>1</v></c>'
                        "</row></x:sheetData></x:worksheet>", False),
    ("other namespace", '<worksheet xmlns="urn:x"><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
                        "</worksheet>", False),
    ("no declaration", f'<worksheet xmlns="{NS}"><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>', True),
    ("latin-1", f'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet xmlns="{NS}"><sheetData><row><c><v>1</v>'
                "</c></row></sheetData></worksheet>", False),
    ("xml 1.1", f'<?xml version="1.1"?><worksheet xmlns="{NS}"><sheetData/></worksheet>', False),
    ("doctype", f'<!DOCTYPE worksheet [<!ATTLIST c t CDATA "s">]><worksheet xmlns="{NS}"><sheetData><row><c>'
                "<v>0</v></c></row></sheetData></worksheet>", False),
    ("row outside", f'<worksheet xmlns="{NS}"><row r="5"><c r="A5"><v>1</v></c></row><sheetData><row><c><v>1</v>'
                    "</c></row></sheetData></worksheet>", False),
    ("nested sheetData", f'<worksheet xmlns="{NS}"><x><sheetData><row><c><v>1</v></c></row></sheetData></x>'
                         "</worksheet>", False),
    ("tail broken", f'<worksheet xmlns="{NS}"><sheetData><row><c><v>1</v></c></row></sheetData><a></worksheet>', False),
    ("tail prefix", f'<worksheet xmlns="{NS}"><sheetData><row><c><v>1</v></c></row></sheetData><q:a/></worksheet>',
     False),
    ("head prefix", f'<worksheet xmlns="{NS}"><q:a/><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>',
     False),
    ("in comment", f'<worksheet xmlns="{NS}"><!-- <sheetData> --><sheetData><row><c><v>1</v></c></row></sheetData>'
                   "</worksheet>", False),
    ("attribute bound on sheetData", f'<worksheet xmlns="{NS}"><sheetData xmlns:p="urn:p"><row p:x="1"><c><v>1</v>'
                                     "</c></row></sheetData></worksheet>", True),
    ("extra after root", f'<worksheet xmlns="{NS}"><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>x',
     False),
    ("second sheetData", f'<worksheet xmlns="{NS}"><sheetData></sheetData><sheetData><row><c><v>1</v></c></row>'
                         "</sheetData></worksheet>", False),
]


@pytest.mark.parametrize(("label", "text", "accept"), PARTS, ids=[p[0] for p in PARTS])
def test_whole_parts(label: str, text: str, accept: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _same(text.encode(), monkeypatch) is accept


def test_bad_bytes_decline(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw in (b"\xed\xa0\x80", b"\xc0\x80", b"\xff", b"\xef\xbf\xbf", b"\x00"):
        data = (HEAD + '<sheetData><row><c t="inlineStr"><is><t>').encode() + raw + \
            ("</t></is></c></row></sheetData>" + TAIL).encode()
        assert not _same(data, monkeypatch)


def _worksheets(path: Path) -> list[bytes]:
    try:
        with zipfile.ZipFile(path) as zf:
            return [zf.read(i) for i in zf.infolist() if i.filename.startswith("xl/worksheets/")
                    and i.filename.endswith(".xml") and i.file_size <= xlsx.IN_MEMORY_MAX]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return []


def test_corpus_worksheets_read_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [data for path in sorted(CORPUS.rglob("*.xlsx")) for data in _worksheets(path)]
    accepted = sum(_same(data, monkeypatch) for data in parts)
    assert len(parts) > 50 and accepted > len(parts) // 2


def test_written_workbooks_take_the_scanner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl's XML (inline strings as numeric references, shared formulas) is read by the scanner."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.create_sheet("数据")
    ws.append(["基本信息", 1325.94, "=SUM(B1:B1)", True, None, "a & <b>"])
    ws["A2"] = '=IF(B1>0,"是","否")'
    path = tmp_path / "w.xlsx"
    wb.save(path)
    assert all([_same(data, monkeypatch) for data in _worksheets(path)])
