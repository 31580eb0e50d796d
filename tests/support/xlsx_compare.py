"""Two workbooks compared as a reader sees them (openpyxl, normal mode): sheets and their order, every cell's
value, type and style (number format, font, fill, alignment), hyperlinks, column widths, row heights, frozen
panes, autofilter, print titles, page setup and margins, page breaks, and charts (kind, title, anchor, size,
series references). Used to show that the 汇总 written row by row equals the one written in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def _style(cell: Any) -> tuple[Any, ...]:
    f, a, fill = cell.font, cell.alignment, cell.fill
    return (cell.number_format, f.b, f.i, f.sz, f.u, f.color.rgb if f.color is not None else None,
            fill.fill_type, fill.fgColor.rgb if fill.fill_type else None,
            a.horizontal, a.vertical, bool(a.wrap_text))


def _cells(ws: Any) -> dict[tuple[int, int], tuple[Any, ...]]:
    out = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None and not cell.has_style:
                continue
            link = cell.hyperlink.location if cell.hyperlink is not None else None
            out[(cell.row, cell.column)] = (cell.value, cell.data_type, _style(cell), link)
    return out


def _chart(chart: Any) -> tuple[Any, ...]:
    def text(title: Any) -> str | None:
        if title is None or title.tx is None or title.tx.rich is None:
            return None
        return "".join(r.t for p in title.tx.rich.p for r in (p.r or []))

    anchor = chart.anchor._from
    series = [(s.val.numRef.f if s.val is not None and s.val.numRef is not None else None,
               s.cat.strRef.f if s.cat is not None and s.cat.strRef is not None else
               (s.cat.numRef.f if s.cat is not None and s.cat.numRef is not None else None),
               s.tx.strRef.f if s.tx is not None and s.tx.strRef is not None else None) for s in chart.series]
    return (type(chart).__name__, getattr(chart, "type", None), text(chart.title), (anchor.col, anchor.row),
            series)


def _settings(ws: Any) -> dict[str, Any]:
    ps, m = ws.page_setup, ws.page_margins
    return {
        "widths": {k: round(v.width, 2) for k, v in ws.column_dimensions.items() if v.width},
        "heights": {k: v.height for k, v in ws.row_dimensions.items() if v.height},
        "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "titles": ws.print_title_rows,
        "page": (ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight,
                 ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None),
        "margins": (m.left, m.right, m.top, m.bottom, m.header, m.footer),
        "row_breaks": [b.id for b in ws.row_breaks.brk], "col_breaks": [b.id for b in ws.col_breaks.brk],
        "charts": [_chart(c) for c in ws._charts],
    }


def differences(a: Path, b: Path, limit: int = 20) -> list[str]:
    """What differs between the two workbooks (empty: equal as far as is compared)."""
    wa, wb = load_workbook(a), load_workbook(b)
    out: list[str] = []
    if wa.sheetnames != wb.sheetnames:
        return [f"sheets {wa.sheetnames} != {wb.sheetnames}"]
    if wa.properties.title != wb.properties.title:
        out.append(f"title {wa.properties.title!r} != {wb.properties.title!r}")
    for name in wa.sheetnames:
        sa, sb = wa[name], wb[name]
        ca, cb = _cells(sa), _cells(sb)
        for key in sorted(set(ca) | set(cb)):
            if ca.get(key) != cb.get(key):
                out.append(f"{name}!{key}: {ca.get(key)} != {cb.get(key)}")
        ga, gb = _settings(sa), _settings(sb)
        for key in ga:
            if ga[key] != gb[key]:
                out.append(f"{name} {key}: {ga[key]} != {gb[key]}")
    return out[:limit]
