"""Forgiving knowledge-point matching: the label a teacher writes in a 双向细目表 → KPs of the subject's tree.

Pure Python (no Django): the caller hands over the candidate KPs and the school's aliases. A label matches
exactly by, in this order, KP code (or unit code), KP name, school alias, unit name (a unit stands for all its
KPs); names are compared after `normalise` (full/half width, punctuation, the words 的/和/与/及), and a name
shared by several KPs or units is settled by the assessment's grade when only one of them is in it. Anything
else gets ranked suggestions (您是否指…) by character uni+bigram similarity (Dice) and containment, with a bonus
for the assessment's grade.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

STOPWORDS = frozenset("的和与及")
SAME_GRADE_BONUS = 0.12
NEAR_GRADE_BONUS = 0.04  # the grade just below: what the assessment's students learnt last year
MIN_SCORE = 0.45


def normalise(text: str) -> str:
    """Comparable form of a label: NFKC (全角→半角), lower case, no whitespace, punctuation or symbols, no 的/和/与/及.

    >>> normalise("小数的加法和减法")
    '小数加法减法'
    >>> normalise("两位数乘两位数（笔算）")
    '两位数乘两位数笔算'
    """
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if ch not in STOPWORDS and unicodedata.category(ch)[0] not in "PSZC")


def _grams(text: str) -> set[str]:
    return set(text) | {text[i:i + 2] for i in range(len(text) - 1)}


def similarity(a: str, b: str) -> float:
    """Similarity of two normalised labels in [0, 1]: the larger of the Dice coefficient of their character
    uni+bigram sets and a containment score (one label inside the other, at least two characters)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ga, gb = _grams(a), _grams(b)
    dice = 2 * len(ga & gb) / (len(ga) + len(gb))
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    contain = 0.5 + 0.5 * len(short) / len(long_) if len(short) >= 2 and short in long_ else 0.0
    return max(dice, contain)


@dataclass(frozen=True)
class Candidate:
    """A leaf KP of the tree, with the unit it belongs to."""

    id: int
    code: str
    name: str
    unit: str = ""
    grade: int = 0
    semester: str = ""
    unit_code: str = ""


@dataclass(frozen=True)
class Suggestion:
    """One answer to 您是否指…: a single KP, or a whole unit (all its KPs)."""

    kind: Literal["kp", "unit"]
    kp_ids: tuple[int, ...]
    code: str
    name: str
    grade: int
    semester: str
    score: float
    unit: str = ""
    members: tuple[str, ...] = ()  # a unit's KPs as "code name"

    @property
    def where(self) -> str:
        return f"{self.grade}{self.semester}" if self.grade else ""

    @property
    def text(self) -> str:
        """How a teacher reads it: 「M4B11 小数的加法和减法（4下）」 or 「整个单元：角的度量（4上，2个知识点）」."""
        if self.kind == "unit":
            inside = "、".join(self.members) if len(self.members) <= 2 else f"{len(self.kp_ids)}个知识点"
            return f"整个单元：{self.name}（{self.where}：{inside}）"
        return f"{self.code} {self.name}" + (f"（{self.where}·{self.unit}）" if self.unit else f"（{self.where}）")


Via = Literal["code", "name", "alias", "unit", ""]


@dataclass(frozen=True)
class Match:
    """The KPs a label stands for (`via` says how), or, when it matched nothing exactly, suggestions.

    A matched alias may stand for no KP at all: the school chose to leave that label untagged."""

    label: str
    kp_ids: tuple[int, ...] = ()
    via: Via = ""
    suggestions: tuple[Suggestion, ...] = field(default=())

    @property
    def matched(self) -> bool:
        return bool(self.via)


@dataclass
class _Unit:
    code: str
    name: str
    grade: int
    semester: str
    kp_ids: list[int]
    members: list[str]


