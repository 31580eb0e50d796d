"""Read a filled standard workbook by its defined names into department data plus located findings."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xlperf.compiled import data_model
from xlperf.data.models import DepartmentData, bound_problems, date_bound_problems
from xlperf.engine.rows import missing_required_if, text_row_problems
from xlperf.errors import InputError, reason_zh, xml_reason_zh
from xlperf.findings import Finding, Severity
from xlperf.framework.models import Framework
from xlperf.ingest.cells import parse_cell
from xlperf.ingest.precheck import FileIssue, FileRefused, is_fatal, precheck
from xlperf.ingest.xlsx import Book, BookTooLarge, RawCell, open_book
from xlperf.plan.formulas import Plan, filled, table_row_used
from xlperf.plan.layout import SCORE_SHEET, xlwings_sheet_kind
from xlperf.plan.names import NameSpec
from xlperf.resolve import Unregistered, is_valid_id, workbook_framework

__all__ = ["UnreadableWorkbook", "WorkbookRead", "read_department", "read_workbook"]

NOTE_SEVERITY = {"XP213": Severity.info}


class UnreadableWorkbook(InputError):
    """The file cannot be read as a standard workbook; ``findings`` say why."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("\n".join(f"{f.location}：{f.message}" if f.location else f.message for f in findings))
        self.findings = findings


@dataclass
class WorkbookRead:
    path: Path
    book: Book
    framework: Framework
    plan: Plan
    values: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (sheet, cell) as found
    findings: list[Finding] = field(default_factory=list)
    data: DepartmentData | None = None
    file_issues: list[FileIssue] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # filled rows of each table

    def raw(self, name: str) -> RawCell | None:
        loc = self.locations.get(name)
        return self.book.cell(*loc) if loc else None


def _file_finding(issue: FileIssue) -> Finding:
    return Finding(code=issue.code, name=issue.name, severity=Severity(issue.severity), message=issue.message)


