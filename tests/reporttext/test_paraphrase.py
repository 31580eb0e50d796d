"""The same facts as the seed workbook holds, worded otherwise (other synonyms, other order): still tied,
and nothing reported. The sentences were written for this test, not taken from the seed.

Of the 30 figures below, 29 tie to the workbook name written beside them; the other one (None in EXPECTED:
a saving, 节约3.88万元, which the workbook has no figure for) cannot, and is not reported either.
"""

from __future__ import annotations

from xlperf.checks.context import CheckContext
from xlperf.reporttext.analyze import analyze
from xlperf.checks.reportbind import index_for, workbook_view
from xlperf.reporttext.document import build_document

PARAGRAPHS = [
    "一、部门基本情况",
    "本单位2021年度调整后预算总指标81,164.95万元，全年实际支出79,260.57万元，部门整体预算执行率97.65%。",
    "“三公”经费全年实际支出4.79万元，较预算8.67万元节约3.88万元，控制率55.25%。",
    "公务接待费预算5.00万元，实际支出1.64万元；公务用车运行维护费预算3.67万元，实际支出3.15万元。",
    "截至年末，一季度累计支付12,693.28万元，第二季度末累计已支付33,284.43万元。",
    "我局2021年Q3执行率86.94%，四季度执行率97.65%，全年平均执行率82.29%。",
    "政府采购计划金额1,931.52万元，实际采购730.68万元，执行率37.83%。",
    "年末核定编制数21人，离退休人员7人，编外人员控制率42.42%。",
    "固定资产原值186.13万元，净值108.67万元，共265件。",
    "二、部门（单位）主要履职绩效分析",
    "我局自评总分94.94分。",
    "日常公用经费控制率63.86%（决算数25.00万元）。",
    "一季度、二季度执行率分别为62.56%、82.02%。",
]

# every figure in order: the workbook name it must tie to, or None with why it cannot
EXPECTED: list[tuple[str, str | None]] = [
    ("81,164.95万元", "total_adjusted"), ("79,260.57万元", "total_actual"), ("97.65%", "exec_rate_total"),
    ("4.79万元", "sangong_actual"), ("8.67万元", "sangong_budget"),
    ("3.88万元", None),  # 节约额: the workbook has no such figure
    ("55.25%", "sangong_rate"),
    ("5.00万元", "reception_budget"), ("1.64万元", "reception_actual"), ("3.67万元", "vehicle_budget"),
    ("3.15万元", "vehicle_actual"), ("12,693.28万元", "paid_q1"), ("33,284.43万元", "paid_q2"),
    ("86.94%", "exec_q3"), ("97.65%", "exec_q4"), ("82.29%", "exec_avg"),
    ("1,931.52万元", "procurement_plan"), ("730.68万元", "procurement_actual"), ("37.83%", "procurement_rate"),
    ("21人", "staff_authorized"), ("7人", "staff_retired"), ("42.42%", "offpost_rate"),
    ("186.13万元", "fa_original"), ("108.67万元", "fa_net"), ("265件", "fa_count"),
    ("94.94分", "self_total"), ("63.86%", "public_rate"),
    ("25.00万元", "public_actual"),  # in brackets after the rate: the sentence's subject carries
    ("62.56%", "exec_q1"), ("82.02%", "exec_q2"),  # 分别为: in the order of the subjects listed
]


def test_paraphrases_tie_and_report_nothing(example_ctx: CheckContext) -> None:
    doc = build_document(list(PARAGRAPHS))
    from xlperf.reporttext import analyze as engine
    from xlperf.reporttext.extract import extract_all

    book = workbook_view(example_ctx)
    out = analyze(doc, index_for(example_ctx), book)
    assert out.notes == [], [(n.kind, n.detail) for n in out.notes]
    figures, _ = extract_all(doc)
    probe = engine.Analysis()
    engine._tie_all(figures, index_for(example_ctx), book, probe, engine._self_names(doc, book), doc)
    got = [(f.text, f.tied) for f in figures if f.kind != "year"]
    print(f"paraphrases: {sum(1 for _, n in got if n)} of {len(got)} figures tied")
    assert got == EXPECTED
