"""A corpus of 绩效自评报告 written the way departments' finance staff write them (not the way ``xlperf report``
drafts them), as .docx files built with python-docx (the independent writer) plus the WordprocessingML that
Word and WPS really write: merged header cells, a unit row inside the table, a unit column, a table continued
on the next page (续表), tracked changes (w:ins / w:del / w:moveFrom), fields (页码), comments, footnotes, text
boxes (mc:AlternateContent with its VML fallback), a picture-only (scanned) page, an empty table, WPS's
full-width digits, ideographic spaces and numbers split across runs.

Every report is checked against the shipped example workbook (深圳市福田区科技创新局 2021, the seed's figures).
Each :class:`Case` lists the findings expected **by hand**: the code, the figure as the report writes it (in
the unit the finding's ``found`` has: 万元 for money, percent for rates, the count) and, for XP502, the
workbook's figure. Everything else a report quotes is correct or not checkable and must not be flagged. The
workbook figures used (预算编制/预算执行/三公经费与政府采购/人员/资产/季度支付 sheets of the example):

    总计 年初预算 43,189.21  调整后指标 81,164.95  年度总支出 79,260.57  执行率 97.65%
    基本支出 681.36 / 710.04 / 631.07 / 88.88%   人员经费 642.21 / 670.89 / 606.07 / 90.34%
    日常公用经费 39.15 / 39.15 / 25.00 / 63.86%   项目支出 42,507.85 / 80,454.91 / 78,629.50 / 97.73%
    “三公”经费 预算 8.67 实际 4.79 控制率 55.25%   公务接待费 5.00 / 1.64   公务用车 3.67 / 3.15
    政府采购 计划 1,931.52 实际 730.68 执行率 37.83%   固定资产 265 件 原值 186.13 净值 108.67
    无形资产 2 套 原值 172.00   资产账面总额 4,013.55   核定编制 21  实有在职 17  离退休 7  劳务派遣 14
    各季度累计已支付 12,693.28 / 33,284.43 / 52,925.34 / 79,260.57   满意度 95%   信访办理回复率 100%
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

D = Decimal

# One report block: a paragraph (str), a table (rows of cell texts), or a function that appends raw XML.
Block = str | list[list[str]] | Callable[[Any], None]


@dataclass(frozen=True)
class Expect:
    code: str
    found: Decimal
    expected: Decimal | None = None


@dataclass
class Case:
    name: str
    what: str  # what the report exercises
    blocks: list[Block]
    expect: list[Expect] = field(default_factory=list)
    merges: dict[int, list[tuple[int, int, int, int]]] = field(default_factory=dict)  # table no → merges
    footnote: str = ""  # a footnote's text (word/footnotes.xml), referenced from the first paragraph
    wps: bool = False  # the package as WPS writes it (docProps/custom.xml with KSOProductBuildVer)


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = (f'xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
       'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
       'xmlns:v="urn:schemas-microsoft-com:vml" '
       'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
       'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"')


def _raw(body_xml: str) -> Callable[[Any], None]:
    """A paragraph given as WordprocessingML (runs, w:ins, w:del, fields …) appended to the body."""

    def add(doc: Any) -> None:
        from docx.oxml import parse_xml

        p = parse_xml(f"<w:p {_NS}>{body_xml}</w:p>")
        doc.element.body.append(p)

    return add


def _r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _ins(text: str) -> str:
    return f'<w:ins w:id="91" w:author="财务科" w:date="2022-03-01T09:00:00Z">{_r(text)}</w:ins>'


def _del(text: str) -> str:
    return (f'<w:del w:id="92" w:author="财务科" w:date="2022-03-01T09:00:00Z"><w:r><w:delText xml:space="preserve">'
            f"{text}</w:delText></w:r></w:del>")


def _page_field() -> str:
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE '
            '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            '<w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _text_box(text: str) -> str:
    """A floating text box as Word writes it: the DrawingML shape and, for older readers, the same text again
    in a VML fallback."""
    inner = f"<w:txbxContent><w:p>{_r(text)}</w:p></w:txbxContent>"
    return ("<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><a:graphic><a:graphicData "
            f"uri=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\"><wps:wsp><wps:txbx>{inner}"
            "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback>"
            f"<w:pict><v:shape><v:textbox>{inner}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>")


_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==")


def _scanned_page(doc: Any) -> None:
    """A page that is only a picture (a scanned signature page): no text at all."""
    import io

    doc.add_paragraph().add_run().add_picture(io.BytesIO(_PNG))


def _comment(doc: Any) -> None:
    """A reviewer's comment on a figure: its text lives in comments.xml, not in the report's body."""
    para = doc.add_paragraph()
    run = para.add_run("2021年我局政府采购实际支出730.68万元。")
    if hasattr(doc, "add_comment"):
        doc.add_comment(run, text="请核实：采购实际金额应为703.68万元？", author="审核人")


CASES: list[Case] = [
    Case("units", "元 / 万元 / 亿元, 约/近/逾, thousands separators, a table in 元, a figure more precise than the "
         "workbook", [
             "2021年度部门整体支出绩效自评报告",
             "一、部门（单位）基本情况",
             "（一）预算收支情况",
             "2021年我局年初预算431,892,100.00元，调整后年度预算总指标8.12亿元，全年实际支出近7.9亿元，"
             "部门整体预算执行率97.65%。",
             "“三公”经费实际支出47,912元，其中：公务接待费实际支出16,412.00元，公务用车购置及运行维护费实际支出31,500元。",
             "日常公用经费调整后年度预算总指标391,500元，实际支出250,800元，日常公用经费控制率63.86%。",
             "政府采购预算数逾1,900万元，实际采购金额730.68万元。",
             "2021年部门预算收支情况表",
             "单位：元",
             [["项目", "年初预算", "实际支出"],
              ["基本支出", "6,813,600.00", "6,310,700.00"],
              ["项目支出", "425,078,500.00", "786,295,000.00"],
              ["合计", "431,892,100.00", "792,605,700.00"]],
         ],
         # 250,800元 = 25.08万元 vs 日常公用经费 年度总支出 25.00万元 (800元 apart)
         [Expect("XP502", D("25.08"), D("25.00"))]),
    Case("numerals", "Chinese numerals (一万六千四百元, 四亿三千一百八十九万元, 百分之九十七点六五, 四成, 七人), "
         "3.5亿, 95 %", [
             "二、部门整体支出绩效情况",
             "2021年我局年初预算四亿三千一百八十九万元，项目支出年初预算4.25亿元。",
             "公务接待费预算数五万元，实际支出一万六千四百元。",
             "部门整体预算执行率为百分之九十七点六五，“三公”经费控制率为百分之五十二。",
             "政府采购执行率约四成，群众信访办理回复率100 %。",
             "公众或服务对象满意度为百分之九十五。",
             "截至2021年年末，固定资产二百六十五件，无形资产两套。离退休人员七人，劳务派遣人员十五人。",
         ],
         # 百分之五十二 vs 4.79 ÷ 8.67 = 55.25%; 十五人 vs 劳务派遣人员 14
         [Expect("XP502", D("52"), D("55.25")), Expect("XP502", D("15"), D("14"))]),
    Case("derived", "比上年 / 同比 / 较2020年 changes, 个百分点, 占…的 shares: derived figures the workbook may not "
         "hold", [
             "（三）部门预算收支变动情况",
             "2021年部门预算收入43,189.21万元，比上年增加1,607.45万元，增长3.87%。",
             "“三公”经费实际支出4.79万元，同比下降22.4%，比上年减少1.38万元。",
             "部门整体预算执行率较上年提高2.3个百分点，项目支出占部门整体支出的99.20%。",
             "人员经费实际支出606.07万元，较2020年增长5.2%。",
             "日常公用经费实际支出25.00万元，比年初预算减少14.15万元，下降36.14%。",
             "基本支出实际支出631.07万元，比上年增加31.07万元，增长6.18%。",
             "年中项目支出调整预算增加37,947.06万元，日常公用经费实际支出减少14.15万元。",
             "公务用车购置及运行维护费实际支出3.15万元，较预算节约0.52万元。",
         ],
         # 31.07 ÷ (631.07 − 31.07) = 5.18%, not 6.18%
         [Expect("XP506", D("6.18"), D("5.18"))]),
    Case("not-money", "dates, document numbers (福财〔2022〕53号), article numbers, ranges (10-20万元, 95%-100%)", [
             "根据《福田区财政局关于开展2021年度预算绩效自评工作的通知》（福财〔2022〕53号）要求，"
             "我局于2022年3月15日前完成自评。",
             "按照《福田区产业发展专项资金管理办法》（福府规〔2019〕3号）第12条，单个项目资助金额为10-20万元。",
             "部门整体预算执行率目标为95%-100%，公务接待费预算控制在3～5万元。",
             "2021年12月31日，我局实有在职人员17人。",
             "第四季度累计已支付金额79,260.57万元。",
         ], []),
    Case("tables", "merged header cells, a unit row inside the table, 执行率（%） column, a unit column, a table "
         "continued on the next page (续表, and again without its header row), an empty table, the same wrong figure in a paragraph and a table", [
             "一、部门（单位）基本情况",
             "表1 2021年预算执行情况",
             [["单位：万元", "", "", "", ""],
              ["项目", "预算数", "", "年度总支出", "执行率（%）"],
              ["", "年初预算", "调整后预算", "", ""],
              ["基本支出", "681.36", "710.04", "631.07", "88.88"],
              ["  其中：人员经费", "642.21", "670.89", "606.07", "90.34"],
              ["        日常公用经费", "39.15", "39.15", "25.00", "63.86"],
              ["项目支出", "42,507.85", "80,454.91", "78,629.50", "97.37"],
              ["合计", "43,189.21", "81,164.95", "79,260.57", "97.65"]],
             "项目支出预算执行率97.37%，执行情况较好。",
             "表2 2021年“三公”经费及政府采购情况（单位：万元）",
             [["项目", "预算数", "实际支出"],
              ["因公出国（境）费", "0.00", "0.00"],
              ["公务接待费", "5.00", "1.64"]],
             "续表",
             [["项目", "预算数", "实际支出"],
              ["公务用车购置及运行维护费", "3.67", "3.51"],
              ["政府采购", "1,931.52", "730.68"]],
             "",
             [["因公出国（境）费", "0.00", "0.00"],
              ["公务接待费", "5.00", "1.46"]],
             "表3 人员和资产情况",
             [["指标", "计量单位", "数值"],
              ["核定编制数", "人", "21"],
              ["实有在职在编人员", "人", "17"],
              ["固定资产账面原值", "万元", "186.13"],
              ["固定资产账面净值", "万元", "180.67"],
              ["资产账面总额", "元", "40,135,500.00"],
              ["固定资产利用率", "%", "100"]],
             "表4 2021年新增项目情况",
             [["序号", "项目名称", "金额（万元）"]],
         ],
         # 97.37 vs 78,629.50 ÷ 80,454.91 = 97.73% (in the table and in the paragraph after it: one finding);
         # 3.51 vs 公务用车 实际支出 3.15 (in the continued table); 1.46 vs 公务接待费 实际支出 1.64 (in a third
         # part after an empty paragraph, its header row not repeated); 180.67 vs 固定资产账面净值 108.67
         [Expect("XP502", D("97.37"), D("97.73")), Expect("XP502", D("3.51"), D("3.15")),
          Expect("XP502", D("1.46"), D("1.64")), Expect("XP502", D("180.67"), D("108.67"))],
         merges={1: [(0, 0, 0, 4), (1, 1, 1, 2), (1, 0, 2, 0), (1, 3, 2, 3), (1, 4, 2, 4)]}),
    Case("word-features", "tracked changes (w:ins / w:del / w:moveFrom), a PAGE field, a comment, a footnote, a text "
         "box with its VML fallback, numbers in headings, a scanned page", [
             "一、部门（单位）基本情况",
             "（一）预算执行率97.65%",
             "1、项目支出调整后年度预算总指标80,454.91万元",
             "（二）日常公用经费控制率63.68%",
             _raw(_r("2021年公务接待费实际支出") + _del("1.46") + _ins("1.64") + _r("万元，公务用车购置及运行维护费实际支出")
                  + _del("3.15") + _ins("3.51") + _r("万元。")),
             _raw('<w:moveFrom w:id="93" w:author="财务科" w:date="2022-03-01T09:00:00Z">'
                  + _r("核定编制数21人，") + "</w:moveFrom>" + _r("实有在职人员17人。")),
             _raw(_r("第") + _page_field() + _r("页")),
             _comment,
             _raw(_r("经济性指标：") + _text_box("日常公用经费控制率68.36%，“三公”经费控制率55.25%。")),
             _scanned_page,
             "二、部门（单位）主要履职绩效分析",
             "全年平均执行率为82.29%。",
         ],
         # the inserted 3.51 vs 3.15 (the deleted 3.15 is not read); 68.36% in the text box vs 63.86% (once);
         # the heading's 63.68% vs 25.00 ÷ 39.15 = 63.86%
         [Expect("XP502", D("3.51"), D("3.15")), Expect("XP502", D("68.36"), D("63.86")),
          Expect("XP502", D("63.68"), D("63.86"))],
         footnote="注：公务接待费实际支出为1.46万元，数据来源于2020年决算。"),  # another part: not read
    Case("transposed", "a table with the measures down the side and the subjects across, 合  计 with spaces, "
         "分别为 lists, counts with their measure word after the subject, the self-score", [
             "一、部门（单位）基本情况",
             "2021年部门预算收支情况（单位：万元）",
             [["项目", "基本支出", "项目支出", "合  计"],
              ["年初预算", "681.36", "42,507.85", "43,189.21"],
              ["调整后预算", "710.04", "80,454.91", "81,164.95"],
              ["实际支出", "631.70", "78,629.50", "79,261.20"]],
             "2021年“三公”经费预算8.67万元，其中：公务接待费5.00万元，公务用车购置及运行维护费3.67万元。",
             "公务接待费、公务用车购置及运行维护费实际支出分别为1.64万元、3.15万元。",
             "截至2021年年末，我局核定编制数21人，实有在职人员17人，离退休人员7人，劳务派遣人员14人。",
             "四、部门整体支出绩效评价指标评分情况",
             "我局2021年度部门整体支出绩效自评总分为95.94分。",
         ],
         # 631.70 vs 基本支出 年度总支出 631.07 (digits swapped); the 合计 column's 79,261.20 = 631.70 + 78,629.50
         # follows from it (one error, one finding: XP508 checks the column adds up, and it does); 95.94 vs the
         # self-scores' sum 94.94
         [Expect("XP502", D("631.70"), D("631.07")), Expect("XP502", D("95.94"), D("94.94"))]),
    Case("prose", "a narrative as the seed writes it: the department's own counts (场, 家, 余个, 万平方米), "
         "scores of the rules quoted, rates of each indicator, a few of them mistyped", [
             "二、部门（单位）主要履职绩效分析",
             "（一）部门履职绩效情况",
             "全年举办科普活动12场，服务企业203家，吸引30余个国家和地区的1000多家专业组织参展，"
             "通过“租购改建”筹集约50万平方米科研空间，预计拨付扶持资金3.5亿元，新增支持条款5条。",
             "1、经济性。人员经费年初预算642.12万元，日常公用经费控制率63.86%，“三公”经费控制率55.25%，"
             "“三公”经费控制率＜90%的，得3分。",
             "2、效率性。政府采购执行率37.38%，二季度执行率为80.02%，全年平均执行率82.29%。",
             "3、管理。固定资产利用率为100%，财政供养人员控制率85.71%，编外人员控制率42.24%。",
             "4、公平性。群众信访办理回复率100%，公众满意度为96%。",
             "对上轮巡察发现的22项问题坚决整改，已完成整改18项。",
         ],
         # 642.12 vs 人员经费 年初预算 642.21; 37.38% vs 730.68 ÷ 1,931.52 = 37.83%; 80.02% vs 二季度执行率 82.02%;
         # 42.24% vs 14 ÷ 33 = 42.42%; 96% vs 公众或服务对象满意度 95%
         [Expect("XP502", D("642.12"), D("642.21")), Expect("XP502", D("37.38"), D("37.83")),
          Expect("XP502", D("80.02"), D("82.02")), Expect("XP502", D("42.24"), D("42.42")),
          Expect("XP502", D("96"), D("95"))]),
    Case("years", "last year's figures beside this year's: a paragraph on 2020, a table of 2020年 / 2021年 / 上年数 "
         "columns with an 增减率 column", [
             "一、部门（单位）基本情况",
             "2020年部门整体实际支出75,112.30万元，2021年部门整体实际支出79,260.57万元。",
             "2021年与2020年“三公”经费实际支出对比情况（单位：万元）",
             [["项目", "2020年", "2021年", "增减率"],
              ["公务接待费", "2.35", "1.64", "-30.21%"],
              ["公务用车购置及运行维护费", "3.90", "3.51", "-10.00%"]],
             "2021年人员情况",
             [["项目", "上年数", "本年数"],
              ["核定编制数", "20", "21"],
              ["实有在职在编人员", "16", "17"]],
         ],
         # 3.51 in the 2021年 column vs 公务用车 实际支出 3.15 (its 增减率 -10.00% follows it, not checked);
         # the 2020 figures (75,112.30, 2.35, 3.90, 20, 16) and the 增减率 column are not in the workbook
         [Expect("XP502", D("3.51"), D("3.15"))]),
    Case("wps", "WPS's docx: full-width digits and separators, ideographic spaces, a number split across runs, "
         "a soft line break inside a sentence", [
             "\u3000\u3000一、部门（单位）基本情况",
             "\u3000\u30002021年我局预算调整后年度总指标为８１，１６４．９５万元，实际支出７９，２６０．５７万元。",
             _raw(_r("\u3000\u3000截至2021年年末，项目支出实际支出") + _r("78,") + _r("692") + _r(".50") + _r("万元。")),
             _raw(_r("\u3000\u3000政府采购实际金额") + "<w:r><w:br/></w:r>" + _r("703.68万元，政府采购执行率３７．８３％。")),
             "\u3000\u3000各季度执行率分别为62.56%、82.02%、86.94%、97.65%。",
         ],
         # 78,692.50 vs 项目支出 年度总支出 78,629.50 (split across three runs); 703.68 after a soft line break
         # (Shift+Enter) vs 政府采购实际金额 730.68
         [Expect("XP502", D("78692.50"), D("78629.50")), Expect("XP502", D("703.68"), D("730.68"))], wps=True),
]


def _merge(table: Any, r1: int, c1: int, r2: int, c2: int) -> None:
    """Merge as Word does (gridSpan / vMerge), keeping the first cell's text only."""
    keep = table.cell(r1, c1).text
    merged = table.cell(r1, c1).merge(table.cell(r2, c2))
    merged.text = keep


