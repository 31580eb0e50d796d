"""Read a filled standard workbook by its defined names into department data plus located notes (the checks turn them into findings)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from xlperf.compiled import CompiledFramework, data_model
from xlperf.data.models import DepartmentData, bound_problems, date_bound_problems
from xlperf.engine.rows import missing_required_if, text_row_problems
from xlperf.errors import InputError, reason_zh, xml_reason_zh
from xlperf.framework.form import TableDecl
from xlperf.framework.models import Framework
from xlperf.ingest.cells import parse_cell
from xlperf.ingest.notes import Note, Noted
from xlperf.ingest.precheck import FileIssue, FileRefused, is_fatal, precheck
from xlperf.ingest.xlsx import Book, BookTooLarge, RawCell, open_book
from xlperf.plan.formulas import Plan, TablePlan, filled, table_row_used
from xlperf.plan.layout import SCORE_SHEET, xlwings_sheet_kind
from xlperf.plan.names import NameSpec
from xlperf.resolve import Choice, Unregistered, is_valid_id, workbook_framework

__all__ = ["UnreadableWorkbook", "WorkbookRead", "read_workbook"]

class UnreadableWorkbook(InputError):
    """The file cannot be read as a standard workbook; ``notes`` say why (the checks word them as findings)."""

    def __init__(self, notes: list[Note]) -> None:
        super().__init__("\n".join(f"{n.location}：{n.detail}" if n.location else n.detail for n in notes))
        self.notes = notes


@dataclass
class WorkbookRead:
    path: Path
    book: Book
    framework: Framework
    plan: Plan
    values: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (sheet, cell) as found
    notes: list[Note] = field(default_factory=list)
    """What the reader noticed (file, structure, cells); the checks turn each into a finding."""
    data: DepartmentData | None = None
    file_issues: list[FileIssue] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # filled rows of each table

    def raw(self, name: str) -> RawCell | None:
        loc = self.locations.get(name)
        return self.book.cell(*loc) if loc else None


def _file_note(issue: FileIssue) -> Note:
    return Note(issue.kind, issue.message)


def read_workbook(path: str | Path, framework: Framework | str | Choice | None = None) -> WorkbookRead:
    """Pre-check, parse and interpret a submitted workbook. Raises UnreadableWorkbook when it can't.

    ``framework`` is the reviewer's choice: a Framework, a built-in id or a framework file (used for every
    workbook), or a folder of framework files (added to the built-in ones). Without a forced framework the
    workbook's 评价框架编号 is looked up among the registered frameworks; it is never used as a path.
    """
    path = Path(path)
    kept: dict[str, bytes] = {}  # the parts the pre-check inflated, read once
    directory: list[zipfile.ZipInfo] = []  # and the zip directory it read
    issues = precheck(path, keep=kept, directory=directory)
    if is_fatal(issues):
        raise UnreadableWorkbook([_file_note(i) for i in issues if i.fatal])
    book = _open(path, kept, directory)
    del kept, directory
    hostile = _xlwings_sheets(book)
    fw_id = _const(book, "fw_id")
    chosen = _choose(path, book, framework, fw_id, [_file_note(i) for i in issues] + hostile)
    fw, cat = chosen.fw, chosen.catalog
    out = WorkbookRead(path, book, fw, chosen.plan(), file_issues=issues)
    out.notes.extend(_file_note(i) for i in issues)
    out.notes.extend(hostile)
    out.notes.extend(_framework_notes(book, fw, fw_id))
    _read_values(out, cat)
    _bounds(out, cat)
    _read_tables(out, cat)
    _local_names(out, cat)
    out.data = _to_data(out, cat)
    out.notes.extend(_year_note(out))
    return out


def _open(path: Path, kept: dict[str, bytes], directory: list[zipfile.ZipInfo]) -> Book:
    """The workbook's parts, or UnreadableWorkbook saying why not."""
    try:
        return open_book(path, parts=kept, directory=directory)
    except BookTooLarge as exc:
        raise UnreadableWorkbook([Note(exc.kind, f"文件“{path.name}”{exc}")]) from None
    except FileRefused as exc:  # replaced since the pre-check
        raise UnreadableWorkbook([_file_note(exc.issue)]) from None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableWorkbook([Note(Noted.NOT_A_ZIP, f"文件“{path.name}”无法按 xlsx 读取（{type(exc).__name__}）")]) from None
    except Exception as exc:  # noqa: BLE001 - lxml syntax errors and the like
        raise UnreadableWorkbook([Note(Noted.NOT_A_ZIP,
                                       f"文件“{path.name}”内部结构损坏，无法读取（{xml_reason_zh(exc)}）")]) from None