def read_workbook(path: str | Path, framework: Framework | str | None = None) -> WorkbookRead:
    """Pre-check, parse and interpret a submitted workbook. Raises UnreadableWorkbook when it can't.

    ``framework`` is the reviewer's choice: a Framework, a built-in id or a framework file (used for every
    workbook), or a folder of framework files (added to the built-in ones). Without a forced framework the
    workbook's 评价框架编号 is looked up among the registered frameworks; it is never used as a path.
    """
    path = Path(path)
    issues = precheck(path)
    if is_fatal(issues):
        raise UnreadableWorkbook([_file_finding(i) for i in issues if i.fatal])
    try:
        book = open_book(path)
    except BookTooLarge as exc:
        raise UnreadableWorkbook([Finding(code=exc.code, name=exc.name, severity=Severity.error,
                                          message=f"文件“{path.name}”{exc}")]) from None
    except FileRefused as exc:  # replaced since the pre-check
        raise UnreadableWorkbook([_file_finding(exc.issue)]) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableWorkbook([Finding(code="XP102", name="not-a-zip", severity=Severity.error,
                                          message=f"文件“{path.name}”无法按 xlsx 读取（{type(exc).__name__}）")]) from None
    except Exception as exc:  # noqa: BLE001 - lxml syntax errors and the like
        raise UnreadableWorkbook([Finding(code="XP102", name="not-a-zip", severity=Severity.error,
                                          message=f"文件“{path.name}”内部结构损坏，无法读取（{xml_reason_zh(exc)}）")]) from None
    hostile = _xlwings_sheets(book)
    fw_id, fw_version = _const(book, "fw_id"), _const(book, "fw_version")
    fw_cell = book.names.get("fw_id", ("", ""))
    try:
        chosen = workbook_framework(framework, fw_id)
    except Unregistered as exc:
        if is_valid_id(fw_id or ""):
            why = (f"工作簿使用的评价框架“{fw_id}”不是已登记的框架（已登记：{'、'.join(exc.registered)}），"
                   "请用 --framework 指定框架文件或框架目录。")
        else:
            why = (f"工作簿中的评价框架编号“{_short(fw_id or '')}”不是有效的框架编号（只能由字母、数字和 . _ - 组成），"
                   "工作簿不能指定框架文件；框架由校验人员用 --framework 指定。")
        raise UnreadableWorkbook([_file_finding(i) for i in issues] + hostile + [Finding(
            code="XP122", name="framework-mismatch", severity=Severity.error,
            sheet=fw_cell[0] or None, cell=fw_cell[1] or None, found=_short(fw_id or ""), message=why)]) from None
    if chosen is None:
        raise UnreadableWorkbook([_file_finding(i) for i in issues] + hostile + [Finding(
            code="XP125", name="not-a-standard-workbook", severity=Severity.error,
            message=(f"文件“{path.name}”不是 xlperf 标准评价工作簿（找不到名称 fw_id 所在的“评价框架编号”单元格）。"
                     "请使用 xlperf template 生成的模板填报。"))])
    fw = chosen.fw
    plan = chosen.plan()
    cat = chosen.catalog
    out = WorkbookRead(path, book, fw, plan, file_issues=issues)
    out.findings.extend(_file_finding(i) for i in issues)
    out.findings.extend(hostile)
    if fw_id is not None and fw_id != fw.id:
        out.findings.append(Finding(code="XP122", name="framework-mismatch", severity=Severity.error,
                                    sheet=fw_cell[0] or None, cell=fw_cell[1] or None, found=_short(fw_id),
                                    expected=fw.id,
                                    message=f"工作簿的评价框架为“{_short(fw_id)}”，与所选框架“{fw.id}”不一致"))
    elif fw_version is not None and fw_version != fw.version:
        out.findings.append(Finding(code="XP127", name="framework-version-mismatch", severity=Severity.warning,
                                    sheet=book.names.get("fw_version", ("", ""))[0] or None,
                                    cell=book.names.get("fw_version", ("", ""))[1] or None,
                                    found=_short(fw_version), expected=fw.version,
                                    message=f"工作簿的框架版本为 {_short(fw_version)}，当前框架 {fw.id} 的版本为 {fw.version}"))
    _read_values(out, cat)
    _bounds(out, cat)
    _read_tables(out, cat)
    _local_names(out, cat)
    out.data = _to_data(out, cat)
    year_name = fw.form.role("year")
    year = out.values.get(year_name) if year_name else None
    if year_name and isinstance(year, int) and year != fw.year:
        out.findings.append(Finding(code="XP128", name="year-mismatch", severity=Severity.warning,
                                    sheet=out.locations.get(year_name, ("", ""))[0] or None,
                                    cell=out.locations.get(year_name, ("", ""))[1] or None, found=year,
                                    expected=fw.year,
                                    message=f"填报的年度为 {year}，而评价框架“{fw.name}”（{fw.id}）适用于 {fw.year} 年度，"
                                            "请确认是否使用了当年的框架和模板"))
    return out


def _const(book: Book, name: str) -> str | None:
    loc = book.names.get(name)
    if loc is None:
        return None
    raw = book.cell(*loc)
    return raw.value.strip() if raw is not None and raw.value else None