class KPMatcher:
    """Match labels against one subject's KPs.

    Parameters
    ----------
    candidates : the subject's leaf KPs (each with its unit).
    aliases : the school's remembered labels, normalised label → KP ids (empty = leave untagged).
    grade : the assessment's grade level; preferred when a name is ambiguous and in the ranking.
    limit : how many suggestions at most.

    Examples
    --------
    >>> m = KPMatcher([Candidate(1, "M4A04", "线段、直线、射线与角", "角的度量", 4, "上"),
    ...                Candidate(2, "M4A05", "角的度量与分类", "角的度量", 4, "上")], grade=4)
    >>> m.match("角的度量").kp_ids, m.match("角的度量").via
    ((1, 2), 'unit')
    """

    def __init__(self, candidates: Iterable[Candidate], *, aliases: Mapping[str, Sequence[int]] | None = None,
                 grade: int | None = None, limit: int = 5) -> None:
        self.candidates = list(candidates)
        self.grade = grade
        self.limit = limit
        self.aliases = {normalise(k): tuple(v) for k, v in (aliases or {}).items()}
        self._by_code = {"".join(c.code.split()).upper(): c for c in self.candidates}
        self._by_name: dict[str, list[Candidate]] = {}
        self._units: dict[str, _Unit] = {}
        for c in self.candidates:
            self._by_name.setdefault(normalise(c.name), []).append(c)
            key = c.unit_code or f"{c.grade}{c.semester}-{c.unit}"
            if c.unit:
                unit = self._units.setdefault(key, _Unit(c.unit_code, c.unit, c.grade, c.semester, [], []))
                unit.kp_ids.append(c.id)
                unit.members.append(f"{c.code} {c.name}")
        self._units_by_code = {"".join(u.code.split()).upper(): u for u in self._units.values() if u.code}
        self._units_by_name: dict[str, list[_Unit]] = {}
        for u in self._units.values():
            self._units_by_name.setdefault(normalise(u.name), []).append(u)
        self._unit_of = {kp_id: u for u in self._units.values() for kp_id in u.kp_ids}
        self._normalised = [(normalise(c.name), c) for c in self.candidates]
        self._unit_normalised = [(normalise(u.name), u) for u in self._units.values()]

    def _settle(self, found: Sequence[_Unit] | Sequence[Candidate]) -> _Unit | Candidate | None:
        """The one of several same-named KPs/units to take: the only one, or the only one in the grade."""
        if len(found) == 1:
            return found[0]
        in_grade = [f for f in found if f.grade == self.grade]
        return in_grade[0] if len(in_grade) == 1 else None

    def match(self, label: str, *, suggest: bool = True) -> Match:
        """What `label` stands for; with `suggest`, the suggestions when it matches nothing exactly."""
        label = (label or "").strip()
        key = normalise(label)
        if not key:
            return Match(label)
        code = "".join(unicodedata.normalize("NFKC", label).split()).upper()
        if code in self._by_code:
            return Match(label, (self._by_code[code].id,), "code")
        if code in self._units_by_code:
            return Match(label, tuple(self._units_by_code[code].kp_ids), "code")
        kp = self._settle(self._by_name.get(key, []))
        if isinstance(kp, Candidate):
            return Match(label, (kp.id,), "name")
        if key in self.aliases:
            return Match(label, self.aliases[key], "alias")
        unit = self._settle(self._units_by_name.get(key, []))
        if isinstance(unit, _Unit):
            return Match(label, tuple(unit.kp_ids), "unit")
        return Match(label, suggestions=tuple(self.suggest(label)) if suggest else ())

    def unit_of(self, kp_id: int) -> Suggestion | None:
        """The whole unit a KP belongs to, as a suggestion (score 0: it was not ranked)."""
        u = self._unit_of.get(kp_id)
        if u is None:
            return None
        return Suggestion("unit", tuple(u.kp_ids), u.code, u.name, u.grade, u.semester, 0.0, members=tuple(u.members))

    def _bonus(self, grade: int) -> float:
        if not self.grade or not grade:
            return 0.0
        if grade == self.grade:
            return SAME_GRADE_BONUS
        return NEAR_GRADE_BONUS if grade == self.grade - 1 else 0.0

    def suggest(self, label: str) -> list[Suggestion]:
        """Ranked KPs and units whose name is close to `label` (best first; one entry per set of KPs)."""
        key = normalise(label)
        if not key:
            return []
        scored: list[Suggestion] = []
        for name, c in self._normalised:
            s = similarity(key, name)
            if s >= MIN_SCORE:
                scored.append(Suggestion("kp", (c.id,), c.code, c.name, c.grade, c.semester,
                                         round(s + self._bonus(c.grade), 4), c.unit))
        for name, u in self._unit_normalised:
            s = similarity(key, name)
            if s >= MIN_SCORE:
                scored.append(Suggestion("unit", tuple(u.kp_ids), u.code, u.name, u.grade, u.semester,
                                         round(s + self._bonus(u.grade), 4), members=tuple(u.members)))
        # a single KP and a one-KP unit of the same name are one answer; the KP reads better
        scored.sort(key=lambda s: (-s.score, s.kind != "kp", s.grade, s.code))
        seen: set[tuple[int, ...]] = set()
        out: list[Suggestion] = []
        for s in scored:
            ids = tuple(sorted(s.kp_ids))
            if ids in seen:
                continue
            seen.add(ids)
            out.append(s)
            if len(out) >= self.limit:
                break
        return out


def split_labels(text: str) -> list[str]:
    """The labels of one 知识点 cell: several may be separated by 、；,/ or spaces."""
    return [t for t in re.split(r"[、;；,，/\s]+", text or "") if t]