def _choose(path: Path, book: Book, framework: Framework | str | Choice | None, fw_id: str | None,
            before: list[Note]) -> CompiledFramework:
    """The framework to read with (:func:`xlperf.resolve.workbook_framework`); UnreadableWorkbook (with the
    notes ``before`` it) when the workbook names none or one that is not registered."""
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
        raise UnreadableWorkbook([*before, Note(Noted.FRAMEWORK_MISMATCH, why, sheet=fw_cell[0] or None,
                                                cell=fw_cell[1] or None, found=_short(fw_id or ""))]) from None
    if chosen is None:
        raise UnreadableWorkbook([*before, Note(Noted.NOT_A_STANDARD_WORKBOOK, (
            f"文件“{path.name}”不是 xlperf 标准评价工作簿（找不到名称 fw_id 所在的“评价框架编号”单元格）。"
            "请使用 xlperf template 生成的模板填报。"))])
    return chosen


def _framework_notes(book: Book, fw: Framework, fw_id: str | None) -> list[Note]:
    """The workbook's recorded framework id or version, where they differ from the chosen framework's."""
    fw_version = _const(book, "fw_version")
    if fw_id is not None and fw_id != fw.id:
        sheet, cell = book.names.get("fw_id", ("", ""))
        return [Note(Noted.FRAMEWORK_MISMATCH, f"工作簿的评价框架为“{_short(fw_id)}”，与所选框架“{fw.id}”不一致",
                     sheet=sheet or None, cell=cell or None, found=_short(fw_id), expected=fw.id)]
    if fw_version is not None and fw_version != fw.version:
        sheet, cell = book.names.get("fw_version", ("", ""))
        return [Note(Noted.FRAMEWORK_VERSION_MISMATCH,
                     f"工作簿的框架版本为 {_short(fw_version)}，当前框架 {fw.id} 的版本为 {fw.version}",
                     sheet=sheet or None, cell=cell or None, found=_short(fw_version), expected=fw.version)]
    return []


def _year_note(out: WorkbookRead) -> list[Note]:
    """The year filled in, where it is not the framework's year."""
    fw = out.framework
    year_name = fw.form.role("year")
    year = out.values.get(year_name) if year_name else None
    if not year_name or not isinstance(year, int) or year == fw.year:
        return []
    sheet, cell = out.locations.get(year_name, ("", ""))
    return [Note(Noted.YEAR_MISMATCH, f"填报的年度为 {year}，而评价框架“{fw.name}”（{fw.id}）适用于 {fw.year} 年度，"
                                      "请确认是否使用了当年的框架和模板",
                 sheet=sheet or None, cell=cell or None, found=year, expected=fw.year)]


def _const(book: Book, name: str) -> str | None:
    loc = book.names.get(name)
    if loc is None:
        return None
    raw = book.cell(*loc)
    return raw.value.strip() if raw is not None and raw.value else None


def _read_values(out: WorkbookRead, cat: dict[str, NameSpec]) -> None:
    """Every named value of the form: computed names located, inputs parsed (tables apart)."""
    book = out.book
    for sheet in (*out.plan.blocks, SCORE_SHEET):
        if sheet not in book.sheets:
            out.notes.append(Note(Noted.MISSING_SHEET, f"缺少工作表“{sheet}”（可能被删除或改名），请使用标准模板",
                                  sheet=sheet))
    for name, spec in cat.items():
        if spec.is_input:
            _read_input(out, name, spec)
        else:
            _locate_computed(out, name, spec)