def _read_values(out: WorkbookRead, cat: dict[str, NameSpec]) -> None:
    book = out.book
    missing_sheets = [s for s in (*out.plan.blocks, SCORE_SHEET) if s not in book.sheets]
    for sheet in missing_sheets:
        out.findings.append(Finding(code="XP120", name="missing-sheet", severity=Severity.error, sheet=sheet,
                                    message=f"缺少工作表“{sheet}”（可能被删除或改名），请使用标准模板"))
    for name, spec in cat.items():
        if not spec.is_input:
            loc = book.names.get(name)
            if loc is not None:
                out.locations[name] = loc
            else:
                planned = out.plan.cells.get(name)
                if planned is not None and planned.formula and planned.sheet in book.sheets:
                    out.findings.append(Finding(
                        code="XP129", name="missing-formula-name", severity=Severity.error, sheet=planned.sheet,
                        cell=planned.cell, message=f"缺少名称 {name}（{spec.label}）：引用它的公式将显示 #NAME?，"
                                                   "表内计算失效。请勿删除工作簿中的名称"))
            continue
        loc = book.names.get(name)
        planned = out.plan.cells.get(name)
        if loc is None:
            if planned is None:
                continue
            loc = (planned.sheet, planned.cell)
            if planned.sheet in book.sheets:
                out.findings.append(Finding(
                    code="XP121", name="missing-defined-name", severity=Severity.warning, sheet=planned.sheet,
                    cell=planned.cell, message=f"缺少名称 {name}（{spec.label}），已按模板位置读取，请勿删除工作簿中的名称"))
        out.locations[name] = loc
        if loc[0] not in book.sheets:
            continue
        parsed = parse_cell(book.cell(*loc), spec, date1904=book.date1904)
        for note in parsed.notes:
            out.findings.append(Finding(code=note.code, severity=NOTE_SEVERITY.get(note.code, Severity.info),
                                        sheet=loc[0], cell=loc[1], found=_shown(book.cell(*loc)),
                                        message=f"{spec.label}：{note.message}"))
        if parsed.error is not None:
            out.findings.append(Finding(code=parsed.error.code, severity=Severity.error, sheet=loc[0], cell=loc[1],
                                        found=_shown(book.cell(*loc)), expected=parsed.error.expected,
                                        indicator=spec.indicator, message=f"{spec.label}：{parsed.error.message}"))
            if parsed.sheet_value is not None:  # scored as the sheet computes it (text is 0 there)
                integral = parsed.sheet_value == parsed.sheet_value.to_integral_value()
                out.values[name] = (int(parsed.sheet_value) if spec.kind in ("count", "int") and integral
                                    else parsed.sheet_value)
            continue
        if parsed.value is None:
            if spec.required:
                out.findings.append(Finding(code="XP207", name="empty-required-input", severity=Severity.error,
                                            sheet=loc[0], cell=loc[1], message=f"{spec.label}：必填，尚未填写"))
            continue
        out.values[name] = parsed.value


def _bounds(out: WorkbookRead, cat: dict[str, NameSpec]) -> None:
    """Values outside the framework's declared min / max: reported at their cells, still scored."""
    specs = [s for s in cat.values() if s.minimum is not None or s.maximum is not None]  # dates: their own
    dates = [s for s in cat.values() if s.date_min is not None or s.date_max is not None]
    for name, reason in bound_problems(specs, out.values) + date_bound_problems(dates, out.values):
        sheet, cell = out.locations.get(name, ("", ""))
        out.findings.append(Finding(code="XP217", name="value-out-of-bounds", severity=Severity.error,
                                    sheet=sheet or None, cell=cell or None, found=out.values.get(name),
                                    message=f"{reason}（评价框架规定的取值范围）"))


