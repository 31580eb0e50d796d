"""The XML prolog of a part, judged before any parser sees it: the encoding sniffed from the first bytes, and a
DOCTYPE or entity declaration refused wherever the prolog hides it (UTF-16, comments, a long prolog)."""

from __future__ import annotations

from typing import Final

__all__ = ["PrologScanner", "prolog_verdict", "sniff_codec"]

_WS: Final = " \t\r\n"
_QUICK: Final = 1024  # bytes tried first by PrologScanner


def sniff_codec(raw: bytes) -> tuple[str | None, int]:
    """(codec, bytes to skip) from the first bytes; codec None means ASCII-compatible bytes."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, 3
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32", 0
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", 0
    if raw.startswith(b"<\x00\x00\x00"):
        return "utf-32-le", 0
    if raw.startswith(b"\x00\x00\x00<"):
        return "utf-32-be", 0
    if raw.startswith(b"<\x00"):
        return "utf-16-le", 0
    if raw.startswith(b"\x00<"):
        return "utf-16-be", 0
    return None, 0


def _decode_prefix(raw: bytes, complete: bool) -> str:
    codec, skip = sniff_codec(raw)
    body = raw[skip:]
    if codec is None:
        return body.decode("latin-1")  # markup is ASCII; bytes >= 0x80 cannot start markup
    unit = 4 if "32" in codec else 2
    if not complete:
        body = body[: len(body) - len(body) % unit]
    return body.decode(codec, errors="replace")


def prolog_verdict(raw: bytes, complete: bool) -> str | None:
    """'clean' | 'doctype' | 'not-xml', or None when more bytes are needed.

    Walks the XML prolog (whitespace, <?...?>, <!--...-->) up to the root element.  Any other ``<!``
    construct before the root is a DOCTYPE (the only place ENTITY declarations can live).
    """
    if len(raw) < 4 and not complete:
        return None
    text = _decode_prefix(raw, complete)
    i, n = 0, len(text)
    if text.startswith("\ufeff"):
        i = 1
    while True:
        while i < n and text[i] in _WS:
            i += 1
        if i >= n:
            return "clean" if complete else None
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
            if end < 0:
                return "clean" if complete else None
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            if end < 0:
                return "clean" if complete else None
            i = end + 3
        else:
            return _first_markup(text, i, complete)


def _first_markup(text: str, i: int, complete: bool) -> str | None:
    """The verdict at the first character after the prolog's declarations and comments."""
    if text.startswith("<!", i):
        if not complete and "<!--".startswith(text[i : i + 4]):
            return None  # could still become a comment
        return "doctype"
    if text[i] == "<":
        return "clean" if (i + 1 < len(text) or complete) else None
    return "not-xml"


class PrologScanner:
    """Feeds the first ``window`` bytes of a part to :func:`prolog_verdict` until it decides."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.buf = bytearray()
        self.verdict: str | None = None  # 'clean' | 'doctype' | 'not-xml' | 'overflow'

    def feed(self, chunk: bytes) -> None:
        if self.verdict is not None:
            return
        self.buf += chunk[: self.window - len(self.buf)]
        # A verdict decided on a prefix is the verdict on the whole (the walk only decides on what it has
        # seen), so the first bytes are tried alone: a part's prolog is a few dozen bytes, and decoding the
        # whole 64 KiB window of each of a workbook's ~25 parts cost ~0.1 ms each.
        if len(self.buf) > _QUICK:
            self.verdict = prolog_verdict(bytes(self.buf[:_QUICK]), complete=False)
            if self.verdict is not None:
                return
        self.verdict = prolog_verdict(bytes(self.buf), complete=False)
        if self.verdict is None and len(self.buf) >= self.window:
            self.verdict = "overflow"

    def finish(self) -> str:
        if self.verdict is None:
            self.verdict = prolog_verdict(bytes(self.buf), complete=True) or "clean"
        return self.verdict


# Any namespace prefix, including non-ASCII ones (an NCName may be 中文): every byte that is not markup.
