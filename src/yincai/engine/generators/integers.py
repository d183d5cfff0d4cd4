"""Whole-number computation, grades 1–4: 20以内/100以内加减, 表内乘除, 多位数乘一位数, 两位数乘两位数,
除数是一位数/两位数的除法 (exact or with remainder, answered 「商……余数」)."""

from __future__ import annotations

import random

from yincai.engine.generators.base import GeneratedItem, Generator, QuotientRemainder


def mul_carries(a: int, b: int) -> int:
    """How many carries the written multiplication of `a` by the one-digit `b` makes."""
    carry, count = 0, 0
    while a:
        carry = (a % 10) * b + carry
        carry //= 10
        count += carry > 0
        a //= 10
    return count


class AddSubWithin20(Generator):
    """20以内加减法 (凑十 / 破十)."""

    level_kp_codes = (("M1A10",), ("M1A14", "M1B02"), ("M1A14", "M1B02"))
    key, name, grade, kp_codes = "add_sub_20", "20以内加减法", 1, ("M1A10", "M1A14", "M1B02")
    level_notes = ("20以内，不进位不退位", "进位加（凑十）或退位减（破十）", "三个一位数的加减混合")

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


class AddSubWithin100(Generator):
    """100以内加减法: 两位数加减一位数/整十数, 两位数加减两位数 (笔算), 连加连减."""

    level_kp_codes = (("M1B06", "M1B07"), ("M2A03", "M2A04"), ("M2A05",))
    key, name, grade = "add_sub_100", "100以内加减法", 1
    kp_codes = ("M1B06", "M1B07", "M2A03", "M2A04", "M2A05")
    level_notes = ("两位数加减一位数或整十数，不进位不退位", "两位数加减两位数，进位或退位，和不超过100",
                   "三个两位数连加连减或加减混合，每步结果在0–100之间")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        op = rng.choice("+-")
        while True:
            if difficulty == 1:
                a = rng.randint(10, 99)
                b = rng.randint(1, 9) if rng.random() < 0.5 else 10 * rng.randint(1, 9)
                ok = (a % 10 + b % 10 < 10 and a + b <= 99) if op == "+" else (a % 10 >= b % 10 and a > b)
            elif difficulty == 2:
                a, b = rng.randint(10, 99), rng.randint(11, 99)
                ok = (a % 10 + b % 10 >= 10 and a + b <= 100) if op == "+" else (a % 10 < b % 10 and a > b)
            else:
                a, b, c = rng.randint(10, 99), rng.randint(10, 99), rng.randint(10, 99)
                op2 = rng.choice("+-")
                first = a + b if op == "+" else a - b
                value = first + c if op2 == "+" else first - c
                if 0 <= first <= 100 and 0 <= value <= 100:
                    return GeneratedItem(self.key, f"{a} {op} {b} {op2} {c} =", value,
                                         {"a": a, "b": b, "c": c, "ops": op + op2}, 3, 0.5)
                continue
            if ok:
                value = a + b if op == "+" else a - b
                return GeneratedItem(self.key, f"{a} {op} {b} =", value, {"a": a, "b": b, "op": op}, difficulty,
                                     0.3 if difficulty == 1 else 0.5)


class TimesTable(Generator):
    """表内乘除法: level 1 2–6的乘法口诀, 2 up to 9, 3 division by the tables (用口诀求商)."""

    level_kp_codes = (("M2A08",), ("M2A08", "M2A10"), ("M2B03", "M2B05"))
    key, name, grade, kp_codes = "times_table", "表内乘除法", 2, ("M2A08", "M2A10", "M2B03", "M2B05")
    level_notes = ("2–6的乘法口诀", "2–9的乘法口诀", "用2–9的乘法口诀求商")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        top = 6 if difficulty == 1 else 9
        a, b = rng.randint(2, top), rng.randint(2, top)
        if difficulty >= 3:
            return GeneratedItem(self.key, f"{a * b} ÷ {a} =", b, {"a": a, "b": b, "op": "÷"}, 3, 0.2)
        return GeneratedItem(self.key, f"{a} × {b} =", a * b, {"a": a, "b": b, "op": "×"}, difficulty, 0.2)