def _read_tables(out: WorkbookRead, cat: dict[str, NameSpec]) -> None:
    """Rows of every table that hold anything typed; computed columns are not read.

    A row whose first column is empty is still read: the sheet's aggregates (SUM, COUNT …) take its
    numbers, only its computed columns stay empty (their formulas test the first column), and so does
    the engine; the empty first column is reported."""
    for table in out.framework.form.tables:
        tp = out.plan.tables.get(table.name)
        if tp is None or tp.sheet not in out.book.sheets:
            continue
        typed = [c for c in table.columns if c.expr is None]
        rows: list[dict[str, Any]] = []
        for r in range(tp.first_row, tp.last_row + 1):
            if not table_row_used(out.book.cell, tp.sheet, [f"{tp.columns[c.name]}{r}" for c in typed]):
                continue
            key_cell = f"{tp.columns[typed[0].name]}{r}"
            if not filled(out.book.cell(tp.sheet, key_cell)):
                key_label = cat[f"{table.name}.{typed[0].name}"].label
                out.findings.append(Finding(
                    code="XP207", name="empty-required-input", severity=Severity.error, sheet=tp.sheet, cell=key_cell,
                    message=f"{table.label}第 {r - tp.first_row + 1} 行填写了数据，但第一列“{key_label}”为空：本行的"
                            f"计算列不计算，已填的数仍计入表内合计。请填写“{key_label}”，或删除本行数据"))
            row: dict[str, Any] = {}
            for col in typed:
                cell = f"{tp.columns[col.name]}{r}"
                spec = cat[f"{table.name}.{col.name}"]
                raw = out.book.cell(tp.sheet, cell)
                if col.text_if is not None and raw is not None and raw.type in _TEXT_TYPES and filled(raw):
                    row[col.name] = raw.value  # a qualitative row's text, as the sheet compares it (text_row_problems)
                    out.locations[f"{table.name}.{col.name}@{len(rows)}"] = (tp.sheet, cell)
                    continue
                parsed = parse_cell(raw, spec, date1904=out.book.date1904)
                label = f"{spec.label}（第 {r - tp.first_row + 1} 行）"
                for note in parsed.notes:
                    out.findings.append(Finding(code=note.code, severity=NOTE_SEVERITY.get(note.code, Severity.info),
                                                sheet=tp.sheet, cell=cell, message=f"{label}：{note.message}"))
                if parsed.error is not None:  # left empty: the sheet's aggregates skip text, N() reads 0
                    out.findings.append(Finding(code=parsed.error.code, severity=Severity.error, sheet=tp.sheet,
                                                cell=cell, found=_shown(out.book.cell(tp.sheet, cell)),
                                                expected=parsed.error.expected,
                                                message=f"{label}：{parsed.error.message}"))
                elif parsed.value is None and col.required:
                    out.findings.append(Finding(code="XP207", name="empty-required-input", severity=Severity.error,
                                                sheet=tp.sheet, cell=cell, message=f"{label}：本行已填写，此项必填"))
                # empty (or unreadable): read as the sheet's formulas read it, never as a data file's default
                row[col.name] = parsed.value if parsed.error is None else None
                out.locations[f"{table.name}.{col.name}@{len(rows)}"] = (tp.sheet, cell)
            for col, code, why in text_row_problems(table, row):
                out.findings.append(Finding(code=code, severity=Severity.error, sheet=tp.sheet,
                                            cell=f"{tp.columns[col.name]}{r}", found=_short(str(row[col.name]), 64),
                                            message=f"{cat[f'{table.name}.{col.name}'].label}"
                                                    f"（第 {r - tp.first_row + 1} 行）：{why}"))
            for col in missing_required_if(table, row):
                if col.required:
                    continue  # already reported: required in every filled row
                out.findings.append(Finding(
                    code="XP207", name="empty-required-input", severity=Severity.error, sheet=tp.sheet,
                    cell=f"{tp.columns[col.name]}{r}",
                    message=f"{cat[f'{table.name}.{col.name}'].label}（第 {r - tp.first_row + 1} 行）："
                            f"本行满足 {col.required_if}，此项必填"))
            rows.append(row)
        out.tables[table.name] = rows


_TEXT_TYPES = ("s", "str", "inlineStr")


XLWINGS_SHEETS_LISTED = 20
"""Sheets named like xlwings' configuration or code reported one by one; the rest in one finding."""


