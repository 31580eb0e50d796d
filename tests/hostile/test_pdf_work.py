"""A PDF report's work is bounded by the content it decodes, not only by its pages and characters.

pypdf's text extraction costs about 2 s of CPU per MiB of page content, and every page of a PDF may point at
the same content stream: a 6 KB file of 20 pages, each drawing one 1 MiB stream, cost 48 s (300 pages:
twelve minutes), and a stream drawing no text is not stopped by the character limit. Expected values by
hand: each page draws ``OPS`` one-letter strings, so each page read adds ``OPS`` letters.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from xlperf.errors import ReportUnreadable
from xlperf.ingest.limits import ReportLimits
from xlperf.ingest.pdf import read_pdf

OPS = 3000
OP = b"BT /F1 12 Tf 72 712 Td (A) Tj ET\n"


def _shared_content_pdf(path: Path, pages: int, ops: int = OPS) -> Path:
    """``pages`` pages that all draw one FlateDecode content stream of ``ops`` text operators."""
    content = zlib.compress(OP * ops, 9)
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
             b"/Resources << /Font << /F1 4 0 R >> >> >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _letters(doc: object) -> int:
    return str(doc).count("A")


def test_pages_sharing_one_stream_are_read_up_to_the_content_limit(tmp_path: Path) -> None:
    path = _shared_content_pdf(tmp_path / "shared.pdf", pages=20)
    assert path.stat().st_size < 4096
    page = len(OP) * OPS  # 99,000 bytes of content per page
    doc = read_pdf(path, ReportLimits(max_pdf_content_bytes=page * 2 + 10))
    assert _letters(doc) == 2 * OPS  # two pages read, not twenty
    assert _letters(read_pdf(path, ReportLimits(max_pdf_content_bytes=page * 20))) == 20 * OPS


def test_a_first_page_over_the_limit_is_refused_in_chinese(tmp_path: Path) -> None:
    path = _shared_content_pdf(tmp_path / "big.pdf", pages=1, ops=40_000)  # 1.3 MB of content, 4 KB compressed
    with pytest.raises(ReportUnreadable, match="页面内容超过 1 MB"):
        read_pdf(path, ReportLimits(max_pdf_content_bytes=1 << 20))