def _locate_computed(out: WorkbookRead, name: str, spec: NameSpec) -> None:
    """Where a computed name is; a formula whose name was deleted is a note (its dependants show #NAME?)."""
    loc = out.book.names.get(name)
    if loc is not None:
        out.locations[name] = loc
        return
    planned = out.plan.cells.get(name)
    if planned is not None and planned.formula and planned.sheet in out.book.sheets:
        out.notes.append(Note(Noted.MISSING_FORMULA_NAME, f"缺少名称 {name}（{spec.label}）：引用它的公式将显示 #NAME?，"
                                                          "表内计算失效。请勿删除工作簿中的名称",
                              sheet=planned.sheet, cell=planned.cell))


def _read_input(out: WorkbookRead, name: str, spec: NameSpec) -> None:
    """One input: found by its name (else at the template's place, noted), parsed, its problems noted."""
    book = out.book
    loc = book.names.get(name)
    planned = out.plan.cells.get(name)
    if loc is None:
        if planned is None:
            return
        loc = (planned.sheet, planned.cell)
        if planned.sheet in book.sheets:
            out.notes.append(Note(Noted.MISSING_DEFINED_NAME,
                                  f"缺少名称 {name}（{spec.label}），已按模板位置读取，请勿删除工作簿中的名称",
                                  sheet=planned.sheet, cell=planned.cell))
    out.locations[name] = loc
    if loc[0] not in book.sheets:
        return
    raw = book.cell(*loc)
    parsed = parse_cell(raw, spec, date1904=book.date1904)
    for note in parsed.notes:
        out.notes.append(Note(note.kind, f"{spec.label}：{note.message}", sheet=loc[0], cell=loc[1], found=_shown(raw)))
    if parsed.error is not None:
        out.notes.append(Note(parsed.error.kind, f"{spec.label}：{parsed.error.message}", sheet=loc[0], cell=loc[1],
                              found=_shown(raw), expected=parsed.error.expected, indicator=spec.indicator))
        if parsed.sheet_value is not None:  # scored as the sheet computes it (text is 0 there)
            integral = parsed.sheet_value == parsed.sheet_value.to_integral_value()
            out.values[name] = (int(parsed.sheet_value) if spec.kind in ("count", "int") and integral
                                else parsed.sheet_value)
        return
    if parsed.value is None:
        if spec.required:
            out.notes.append(Note(Noted.EMPTY_REQUIRED_INPUT, f"{spec.label}：必填，尚未填写", sheet=loc[0], cell=loc[1]))
        return
    out.values[name] = parsed.value