def build(case: Case, path: Path) -> Path:
    import docx

    doc = docx.Document()
    table_no = 0
    for block in case.blocks:
        if isinstance(block, str):
            doc.add_paragraph(block)
        elif isinstance(block, list):
            table_no += 1
            width = max(len(r) for r in block)
            table = doc.add_table(rows=len(block), cols=width)
            for r, cells in enumerate(block):
                for c, text in enumerate(cells):
                    table.cell(r, c).text = text
            for span in case.merges.get(table_no, []):
                _merge(table, *span)
        else:
            block(doc)
    if case.footnote:
        doc.paragraphs[0].add_run()._r.append(_footnote_reference())
    doc.save(str(path))
    if case.footnote or case.wps:
        _add_parts(path, case)
    return path


def _footnote_reference() -> Any:
    from docx.oxml import parse_xml

    return parse_xml(f'<w:footnoteReference {_NS} w:id="1"/>')


_FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
_CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"


def _add_parts(path: Path, case: Case) -> None:
    """Rewrite the package with a footnotes part (Word) or WPS's custom properties, as those programs do."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    types = parts["[Content_Types].xml"].decode()
    if case.footnote:
        parts["word/footnotes.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {_NS}>'
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
            f'<w:footnote w:id="1"><w:p>{_r(case.footnote)}</w:p></w:footnote></w:footnotes>').encode()
        types = types.replace("</Types>", f'<Override PartName="/word/footnotes.xml" ContentType="{_FOOTNOTES_CT}"/>'
                                          "</Types>")
        rels = parts["word/_rels/document.xml.rels"].decode()
        parts["word/_rels/document.xml.rels"] = rels.replace(
            "</Relationships>", f'<Relationship Id="rIdFn1" Type="{_FOOTNOTES_REL}" Target="footnotes.xml"/>'
                                "</Relationships>").encode()
    if case.wps:
        parts["docProps/custom.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats'
            '.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
            '2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
            'name="KSOProductBuildVer"><vt:lpwstr>2052-11.8.2.12085</vt:lpwstr></property></Properties>').encode()
        types = types.replace("</Types>", f'<Override PartName="/docProps/custom.xml" ContentType="{_CUSTOM_CT}"/>'
                                          "</Types>")
        rels = parts["_rels/.rels"].decode()
        parts["_rels/.rels"] = rels.replace(
            "</Relationships>", f'<Relationship Id="rIdKso" Type="{_CUSTOM_REL}" Target="docProps/custom.xml"/>'
                                "</Relationships>").encode()
    parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def build_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {case.name: build(case, folder / f"{case.name}.docx") for case in CASES}


def copy_case(name: str) -> Case:
    return copy.deepcopy(next(c for c in CASES if c.name == name))
