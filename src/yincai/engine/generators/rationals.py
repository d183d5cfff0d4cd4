"""小数加减乘除 and 分数加减乘除 (grades 3–6). Decimals are exact: they are built as `Fraction`s of tenths and
hundredths, shown with `decimal_text`, and answered as decimals; fractions are shown in lowest terms."""

from __future__ import annotations

import random
from fractions import Fraction

from yincai.engine.generators.base import GeneratedItem, Generator, decimal_text, frac_text

DECIMAL_FORMS = frozenset({"int", "decimal"})
FRACTION_FORMS = frozenset({"int", "fraction", "mixed", "decimal"})


def _dec(rng: random.Random, places: int, low: int, high: int) -> Fraction:
    """A decimal with exactly `places` decimal places (last digit non-zero), value in [low, high)."""
    scale = 10 ** places
    while True:
        n = rng.randint(low * scale + 1, high * scale - 1)
        if places == 0 or n % 10:
            return Fraction(n, scale)


def places_of(value: Fraction) -> int:
    return len(decimal_text(value).partition(".")[2])


class DecimalAddSub(Generator):
    """小数加减法."""

    level_kp_codes = (("M3B11",), ("M4B11",), ("M4B11",))
    key, name, grade, kp_codes = "decimal_add_sub", "小数加减法", 3, ("M3B11", "M4B11")
    forms, decimal_answers = DECIMAL_FORMS, True
    level_notes = ("两个一位小数相加减，都小于10", "一位或两位小数，小数位数不同，都小于100",
                   "被减数的小数位数少于减数（补0再退位减）")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        op = rng.choice("+-") if difficulty < 3 else "-"
        while True:
            if difficulty == 1:
                a, b = _dec(rng, 1, 0, 10), _dec(rng, 1, 0, 10)
            elif difficulty == 2:
                p = rng.choice((1, 2))
                a, b = _dec(rng, p, 0, 100), _dec(rng, 3 - p, 0, 100)
            else:
                a, b = _dec(rng, rng.choice((0, 1)), 1, 50), _dec(rng, 2, 0, 50)
            if op == "-" and a < b:
                if difficulty == 3:
                    continue
                a, b = b, a
            value = a + b if op == "+" else a - b
            if value > 0:
                stem = f"{decimal_text(a)} {op} {decimal_text(b)} ="
                return GeneratedItem(self.key, stem, value, {"a": decimal_text(a), "b": decimal_text(b), "op": op},
                                     difficulty, 0.5 + 0.25 * difficulty)


class DecimalMul(Generator):
    """小数乘法: 小数乘整数, 小数乘小数."""

    level_kp_codes = (("M5A01",), ("M5A02",), ("M5A02",))
    key, name, grade, kp_codes = "decimal_mul", "小数乘法", 5, ("M5A01", "M5A02")
    forms, decimal_answers = DECIMAL_FORMS, True
    level_notes = ("一位或两位小数乘2–99的整数", "一位小数乘一位小数", "两个小数相乘，小数位数合计至少3位")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        if difficulty == 1:
            a, b = _dec(rng, rng.choice((1, 2)), 0, 10), Fraction(rng.randint(2, 99))
        elif difficulty == 2:
            a, b = _dec(rng, 1, 0, 10), _dec(rng, 1, 0, 10)
        else:
            a, b = _dec(rng, 2, 0, 10), _dec(rng, rng.choice((1, 2)), 0, 10)
        if rng.random() < 0.5:
            a, b = b, a
        stem = f"{decimal_text(a)} × {decimal_text(b)} ="
        return GeneratedItem(self.key, stem, a * b, {"a": decimal_text(a), "b": decimal_text(b)}, difficulty,
                             0.5 + 0.5 * difficulty)


class DecimalDiv(Generator):
    """小数除法: 除数是整数, 一个数除以小数 — every quotient terminates (built as quotient × divisor)."""

    level_kp_codes = (("M5A05",), ("M5A06",), ("M5A06",))
    key, name, grade, kp_codes = "decimal_div", "小数除法", 5, ("M5A05", "M5A06")
    forms, decimal_answers = DECIMAL_FORMS, True
    level_notes = ("小数除以2–20的整数，商是有限小数", "除数是一位小数，除得尽", "除数是两位小数，除得尽")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        while True:
            if difficulty == 1:
                d = Fraction(rng.randint(2, 20))
                q = _dec(rng, rng.choice((1, 2)), 0, 20)
            else:
                d = _dec(rng, difficulty - 1, 0, 10)
                q = _dec(rng, rng.choice((0, 1)), 1, 100)
            a = q * d
            if places_of(a) <= 3 and (difficulty > 1 or places_of(a) >= 1):
                stem = f"{decimal_text(a)} ÷ {decimal_text(d)} ="
                return GeneratedItem(self.key, stem, q, {"a": decimal_text(a), "b": decimal_text(d)}, difficulty,
                                     1.0 + 0.5 * difficulty)


