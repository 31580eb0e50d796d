"""Rows and cells of a streamed worksheet counted while it inflates, and its declared ``<dimension>`` read from
its head, under any namespace prefix and in any encoding (a count that stops at the limit, never a parse)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import AnyStr, Final, Generic

from xlperf.ingest.prolog import sniff_codec

__all__ = ["RowCounter"]

_NAME_PREFIX: Final = r"(?:[^\x00-\x20<>/=:\"'!?&]{1,64}:)?"
_TAGS_S: Final = re.compile(rf"<{_NAME_PREFIX}(row|c)[ \t\r\n/>]")
"""A ``<row>`` or ``<c>`` start tag, the name captured: one scan counts both (at most one of the two names can
match at a ``<``, and no match holds another ``<``, so the counts are those of two separate patterns)."""
_TAGS_B: Final = re.compile(_TAGS_S.pattern.encode())
_DIM_S: Final = re.compile(
    rf"<{_NAME_PREFIX}dimension[ \t\r\n][^>]{{0,1024}}?\bref[ \t\r\n]*=[ \t\r\n]*[\"']([^\"'<>]{{0,256}})[\"']"
)
_DIM_B: Final = re.compile(_DIM_S.pattern.encode())
_DIGITS_S: Final = re.compile(r"\d+")
_DIGITS_B: Final = re.compile(rb"\d+")
_TAIL: Final = 128  # longer than any <row...> start-tag match


class _Scan(Generic[AnyStr]):
    """The text-flavour half of :class:`RowCounter`: str for a decoded UTF-16/32 stream, bytes otherwise.

    Generic so that the text, its carried-over tail and head and the patterns are always of one type.
    """

    def __init__(self, decode: Callable[[bytes], AnyStr], tags: re.Pattern[AnyStr], c: AnyStr,
                 dim: re.Pattern[AnyStr], digits: re.Pattern[AnyStr]) -> None:
        self.decode: Callable[[bytes], AnyStr] = decode
        self.tags: re.Pattern[AnyStr] = tags
        self.c: AnyStr = c  # the cell tag's name as _TAGS captures it
        self.dim: re.Pattern[AnyStr] = dim
        self.digits: re.Pattern[AnyStr] = digits
        self.tail: AnyStr = decode(b"")
        self.head: AnyStr = self.tail

    def feed(self, counter: RowCounter, chunk: bytes) -> None:
        text = self.decode(chunk)
        buf = self.tail + text
        # Matches in buf that end inside the carried-over tail are exactly the matches of the tail alone (a
        # match cannot hold a '<' past its first character, nor its name run on into the delimiter), so
        # the new ones are counted in C: all of buf's minus the tail's (was a generator over finditer).
        found, before = self.tags.findall(buf), self.tags.findall(self.tail)
        cells = found.count(self.c) - before.count(self.c)
        counter.cells += cells
        counter.count += len(found) - len(before) - cells
        self.tail = buf[-_TAIL:]
        if not counter.head_done:
            self.head = self.head + text[: counter.head_window - len(self.head)]
            m = self.dim.search(self.head)
            if m:
                digits = self.digits.findall(m.group(1))
                counter.dimension_rows = max((int(d) for d in digits), default=0)
                counter.head_done = True
            elif len(self.head) >= counter.head_window:
                counter.head_done = True
            if counter.head_done:
                self.head = self.head[:0]


class RowCounter:
    """Counts ``<row>`` start tags of a streamed worksheet and reads ``<dimension ref>`` from its head.

    Works on bytes for ASCII-compatible encodings and decodes incrementally for UTF-16/32, so the
    encoding cannot hide rows.  Over-counting (e.g. ``<row`` inside a comment) only errs on the safe side.
    """

    def __init__(self, head_window: int) -> None:
        self.head_window = head_window
        self.count = 0
        self.cells = 0
        self.dimension_rows = 0
        self.head_done = False
        self._lead = b""
        self._scan: _Scan[str] | _Scan[bytes] | None = None

    @property
    def rows(self) -> int:
        return max(self.count, self.dimension_rows)

    def feed(self, chunk: bytes) -> None:
        if self._scan is None:
            # the encoding is sniffed from 4 bytes; a crafted deflate stream can yield tiny first chunks
            self._lead += chunk
            if len(self._lead) < 4:
                return
            chunk, self._lead = self._lead, b""
            codec, skip = sniff_codec(chunk)
            if codec is not None:
                decode = codecs.getincrementaldecoder(codec)(errors="replace").decode
                self._scan = _Scan(decode, _TAGS_S, "c", _DIM_S, _DIGITS_S)
            else:
                self._scan = _Scan(bytes, _TAGS_B, b"c", _DIM_B, _DIGITS_B)
            chunk = chunk[skip:]
        self._scan.feed(self, chunk)
