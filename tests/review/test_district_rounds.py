"""Two rounds of a district of 42 units, as a bureau runs them (issue 19).

Round 1: typos (a money figure typed as ``1,215.30万元`` text), a 强制 error, a unit without any
self-score, a file of another year, duplicates (coded — the older file by its own saved time is the one
with the newer file time —, without a code, with a zero-width space in the name), warnings explained by
the department in its ``--annotate`` copy (one in words, one as ``12345``), an unreadable file and an
xlperf report in the folder. Round 2: some units fix their files, one does not, the reviewer has typed a
复核意见 into the first 汇总.

Expected values come from the construction and from pandas over the figures written into the files,
never from the code under test.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.review.test_bureau_round import _warned
from tests.support.consolidation_reference import write_reference
from tests.support.xlsx_compare import differences
from tests.support.futian_random import random_department
from tests.validator.common import run_cli
from xlperf.data.values import data_values
from xlperf.loader import load_framework
from xlperf.compiled import plan_for
from xlperf.compiled import catalog
from xlperf.plan.layout import RESULT_SHEET
from xlperf.write.annotate import FIRST_ROW
from xlperf.render import consolidation
from xlperf.write.template import write_template

pytestmark = pytest.mark.slow  # a whole district validated and consolidated: tens of seconds

N = 42
SEED0 = 200  # the seeds of tests/review/test_bureau_round.py: its over-budget units are known
TYPO = {3, 4}  # personnel_initial typed as text with thousands separator and 万元
ERROR = {11}  # 实际在用固定资产原值 > 账面原值 (强制 ZC-01)
NO_SELF = {19}  # every self-score blank
OFF_YEAR = {27}  # a 2020 file in a 2021 batch
DUP_CODED = 5  # two files, same code; the older file time holds the newer saved time: it counts
DUP_UNCODED = 13  # a second, newer file without the unit code: matched by name, it counts
DUP_INVISIBLE = 14  # an older second file, code blank, a zero-width space in the name: matched, not counted
BAD = TYPO | ERROR | NO_SELF | OFF_YEAR
MISSING = ("U099", "未报送单位")


def _stamp(path: Path, saved: str, mtime: float) -> None:
    """Set a workbook's own saved time (docProps/core.xml) and its file time."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + saved.encode() + rb"\g<2>", data)
            zout.writestr(item, data)
    tmp.replace(path)
    os.utime(path, (mtime, mtime))


def _values(fw: Any, i: int) -> dict[str, Any]:
    v = data_values(random_department(fw, SEED0 + i))
    v["agency_code"], v["dept_name"] = f"U{i:03d}", f"测试单位{i:02d}"
    if i in ERROR:
        v["fa_in_use"] = v["fa_original"] + 1
    if i in NO_SELF:
        v = {k: (None if k.startswith("self_") else x) for k, x in v.items()}
    if i in OFF_YEAR:
        v["eval_year"] = 2020
    return v


def _typo(fw: Any, path: Path, value: Decimal) -> None:
    cell = plan_for(fw).cells["personnel_initial"]
    wb = load_workbook(path)
    wb[cell.sheet][cell.cell] = f"{value:,.2f}万元"
    wb.save(path)


def _explain_in_annotated_copy(src: Path, texts: dict[str, str]) -> None:
    """The WPS route: ``validate --annotate`` writes a copy, the department writes its 出错说明 in the copy's
    校验结果 and sends the copy back in place of its file."""
    copy = src.with_name(src.stem + "-标注.xlsx")
    code, _, err = run_cli(["validate", "-q", src, "--annotate", copy])
    assert code in (0, 1), err
    wb = load_workbook(copy)
    ws = wb[RESULT_SHEET]
    for row in ws.iter_rows(min_row=FIRST_ROW + 1):
        if row[8].value in texts:
            row[9].value = texts[row[8].value]
    wb.save(copy)
    src.unlink()


