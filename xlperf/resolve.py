"""The one place a framework is resolved: built-in ids, the reviewer's ``--framework FILE|DIR``, the id a
submitted workbook or data file records, and the Excel functions' configured paths.

Who may name what:

- the reviewer (:func:`resolve_framework`, :func:`workbook_framework`): an id, a file, or a folder of
  framework files in which a submission's recorded id is looked up;
- a submission (:func:`workbook_framework`) only an id, looked up among the registered frameworks;
- a workbook's Excel function (:func:`udf_framework`) an id, registered or built in or ``<id>.yaml`` on
  ``XLPERF_FRAMEWORK_PATH``, or a file path only inside those folders or equal to ``XLPERF_FRAMEWORK``.


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

from xlperf.compiled import CompiledFramework, compile_once
from xlperf.errors import InputError
from xlperf.framework.models import Framework
from xlperf.loader import MAX_FRAMEWORK_BYTES, builtin_ids, load_framework
from xlperf.safe_yaml import YAML_SUFFIXES, load_yaml

__all__ = ["FRAMEWORK_ENV", "FRAMEWORK_ID", "FRAMEWORK_PATH_ENV", "MAX_FRAMEWORK_FILES", "Choice", "Registry",
           "Unregistered", "builtin_registry", "choose", "default_framework_ref", "is_valid_id", "register_framework",
           "registry_for", "resolve", "resolve_framework", "reviewer_file", "udf_framework", "workbook_framework"]

FRAMEWORK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""What a framework id may look like: no path separators, no leading dot, at most 64 characters."""
MAX_FRAMEWORK_FILES = 200
"""A reviewer's framework folder holding more files than this is refused (it is not a framework folder)."""
FRAMEWORK_ENV = "XLPERF_FRAMEWORK"
"""Id or file path of the framework an Excel function uses when its framework argument is empty."""
FRAMEWORK_PATH_ENV = "XLPERF_FRAMEWORK_PATH"
"""Folders (separated by os.pathsep) searched for ``<framework id>.yaml`` when a workbook's Excel function names
a framework that is neither built in nor registered."""

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
        files = tuple(sorted(p for p in path.iterdir() if p.suffix.lower() in YAML_SUFFIXES and p.is_file()))
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


# The reviewer's choice (CLI, API) -----------------------------------------------------------------------


def resolve_framework(explicit: str | Path | None, recorded: str | None) -> CompiledFramework:
    """The framework named on the command line (an id, a file, or a folder of framework files in which the
    input's recorded id is looked up), else the one the input records, else the default."""
    if explicit is not None and Path(explicit).is_dir():
        registered = registry_for(explicit)
        found = resolve(recorded, registered) if recorded else None
        if found is None:
            raise InputError(f"框架目录 {explicit} 中没有输入所记录的框架“{recorded or '（未记录）'}”"
                             f"（可用：{'、'.join(sorted(registered))}），请用 --framework 指定框架文件")
        return compile_once(found)
    return compile_once(load_framework(explicit or recorded or None))


class Unregistered(LookupError):
    """A submission's recorded framework id is not among the registered frameworks (``registered``: their ids)."""

    def __init__(self, registered: list[str]) -> None:
        super().__init__("unregistered framework")
        self.registered = registered


def workbook_framework(reviewer: Framework | Choice | str | os.PathLike[str] | None,
                       recorded: str | None) -> CompiledFramework | None:
    """The framework a submitted workbook is read with: the reviewer's (a Framework, a built-in id or a
    framework file, used for every workbook), else the workbook's recorded id looked up among the built-in
    frameworks and those of the reviewer's folder. None when the workbook records no id and none is forced;
    :class:`Unregistered` when the recorded id is not registered. The recorded text is never used as a path.
    A batch passes its :class:`Choice`, resolved once for the run."""
    if isinstance(reviewer, Framework):
        return compile_once(reviewer)
    choice = choose(reviewer)
    if choice is not None and choice.forced is not None:
        return compile_once(choice.forced)
    if recorded is None:
        return None
    registered = choice.registry() if choice is not None else builtin_registry()
    found = resolve(recorded, registered)
    if found is None:
        raise Unregistered(sorted(registered))
    return compile_once(found)


