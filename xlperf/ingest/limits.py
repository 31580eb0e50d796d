"""The one set of bounds on reading a submitted file: sizes, ratios, counts (the pre-check and the reader)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_LIMITS", "LIMITS", "KiB", "Limits", "MiB", "ReportLimits"]

KiB: Final = 1024
MiB: Final = 1024 * KiB


@dataclass(frozen=True)
class Limits:
    """Resource limits of the pre-check; defaults are generous for real budget workbooks.

    * ``max_file_bytes`` (50 MiB): real submissions are well under 5 MB.
    * ``max_total_uncompressed`` (200 MiB) / ``max_member_uncompressed`` (100 MiB): what the central
      directory may declare in total / per member.
    * ``max_ratio`` (200): compression ratio of one member, only checked for members larger than
      ``ratio_min_member_bytes`` (1 MiB).  Real sheets compress 5-50x; deflate tops out near 1032x.
    * ``max_members`` (5000): entries in the zip (also bounds the central directory we let zipfile parse).
    * ``max_sheet_rows`` (100 000): rows of one worksheet, from ``<dimension ref>`` and by counting
      ``<row>`` elements while streaming (counting stops at the limit).
    * ``max_xml_scan_bytes`` (64 KiB): how much of each part's start may hold the XML prolog.  The
      prolog (declaration, comments, DOCTYPE) must end, i.e. the root element must start, within this
      window; Excel's prolog is under 100 bytes, so a longer one is refused as suspicious.
    * ``max_meta_part_bytes`` (8 MiB): cap for the small parts we actually parse
      ([Content_Types].xml, the workbook part and its rels).
    * ``max_total_cells`` (300 000): ``<c>`` elements in all worksheets together, counted while
      streaming (the standard workbook has about 1 500); ``max_total_rows`` (200 000) likewise for rows.
    * ``max_total_tags`` (3 000 000): ``<`` characters (start and end tags) in all XML parts together
      (the standard workbook has about 10 000): bounds what any parser builds, whatever the elements are.
    """

    max_file_bytes: int = 50 * MiB
    max_total_uncompressed: int = 128 * MiB
    max_member_uncompressed: int = 100 * MiB
    max_ratio: float = 200.0
    ratio_min_member_bytes: int = 1 * MiB
    max_members: int = 5000
    max_sheet_rows: int = 100_000
    max_xml_scan_bytes: int = 64 * KiB
    max_meta_part_bytes: int = 8 * MiB
    max_total_cells: int = 300_000
    max_total_rows: int = 200_000
    max_total_tags: int = 3_000_000


DEFAULT_LIMITS: Final = Limits()


@dataclass(frozen=True)
class ReportLimits:
    """What is read of one report (beyond: the rest is not read, and the report says so)."""

    max_paragraphs: int = 20_000
    max_tables: int = 500
    max_cells: int = 100_000
    max_rows_per_table: int = 5_000
    max_paragraph_chars: int = 20_000
    max_total_chars: int = 5_000_000
    max_document_bytes: int = 64 * MiB
    max_pdf_pages: int = 300
    max_pdf_content_bytes: int = 4 * MiB
    """Decoded page content (drawing operators) read from one PDF: pypdf's text extraction costs ~2 s of CPU
    per MiB, and pages may share one content stream, so a 6 KB file of 20 pages cost 48 s; a page of a
    report exported from Word holds some tens of KiB."""


LIMITS: Final = ReportLimits()
