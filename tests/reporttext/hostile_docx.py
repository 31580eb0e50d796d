"""Hostile .docx packages written byte by byte (zipfile), not through python-docx."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
      'wordprocessingml.document.main+xml"/></Types>')
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
TAIL = "</w:body></w:document>"


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def table(rows: int, cols: int, text: str = "1.00") -> Iterable[str]:
    yield "<w:tbl>"
    row = "<w:tr>" + "".join(f"<w:tc>{para(text)}</w:tc>" for _ in range(cols)) + "</w:tr>"
    for _ in range(rows):
        yield row
    yield "</w:tbl>"


def package(path: Path, body: Iterable[str], *, prolog: str = "", level: int = 6,
            extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", CT)
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write((prolog or "").encode() if prolog else b"")
            fh.write(HEAD.encode() if not prolog else HEAD.split("?>", 1)[1].encode())
            for piece in body:
                fh.write(piece.encode())
            fh.write(TAIL.encode())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def bomb(path: Path, megabytes: int = 300) -> Path:
    """A document part of ``megabytes`` MB of one repeated paragraph: a few hundred KB compressed."""
    chunk = para("零" * 1000) * 300

    def body() -> Iterable[str]:
        size = 0
        while size < megabytes * 1024 * 1024:
            yield chunk
            size += len(chunk.encode())

    return package(path, body(), level=9)


ENTITY_PROLOG = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
                 '"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