def _bounds(out: WorkbookRead, cat: dict[str, NameSpec]) -> None:
    """Values outside the framework's declared min / max: reported at their cells, still scored."""
    specs = [s for s in cat.values() if s.minimum is not None or s.maximum is not None]  # dates: their own
    dates = [s for s in cat.values() if s.date_min is not None or s.date_max is not None]
    for name, reason in bound_problems(specs, out.values) + date_bound_problems(dates, out.values):
        sheet, cell = out.locations.get(name, ("", ""))
        out.notes.append(Note(Noted.VALUE_OUT_OF_BOUNDS, sheet=sheet or None, cell=cell or None, found=out.values.get(name),
                                    detail=f"{reason}（评价框架规定的取值范围）"))


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
                out.notes.append(Note(Noted.EMPTY_REQUIRED_INPUT, sheet=tp.sheet, cell=key_cell,
                    detail=f"{table.label}第 {r - tp.first_row + 1} 行填写了数据，但第一列“{key_label}”为空：本行的"
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
                    out.notes.append(Note(note.kind, sheet=tp.sheet, cell=cell, detail=f"{label}：{note.message}"))
                if parsed.error is not None:  # left empty: the sheet's aggregates skip text, N() reads 0
                    out.notes.append(Note(parsed.error.kind, sheet=tp.sheet,
                                                cell=cell, found=_shown(out.book.cell(tp.sheet, cell)),
                                                expected=parsed.error.expected,
                                                detail=f"{label}：{parsed.error.message}"))
                elif parsed.value is None and col.required:
                    out.notes.append(Note(Noted.EMPTY_REQUIRED_INPUT, sheet=tp.sheet, cell=cell, detail=f"{label}：本行已填写，此项必填"))
                # empty (or unreadable): read as the sheet's formulas read it, never as a data file's default
                row[col.name] = parsed.value if parsed.error is None else None
                out.locations[f"{table.name}.{col.name}@{len(rows)}"] = (tp.sheet, cell)
            _row_rules(out, table, tp, cat, row, r)
            rows.append(row)
        out.tables[table.name] = rows


def _row_rules(out: WorkbookRead, table: TableDecl, tp: TablePlan, cat: dict[str, NameSpec], row: dict[str, Any],
               r: int) -> None:
    """A filled row's own rules: qualitative cells (``text_if``) and cells its condition requires (``required_if``)."""
    for col, wants, why in text_row_problems(table, row):
        out.notes.append(Note(_ROW_NOTES[wants], sheet=tp.sheet, cell=f"{tp.columns[col.name]}{r}",
                              found=_short(str(row[col.name]), 64),
                              detail=f"{cat[f'{table.name}.{col.name}'].label}（第 {r - tp.first_row + 1} 行）："
                                     f"{why}"))
    for col in missing_required_if(table, row):
        if col.required:
            continue  # already reported: required in every filled row
        out.notes.append(Note(Noted.EMPTY_REQUIRED_INPUT, sheet=tp.sheet,
            cell=f"{tp.columns[col.name]}{r}",
            detail=f"{cat[f'{table.name}.{col.name}'].label}（第 {r - tp.first_row + 1} 行）："
                    f"本行满足 {col.required_if}，此项必填"))


_TEXT_TYPES = ("s", "str", "inlineStr")
_ROW_NOTES = {"choice": Noted.INVALID_CHOICE, "number": Noted.TEXT_IN_NUMBER_CELL}
"""What a qualitative row's cell should have held (engine/rows.py) → the kind of note."""


SHEET_VISIBILITY_ZH = {"visible": "可见工作表", "hidden": "隐藏工作表", "veryHidden": "极隐藏工作表"}
"""Excel's three sheet states in Chinese. A 极隐藏 (veryHidden) sheet is not listed under 取消隐藏: the message
says how to reach it, or the department cannot find what to delete."""
VERY_HIDDEN_HINT = "，在“取消隐藏”中看不到：需在 VBA 编辑器（Alt+F11）中把该表的 Visible 属性改为 -1 才能显示和删除"


def sheet_visibility_zh(state: str | None) -> str:
    """A sheet state in Chinese; a value Excel would not write is named as written."""
    if state is None:
        return "可见性未知"
    return SHEET_VISIBILITY_ZH.get(state, f"可见性“{state}”")


def _sheet_shown(book: Book, name: str) -> str:
    """“name”（极隐藏工作表，…）: the sheet, its visibility and, when very hidden, how to reach it."""
    state = book.sheet_states.get(name)
    return f"“{_short(name)}”（{sheet_visibility_zh(state)}{VERY_HIDDEN_HINT if state == 'veryHidden' else ''}）"


XLWINGS_SHEETS_LISTED = 20
"""Sheets named like xlwings' configuration or code reported one by one; the rest in one finding."""


def _xlwings_sheets(book: Book) -> list[Note]:
    """Sheets named like xlwings' configuration (``*.conf``) or embedded code (``*.py``), whatever their
    visibility: in the reviewer's Excel such a sheet could set the Python interpreter, paths or command
    line of an xlwings add-in, or hold code (XP131, XP132)."""
    out: list[Note] = []
    hits = [(name, kind) for name in book.sheets if (kind := xlwings_sheet_kind(name)) is not None]
    for name, kind in hits[:XLWINGS_SHEETS_LISTED]:
        shown = _sheet_shown(book, name)
        if kind == "conf":
            out.append(Note(Noted.XLWINGS_CONFIG_SHEET, sheet=_short(name),
                found=_short(name),
                detail=(f"工作簿中有工作表{shown}：这是 xlwings 加载项配置表的名称，"
                         "可用来改变 Excel 运行的 Python 程序、路径和命令行。标准模板中没有这个工作表，"
                         "请报送单位删除后重新报送；在此之前不要在 Excel 中对该文件使用 xlwings 加载项")))
        else:
            out.append(Note(Noted.XLWINGS_CODE_SHEET, sheet=_short(name),
                found=_short(name),
                detail=(f"工作簿中有工作表{shown}：这是 xlwings 内嵌 Python 代码工作表的名称。"
                         "标准模板中没有这个工作表，请报送单位删除后重新报送")))
    if len(hits) > XLWINGS_SHEETS_LISTED:
        out.append(Note(Noted.XLWINGS_CONFIG_SHEET, detail=(f"另有 {len(hits) - XLWINGS_SHEETS_LISTED} 个工作表的名称以 .conf 或 .py 结尾（未逐一列出），"
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
        out.notes.append(Note(Noted.LOCAL_NAME_SHADOWS, sheet=scope, found=_short(text, 128),
            indicator=spec.indicator if spec is not None else None,
            detail=(f"工作表“{scope}”中定义了同名的局部名称 {name}{label}，指向 {_short(text, 128)}："
                     f"该工作表中的公式将引用它，而不是工作簿中的 {name}。请在“公式→名称管理器”中删除这个局部名称")))
    if len(seen) > LOCAL_NAMES_LISTED:
        out.notes.append(Note(Noted.LOCAL_NAME_SHADOWS, detail=f"另有 {len(seen) - LOCAL_NAMES_LISTED} 个局部名称与工作簿中的名称同名（未逐一列出），"
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
    """Build the data model; a field the model refuses is noted at its cell (unless the cell parser noted
    that cell already), and the data is then taken as the sheet reads it."""
    sections = _sections(out, cat)
    judgements = _judgements(out.values, cat)
    self_scores = _self_scores(out)
    try:
        return data_model(out.framework).model_validate(
            {"framework": out.framework.id, **sections, "judgements": judgements, "self_scores": self_scores})
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            _model_error(out, cat, err)
        return _as_the_sheet_reads(out, cat, sections, judgements, self_scores)


def _sections(out: WorkbookRead, cat: dict[str, NameSpec]) -> dict[str, Any]:
    """Inputs and stated figures by their section of the data model, and the tables' rows."""
    sections: dict[str, Any] = {}
    for spec in cat.values():
        if spec.role in ("input", "stated"):
            group = sections.setdefault(spec.section, {})
            if spec.name in out.values:
                group[spec.name] = out.values[spec.name]
    if out.tables:
        sections["tables"] = out.tables
    return sections


def _judgements(values: dict[str, Any], cat: dict[str, NameSpec]) -> dict[str, Any]:
    """Judged answers; a flag (是/否) as 1 or 0."""
    out = {s.name: values[s.name] for s in cat.values() if s.role == "judged" and s.name in values}
    for s in cat.values():
        if s.role == "judged" and s.kind == "flag" and s.name in out:
            out[s.name] = Decimal(1) if out[s.name] is True else Decimal(0)
    return out


def _self_scores(out: WorkbookRead) -> dict[str, dict[str, Any]]:
    scores = {}
    for ind in out.framework.leaves():
        score = out.values.get(f"self_{ind.id}")
        if score is not None:
            scores[ind.id] = {"score": score, "reason": out.values.get(f"reason_{ind.id}", "") or ""}
    return scores


def _model_error(out: WorkbookRead, cat: dict[str, NameSpec], err: Any) -> None:
    """One error of the data model, at its cell, unless the cell parser already noted that cell."""
    name = str(err["loc"][-1]) if err["loc"] else ""
    if err["loc"] and err["loc"][0] == "tables" and len(err["loc"]) >= 4:
        name = f"{err['loc'][1]}.{err['loc'][3]}@{err['loc'][2]}"
    sheet, cell = out.locations.get(name, (None, None))
    if sheet is not None and any(n.sheet == sheet and n.cell == cell for n in out.notes):
        return
    out.notes.append(Note(Noted.TEXT_IN_NUMBER_CELL, f"{cat[name].label if name in cat else name}：{reason_zh(err)}",
                          sheet=sheet, cell=cell))


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