class FractionAddSub(Generator):
    """分数加减法: level 1 同分母 (三年级, 和不超过1, 不要求约分), 2 one denominator a multiple of the other,
    3 unlike denominators (异分母, 结果要化成最简分数)."""

    level_kp_codes = (("M3A12",), ("M5B15",), ("M5B15",))
    key, name, grade, kp_codes = "fraction_add_sub", "分数加减法", 3, ("M3A12", "M5B15")
    reduced_only, forms = True, FRACTION_FORMS
    level_notes = ("同分母分数加减，分母不超过10，结果不超过1（可以不约分）",
                   "一个分母是另一个的2或3倍，结果要约成最简分数", "异分母分数加减，结果要约成最简分数")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        while True:
            d1 = rng.randint(2, 10 if difficulty == 1 else 12)
            d2 = d1 if difficulty == 1 else (d1 * rng.randint(2, 3) if difficulty == 2 else rng.randint(2, 12))
            if d2 > 24 or (difficulty == 3 and (d1 == d2 or d1 % d2 == 0 or d2 % d1 == 0)):
                continue
            n1, n2 = rng.randint(1, d1 - 1), rng.randint(1, d2 - 1)
            if difficulty == 1 and (n1 + n2 > d1):
                continue
            x, y = Fraction(n1, d1), Fraction(n2, d2)
            if difficulty > 1 and (x.denominator != d1 or y.denominator != d2):
                continue  # shown in lowest terms, the denominators must still be the intended ones
            op = rng.choice("+-")
            if op == "-" and x < y:
                x, y, n1, n2 = y, x, n2, n1
            value = x + y if op == "+" else x - y
            if value <= 0:
                continue
            if difficulty == 1:  # 三年级: written as n/d with the same d, not reduced
                stem, params = f"{n1}/{d1} {op} {n2}/{d1} =", {"x": f"{n1}/{d1}", "y": f"{n2}/{d1}",
                                                                 "op": op, "reduced_only": False}
            else:
                stem, params = f"{frac_text(x)} {op} {frac_text(y)} =", {"x": frac_text(x), "y": frac_text(y), "op": op}
            return GeneratedItem(self.key, stem, value, params, difficulty, 0.5 if difficulty == 1 else 0.8)


class FractionMulDiv(Generator):
    """分数乘除法 (六年级): 分数乘整数, 分数乘分数, 分数除法; results in lowest terms."""

    level_kp_codes = (("M6A01",), ("M6A02",), ("M6A05", "M6A06"))
    key, name, grade, kp_codes = "fraction_mul_div", "分数乘除法", 6, ("M6A01", "M6A02", "M6A05", "M6A06")
    reduced_only, forms = True, FRACTION_FORMS
    level_notes = ("真分数乘2–12的整数", "真分数乘真分数", "真分数除以真分数或2–9的整数")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        def proper() -> Fraction:
            d = rng.randint(2, 12)
            return Fraction(rng.randint(1, d - 1), d)

        x = proper()
        if difficulty == 1:
            n = rng.randint(2, 12)
            stem = f"{frac_text(x)} × {n} =" if rng.random() < 0.5 else f"{n} × {frac_text(x)} ="
            return GeneratedItem(self.key, stem, x * n, {"x": frac_text(x), "n": n}, 1, 0.5)
        if difficulty == 2:
            y = proper()
            return GeneratedItem(self.key, f"{frac_text(x)} × {frac_text(y)} =", x * y,
                                 {"x": frac_text(x), "y": frac_text(y)}, 2, 0.8)
        if rng.random() < 0.3:
            n = rng.randint(2, 9)
            return GeneratedItem(self.key, f"{frac_text(x)} ÷ {n} =", x / n, {"x": frac_text(x), "n": n}, 3, 0.8)
        y = proper()
        return GeneratedItem(self.key, f"{frac_text(x)} ÷ {frac_text(y)} =", x / y,
                             {"x": frac_text(x), "y": frac_text(y)}, 3, 1.0)
