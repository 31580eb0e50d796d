"""What a printed page looks like, measured from the PDF LibreOffice makes of an output (never from the
page setup, which says nothing about the type size a fit-to-width scale leaves).

:func:`to_pdf` converts workbooks and Word documents in one LibreOffice call; :func:`measure` reads every
glyph with pdfplumber and reports per page the smallest glyph size and the glyphs that are clipped: drawn
past the page, over another glyph (text running into the next cell), or across a ruling line (a cell border
cutting through wrapped text whose row is too low).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Glyph", "PageMeasure", "measure", "to_pdf"]

OVERLAP = 0.3
"""Share of the smaller glyph's area two glyphs must share to count as drawn over each other."""
CROSS_MARGIN = 0.25
"""Share of a glyph's height (or width) a ruling line must be inside the glyph's box to cut it."""


@dataclass(frozen=True)
class Glyph:
    text: str
    size: float
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class PageMeasure:
    number: int  # 1-based
    text: str
    sizes: list[float] = field(default_factory=list)
    clipped: list[str] = field(default_factory=list)  # human-readable: which glyph and why

    @property
    def smallest(self) -> float | None:
        return min(self.sizes) if self.sizes else None


def to_pdf(paths: Sequence[Path], outdir: Path, *, timeout: int = 900) -> list[Path]:
    """Each file rendered to PDF by LibreOffice (private recalculating profile), in one invocation."""
    from xlperf.devtools import libreoffice

    profile = libreoffice._ensure_profile()
    env = dict(os.environ, HOME=str(profile))
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([libreoffice.soffice_path(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--norestore", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, paths)],
                   check=True, capture_output=True, timeout=timeout, env=env)
    out = [outdir / (Path(p).stem + ".pdf") for p in paths]
    missing = [p.name for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice wrote no PDF for {missing}")
    return out


def _glyphs(page: object) -> list[Glyph]:
    return [Glyph(c["text"], round(float(c["size"]), 2), float(c["x0"]), float(c["x1"]), float(c["top"]),
                  float(c["bottom"]))
            for c in page.chars if c["text"].strip()]  # type: ignore[attr-defined]


def _cut_by_page(g: Glyph, width: float, height: float) -> bool:
    """A glyph across the page edge. One wholly outside is not on this page: LibreOffice draws a drawing
    object (a chart) that starts on the next page on this one too, clipped away, and prints it there."""
    inside = g.x1 > 0 and g.x0 < width and g.bottom > 0 and g.top < height
    whole = g.x0 >= -0.5 and g.top >= -0.5 and g.x1 <= width + 0.5 and g.bottom <= height + 0.5
    return inside and not whole


def _overlaps(a: Glyph, b: Glyph) -> bool:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.bottom, b.bottom) - max(a.top, b.top)
    if w <= 0 or h <= 0:
        return False
    smaller = min((a.x1 - a.x0) * (a.bottom - a.top), (b.x1 - b.x0) * (b.bottom - b.top)) or 1.0
    return w * h / smaller > OVERLAP


def _drawn_over(glyphs: list[Glyph]) -> list[str]:
    """Glyphs drawn over one another (a sweep over x keeps this near-linear on a full page)."""
    out: list[str] = []
    ordered = sorted(glyphs, key=lambda g: g.x0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.x0 >= a.x1:
                break
            if _overlaps(a, b):
                out.append(f"“{a.text}”与“{b.text}”重叠于 ({a.x0:.0f}, {a.top:.0f})")
    return out


def _rules(page: object) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """(horizontal lines as (y, x0, x1), vertical lines as (x, top, bottom)) drawn on the page."""
    hs: list[tuple[float, float, float]] = []
    vs: list[tuple[float, float, float]] = []
    for e in page.edges:  # type: ignore[attr-defined]
        if e["orientation"] == "h":
            hs.append((float(e["top"]), float(e["x0"]), float(e["x1"])))
        elif e["orientation"] == "v":
            vs.append((float(e["x0"]), float(e["top"]), float(e["bottom"])))
    return hs, vs


def _cut(g: Glyph, hs: list[tuple[float, float, float]], vs: list[tuple[float, float, float]]) -> str | None:
    dh, dw = (g.bottom - g.top) * CROSS_MARGIN, (g.x1 - g.x0) * CROSS_MARGIN
    for y, x0, x1 in hs:
        if g.top + dh < y < g.bottom - dh and x0 < g.x1 - dw and x1 > g.x0 + dw:
            return f"“{g.text}”被横线切断于 ({g.x0:.0f}, {y:.0f})"
    for x, top, bottom in vs:
        if g.x0 + dw < x < g.x1 - dw and top < g.bottom - dh and bottom > g.top + dh:
            return f"“{g.text}”被竖线切断于 ({x:.0f}, {g.top:.0f})"
    return None


def measure(pdf: Path) -> list[PageMeasure]:
    """Every page's glyph sizes and clipped glyphs."""
    import pdfplumber

    out: list[PageMeasure] = []
    with pdfplumber.open(str(pdf)) as doc:
        for n, page in enumerate(doc.pages, start=1):
            glyphs = _glyphs(page)
            m = PageMeasure(n, page.extract_text() or "", [g.size for g in glyphs])
            width, height = float(page.width), float(page.height)
            m.clipped += [f"“{g.text}”超出页面" for g in glyphs if _cut_by_page(g, width, height)]
            m.clipped += _drawn_over(glyphs)
            hs, vs = _rules(page)
            m.clipped += [c for g in glyphs if (c := _cut(g, hs, vs))]
            out.append(m)
    return out
