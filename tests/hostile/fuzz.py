"""Seeded XML-level mutations of the shipped example workbook (deterministic: same seed, same mutants)."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

from lxml import etree

from .helpers import EXAMPLE

NUMBERS = ["1E+30", "1E+999999", "1E+999999999", "-1E+300000000", "1" * 40, "NaN", "Infinity", "-0", "1e-400",
           "0x1F", "6 70.89", "", "  ", "1,234.56", "9" * 400, "+.5", ".", "1E", "٣", "１２", "-3", "0.001",
           "44202", "1E+21", "123456789012345678901", "1.7976931348623157E+308"]
MARKUP = ["<", "&amp;", "]]>", "[/]", "[bold]x", "=HYPERLINK(\"http://x\")", "=cmd|' /C calc'!A0", "@SUM(1)",
          "\t=1", "+1", "-1+1", "\u202e", "\u200b", "\ufeff", "'", '"', "科技局[/]", "%s%n", "{0}", "\\", "/dev/zero",
          "../x.yaml", "x" * 5000]
TYPES = ["n", "s", "str", "b", "e", "inlineStr", "d", "zz", ""]


def example_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(EXAMPLE) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _xml_parts(parts: dict[str, bytes]) -> list[str]:
    return sorted(n for n in parts if n.endswith((".xml", ".rels")))


def _mutate_tree(root: etree._Element, rnd: random.Random) -> str:
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    op = rnd.choice(["delete", "swap-attr", "set-attr", "number", "text", "type", "duplicate", "move"])
    target = rnd.choice(elements)
    parent = target.getparent()
    if op == "delete" and target is not root and parent is not None:
        parent.remove(target)
    elif op == "swap-attr":
        with_attrs = [e for e in elements if e.attrib]
        if len(with_attrs) >= 2:
            a, b = rnd.sample(with_attrs, 2)
            ka, kb = rnd.choice(list(a.attrib)), rnd.choice(list(b.attrib))
            a.attrib[ka], b.attrib[kb] = b.attrib[kb], a.attrib[ka]
    elif op == "set-attr" and target.attrib:
        key = rnd.choice(list(target.attrib))
        target.attrib[key] = rnd.choice(NUMBERS + MARKUP[:12] + ["A1", "XFD1048576", "ZZZZ1", "0", "-1", "99999999"])
    elif op == "number":
        vs = [e for e in elements if etree.QName(e).localname == "v"] or [target]
        rnd.choice(vs).text = rnd.choice(NUMBERS)
    elif op == "text":
        ts = [e for e in elements if etree.QName(e).localname in ("t", "f", "definedName")] or [target]
        el = rnd.choice(ts)
        el.text = (el.text or "") + rnd.choice(MARKUP) if rnd.random() < 0.5 else rnd.choice(MARKUP)
    elif op == "type":
        cs = [e for e in elements if etree.QName(e).localname == "c"] or [target]
        rnd.choice(cs).set("t", rnd.choice(TYPES))
    elif op == "duplicate" and target is not root and target.getparent() is not None:
        target.addnext(etree.fromstring(etree.tostring(target)))
    elif op == "move" and target is not root:
        other = rnd.choice(elements)
        if other is not target and target not in list(other.iterancestors()) and other is not root \
                and parent is not None:
            parent.remove(target)
            other.append(target)
    return op


def mutant(seed: int, index: int, parts: dict[str, bytes] | None = None) -> tuple[bytes, list[str]]:
    """One mutant (the bytes of an .xlsx) and what was done to it."""
    rnd = random.Random(f"{seed}:{index}")
    parts = dict(parts if parts is not None else example_parts())
    done = []
    for _ in range(rnd.choice([1, 1, 2, 3])):
        names = _xml_parts(parts)
        weights = [6 if "worksheets/" in n else 4 if n.endswith("workbook.xml") else 1 for n in names]
        name = rnd.choices(names, weights)[0]
        root = etree.fromstring(parts[name])
        op = _mutate_tree(root, rnd)
        parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        done.append(f"{name}:{op}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(zipfile.ZipInfo(n, date_time=(2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue(), done


def write_mutants(folder: Path, seed: int, count: int) -> dict[Path, list[str]]:
    base = example_parts()
    out = {}
    for i in range(count):
        data, done = mutant(seed, i, base)
        path = folder / f"m{seed}-{i:04d}.xlsx"
        path.write_bytes(data)
        out[path] = done
    return out
