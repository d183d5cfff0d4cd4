"""Generators give exact answers within their declared bounds and accept equivalent typed forms."""

from __future__ import annotations

import random
from fractions import Fraction

from yincai.engine.generators import GENERATORS, QuotientRemainder, parse_answer, read_answer, to_tex


def test_every_generator_answers_its_own_items() -> None:
    rng = random.Random(0)
    for gen in GENERATORS.values():
        for level in range(1, gen.levels + 1):
            for _ in range(200):
                item = gen.generate(rng, level)
                assert gen.check(item, gen.answer_text(item))
                if not isinstance(item.answer, QuotientRemainder):
                    assert not gen.check(item, str(Fraction(item.answer) + 1))
                    assert Fraction(item.answer) >= 0


def test_typed_forms() -> None:
    assert parse_answer(" １２ ") == 12
    assert parse_answer("1 1/2") == Fraction(3, 2)
    assert parse_answer("0.5") == Fraction(1, 2)
    assert parse_answer("3/0") is None and parse_answer("abc") is None
    assert read_answer("7……3") == (QuotientRemainder(7, 3), "remainder")
    frac = GENERATORS["fraction_add_sub"]
    item = frac.generate(random.Random(3), 2)
    num, den = item.answer.numerator, item.answer.denominator  # type: ignore[union-attr]
    assert frac.check(item, f"{num}/{den}") and not frac.check(item, f"{2 * num}/{2 * den}")  # lowest terms


def test_to_tex() -> None:
    assert to_tex("3/4 + 1/6 =") == r"$\dfrac{3}{4}$ + $\dfrac{1}{6}$ ="
    assert to_tex("2.5 ÷ 5 =") == "2.5 ÷ 5 ="
