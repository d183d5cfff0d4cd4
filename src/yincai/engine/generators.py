"""Item generators for the computation KPs of grades 1–6: parameterised templates with exact answers.

Each generator makes unlimited variants of one kind of exercise (20以内加减, 表内乘除, 分数加减 …) from a
random generator and a difficulty level; answers are exact (`int` or `fractions.Fraction`, never floats)
and `check` accepts the equivalent forms a child may write (e.g. ``1/2`` for ``2/4`` only where the KP
allows unreduced answers). Pure Python, no Django: the item bank stores what a generator produced
(stem, canonical answer, parameters) and auto-marks with the same generator.

The registry ``GENERATORS`` maps a stable key to a generator; the KP codes of the 人教版 tree it serves
are in ``Generator.kp_codes``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = ["GENERATORS", "GeneratedItem", "Generator", "format_answer", "parse_answer"]

Number = int | Fraction


@dataclass(frozen=True)
class GeneratedItem:
    """One exercise: what the child sees, the exact answer and what made it."""

    generator: str
    stem: str
    answer: Number
    params: dict[str, Any] = field(default_factory=dict)
    difficulty: int = 1
    minutes: float = 0.5


_NUMBER = re.compile(r"^\s*(-?\d+)\s*(?:/\s*(\d+))?\s*$")
_MIXED = re.compile(r"^\s*(\d+)\s+(\d+)\s*/\s*(\d+)\s*$")


def parse_answer(text: str) -> Number | None:
    """A child's typed answer as an exact number: ``12``, ``3/4``, ``1 1/2`` (带分数), ``0.5``; else None."""
    t = (text or "").strip().replace("／", "/").replace("．", ".").replace("－", "-")
    t = t.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if m := _MIXED.match(t):
        whole, num, den = (int(g) for g in m.groups())
        return Fraction(whole * den + num, den) if den else None
    if m := _NUMBER.match(t):
        if m.group(2) is None:
            return int(m.group(1))
        den = int(m.group(2))
        return Fraction(int(m.group(1)), den) if den else None
    if re.fullmatch(r"-?\d+\.\d+", t):
        return Fraction(t)
    return None


def format_answer(value: Number) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return str(value)


def _is_lowest_terms(text: str) -> bool:
    m = _NUMBER.match(text.strip().replace("／", "/"))
    if not m or m.group(2) is None:
        return True
    from math import gcd

    return gcd(int(m.group(1)), int(m.group(2))) == 1


class Generator:
    """A parameterised template: ``generate`` a variant at a difficulty level, ``check`` a typed answer."""

    key: str = ""
    name: str = ""
    kp_codes: tuple[str, ...] = ()  # 人教版 KP codes the exercises practise
    levels: int = 3  # difficulty levels 1..levels
    reduced_only: bool = False  # fractions must be in lowest terms to count as right

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        raise NotImplementedError

    def check(self, item: GeneratedItem, response: str) -> bool:
        got = parse_answer(response)
        if got is None or Fraction(got) != Fraction(item.answer):
            return False
        return not self.reduced_only or _is_lowest_terms(response)


class AddSubWithin20(Generator):
    """20以内加减法 (凑十 / 破十): level 1 no carry or borrow, 2 with, 3 mixed three-term."""

    key, name, kp_codes = "add_sub_20", "20以内加减法", ("M1A10", "M1A14", "M1B02")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        if difficulty >= 3:
            a, b = rng.randint(2, 9), rng.randint(2, 9)
            c = rng.randint(1, a + b - 1)
            return GeneratedItem(self.key, f"{a} + {b} - {c} =", a + b - c, {"a": a, "b": b, "c": c}, 3, 0.3)
        while True:
            a, b = rng.randint(1, 19), rng.randint(1, 9)
            if rng.random() < 0.5 and a + b <= 20:
                carry = (a % 10) + b >= 10
                if carry == (difficulty == 2):
                    return GeneratedItem(self.key, f"{a} + {b} =", a + b, {"a": a, "b": b, "op": "+"}, difficulty, 0.2)
            elif a >= b:
                borrow = (a % 10) < b
                if borrow == (difficulty == 2):
                    return GeneratedItem(self.key, f"{a} - {b} =", a - b, {"a": a, "b": b, "op": "-"}, difficulty, 0.2)


class TimesTable(Generator):
    """表内乘除法: level 1 乘法口诀 2–5, 2 up to 9, 3 division by the tables."""

    key, name, kp_codes = "times_table", "表内乘除法", ("M2A08", "M2A10", "M2B03", "M2B05")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        top = 5 if difficulty == 1 else 9
        a, b = rng.randint(2, top), rng.randint(2, top)
        if difficulty >= 3:
            return GeneratedItem(self.key, f"{a * b} ÷ {a} =", b, {"a": a, "b": b, "op": "÷"}, 3, 0.2)
        return GeneratedItem(self.key, f"{a} × {b} =", a * b, {"a": a, "b": b, "op": "×"}, difficulty, 0.2)


class FractionAddSub(Generator):
    """分数加减法: level 1 same denominator, 2 one denominator a multiple of the other, 3 unlike."""

    key, name, kp_codes = "fraction_add_sub", "分数加减法", ("M5B08", "M5B09")
    reduced_only = True

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        while True:
            d1 = rng.randint(2, 12)
            d2 = d1 if difficulty == 1 else (d1 * rng.randint(2, 3) if difficulty == 2 else rng.randint(2, 12))
            if d2 > 24:
                continue
            x, y = Fraction(rng.randint(1, d1 - 1), d1), Fraction(rng.randint(1, d2 - 1), d2)
            op = rng.choice("+-")
            if op == "-" and x < y:
                x, y = y, x
            value = x + y if op == "+" else x - y
            if value <= 0:
                continue
            stem = f"{_frac(x)} {op} {_frac(y)} ="
            return GeneratedItem(self.key, stem, value, {"x": _frac(x), "y": _frac(y), "op": op}, difficulty, 0.8)


def _frac(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"


GENERATORS: dict[str, Generator] = {g.key: g for g in (AddSubWithin20(), TimesTable(), FractionAddSub())}