# The Excel functions' frameworks -----------------------------------------------------------------------

_UDF_REGISTERED: dict[str, Framework] = {}
_UDF_BUILTIN: dict[str, CompiledFramework] = {}
"""A built-in framework's compiled object by its id (only built-in ids get in): an Excel function looks its
framework up on every call."""
_UDF_FILES: dict[str, tuple[tuple[int, int], Framework]] = {}


def register_framework(fw: Framework) -> Framework:
    """Make ``fw`` resolvable by its id for the Excel functions (workbooks name their framework by id)."""
    _UDF_REGISTERED[fw.id] = fw
    return fw


def _udf_file(path: Path) -> Framework:
    stat = path.stat()
    key, stamp = str(path.resolve()), (stat.st_mtime_ns, stat.st_size)
    hit = _UDF_FILES.get(key)
    if hit is None or hit[0] != stamp:
        hit = (stamp, load_framework(path))
        _UDF_FILES[key] = hit
    if hit[1].id in builtin_ids():  # a draft of a shipped framework never shadows it for other workbooks
        return hit[1]
    return register_framework(hit[1])


def default_framework_ref() -> str:
    """The framework of an empty framework argument: $XLPERF_FRAMEWORK, else the only built-in one.

    No framework id is written in code: with several built-in frameworks and no setting, the
    user is asked to name one.
    """
    configured = os.environ.get(FRAMEWORK_ENV, "").strip()
    if configured:
        return configured
    ids = builtin_ids()
    if len(ids) == 1:
        return ids[0]
    raise InputError(f"请在第一个参数给出评价框架编号（内置：{'、'.join(ids) or '无'}），"
                     f"或设置环境变量 {FRAMEWORK_ENV}")


def udf_framework(text: str) -> CompiledFramework:
    """A framework by id (registered, built in, or ``<id>.yaml`` on XLPERF_FRAMEWORK_PATH) or by a file path the
    user configured (empty text: :func:`default_framework_ref`). Raises InputError with the Chinese reason."""
    text = text or default_framework_ref()
    if text in _UDF_REGISTERED:
        return compile_once(_UDF_REGISTERED[text])
    hit = _UDF_BUILTIN.get(text)
    if hit is not None:
        return hit
    if text in builtin_ids():
        hit = _UDF_BUILTIN[text] = compile_once(load_framework(text))  # parsed once by the loader
        return hit
    folders = list(filter(None, os.environ.get(FRAMEWORK_PATH_ENV, "").split(os.pathsep)))
    candidates = [Path(text)] if any(c in text for c in "/\\") or text.lower().endswith(YAML_SUFFIXES) else []
    if candidates and not _configured_path(text, folders):
        raise InputError(f"框架文件“{' '.join(text.split())[:80]}”不在 {FRAMEWORK_PATH_ENV} 设置的文件夹中：工作簿中写的"
                         "路径不会被打开，请把框架文件放入该文件夹后只写框架编号")
    for folder in folders:
        candidates += [Path(folder) / f"{text}{ext}" for ext in YAML_SUFFIXES]
    for path in candidates:
        if path.is_file():
            fw = _udf_file(path)
            if path.stem == text and fw.id != text:
                raise InputError(f"框架文件 {path.name} 的 id 是 {fw.id}，不是 {text}")
            return compile_once(fw)
    raise InputError(f"未知评价框架 {text}（内置：{'、'.join(builtin_ids())}；也可给出框架文件路径）")


def _configured_path(text: str, folders: list[str]) -> bool:
    """Whether a framework path typed in a workbook is one the user configured: the XLPERF_FRAMEWORK setting
    itself, or a file inside a folder of XLPERF_FRAMEWORK_PATH. Decided on the text alone, before any file
    system access, so a submitted workbook cannot make Excel read ``/proc/self/environ`` or reach
    ``\\\\server\\share`` (which would send the user's Windows credentials)."""
    if text == os.environ.get(FRAMEWORK_ENV, "").strip():
        return True
    target = os.path.normcase(os.path.abspath(text))
    for folder in folders:
        base = os.path.normcase(os.path.abspath(folder))
        if target.startswith(base.rstrip("\\/") + os.sep):
            return True
    return False
