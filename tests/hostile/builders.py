"""Large hostile workbooks, written by streaming (bounded memory), deterministic."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from pathlib import Path

from .helpers import make_corpus

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _col(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def build_package(path: Path, sheets: dict[str, Iterable[bytes]], *, level: int = 6,
                  extra: dict[str, bytes] | None = None) -> Path:
    """A workbook with the given sheets (each an iterable of XML chunks), and extra stored members."""
    ct = [f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Default Extension="bin" ContentType="application/octet-stream"/>'
          '<Override PartName="/xl/workbook.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>']
    wb = [f'{DECL}<workbook xmlns="{MAIN}" xmlns:r="{R_NS}"><sheets>']
    rels = [f'{DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    for i, name in enumerate(sheets, 1):
        ct.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_CT}"/>')
        wb.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{R_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>')
    with path.open("wb") as fh:
        writer = make_corpus.RawZipWriter(fh)
        writer.add("[Content_Types].xml", ("".join(ct) + "</Types>").encode())
        writer.add("_rels/.rels", (f'{DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                   f'relationships"><Relationship Id="rId1" Type="{R_NS}/officeDocument" '
                                   'Target="xl/workbook.xml"/></Relationships>').encode())
        writer.add("xl/workbook.xml", ("".join(wb) + "</sheets></workbook>").encode())
        writer.add("xl/_rels/workbook.xml.rels", ("".join(rels) + "</Relationships>").encode())
        for i, chunks in enumerate(sheets.values(), 1):
            writer.add_stream(f"xl/worksheets/sheet{i}.xml", chunks, level=level)
        for name, data in (extra or {}).items():
            writer.add_stored(name, data)
        writer.close()
    return path


def grid(rows: int, cols: int, *, prefix: str = "", dimension: bool = True, seed: int = 0) -> Iterator[bytes]:
    """A sheet of rows × cols numeric cells (values vary, so it compresses like real data)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    dim = f'<{p}dimension ref="A1:{_col(cols)}{rows}"/>' if dimension else ""
    yield f"{DECL}<{p}worksheet {xmlns}>{dim}<{p}sheetData>".encode()
    rnd = random.Random(seed)
    template = "".join(f'<{p}c r="{_col(c)}%(r)d"><{p}v>%(v{c % 4})d</{p}v></{p}c>' for c in range(1, cols + 1))
    batch = []
    for r in range(1, rows + 1):
        values = {f"v{k}": rnd.randrange(1000) for k in range(4)}
        batch.append(f'<{p}row r="{r}">' + template % {"r": r, **values} + f"</{p}row>")
        if len(batch) == 500:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + f"</{p}sheetData></{p}worksheet>").encode()


def with_extra_sheet(source: Path, path: Path, name: str, chunks: Iterable[bytes], *, level: int = 1,
                     stored: dict[str, bytes] | None = None) -> Path:
    """A copy of a workbook with one more sheet (streamed) and optional extra stored members."""
    import zipfile

    with zipfile.ZipFile(source) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    target = "worksheets/sheet_extra.xml"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/xl/{target}" ContentType="{SHEET_CT}"/>'
                     '<Default Extension="bin" ContentType="application/octet-stream"/></Types>'.encode())
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rIdExtra" Type="{R_NS}/worksheet" Target="{target}"/>'
                             "</Relationships>".encode())
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>", f'<sheet xmlns:r="{R_NS}" name="{name}" sheetId="99" r:id="rIdExtra"/></sheets>'.encode())
    with path.open("wb") as fh:
        writer = make_corpus.RawZipWriter(fh)
        for part, data in parts.items():
            writer.add(part, data)
        writer.add_stream(f"xl/{target}", chunks, level=level)
        for part, data in (stored or {}).items():
            writer.add_stored(part, data)
        writer.close()
    return path