def _xlwings_sheets(book: Book) -> list[Finding]:
    """Sheets named like xlwings' configuration (``*.conf``) or embedded code (``*.py``), whatever their
    visibility: in the reviewer's Excel such a sheet could set the Python interpreter, paths or command
    line of an xlwings add-in, or hold code (XP131, XP132)."""
    out: list[Finding] = []
    hits = [(name, kind) for name in book.sheets if (kind := xlwings_sheet_kind(name)) is not None]
    for name, kind in hits[:XLWINGS_SHEETS_LISTED]:
        if kind == "conf":
            out.append(Finding(
                code="XP131", name="xlwings-config-sheet", severity=Severity.error, sheet=_short(name),
                found=_short(name),
                message=(f"工作簿中有工作表“{_short(name)}”（可能已隐藏）：这是 xlwings 加载项配置表的名称，"
                         "可用来改变 Excel 运行的 Python 程序、路径和命令行。标准模板中没有这个工作表，"
                         "请报送单位删除后重新报送；在此之前不要在 Excel 中对该文件使用 xlwings 加载项")))
        else:
            out.append(Finding(
                code="XP132", name="xlwings-code-sheet", severity=Severity.error, sheet=_short(name),
                found=_short(name),
                message=(f"工作簿中有工作表“{_short(name)}”（可能已隐藏）：这是 xlwings 内嵌 Python 代码工作表的名称。"
                         "标准模板中没有这个工作表，请报送单位删除后重新报送")))
    if len(hits) > XLWINGS_SHEETS_LISTED:
        out.append(Finding(
            code="XP131", name="xlwings-config-sheet", severity=Severity.error,
            message=(f"另有 {len(hits) - XLWINGS_SHEETS_LISTED} 个工作表的名称以 .conf 或 .py 结尾（未逐一列出），"
                     "请报送单位删除后重新报送")))
    return out


def _local_names(out: WorkbookRead, cat: dict[str, NameSpec]) -> None:
    """A sheet-local name with the name of a workbook quantity wins over the workbook's name on that sheet:
    the sheet's formulas would read another cell. Excel allows it silently; the validator says so."""
    seen: set[tuple[str, str]] = set()
    for scope, name, text in out.book.local_names:
        spec = cat.get(name)
        if spec is None and name not in out.book.names:
            continue
        if (scope, name) in seen:
            continue  # a hostile workbook part may repeat one local name 90,000 times: one finding each
        seen.add((scope, name))
        if len(seen) > LOCAL_NAMES_LISTED:
            continue
        label = f"（{spec.label}）" if spec is not None else ""
        out.findings.append(Finding(
            code="XP130", name="local-name-shadows", severity=Severity.error, sheet=scope, found=_short(text, 128),
            indicator=spec.indicator if spec is not None else None,
            message=(f"工作表“{scope}”中定义了同名的局部名称 {name}{label}，指向 {_short(text, 128)}："
                     f"该工作表中的公式将引用它，而不是工作簿中的 {name}。请在“公式→名称管理器”中删除这个局部名称")))
    if len(seen) > LOCAL_NAMES_LISTED:
        out.findings.append(Finding(
            code="XP130", name="local-name-shadows", severity=Severity.error,
            message=f"另有 {len(seen) - LOCAL_NAMES_LISTED} 个局部名称与工作簿中的名称同名（未逐一列出），"
                    "请在“公式→名称管理器”中删除这些局部名称"))


LOCAL_NAMES_LISTED = 100
"""Shadowing local names reported one by one; the rest in one finding (a workbook part can hold 100,000)."""


def _shown(raw: RawCell | None) -> str | None:
    return None if raw is None or raw.value is None else _short(raw.value, FOUND_MAX)


FOUND_MAX = 256
"""A finding's ``found`` value holds at most this many characters of what the submitter typed."""