class MulOneDigit(Generator):
    """多位数乘一位数."""

    level_kp_codes = (("M3A07",), ("M3A08",), ("M3A08",))
    key, name, grade, kp_codes = "mul_1digit", "多位数乘一位数", 3, ("M3A07", "M3A08")
    level_notes = ("两位数乘一位数，不进位", "两位或三位数乘一位数，有进位", "中间有0的三位或四位数乘一位数，有进位")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        while True:
            b = rng.randint(2, 9)
            if difficulty == 1:
                a = rng.randint(11, 99)
                ok = mul_carries(a, b) == 0
            elif difficulty == 2:
                a = rng.randint(12, 999)
                ok = mul_carries(a, b) > 0
            else:
                digits = rng.choice((3, 4))
                a = rng.randint(10 ** (digits - 1), 10 ** digits - 1)
                inner = str(a)[1:-1]
                ok = "0" in inner and mul_carries(a, b) > 0
            if ok:
                stem = f"{a} × {b} =" if rng.random() < 0.7 else f"{b} × {a} ="
                return GeneratedItem(self.key, stem, a * b, {"a": a, "b": b}, difficulty, 0.5 + 0.25 * difficulty)


class MulTwoDigit(Generator):
    """两位数乘两位数: 口算 (整十数), 笔算不进位, 笔算进位."""

    level_kp_codes = (("M3B05",), ("M3B06",), ("M3B06",))
    key, name, grade, kp_codes = "mul_2digit", "两位数乘两位数", 3, ("M3B05", "M3B06")
    level_notes = ("两位数乘整十数（口算），乘的时候不进位", "两位数乘两位数，部分积都不进位",
                   "两位数乘两位数，有进位")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        while True:
            if difficulty == 1:
                a, t = rng.randint(11, 99), rng.randint(1, 9)
                if a % 10 == 0 or mul_carries(a, t) or t == 1:
                    continue
                a_, b_ = (a, 10 * t) if rng.random() < 0.5 else (10 * t, a)
                return GeneratedItem(self.key, f"{a_} × {b_} =", a_ * b_, {"a": a_, "b": b_}, 1, 0.3)
            a, b = rng.randint(11, 99), rng.randint(11, 99)
            if a % 10 == 0 or b % 10 == 0:
                continue
            carries = mul_carries(a, b % 10) + mul_carries(a, b // 10)
            if (carries == 0) == (difficulty == 2):
                return GeneratedItem(self.key, f"{a} × {b} =", a * b, {"a": a, "b": b}, difficulty, 1.0)


def _division(key: str, dividend: int, divisor: int, difficulty: int, minutes: float) -> GeneratedItem:
    q, r = divmod(dividend, divisor)
    answer: int | QuotientRemainder = QuotientRemainder(q, r) if r else q
    return GeneratedItem(key, f"{dividend} ÷ {divisor} =", answer, {"a": dividend, "b": divisor}, difficulty, minutes)


class DivOneDigit(Generator):
    """除数是一位数的除法 (and 有余数的除法): the remainder is typed 「商……余数」, e.g. ``7……3``."""

    level_kp_codes = (("M3B02",), ("M3B03",), ("M2B07", "M3B03"))
    key, name, grade, kp_codes = "div_1digit", "除数是一位数的除法", 3, ("M2B07", "M3B02", "M3B03")
    level_notes = ("两位或三位数除以一位数，每一位都能整除（口算）", "两位或三位数除以一位数，没有余数（笔算），商至少两位",
                   "两位或三位数除以一位数，有余数（商……余数）")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        while True:
            d = rng.randint(2, 9)
            if difficulty == 1:
                q = rng.randint(2, 333)
                dividend = q * d
                if dividend < 10 or dividend > 999 or any(int(ch) % d for ch in str(dividend)):
                    continue
                return _division(self.key, dividend, d, 1, 0.3)
            if difficulty == 2:
                q = rng.randint(10, 999 // d)
                dividend = q * d
                if all(int(ch) % d == 0 for ch in str(dividend)):
                    continue
                return _division(self.key, dividend, d, 2, 1.0)
            dividend = rng.randint(10, 999)
            if dividend % d:
                return _division(self.key, dividend, d, 3, 1.0)


class DivTwoDigit(Generator):
    """除数是两位数的除法: 口算 (整十数), 笔算试商, 有余数."""

    level_kp_codes = (("M4A10",), ("M4A11",), ("M4A11",))
    key, name, grade, kp_codes = "div_2digit", "除数是两位数的除法", 4, ("M4A10", "M4A11")
    level_notes = ("除数是整十数，商是一位数，没有余数（口算）", "两位数除数，两位或三位被除数，没有余数",
                   "两位数除数，三位被除数，有余数（商……余数）")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        while True:
            if difficulty == 1:
                d, q = 10 * rng.randint(2, 9), rng.randint(2, 9)
                return _division(self.key, d * q, d, 1, 0.3)
            d = rng.randint(11, 99)
            if d % 10 == 0:
                continue
            if difficulty == 2:
                q = rng.randint(2, 999 // d)
                return _division(self.key, q * d, d, 2, 1.5)
            dividend = rng.randint(100, 999)
            if dividend % d:
                return _division(self.key, dividend, d, 3, 1.5)
