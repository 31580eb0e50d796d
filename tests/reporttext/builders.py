"""Reports as .docx files, built in the tests with python-docx (the independent writer)."""

from __future__ import annotations

from pathlib import Path

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_7caf6f40ccb13888.txt"
if not SEED.exists():  # a worktree under /work/wt/<branch>: the shared folder is /work/shared
    SEED = Path("/work/shared/seeds/000_7caf6f40ccb13888.txt")
EXAMPLE = Path(__file__).resolve().parents[2] / "workbooks" / "examples" / "深圳市福田区科技创新局-2021年度部门整体支出绩效自评.xlsx"

Item = str | list[list[str]]


def seed_items(text: str | None = None) -> list[Item]:
    """The seed's lines as paragraphs and tables: a line opening with a tab is a table cell, a blank line
    inside a table ends a row, a line without a tab right after a cell continues that cell, and a line
    without a tab after a blank line ends the table."""
    lines = (text if text is not None else SEED.read_text(encoding="utf-8")).splitlines()
    items: list[Item] = []
    table: list[list[str]] | None = None
    row: list[str] = []
    blank = False
    for line in lines:
        if line.startswith("\t"):
            if table is None:
                table = []
            row.append(line[1:])
            blank = False
        elif not line.strip():
            if table is not None and row:
                table.append(row)
                row = []
            blank = True
        elif table is not None and row and not blank and (row[-1].strip() or row[-1] == ""):
            row[-1] += "\n" + line
        else:
            if table is not None:
                if row:
                    table.append(row)
                items.append(table)
                table, row = None, []
            items.append(line)
            blank = False
    if table is not None:
        if row:
            table.append(row)
        items.append(table)
    return items


def write_docx(items: list[Item], path: Path) -> Path:
    import docx

    doc = docx.Document()
    for item in items:
        if isinstance(item, str):
            doc.add_paragraph(item)
            continue
        width = max(len(r) for r in item)
        table = doc.add_table(rows=len(item), cols=width)
        for r, cells in enumerate(item):
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
    doc.save(str(path))
    return path
