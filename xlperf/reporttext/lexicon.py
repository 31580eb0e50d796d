"""The text lexicon of a framework: which words in a report name which workbook figure.

Built once per compiled framework from what the framework already says — the labels of its inputs, derived
and stated figures (“<subject> <measure>”), its measures and indicator names — plus its ``report.lexicon``
(the region's own synonyms, explicit terms, untracked phrases). A framework without ``report:`` still gets
the generated aliases and the common vocabulary below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from xlperf.framework.form import PRIOR_PREFIX
from xlperf.framework.models import Framework
from xlperf.framework.report import Lexicon
from xlperf.plan.names import NameSpec
from xlperf.reporttext.extract import canon

__all__ = ["Entry", "LexiconIndex", "Vocabulary", "build_index", "vocabulary"]


@dataclass(frozen=True)
class Vocabulary:
    """The words every region's reports share (vocabulary.yaml beside this module)."""

    measures: tuple[tuple[str, ...], ...]
    count_measures: frozenset[str]
    subjects: dict[str, tuple[str, ...]]
    whole: tuple[str, ...]
    self_references: tuple[str, ...]
    terms: dict[str, str]
    quarters: dict[str, tuple[str, ...]]
    series: dict[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Read once per process from the package (shipped data, not a submission)."""
    import yaml

    raw = yaml.safe_load(resources.files("xlperf.reporttext").joinpath("vocabulary.yaml").read_text(encoding="utf-8"))
    as_tuple = lambda d: {str(k): tuple(map(str, v)) for k, v in d.items()}  # noqa: E731
    return Vocabulary(tuple(tuple(map(str, g)) for g in raw["measures"]), frozenset(map(str, raw["count_measures"])),
                      as_tuple(raw["subjects"]), tuple(map(str, raw["whole"])), tuple(map(str, raw["self_references"])),
                      {str(k): str(v) for k, v in raw["terms"].items()}, as_tuple(raw["quarters"]),
                      as_tuple(raw["series"]))


_STRIP = re.compile(r"^(报告正文[:：]|报告中)|[(（](填报|报告正文|计划|含[^)）]*|不含[^)）]*|[^)）]*[+＋][^)）]*)[)）]|填报$")
_TOTAL_SUFFIX = re.compile(r"(小计|合计|总额|总计)$")
KINDS = {"money": "money", "rate": "rate", "count": "count", "points": "points"}


@dataclass(frozen=True)
class Entry:
    """One workbook figure the text may quote."""

    name: str
    label: str
    kind: str
    subjects: tuple[str, ...]
    measures: tuple[str, ...]  # empty: the subject alone names the figure
    role: str
    prior: bool = False
    expr: str | None = None  # a stated figure: what the workbook says it must be
    points_of: str | None = None  # an indicator's points (分值)
    self_of: str | None = None  # a parent indicator's self-score: the sum of its leaves' (a score table shows it)
    rank: int = 0  # ties: lower first (a report's score table quotes self-scores before computed ones)


@dataclass
class LexiconIndex:
    entries: list[Entry]
    by_subject: dict[str, list[Entry]]
    subject_aliases: list[str]  # longest first
    terms: list[tuple[str, str]]  # (canon phrase, name), longest first
    untracked: list[tuple[str, str]]
    measure_vocab: frozenset[str]
    names: dict[str, Entry] = field(default_factory=dict)
    aliases_by_kind: dict[str, list[str]] = field(default_factory=dict)  # subject aliases naming that kind
    reversed_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    """Per kind (and "" for all), one alternation of the reversed aliases, longest first: searched over the
    reversed context, its first match is the alias ending nearest the figure (one regex pass, not one
    rfind per alias)."""


def _clean(label: str) -> str:
    return canon(_STRIP.sub("", label.strip()))


def _measure_group(measure: str, extra: dict[str, list[str]]) -> tuple[str, ...]:
    out = {measure}
    base = _TOTAL_SUFFIX.sub("", measure) or measure
    out.add(base)
    for group in vocabulary().measures:
        if base in group or any(base.endswith(w) and len(w) >= 3 for w in group):
            out.update(group)
    for key, words in extra.items():
        if canon(key) in (measure, base):
            out.update(canon(w) for w in words)
    if base.startswith("累计"):
        out.add(base[2:])
    return tuple(sorted((w for w in out if w), key=_longest_first))


def _at_space(label: str) -> tuple[str, str]:
    """“<subject> <measure>” split at its first space; a sum of subjects (“财政拨款 + 其他资金 全年预算数”, a
    cross-check's label) at its last, so that neither part alone becomes an alias of the sum."""
    if "+" in label or "＋" in label:
        subject, measure = label.rsplit(" ", 1)
        return subject, measure
    subject, measure = label.split(" ", 1)
    return subject, measure


def _split(label: str, vocab: set[str]) -> tuple[str, str]:
    """“<subject> <measure>” → (subject, measure); a label without a space is split at the longest
    measure word it ends with, a quarter label at its quarter."""
    raw = _STRIP.sub("", label.strip())
    if " " in raw.strip():
        subject, measure = _at_space(raw.strip())
        return canon(subject), canon(measure)
    text = canon(raw)
    for quarter in vocabulary().quarters:
        if text.startswith(quarter):
            return quarter, text[len(quarter):].lstrip("末")
    for word in sorted(vocab, key=_longest_first):
        if text.endswith(word) and len(text) > len(word):
            return text[: -len(word)], word
    return text, ""


def _subject_aliases(subject: str, extra: dict[str, list[str]]) -> tuple[str, ...]:
    out = {subject}
    if subject in vocabulary().quarters:
        out.update(vocabulary().quarters[subject])
    bare = re.sub(r"\([^)]*\)", "", subject)
    if len(bare) >= 2:
        out.add(bare)
    for suffix in ("经费", "费", "支出"):
        if subject.endswith(suffix) and len(subject) - len(suffix) >= 2:
            out.add(subject[: -len(suffix)])
            break
    if subject.endswith("费") and not subject.endswith("经费"):
        out.add(subject[:-1] + "经费")
    if subject.endswith("经费"):
        out.add(subject[:-2] + "支出")
    out.update(vocabulary().subjects.get(subject, ()))
    for key, words in extra.items():
        if canon(key) == subject:
            out.update(canon(w) for w in words)
    return tuple(sorted(out, key=_longest_first))


def _vocab(specs: list[NameSpec], lexicon: Lexicon) -> set[str]:
    vocab = {w for group in vocabulary().measures for w in group}
    for spec in specs:
        raw = _STRIP.sub("", spec.label.strip())
        if " " in raw.strip():
            vocab.add(canon(_at_space(raw.strip())[1]))
    vocab.update(canon(k) for k in lexicon.measures)
    return {w for w in vocab if len(w) >= 2}


def _useful(spec: NameSpec, catalog: dict[str, NameSpec]) -> bool:
    if spec.kind not in KINDS or spec.role in ("judged", "reason", "const", "column"):
        return False
    if spec.role == "stated":
        if not spec.expr or spec.expr.strip() in catalog:  # no truth, or the input itself is an entry
            return False
        return not any(n in catalog and catalog[n].role == "stated" for n in re.findall(r"[A-Za-z_]\w*", spec.expr))
    return True


def _longest_first(word: str) -> tuple[int, str]:
    """Longest alias first (the regex alternation tries them in order), ties by text: never by set order,
    which changes with Python's hash seed and made the tie count vary from run to run."""
    return -len(word), word


def build_index(fw: Framework, catalog: dict[str, NameSpec]) -> LexiconIndex:
    """The index of one framework (built once: CompiledFramework.derived)."""
    lexicon = fw.report.lexicon if fw.report is not None else Lexicon()
    specs = [s for s in catalog.values() if _useful(s, catalog)]
    vocab = _vocab(specs, lexicon)
    entries = [e for spec in specs if (e := _spec_entry(fw, spec, vocab, lexicon)) is not None]
    entries += _indicator_entries(fw)
    by_subject = _by_subject(entries)
    terms = {canon(k): v for k, v in vocabulary().terms.items()}
    terms.update({canon(t.phrase): t.name for t in lexicon.terms})
    names = {e.name: e for e in entries}
    terms_l = sorted(((p, n) for p, n in terms.items() if n in names or n in catalog), key=lambda t: (-len(t[0]), t[0]))
    by_kind = {kind: sorted((a for a, es in by_subject.items() if any(e.kind == kind for e in es)),
                            key=_longest_first) for kind in KINDS}
    everything = sorted(by_subject, key=_longest_first)
    patterns = {kind: _reversed_pattern(aliases) for kind, aliases in {**by_kind, "": everything}.items()}
    return LexiconIndex(entries, by_subject, everything, terms_l,
                        [(canon(u.phrase), u.reason) for u in lexicon.untracked], frozenset(vocab), names, by_kind,
                        patterns)


def _spec_entry(fw: Framework, spec: NameSpec, vocab: set[str], lexicon: Lexicon) -> Entry | None:
    """The entry of one catalogue name: its subject's aliases and its measure's group (None: no subject)."""
    prior = spec.name.startswith(PRIOR_PREFIX) and spec.prior_of is not None
    label = spec.label[3:] if prior and spec.label.startswith("上年 ") else spec.label
    subject, measure = _split(label, vocab)
    if spec.role in ("score", "self") and spec.indicator:
        subject, measure = canon(_indicator_name(fw, spec.indicator)), ("计算得分" if spec.role == "score" else "自评得分")
    if not subject:
        return None
    rank = {"self": 0, "score": 1, "stated": 4}.get(spec.role, 2)
    return Entry(spec.name, spec.label, KINDS[spec.kind], _subject_aliases(subject, lexicon.subjects),
                 _measure_group(measure, lexicon.measures) if measure else (), spec.role, prior,
                 spec.expr if spec.role == "stated" else None, rank=rank)


def _indicator_entries(fw: Framework) -> list[Entry]:
    """Each indicator's points, and each branch's sum of self-scores."""
    entries: list[Entry] = []
    for ind in fw.walk():
        entries.append(Entry(f"points_{ind.id}", f"{ind.name} 分值", "points", (canon(ind.name),),
                             _measure_group("分值", {}), "points", points_of=ind.id, rank=3))
        if ind.children:
            entries.append(Entry(f"selfsum_{ind.id}", f"{ind.name} 自评得分", "points", (canon(ind.name),),
                                 _measure_group("自评得分", {}), "self", self_of=ind.id, rank=0))
    return entries


def _by_subject(entries: list[Entry]) -> dict[str, list[Entry]]:
    """Subject alias → its entries; a report's words for itself (本部门 …) name the whole department's."""
    by_subject: dict[str, list[Entry]] = {}
    for entry in entries:
        for alias in entry.subjects:
            by_subject.setdefault(alias, []).append(entry)
    for self_ref in vocabulary().self_references:
        whole = [e for e in entries if any(w in e.subjects for w in vocabulary().whole)]
        if whole:
            by_subject.setdefault(self_ref, []).extend(whole)
    return by_subject


def _reversed_pattern(aliases: list[str]) -> re.Pattern[str]:
    if not aliases:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(re.escape(a[::-1]) for a in sorted(aliases, key=_longest_first)))


def _indicator_name(fw: Framework, ind_id: str) -> str:
    for ind in fw.walk():
        if ind.id == ind_id:
            return ind.name
    return ind_id
