"""Property tests (hypothesis) for every generator: the answer agrees with an independent evaluator of the
stem (tests/engine/stem_eval.py, exact Fraction arithmetic), the stem stays within the level's declared
bounds (digit counts, carries, borrows, decimal places), equivalent forms are marked as the KP allows, and
`generate_distinct` never repeats an item within one homework."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.stem_eval import evaluate, texts
from yincai.engine.generators import GENERATORS, GeneratedItem, QuotientRemainder, generate_distinct

KP_CSV = Path(__file__).resolve().parents[2] / "src/yincai/curriculum/data/pep_math_kps.csv"
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def carries_add(a: int, b: int) -> bool:
    return any(int(x) + int(y) >= 10 for x, y in zip(str(a)[::-1], str(b)[::-1], strict=False))


def borrows_sub(a: int, b: int) -> bool:
    return any(int(x) < int(y) for x, y in zip(str(a)[::-1], str(b)[::-1], strict=False))


def carries_mul(a: int, digit: int) -> bool:
    """Any column of a × digit whose product plus the incoming carry reaches 10 (written algorithm)."""
    carry = 0
    for ch in str(a)[::-1]:
        carry = (int(ch) * digit + carry) // 10
        if carry:
            return True
    return False


def places(text: str) -> int:
    return len(text.partition(".")[2])


def ints(item: GeneratedItem) -> list[int]:
    return [int(t) for t in texts(item.stem)]


def ops(item: GeneratedItem) -> list[str]:
    return [ch for ch in item.stem.split("：")[-1] if ch in "+-×÷"]


# ---- declared bounds, one checker per generator (reads only the stem) ---------------------------------------

def b_add_sub_20(item: GeneratedItem, level: int) -> None:
    n, o = ints(item), ops(item)
    if level == 3:
        assert len(n) == 3 and all(1 <= x <= 9 for x in n[:2]) and o == ["+", "-"]
        return
    a, b = n
    assert a <= 20 and 1 <= b <= 9 and (a + b <= 20 if o == ["+"] else a >= b)
    crossing = carries_add(a, b) if o == ["+"] else borrows_sub(a, b)
    assert crossing == (level == 2)


def b_add_sub_100(item: GeneratedItem, level: int) -> None:
    n, o = ints(item), ops(item)
    if level == 3:
        assert len(n) == 3 and all(10 <= x <= 99 for x in n)
        first = n[0] + n[1] if o[0] == "+" else n[0] - n[1]
        assert 0 <= first <= 100
        return
    a, b = n
    assert 10 <= a <= 99
    crossing = carries_add(a, b) if o == ["+"] else borrows_sub(a, b)
    if level == 1:
        assert (1 <= b <= 9 or b % 10 == 0) and not crossing
    else:
        assert 11 <= b <= 99 and crossing and (a + b <= 100 if o == ["+"] else a > b)


def b_times_table(item: GeneratedItem, level: int) -> None:
    a, b = ints(item)
    if level == 3:
        assert ops(item) == ["÷"] and 2 <= b <= 9 and 2 <= a // b <= 9 and a % b == 0
    else:
        top = 6 if level == 1 else 9
        assert ops(item) == ["×"] and 2 <= a <= top and 2 <= b <= top


def b_mul_1digit(item: GeneratedItem, level: int) -> None:
    a, b = sorted(ints(item), reverse=True)
    assert 2 <= b <= 9
    if level == 1:
        assert 10 <= a <= 99 and not carries_mul(a, b)
    elif level == 2:
        assert 10 <= a <= 999 and carries_mul(a, b)
    else:
        assert 100 <= a <= 9999 and "0" in str(a)[1:-1] and carries_mul(a, b)


def b_mul_2digit(item: GeneratedItem, level: int) -> None:
    a, b = ints(item)
    assert 10 <= a <= 99 and 10 <= b <= 99
    if level == 1:
        tens, other = (a, b) if a % 10 == 0 else (b, a)
        assert tens % 10 == 0 and other % 10 != 0 and not carries_mul(other, tens // 10)
    else:
        assert a % 10 and b % 10
        partial = carries_mul(a, b % 10) or carries_mul(a, b // 10)
        assert partial == (level == 3)


def b_div_1digit(item: GeneratedItem, level: int) -> None:
    a, d = ints(item)
    assert 2 <= d <= 9 and 10 <= a <= 999
    assert (a % d == 0) == (level < 3)
    if level == 1:
        assert all(int(ch) % d == 0 for ch in str(a))
    if level == 2:
        assert a // d >= 10 and not all(int(ch) % d == 0 for ch in str(a))


def b_div_2digit(item: GeneratedItem, level: int) -> None:
    a, d = ints(item)
    assert 10 <= d <= 99 and 10 <= a <= 999
    assert (a % d == 0) == (level < 3)
    if level == 1:
        assert d % 10 == 0 and 2 <= a // d <= 9
    else:
        assert d % 10 != 0
    if level == 3:
        assert a >= 100


def b_decimal_add_sub(item: GeneratedItem, level: int) -> None:
    a, b = texts(item.stem)
    if level == 1:
        assert places(a) == places(b) == 1 and Fraction(a) < 10 and Fraction(b) < 10
    elif level == 2:
        assert {places(a), places(b)} == {1, 2} and Fraction(a) < 100 and Fraction(b) < 100
    else:
        assert ops(item) == ["-"] and places(a) < places(b) == 2


def b_decimal_mul(item: GeneratedItem, level: int) -> None:
    a, b = texts(item.stem)
    p = sorted((places(a), places(b)))
    if level == 1:
        assert p[0] == 0 and p[1] in (1, 2) and 2 <= int(a if places(a) == 0 else b) <= 99
    elif level == 2:
        assert p == [1, 1]
    else:
        assert p[0] >= 1 and sum(p) >= 3


def b_decimal_div(item: GeneratedItem, level: int) -> None:
    a, d = texts(item.stem)
    if level == 1:
        assert places(d) == 0 and 2 <= int(d) <= 20 and places(a) >= 1
    else:
        assert places(d) == level - 1
    assert places(a) <= 3


def b_fraction_add_sub(item: GeneratedItem, level: int) -> None:
    x, y = (Fraction(t) for t in texts(item.stem))
    d1, d2 = (int(t.split("/")[1]) for t in texts(item.stem))
    if level == 1:
        assert d1 == d2 <= 10 and evaluate(item.stem) <= 1
    elif level == 2:
        assert d1 != d2 and (max(d1, d2) % min(d1, d2) == 0) and max(d1, d2) // min(d1, d2) in (2, 3)
    else:
        assert max(d1, d2) % min(d1, d2) != 0
    assert 0 < x < 1 and 0 < y < 1


def b_fraction_mul_div(item: GeneratedItem, level: int) -> None:
    parts = texts(item.stem)
    fractions_ = [t for t in parts if "/" in t]
    whole = [int(t) for t in parts if "/" not in t]
    assert all(0 < Fraction(t) < 1 for t in fractions_)
    if level == 1:
        assert ops(item) == ["×"] and len(fractions_) == 1 and 2 <= whole[0] <= 12
    elif level == 2:
        assert ops(item) == ["×"] and len(fractions_) == 2
    else:
        assert ops(item) == ["÷"] and "/" in parts[0] and (len(fractions_) == 2 or 2 <= whole[0] <= 9)


def b_simplify_calc(item: GeneratedItem, level: int) -> None:
    n, o = ints(item), ops(item)
    assert item.stem.startswith("用简便方法计算：")
    if level == 1:
        assert any((n[i] + n[j]) % 100 == 0 for i in range(len(n)) for j in range(i + 1, len(n)) if i or o == ["+", "+"])
    elif level == 2:
        assert o == ["×", "×"] and any({p, q} <= set(n) for p, q in ((25, 4), (125, 8), (5, 20), (50, 2), (25, 8)))
    else:
        shapes = (len(n) == 4 and n[0] == n[2] and (n[1] + n[3] if o[1] == "+" else n[1] - n[3]) in (10, 100, 1000),
                  n[1:] == [99, n[0]], n[1:] == [101])
        assert any(shapes), item.stem


def b_equation(item: GeneratedItem, level: int) -> None:
    x = evaluate(item.stem)
    assert x > 0
    if level < 3:
        assert x.denominator == 1
        assert len(texts(item.stem)) == (2 if level == 1 else 3)
    else:
        # level 3: a coefficient or the solution is a decimal (at most two places)
        assert (any("." in t for t in texts(item.stem)) or x.denominator != 1) and places(str(float(x))) <= 2


BOUNDS: dict[str, Callable[[GeneratedItem, int], None]] = {
    "add_sub_20": b_add_sub_20, "add_sub_100": b_add_sub_100, "times_table": b_times_table,
    "mul_1digit": b_mul_1digit, "mul_2digit": b_mul_2digit, "div_1digit": b_div_1digit,
    "div_2digit": b_div_2digit, "decimal_add_sub": b_decimal_add_sub, "decimal_mul": b_decimal_mul,
    "decimal_div": b_decimal_div, "fraction_add_sub": b_fraction_add_sub, "fraction_mul_div": b_fraction_mul_div,
    "simplify_calc": b_simplify_calc, "equation": b_equation,
}

KEYS = sorted(GENERATORS)


def test_every_generator_has_bounds_and_real_kp_codes() -> None:
    assert set(BOUNDS) == set(GENERATORS)
    with KP_CSV.open(encoding="utf-8") as f:
        codes = {row["code"] for row in csv.DictReader(f)}
    for gen in GENERATORS.values():
        assert gen.kp_codes and set(gen.kp_codes) <= codes, gen.key
        assert len(gen.level_notes) == gen.levels, gen.key
        for level in range(1, gen.levels + 1):
            assert gen.kp_codes_for(level) and set(gen.kp_codes_for(level)) <= set(gen.kp_codes), gen.key
        assert set().union(*(gen.kp_codes_for(n) for n in range(1, gen.levels + 1))) == set(gen.kp_codes), gen.key


def expected_answer(item: GeneratedItem) -> Fraction | QuotientRemainder:
    """What the independent evaluator says: division of whole numbers leaves a remainder (商……余数)."""
    value = evaluate(item.stem)
    body = item.stem.split("：")[-1]
    if ops(item) == ["÷"] and "." not in body and "/" not in body and value.denominator != 1:
        a, d = ints(item)
        return QuotientRemainder(*divmod(a, d))
    return value


@pytest.mark.parametrize("key", KEYS)
@settings(max_examples=120, deadline=None)
@given(seed=SEEDS, level=st.integers(min_value=1, max_value=3))
def test_answer_agrees_with_independent_evaluator_within_bounds(key: str, seed: int, level: int) -> None:
    gen = GENERATORS[key]
    item = gen.generate(random.Random(seed), level)
    expected = expected_answer(item)
    got = item.answer if isinstance(item.answer, QuotientRemainder) else Fraction(item.answer)
    assert got == expected, item.stem
    assert not isinstance(item.answer, float) and item.difficulty == level
    BOUNDS[key](item, level)
    assert gen.check(item, gen.answer_text(item))
    assert gen.check_text(gen.answer_text(item), gen.answer_text(item), reduced_only=item.params.get("reduced_only"))
    wrong = (f"{expected.quotient}……{expected.remainder + 1}" if isinstance(expected, QuotientRemainder)
             else str(expected + 1))
    assert not gen.check(item, wrong)


@pytest.mark.parametrize("key", KEYS)
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, level=st.integers(min_value=1, max_value=3), count=st.integers(min_value=1, max_value=20))
def test_generate_distinct_never_repeats(key: str, seed: int, level: int, count: int) -> None:
    items = generate_distinct(GENERATORS[key], random.Random(seed), level, count)
    assert len(items) == count
    assert len({i.stem for i in items}) == count


def test_generate_distinct_refuses_more_than_the_level_has() -> None:
    with pytest.raises(ValueError, match="只能生成"):
        generate_distinct(GENERATORS["times_table"], random.Random(0), 1, 26)  # 2–6 × 2–6: 25 different


@settings(max_examples=150, deadline=None)
@given(seed=SEEDS, level=st.integers(min_value=1, max_value=3))
def test_fraction_forms(seed: int, level: int) -> None:
    gen = GENERATORS["fraction_add_sub"]
    item = gen.generate(random.Random(seed), level)
    value = evaluate(item.stem)
    unreduced = f"{2 * value.numerator}/{2 * value.denominator}"
    assert gen.check(item, unreduced) == (level == 1)  # 三年级同分母 may stay unreduced; 五年级 must reduce
    den = value.denominator
    while den % 2 == 0:
        den //= 2
    while den % 5 == 0:
        den //= 5
    if den == 1:  # a terminating value may be written as a decimal (1/2 = 0.5)
        assert gen.check(item, str(float(value)))
    if value > 1 and value.denominator > 1:
        whole, rest = divmod(value.numerator, value.denominator)
        assert gen.check(item, f"{whole} {rest}/{value.denominator}") and gen.check(item, f"{whole}又{rest}/{value.denominator}")


@settings(max_examples=100, deadline=None)
@given(seed=SEEDS, level=st.integers(min_value=1, max_value=3))
def test_decimal_items_want_decimals(seed: int, level: int) -> None:
    gen = GENERATORS["decimal_mul"]
    item = gen.generate(random.Random(seed), level)
    value = evaluate(item.stem)
    assert gen.check(item, gen.answer_text(item)) and "/" not in gen.answer_text(item)
    if value.denominator > 1:
        assert not gen.check(item, f"{value.numerator}/{value.denominator}")  # 小数计算 answered as a decimal


@settings(max_examples=100, deadline=None)
@given(seed=SEEDS)
def test_remainder_forms(seed: int) -> None:
    gen = GENERATORS["div_1digit"]
    item = gen.generate(random.Random(seed), 3)
    a, d = ints(item)
    q, r = divmod(a, d)
    for typed in (f"{q}……{r}", f"{q}…{r}", f"{q}...{r}", f"{q}余{r}", f" {q} …… {r} "):
        assert gen.check(item, typed), typed
    assert not gen.check(item, str(q)) and not gen.check(item, f"{q}……{r + d}")
    assert not gen.check(item, str(Fraction(a, d)))


def test_equation_accepts_x_equals() -> None:
    gen = GENERATORS["equation"]
    item = gen.generate(random.Random(5), 2)
    x = evaluate(item.stem)
    assert gen.check(item, f"x={x}") and gen.check(item, f"x = {x}") and not gen.check(item, f"x={x + 1}")


def test_evaluator_is_exact() -> None:
    assert evaluate("1/2 ÷ 3/4 =") == Fraction(2, 3)
    assert evaluate("用简便方法计算：25 × 7 × 4 =") == 700
    assert evaluate("解方程：0.5x + 1.2 = 3.7") == 5
    assert evaluate("0.1 + 0.2 =") == Fraction(3, 10)
