"""The pieces every generator shares: exact answers, typed-answer parsing, the Generator base class and
`generate_distinct` (N different items for one homework). Pure Python, no Django."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd
from typing import Any, Literal

Number = int | Fraction
Form = Literal["int", "fraction", "mixed", "decimal", "remainder"]


@dataclass(frozen=True)
class QuotientRemainder:
    """The answer of a division with remainder, written 「7……3」 in Chinese schools (商……余数)."""

    quotient: int
    remainder: int

    def __str__(self) -> str:
        return f"{self.quotient}……{self.remainder}"


Answer = Number | QuotientRemainder


@dataclass(frozen=True)
class GeneratedItem:
    """One exercise: what the child sees, the exact answer and what made it."""

    generator: str
    stem: str
    answer: Answer
    params: dict[str, Any] = field(default_factory=dict)
    difficulty: int = 1
    minutes: float = 0.5


_NUMBER = re.compile(r"^(-?\d+)(?:/(\d+))?$")
_MIXED = re.compile(r"^(\d+)(?:\s+|又)(\d+)/(\d+)$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_REMAINDER = re.compile(r"^(\d+)\s*(?:…+|\.{2,}|余)\s*(\d+)$")
_UNKNOWN_PREFIX = re.compile(r"^[a-zA-Z]\s*=\s*")


def _clean(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "").strip()
    t = t.replace("－", "-").replace("—", "-").replace("。", ".")
    return re.sub(r"\s*/\s*", "/", t)


def read_answer(text: str) -> tuple[Answer, Form] | None:
    """A typed answer as an exact value and the form it was written in; None when unreadable.

    ``12`` (int), ``3/4`` (fraction), ``1 3/4`` or ``1又3/4`` (mixed), ``0.75`` (decimal), ``7……3``, ``7...3``
    or ``7余3`` (remainder). Full-width digits are folded; a leading ``x=`` (解方程) is dropped.
    """
    t = _UNKNOWN_PREFIX.sub("", _clean(text))
    if m := _REMAINDER.match(t):
        return QuotientRemainder(int(m.group(1)), int(m.group(2))), "remainder"
    if m := _MIXED.match(t):
        whole, num, den = (int(g) for g in m.groups())
        if not den or num >= den:
            return None
        return Fraction(whole * den + num, den), "mixed"
    if m := _NUMBER.match(t):
        if m.group(2) is None:
            return int(m.group(1)), "int"
        den = int(m.group(2))
        return (Fraction(int(m.group(1)), den), "fraction") if den else None
    if _DECIMAL.match(t):
        return Fraction(t), "decimal"
    return None


def parse_answer(text: str) -> Number | None:
    """A child's typed answer as an exact number: ``12``, ``3/4``, ``1 1/2`` (带分数), ``0.5``; else None."""
    got = read_answer(text)
    if got is None or isinstance(got[0], QuotientRemainder):
        return None
    return got[0]


def decimal_text(value: Fraction | int) -> str:
    """A terminating fraction as a decimal without trailing zeros: 5/2 → '2.5', 3 → '3'."""
    value = Fraction(value)
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        raise ValueError(f"{value} 不是有限小数")
    sign, value = ("-" if value < 0 else ""), abs(value)
    whole, rest = divmod(value.numerator, value.denominator)
    digits = ""
    while rest:
        rest *= 10
        d, rest = divmod(rest, value.denominator)
        digits += str(d)
    return f"{sign}{whole}" + (f".{digits}" if digits else "")


def format_answer(value: Answer) -> str:
    """Canonical text of an answer: ``7``, ``3/4`` (lowest terms), ``7……3``."""
    if isinstance(value, QuotientRemainder):
        return str(value)
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return str(value)


