"""Which frameworks a submitted workbook may name: the built-in ones and those the reviewer registers.

A workbook records its framework id in a cell the submitter can type into. That text is only ever a key
into this registry, never a path: ``/dev/zero``, ``/dev/stdin`` or ``../mine.yaml`` in the cell opens
nothing and is simply not found. The reviewer extends the registry with ``--framework FILE|DIR``
(every ``*.yaml``/``*.yml``/``*.json`` directly inside DIR that is a framework: a mapping with ``id`` and
``indicators``; department data files beside them are skipped); the reviewer's frameworks take precedence over
built-in ones with the same id.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from xlperf.errors import InputError
from xlperf.safe_yaml import load_yaml
from xlperf.framework.loader import MAX_FRAMEWORK_BYTES, builtin_ids, load_framework
from xlperf.framework.models import Framework

__all__ = ["FRAMEWORK_ID", "MAX_FRAMEWORK_FILES", "Choice", "Registry", "builtin_registry", "choose", "is_valid_id",
           "registry_for", "resolve", "reviewer_file"]

FRAMEWORK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""What a framework id may look like: no path separators, no leading dot, at most 64 characters."""
MAX_FRAMEWORK_FILES = 200
"""A reviewer's framework folder holding more files than this is refused (it is not a framework folder)."""
_SUFFIXES = (".yaml", ".yml", ".json")

Entry = Framework | Callable[[], Framework]
Registry = Mapping[str, Entry]
"""Framework id → the framework, or a loader called on first use (built-ins are parsed only when named)."""


def is_valid_id(fw_id: str) -> bool:
    return bool(FRAMEWORK_ID.match(fw_id)) and ".." not in fw_id


def resolve(fw_id: str, registered: Registry) -> Framework | None:
    """The registered framework with this id, or None. Touches no file for an unregistered id."""
    if not isinstance(fw_id, str) or not is_valid_id(fw_id):
        return None
    entry = registered.get(fw_id)
    if entry is None:
        return None
    return entry if isinstance(entry, Framework) else entry()


def builtin_registry() -> dict[str, Entry]:
    return {fid: (lambda fid=fid: load_framework(fid)) for fid in builtin_ids()}  # type: ignore[misc]


def registry_for(reviewer: str | os.PathLike[str] | None) -> dict[str, Entry]:
    """Built-in frameworks plus the reviewer's file or folder (loaded once per process and state of the folder)."""
    out = builtin_registry()
    if reviewer is None:
        return out
    path = Path(reviewer)
    if path.is_dir():
        files = tuple(sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file()))
        if len(files) > MAX_FRAMEWORK_FILES:
            raise InputError(f"框架目录 {path} 中有 {len(files)} 个文件，超过上限 {MAX_FRAMEWORK_FILES} 个")
        if not files:
            raise InputError(f"框架目录 {path} 中没有框架文件（*.yaml、*.yml、*.json）")
        for fw in _load_folder(tuple((str(p), *_signature(p)) for p in files)):
            out[fw.id] = fw
    elif str(reviewer) in out:
        pass  # a built-in id: already registered
    else:
        fw = reviewer_file(path)
        out[fw.id] = fw
    return out


def _signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _looks_like_framework(path: Path) -> bool:
    """A folder may hold other YAML (department data files): only mappings with ``id`` and ``indicators`` count."""
    try:
        if path.stat().st_size > MAX_FRAMEWORK_BYTES:
            return False  # no framework is that large (and a big data file is not read whole)
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}：无法读取框架文件（{exc}）") from None
    raw = load_yaml(text, str(path), what="框架文件（YAML/JSON）")
    return isinstance(raw, dict) and "id" in raw and "indicators" in raw


@lru_cache(maxsize=8)
def _load_folder(files: tuple[tuple[str, int, int], ...]) -> tuple[Framework, ...]:
    frameworks: dict[str, tuple[Framework, str]] = {}
    for name, _mtime, _size in files:
        if not _looks_like_framework(Path(name)):
            continue
        fw = load_framework(Path(name))
        if fw.id in frameworks:
            raise InputError(f"框架目录中 {Path(frameworks[fw.id][1]).name} 与 {Path(name).name} 的框架编号都是 {fw.id}")
        frameworks[fw.id] = (fw, name)
    if not frameworks:
        raise InputError(f"框架目录 {Path(files[0][0]).parent} 中没有框架文件（含 id 和 indicators 的 YAML/JSON）")
    return tuple(fw for fw, _ in frameworks.values())


# The reviewer's choice, resolved once per run -------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Choice:
    """The reviewer's ``--framework`` resolved once for a whole run, before any workbook is read.

    ``forced``: the framework every workbook is read with (a file or a built-in id); else ``folder``: the
    frameworks of a reviewer's folder, looked up by each workbook's recorded id before the built-in ones.
    The object is picklable (frameworks are pydantic models): a batch hands it to each worker process once
    (the pool's initializer), and jobs name it by ``key``, a hash of the frameworks' content, so a worker
    holds one copy and compiles it once (:func:`xlperf.compiled.compile_once` is keyed by the object)."""

    forced: Framework | None = None
    folder: tuple[Framework, ...] = ()

    @cached_property
    def key(self) -> str:
        """SHA-256 of the frameworks' content (computed when a batch first names the choice)."""
        digest = hashlib.sha256()
        for fw in (self.forced,) if self.forced is not None else self.folder:
            digest.update(fw.model_dump_json().encode())
        return ("forced:" if self.forced is not None else "folder:") + digest.hexdigest()

    def registry(self) -> dict[str, Entry]:
        out = builtin_registry()
        out.update({fw.id: fw for fw in self.folder})
        return out


def choose(reviewer: str | os.PathLike[str] | Framework | Choice | None) -> Choice | None:
    """The reviewer's ``--framework`` (a built-in id, a file or a folder) read and checked once; None for none.
    Raises InputError for a file or folder that is not a framework (the caller decides whether that refuses
    the command or becomes each file's finding)."""
    if reviewer is None or isinstance(reviewer, Choice):
        return reviewer
    if isinstance(reviewer, Framework):
        return Choice(forced=reviewer)
    text = str(reviewer)
    if text in builtin_ids():
        return Choice(forced=load_framework(text))
    path = Path(text)
    if path.is_dir():
        return Choice(folder=tuple(fw for fw in registry_for(path).values() if isinstance(fw, Framework)))
    return Choice(forced=reviewer_file(path))


def reviewer_file(path: str | os.PathLike[str]) -> Framework:
    """A reviewer's framework file, parsed once per distinct content (keyed by its bytes' SHA-256): reading a
    batch's workbooks with ``--framework FILE`` must not parse and compile the framework again for each
    (which also kept every compiled copy alive)."""
    path = Path(path)
    if path.is_file():
        try:
            size = path.stat().st_size
            data = path.read_bytes() if size <= MAX_FRAMEWORK_BYTES else b""
        except OSError:
            data = b""
        if data:
            return _parsed(str(path), hashlib.sha256(data).hexdigest())
    return load_framework(path)  # says why it cannot be read


@lru_cache(maxsize=8)
def _parsed(path: str, digest: str) -> Framework:
    return load_framework(Path(path))
