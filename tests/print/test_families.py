"""Workbooks of other framework families print as legibly as 福田's: a table of a dozen columns beside the
form's five (jiangbei-2025) and a portrait sheet holding a table (caiyu-2020), filled with a long unit name
and long 偏差原因, as the template, its annotated copy and the bureau report, rendered by LibreOffice in one
call and measured from the PDF (pdfplumber), never from the page setup.

On the code before these tests: the jiangbei table printed at 7 pt with its headers cut by the cell borders,
the long unit name ran over the next cells, and no page carried a page number."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.validator.common import run_cli
from xlperf.data.values import data_values
from xlperf.devtools.printcheck import PageMeasure, measure, to_pdf
from xlperf.findings import Report
from xlperf.ingest.datafile import load_data
from xlperf.loader import load_framework
from xlperf.render.excel import write_report
from xlperf.validate import validate_file
from xlperf.write.template import write_template

pytestmark = pytest.mark.libreoffice
FAMILIES = Path(__file__).resolve().parents[1] / "data" / "frameworks" / "families"
BODY_MIN_PT = 9.0
LONG_NAME = "江北省某市交通运输局综合行政执法支队（江北省某市交通运输局公路事业发展中心、港航事业发展中心）"
LONG_REASON = ("受征地拆迁进度影响，两个标段延期开工，已与属地街道建立联席协调机制，"
               "计划于下一年度第二季度前完成剩余工程量并组织专项验收，同时调整资金拨付进度")
FOOTER = re.compile(r"第\s*(\d+)\s*页，共\s*(\d+)\s*页")


@dataclass(frozen=True)
class Printed:
    pages: dict[str, list[PageMeasure]]  # output → its measured pages
    texts: dict[str, list[str]]  # output → each page's text, cell by cell (pdftotext -raw: as drawn)


def _raw_pages(pdf: Path) -> list[str]:
    """Each page's text in the order LibreOffice draws it: a wrapped cell's lines together, not interleaved
    with the cells beside them as a layout extraction puts them."""
    out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, timeout=120,
                         text=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


MESSY_PPD = {("info", "dept_name"): "深圳市福田区某某街道办事处社区综合服务管理中心（深圳市福田区某某街道党群服务中心、退役军人服务站）",
             ("budget", "spent_total"): 3333.95, ("budget", "carryover_end"): 191.53,
             ("budget", "key_project"): 2345.66, ("budget", "sangong_actual"): 23.16,
             ("service", "quality_rate"): 0.66, ("judgements", "j_output_quantity"): 6.04}
"""A ppd-2024 department with a two-line name and a dozen findings of two and three lines: its notice ran
onto a second page with the contact line alone on it."""


def _messy_notice(root: Path) -> Path:
    import yaml

    from xlperf.write.notice_docx import NoticeOptions, write_notice_docx

    fw = load_framework(str(FAMILIES / "ppd-2024.yaml"))
    raw = yaml.safe_load((FAMILIES / "ppd-2024-data.yaml").read_text(encoding="utf-8"))
    for (section, key), value in MESSY_PPD.items():
        raw[section][key] = value
    raw["self_scores"]["satisfaction_score"]["score"] = 6.55
    data = root / "ppd-messy.yaml"
    data.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    book = write_template(fw, root / "ppd-messy.xlsx", values=data_values(load_data(data, fw)))
    rep = validate_file(book, fw)
    options = NoticeOptions(office="某区财政局预算绩效管理科", contact="张三 0755-82918000", deadline="2099年3月31日")
    return write_notice_docx(rep, fw, root / "notice.docx", options)


def _filled(family: str, out: Path) -> Path:
    fw = load_framework(str(FAMILIES / f"{family}.yaml"))
    values = dict(data_values(load_data(FAMILIES / f"{family}-data.yaml", fw)))
    values["dept_name"] = LONG_NAME
    for key, column in list(values.items()):
        if key.endswith(".reason") and isinstance(column, list):  # every 偏差原因 long, wrapping in its column
            values[key] = [LONG_REASON if v is not None or i < 3 else v for i, v in enumerate(column)]
    return write_template(fw, out, values=values)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Printed]:
    root = tmp_path_factory.mktemp("families")
    files = {"jiangbei": _filled("jiangbei-2025", root / "jiangbei.xlsx"),
             "caiyu": _filled("caiyu-2020", root / "caiyu.xlsx"), "annotated": root / "annotated.xlsx"}
    code, _, err = run_cli(["validate", "-q", str(files["jiangbei"]), "-f", str(FAMILIES / "jiangbei-2025.yaml"),
                            "--annotate", str(files["annotated"])])
    assert code in (0, 1) and files["annotated"].exists(), err
    fw = load_framework(str(FAMILIES / "jiangbei-2025.yaml"))
    reports = [validate_file(files["jiangbei"], fw).model_copy(update={"path": "jiangbei.xlsx"})]
    files["report"] = write_report(Report(files=reports), root / "report.xlsx")
    files["notice"] = _messy_notice(root)
    pdfs = to_pdf(list(files.values()), root / "pdf")
    yield Printed({k: measure(p) for k, p in zip(files, pdfs, strict=True)},
                  {k: _raw_pages(p) for k, p in zip(files, pdfs, strict=True)})
    shutil.rmtree(root / "pdf", ignore_errors=True)


def test_every_page_prints_at_9_pt_or_more(printed: Printed) -> None:
    small = [f"{name} 第 {p.number} 页：{p.smallest} pt" for name, ps in printed.pages.items() for p in ps
             if p.smallest is not None and p.smallest < BODY_MIN_PT]
    assert not small, "\n".join(small)


def test_nothing_is_clipped_or_runs_over_other_cells(printed: Printed) -> None:
    clipped = [f"{name} 第 {p.number} 页：{'；'.join(p.clipped[:3])}" for name, ps in printed.pages.items()
               for p in ps if p.clipped]
    assert not clipped, "\n".join(clipped)


def test_long_unit_name_and_reasons_print_whole(printed: Printed) -> None:
    for name in ("jiangbei", "caiyu", "annotated"):
        flat = re.sub(r"\s+", "", "".join(printed.texts[name]))
        assert LONG_NAME in flat, f"{name}: the unit name is cut"
        assert LONG_REASON in flat, f"{name}: a 偏差原因 is cut"


def test_notice_of_a_long_name_and_many_findings_is_one_page(printed: Printed) -> None:
    texts = printed.texts["notice"]
    assert len(texts) == 1, f"{len(texts)} pages; the last: {texts[-1][:80]}"
    flat = re.sub(r"\s+", "", texts[0])
    assert "联系人及电话：张三0755-82918000" in flat and "另有" in flat  # the rest is counted, not dropped


def test_every_page_is_numbered(printed: Printed) -> None:
    """第 n 页，共 N 页 at the foot of every workbook page, n counting the pages of the printed file."""
    for name, texts in printed.texts.items():
        if name == "notice":
            continue  # one page, a letter: no page number
        found = [FOOTER.findall(text) for text in texts]
        assert all(len(f) == 1 for f in found), f"{name}: pages without one page number: " + str(
            [n for n, f in enumerate(found, start=1) if len(f) != 1])
        assert [(int(a), int(b)) for (a, b), in found] == [(n, len(texts)) for n in range(1, len(texts) + 1)], name


def test_a_table_starts_with_its_header_on_the_page(printed: Printed) -> None:
    """A table that fits on a page is not split from its header: the page with its first row has its header."""
    for name, title, header, first_row in (("jiangbei", "绩效目标完成情况", "指标名称", "农村公路改造里程"),
                                           ("caiyu", "绩效指标（每行一项", "三级指标", "文化下乡演出场次")):
        texts = [re.sub(r"\s+", "", t) for t in printed.texts[name]]
        titled = [n for n, t in enumerate(texts) if title in t and header in t]
        on = [n for n, t in enumerate(texts) if first_row in t]
        assert titled and on and on[0] in titled, f"{name}: the table's first row on page {on}, its header on {titled}"