def frac_text(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"


_TEX_FRACTION = re.compile(r"(?<![\d.])(\d+)/(\d+)(?![\d.])")


def to_tex(stem: str) -> str:
    """A plain stem with its fractions in KaTeX form for the bank: ``3/4 + 1/6 =`` → ``$\\dfrac{3}{4}$ + …``."""
    return _TEX_FRACTION.sub(lambda m: f"$\\dfrac{{{m.group(1)}}}{{{m.group(2)}}}$", stem)


def is_lowest_terms(text: str) -> bool:
    """Whether a typed fraction (or the fraction part of a mixed number) is in lowest terms."""
    t = _UNKNOWN_PREFIX.sub("", _clean(text))
    m = re.search(r"(\d+)/(\d+)$", t)
    return not m or gcd(int(m.group(1)), int(m.group(2))) == 1


class Generator:
    """A parameterised template: ``generate`` a variant at a difficulty level, ``check`` a typed answer.

    ``forms`` are the written forms that count (``int`` always for whole answers); ``reduced_only`` asks for
    fractions in lowest terms (an item may override it in ``params['reduced_only']``); ``decimal_answers``
    makes the canonical answer text a decimal (小数 KPs). ``level_notes`` states each level's bounds, which
    the property tests check against the stems.
    """

    key: str = ""
    name: str = ""
    kp_codes: tuple[str, ...] = ()  # 人教版 KP codes the exercises practise
    level_kp_codes: tuple[tuple[str, ...], ...] = ()  # the codes of each level, when they differ
    levels: int = 3  # difficulty levels 1..levels
    level_notes: tuple[str, ...] = ()
    grade: int = 1  # the grade where the KP is taught (first level)
    reduced_only: bool = False  # fractions must be in lowest terms to count as right
    forms: frozenset[str] = frozenset({"int"})
    decimal_answers: bool = False

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        raise NotImplementedError

    def kp_codes_for(self, difficulty: int) -> tuple[str, ...]:
        """The KPs one level practises (同分母 is 三年级 M3A12, 异分母 is 五年级 M5B15 …)."""
        if self.level_kp_codes and 1 <= difficulty <= len(self.level_kp_codes):
            return self.level_kp_codes[difficulty - 1]
        return self.kp_codes

    def answer_text(self, item: GeneratedItem) -> str:
        if self.decimal_answers and not isinstance(item.answer, QuotientRemainder):
            return decimal_text(item.answer)
        return format_answer(item.answer)

    def check(self, item: GeneratedItem, response: str) -> bool:
        reduced = bool(item.params.get("reduced_only", self.reduced_only))
        return self.matches(item.answer, response, reduced_only=reduced)

    def check_text(self, canonical: str, response: str, *, reduced_only: bool | None = None) -> bool:
        """Mark against a stored canonical answer (the bank keeps text, not the item)."""
        expected = read_answer(canonical)
        if expected is None:
            return _clean(canonical) == _clean(response) and bool(_clean(response))
        reduced = self.reduced_only if reduced_only is None else reduced_only
        return self.matches(expected[0], response, reduced_only=reduced)

    def matches(self, expected: Answer, response: str, *, reduced_only: bool = False) -> bool:
        got = read_answer(response)
        if got is None:
            return False
        value, form = got
        if isinstance(expected, QuotientRemainder) or isinstance(value, QuotientRemainder):
            return expected == value
        if Fraction(value) != Fraction(expected) or (form != "int" and form not in self.forms):
            return False
        return not (reduced_only and form in ("fraction", "mixed")) or is_lowest_terms(response)


def generate_distinct(generator: Generator, rng: random.Random, difficulty: int, count: int, *,
                      exclude: set[str] | frozenset[str] = frozenset(), max_tries: int = 200) -> list[GeneratedItem]:
    """`count` items of one generator with pairwise different stems (and none of the stems in `exclude`).

    Raises ValueError (Chinese) when the level has fewer different exercises than asked for.
    """
    if not 1 <= difficulty <= generator.levels:
        raise ValueError(f"「{generator.name}」只有 1–{generator.levels} 级难度")
    seen = set(exclude)
    items: list[GeneratedItem] = []
    misses = 0
    while len(items) < count:
        item = generator.generate(rng, difficulty)
        if item.stem in seen:
            misses += 1
            if misses > max_tries + 20 * count:
                raise ValueError(f"「{generator.name}」第{difficulty}级只能生成 {len(items)} 道不同的题，少于要求的 {count} 道")
            continue
        seen.add(item.stem)
        items.append(item)
    return items