def _short(text: str, limit: int = 64) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _to_data(out: WorkbookRead, cat: dict[str, NameSpec]) -> DepartmentData | None:
    """Build the data model; fields that failed to parse make it None (the findings say why)."""
    values = out.values
    sections: dict[str, dict[str, Any]] = {}
    for spec in cat.values():
        if spec.role in ("input", "stated"):
            group = sections.setdefault(spec.section, {})
            if spec.name in values:
                group[spec.name] = values[spec.name]
    if out.tables:
        sections["tables"] = out.tables
    judgements = {s.name: values[s.name] for s in cat.values() if s.role == "judged" and s.name in values}
    for s in cat.values():
        if s.role == "judged" and s.kind == "flag" and s.name in judgements:
            judgements[s.name] = Decimal(1) if judgements[s.name] is True else Decimal(0)
    self_scores = {}
    for ind in out.framework.leaves():
        score = values.get(f"self_{ind.id}")
        if score is not None:
            self_scores[ind.id] = {"score": score, "reason": values.get(f"reason_{ind.id}", "") or ""}
    try:
        return data_model(out.framework).model_validate(
            {"framework": out.framework.id, **sections, "judgements": judgements, "self_scores": self_scores})
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            name = str(err["loc"][-1]) if err["loc"] else ""
            if err["loc"] and err["loc"][0] == "tables" and len(err["loc"]) >= 4:
                name = f"{err['loc'][1]}.{err['loc'][3]}@{err['loc'][2]}"
            loc = out.locations.get(name)
            if any(f.sheet == (loc or ("",))[0] and f.cell == (loc or ("", ""))[1] for f in out.findings):
                continue  # already reported by the cell parser
            out.findings.append(Finding(code="XP201", severity=Severity.error, sheet=loc[0] if loc else None,
                                        cell=loc[1] if loc else None,
                                        message=f"{cat[name].label if name in cat else name}：{reason_zh(err)}"))
        return _as_the_sheet_reads(out, cat, sections, judgements, self_scores)


SHEET_BLANK_NUMBER = Decimal(0)
"""A blank number input as the sheet's formulas read it: every formula reads an input through N()."""
_NUMBER_KINDS = ("money", "count", "rate", "points", "int", "number", "date")


def _as_the_sheet_reads(out: WorkbookRead, cat: dict[str, NameSpec], sections: dict[str, dict[str, Any]],
                        judgements: dict[str, Any], self_scores: dict[str, Any]) -> DepartmentData | None:
    """The data as the sheet computes with it, when some input has its own error (a negative, 93 typed as a
    rate, three decimals, a required cell left blank): the workbook still shows scores, so xlperf scores
    what it shows and the input's finding says what is wrong. Built without the model's validation (the
    values are typed by the cell parser already); a blank required number reads 0, as N() reads it."""
    from xlperf.data.models import SelfScore

    model = data_model(out.framework)
    try:
        groups: dict[str, Any] = {}
        for group, info in model.model_fields.items():
            section_model = info.annotation
            if group in ("framework", "judgements", "self_scores", "tables") or not isinstance(section_model, type):
                continue
            values = dict(sections.get(group, {}))
            for name, fld in section_model.model_fields.items():
                if name not in values:
                    spec = cat.get(name)
                    if fld.is_required() and spec is not None and spec.kind in _NUMBER_KINDS:
                        values[name] = SHEET_BLANK_NUMBER
                    elif not fld.is_required():
                        values[name] = fld.get_default(call_default_factory=True)
            groups[group] = section_model.model_construct(**values)
        if "tables" in model.model_fields:
            tables_model = model.model_fields["tables"].annotation
            assert isinstance(tables_model, type)
            built = {}
            for tname, tinfo in tables_model.model_fields.items():
                row_model = tinfo.annotation.__args__[0]
                built[tname] = [row_model.model_construct(**row) for row in out.tables.get(tname, [])]
            groups["tables"] = tables_model.model_construct(**built)
        scores = {k: SelfScore.model_construct(**v) for k, v in self_scores.items()}
        answers = model._numbers_as_decimal(judgements)  # what validation would have done to the answers
        return model.model_construct(framework=out.framework.id, judgements=answers, self_scores=scores, **groups)
    except Exception:  # noqa: BLE001 - the findings say what is wrong; the file is just not scored
        return None


def read_department(path: str | Path, framework: Framework | str | None = None) -> DepartmentData:
    """For ``xlperf score``: the department data of a workbook, or an InputError listing the cells at fault."""
    result = read_workbook(path, framework)
    errors = [f for f in result.findings if f.severity == Severity.error]
    if errors or result.data is None:
        lines = [f"{Path(path).name} {f.location}：{f.message}" for f in errors] or [f"{Path(path).name}：数据不完整"]
        raise InputError("\n".join(lines))
    return result.data
