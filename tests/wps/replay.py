"""An independent replayer of the service's operations onto an openpyxl workbook, and a workbook digest.

It is written from the operation table in xlperf/addins/recording.py (as the WPS add-in's main.js is),
without the annotation code, so comparing its result with ``xlperf validate --annotate`` tests the
recorded operations, not the sink against itself.
"""

from __future__ import annotations

from typing import Any

from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink


def replay(wb: Any, ops: list[dict[str, Any]]) -> None:
    for op in ops:
        kind = op["op"]
        if kind == "add_sheet":
            wb.create_sheet(op["sheet"])
            continue
        if kind == "marks":
            old = [n for n in wb.sheetnames if n.casefold() == op["sheet"].casefold()]
            for name in old:
                wb.remove(wb[name])
            ws = wb.create_sheet(op["sheet"])
            ws.sheet_state = "veryHidden"
            for r, row in enumerate(op["rows"], start=1):
                for c, value in enumerate(row, start=1):
                    if value is not None:
                        ws.cell(row=r, column=c, value=value).data_type = "s"
            continue
        ws = wb[op["sheet"]]
        if kind == "unmerge":
            ws.unmerge_cells(op["range"])
        elif kind == "hide_col":
            ws.column_dimensions[op["col"]].hidden = True
        elif kind == "col_width":
            ws.column_dimensions[op["col"]].width = op["width"]
        elif kind == "write":
            cell = ws[op["cell"]]
            cell.value = op["value"]
            if isinstance(op["value"], str):
                cell.data_type = "s"
        elif kind == "clear":
            ws[op["cell"]].value = None
            ws[op["cell"]].hyperlink = None
        elif kind == "unlink":
            ws[op["cell"]].hyperlink = None
        elif kind == "link":
            cell = ws[op["cell"]]
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=op["target"])
        elif kind == "fill":
            ws[op["cell"]].fill = PatternFill("solid", fgColor=op["color"]) if op["color"] else PatternFill()
        elif kind == "comment":
            ws[op["cell"]].comment = Comment(op["text"], "xlperf") if op["text"] else None
        else:
            raise AssertionError(f"unknown operation {kind}")


def digest(wb: Any) -> dict[str, Any]:
    """What the reviewer sees: every sheet's state, values, solid fills, notes and links."""
    out: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells: dict[str, Any] = {}
        for row in ws.iter_rows():
            for c in row:
                fill = c.fill.fgColor.rgb[-6:] if c.fill is not None and c.fill.fill_type == "solid" else None
                note = c.comment.text if c.comment is not None else None
                link = c.hyperlink.location if c.hyperlink is not None else None
                if c.value is not None or fill or note or link:
                    cells[c.coordinate] = (c.value, fill, note, link)
        hidden = sorted(k for k, d in ws.column_dimensions.items() if d.hidden)
        out[ws.title] = {"state": ws.sheet_state, "cells": cells, "hidden_cols": hidden,
                         "merged": sorted(str(r) for r in ws.merged_cells.ranges)}
    return out