def _table(path: Path, sheet: str) -> pd.DataFrame:
    rows = list(load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The two rounds; each 汇总 also written by the in-memory reference writer from the same consolidation,
    and the streamed one copied as written (before the reviewer types into it), both into ``reference``."""
    reference = tmp_path_factory.mktemp("reference")
    streamed = consolidation.write_consolidation

    def both(cons: Any, out: Path, *, protect: tuple[Path, ...] = ()) -> Path:
        write_reference(cons, reference / f"reference-{Path(out).name}")
        written = streamed(cons, out, protect=protect)
        shutil.copy(written, reference / f"streamed-{Path(out).name}")
        return written

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(consolidation, "write_consolidation", both)
        state = _rounds(tmp_path_factory)
    state["reference"] = reference
    return state


def _rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    fw = load_framework("futian-2021")
    root = tmp_path_factory.mktemp("district2")
    inbox = root / "收件"
    inbox.mkdir()
    values = {i: _values(fw, i) for i in range(N)}
    for i, v in values.items():
        write_template(fw, inbox / f"u{i:03d}.xlsx", values=v)
        _stamp(inbox / f"u{i:03d}.xlsx", "2026-11-10T09:00:00Z", 1_790_000_000)
    for i in TYPO:
        _typo(fw, inbox / f"u{i:03d}.xlsx", values[i]["personnel_initial"])
    # duplicates: each second file has figures of its own (another seed), so which one counts shows in the sums
    alt = {}
    for i, name, code in ((DUP_CODED, f"测试单位{DUP_CODED:02d}", f"U{DUP_CODED:03d}"),
                          (DUP_UNCODED, f"测试单位{DUP_UNCODED:02d}", None),
                          (DUP_INVISIBLE, f"测试单位\u200b{DUP_INVISIBLE:02d}", None)):
        seed = SEED0 + 1000 + i
        while _warned(v := data_values(random_department(fw, seed))):
            seed += 1  # a second file that passes, so that the one counted shows in the sums
        v["agency_code"], v["dept_name"] = code, name
        alt[i] = v
        write_template(fw, inbox / f"u{i:03d}-重报.xlsx", values=v)
    _stamp(inbox / f"u{DUP_CODED:03d}-重报.xlsx", "2026-11-20T09:00:00Z", 1_780_000_000)  # newer saved, older file
    _stamp(inbox / f"u{DUP_UNCODED:03d}-重报.xlsx", "2026-11-20T09:00:00Z", 1_790_000_100)
    _stamp(inbox / f"u{DUP_INVISIBLE:03d}-重报.xlsx", "2026-11-01T09:00:00Z", 1_790_000_100)
    counted_values = dict(values)
    counted_values[DUP_CODED], counted_values[DUP_UNCODED] = alt[DUP_CODED], alt[DUP_UNCODED]
    warned = {i: _warned(v) for i, v in counted_values.items() if _warned(v) and i not in BAD}
    assert len(warned) >= 4
    order = sorted(i for i in warned if i not in (DUP_CODED, DUP_UNCODED, DUP_INVISIBLE))
    words, digits = order[0], order[1]
    texts = {words: {r: f"{r} 超支原因：年中追加任务，已经区财政局批准" for r in warned[words]},
             digits: {r: "12345" for r in warned[digits]}}
    for i, t in texts.items():
        _explain_in_annotated_copy(inbox / f"u{i:03d}.xlsx", t)
    (inbox / "U040-损坏.xlsx").write_bytes(b"PK\x03\x04 truncated")
    assert run_cli(["validate", "-q", inbox / "u000.xlsx", "--report", inbox / "校验报告.xlsx"])[0] in (0, 1)
    units_csv = root / "units.csv"
    units_csv.write_text("单位编码,单位名称\n" + "".join(f"U{i:03d},测试单位{i:02d}\n" for i in range(N))
                         + f"{MISSING[0]},{MISSING[1]}\n", encoding="utf-8")
    out1, returns = root / "汇总-第1轮.xlsx", root / "退回"
    r1 = run_cli(["consolidate", "-q", inbox, "-o", out1, "--expected", units_csv, "--returns", returns,
                  "--deadline", "2099-12-31"])
    state = {"fw": fw, "root": root, "inbox": inbox, "values": values, "counted_values": counted_values,
             "warned": warned, "words": words, "digits": digits, "out1": out1, "returns": returns, "r1": r1,
             "units_csv": units_csv}
    state["returns1"] = sorted(p.name for p in returns.iterdir())
    _round_two(state)
    return state


def _round_two(state: dict[str, Any]) -> None:
    """Unit 3 fixes its typo (4 does not), 11 its error, 19 fills its self-scores, the digits explanation
    becomes words; the reviewer writes a 复核意见 for unit 0 in the first 汇总."""
    fw, inbox, values = state["fw"], state["inbox"], state["values"]
    for i in (3, 11, 19):
        v = data_values(random_department(fw, SEED0 + i))
        v["agency_code"], v["dept_name"] = f"U{i:03d}", f"测试单位{i:02d}"
        (inbox / f"u{i:03d}.xlsx").unlink()
        write_template(fw, inbox / f"u{i:03d}.xlsx", values=v)
        _stamp(inbox / f"u{i:03d}.xlsx", "2026-11-25T09:00:00Z", 1_790_100_000)
        values[i] = v
    copy = inbox / f"u{state['digits']:03d}-标注.xlsx"
    wb = load_workbook(copy)
    for row in wb[RESULT_SHEET].iter_rows(min_row=FIRST_ROW + 1):
        if row[9].value == "12345":
            row[9].value = "超支原因：年中新增接待任务，已报区财政局备案"
    wb.save(copy)
    wb = load_workbook(state["out1"])
    ws = wb["单位汇总"]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[head.index("单位编码")].value == "U000":
            row[head.index("复核意见")].value = "已电话核实，数据无误"
    wb.save(state["out1"])
    out2 = state["root"] / "汇总-第2轮.xlsx"
    state["out2"] = out2
    state["r2"] = run_cli(["consolidate", "-q", inbox, "-o", out2, "--expected", state["units_csv"],
                           "--returns", state["returns"]])
    state["returns2"] = sorted(p.name for p in state["returns"].iterdir())


def test_streamed_summary_equals_the_in_memory_one(district: dict[str, Any]) -> None:
    """The 汇总 written row by row (write-only, from the spool) against the in-memory writer of before, on both
    rounds (round 2 has 与上轮比较, 复核意见, first-time units): every value, type, style, link, width, height,
    freeze, filter, print setting, page break and chart."""
    ref = district["reference"]
    for name in (district["out1"].name, district["out2"].name):
        assert differences(ref / f"reference-{name}", ref / f"streamed-{name}") == []
    assert differences(ref / f"streamed-{district['out1'].name}", ref / f"streamed-{district['out2'].name}")


def _review(units: pd.DataFrame) -> dict[str, str]:
    counted = units[units["计入汇总"] == "是"]
    return dict(zip(counted["单位编码"], counted["审核结论"], strict=True))


def test_round_one_statuses_by_construction(district: dict[str, Any]) -> None:
    code, out, err = district["r1"]
    assert code == 1 and "Traceback" not in err, err
    units = _table(district["out1"], "单位汇总")
    status = {(r["单位编码"], Path(str(r["文件"])).name): r["审核结论"] for _, r in units.iterrows()}
    by_file = {Path(str(r["文件"])).name: r for _, r in units.iterrows()}
    for i in range(N):
        name = f"u{i:03d}-标注.xlsx" if i in (district["words"], district["digits"]) else f"u{i:03d}.xlsx"
        row = by_file[name]
        if i in BAD:
            want = "需修改"
        elif i == district["digits"] or (i in district["warned"] and i != district["words"]
                                          and i not in (DUP_CODED, DUP_UNCODED)):
            want = "需说明"
        elif i == district["words"]:
            want = "通过（提示已说明）"
        elif i in (DUP_CODED, DUP_UNCODED):
            continue  # the original file of a duplicate: its status is its own, it is not counted
        else:
            want = "通过"
        assert row["审核结论"] == want, (i, row["审核结论"], row["未计入原因"])
    assert by_file["U040-损坏.xlsx"]["审核结论"].startswith("需修改")
    assert status  # the unreadable file and the report
    assert "已跳过 校验报告.xlsx：xlperf 生成的校验报告" in out
    # the explained copies are submissions: validated, not skipped
    assert f"u{district['words']:03d}-标注.xlsx" in by_file and f"u{district['digits']:03d}-标注.xlsx" in by_file


def test_typo_is_one_finding_with_its_consequences(district: dict[str, Any]) -> None:
    findings = _table(district["out1"], "问题明细")
    typo = findings[findings["单位编码"] == "U003"]
    own = typo[typo["代码"] != "XP321"]  # the unit's over-budget warnings (the generator's) are its own
    assert list(own["代码"]) == ["XP202"], list(typo["代码"])
    assert "由此导致" in own["说明"].iloc[0]
    assert sorted(typo[typo["代码"] == "XP321"]["规则编号"]) == sorted(_warned(district["values"][3]))
    rules = _table(district["out1"], "审核规则统计").set_index("规则编号或代码")
    assert "XP301" not in rules.index or rules.loc["XP301", "不通过单位数"] == 0  # the consequences are not counted
    units = _table(district["out1"], "单位汇总").set_index("单位编码")
    assert units.loc["U003", "计算总分"] is not None and units.loc["U003", "自评总分"] is not None  # still scored


def test_duplicates_newest_counts_with_the_choice_said(district: dict[str, Any]) -> None:
    units = _table(district["out1"], "单位汇总")
    counted = units[units["计入汇总"] == "是"]
    files = {Path(str(f)).name for f in counted["文件"]}
    assert f"u{DUP_CODED:03d}-重报.xlsx" in files and f"u{DUP_CODED:03d}.xlsx" not in files  # saved time wins
    assert f"u{DUP_UNCODED:03d}-重报.xlsx" in files and f"u{DUP_UNCODED:03d}.xlsx" not in files  # matched by name
    assert f"u{DUP_INVISIBLE:03d}.xlsx" in files and f"u{DUP_INVISIBLE:03d}-重报.xlsx" not in files
    batch = _table(district["out1"], "批次检查").dropna(subset=["类型"])
    dup = batch[batch["类型"] == "同一单位多个文件"]
    assert len(dup) == 3
    invisible = dup[dup["说明"].str.contains(f"u{DUP_INVISIBLE:03d}")]["说明"].iloc[0]
    assert "<U+200B>" in invisible and "以最新保存的" in invisible
    year = batch[batch["类型"] == "年度与批次不一致"]
    assert len(year) == 1 and "2020" in year["说明"].iloc[0]
    assert set(batch[batch["类型"] == "未报送"]["单位"]) == {" ".join(MISSING)}


def test_statistics_count_accepted_units_by_independent_arithmetic(district: dict[str, Any]) -> None:
    fw = district["fw"]
    units = _table(district["out1"], "单位汇总")
    counted = units[units["计入汇总"] == "是"]
    assert set(counted["审核结论"]) <= {"通过", "通过（提示已说明）"}
    accepted = [i for i in range(N) if i not in BAD and (i not in district["warned"] or i == district["words"])]
    want = {f"u{i:03d}-重报.xlsx" if i in (DUP_CODED, DUP_UNCODED) else
            f"u{i:03d}-标注.xlsx" if i == district["words"] else f"u{i:03d}.xlsx" for i in accepted}
    assert {Path(str(f)).name for f in counted["文件"]} == want
    names = [i.name for i in fw.form.inputs if i.kind == "money"]
    df = pd.DataFrame([{n: district["counted_values"][i].get(n) for n in names} for i in accepted])
    money = _table(district["out1"], "金额汇总").dropna(subset=["项目"]).set_index("项目")
    cat = catalog(fw)
    for n in names:
        col = df[n].dropna()
        assert money.loc[cat[n].label, "填报单位数"] == len(col), n
        total = sum((Decimal(str(x)) for x in col), Decimal(0))
        assert Decimal(str(money.loc[cat[n].label, "合计（万元）"])) == total, n
    charts = load_workbook(district["out1"], read_only=True)["图表"]
    grades = {r[0]: r[1] for r in charts.iter_rows(min_row=2, max_row=5, values_only=True)}
    assert sum(grades.values()) == len(accepted)


def test_round_two_shows_what_changed(district: dict[str, Any]) -> None:
    code, out, err = district["r2"]
    assert code == 1 and "Traceback" not in err, err
    assert "审核历史（第 2 轮）" in out
    changes = _table(district["out2"], "与上轮比较")
    by_unit = {c: g for c, g in changes.groupby("单位编码")}
    fixed3 = by_unit["U003"]
    assert set(fixed3[fixed3["变化"] == "已改正"]["代码"]) >= {"XP210"} or \
        set(fixed3[fixed3["变化"] == "已改正"]["代码"]) >= {"XP202"}
    assert "人员经费 年初预算" in set(fixed3[fixed3["变化"] == "数据变化"]["说明"])
    still4 = by_unit["U004"]
    assert list(still4["变化"]) == ["文件未修改"]
    fixed11 = by_unit["U011"]
    assert "ZC-01" in set(fixed11[fixed11["变化"] == "已改正"]["规则编号"])
    assert set(by_unit["U019"][by_unit["U019"]["变化"] == "已改正"]["代码"]) == {"XP410"}
    units = _table(district["out2"], "单位汇总").set_index("单位编码")
    assert units.loc["U000", "复核意见"] == "已电话核实，数据无误"
    assert units.loc["U003", "审核结论"] in ("通过", "需说明")
    assert units.loc["U011", "审核结论"] != "需修改"


def test_returns_folder_is_replaced_by_round_two(district: dict[str, Any]) -> None:
    r1, r2 = district["returns1"], district["returns2"]
    for fixed in ("U011-", "U019-"):  # they pass now: their notices of round 1 are gone
        assert any(n.startswith(fixed) for n in r1) and not any(n.startswith(fixed) for n in r2), fixed
    assert any(n.startswith("U004-") for n in r2)
    need = {f"U{i:03d}" for i in TYPO | ERROR | NO_SELF | OFF_YEAR} | {f"U{i:03d}" for i in district["warned"]}
    assert {n.split("-")[0] for n in r1} - {"U040"} == need - {f"U{district['words']:03d}"}
    notice = load_workbook(district["returns"] / "U004-测试单位04-退回修改通知.xlsx").active
    text = [c for row in notice.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("与上一轮（第 1 轮）相比" in t for t in text)
    assert any("2099-12-31" in t for t in text) is False  # round 2 gave no deadline


def test_history_file_is_versioned_sqlite(district: dict[str, Any]) -> None:
    import sqlite3

    db = sqlite3.connect(district["root"] / "xlperf-审核历史.sqlite")
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
    assert [r[0] for r in db.execute("SELECT round FROM rounds ORDER BY round")] == [1, 2]
    rows = db.execute("SELECT sha256, review FROM submissions WHERE round=1 AND unit_code='u011'").fetchall()
    assert len(rows) == 1 and len(rows[0][0]) == 64 and rows[0][1] == "revise"
    assert shutil.which  # keep the import used
