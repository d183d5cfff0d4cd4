"""简便计算 (运算定律) and 解简易方程 (ax ± b = c)."""

from __future__ import annotations

import random
from fractions import Fraction

from yincai.engine.generators.base import GeneratedItem, Generator, decimal_text
from yincai.engine.generators.rationals import DECIMAL_FORMS, _dec

PAIRS = ((25, 4), (125, 8), (5, 20), (50, 2), (25, 8))  # 凑整 products: 100, 1000, 100, 100, 200


class SimplifyCalc(Generator):
    """简便计算: 加法凑整, 乘法凑整 (25×4, 125×8), 乘法分配律 (a×b+a×c, a×99+a, a×101)."""

    level_kp_codes = (("M4B03", "M4B05"), ("M4B04", "M4B05"), ("M4B04", "M4B05"))
    key, name, grade, kp_codes = "simplify_calc", "简便计算", 4, ("M4B03", "M4B04", "M4B05")
    level_notes = ("加法交换律、结合律：两个加数凑成整百", "乘法交换律、结合律：25×4、125×8 等凑整",
                   "乘法分配律：a×b±a×c 凑成整十整百，或 a×99+a、a×101")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        prefix = "用简便方法计算："
        if difficulty == 1:
            a = rng.randint(11, 89)
            b, c = 100 * rng.randint(1, 2) - a, rng.randint(11, 99)
            if b % 10 == 0 or a % 10 == 0:
                return self.generate(rng, 1)
            terms = [a, c, b] if rng.random() < 0.5 else [c, a, b]
            if rng.random() < 0.5:  # 连减: c - a - b = c - (a + b)
                big = rng.randint(a + b + 1, a + b + 400)
                return GeneratedItem(self.key, f"{prefix}{big} - {a} - {b} =", big - a - b,
                                     {"terms": [big, a, b], "ops": "--"}, 1, 1.0)
            return GeneratedItem(self.key, f"{prefix}{terms[0]} + {terms[1]} + {terms[2]} =", sum(terms),
                                 {"terms": terms, "ops": "++"}, 1, 1.0)
        if difficulty == 2:
            p, q = rng.choice(PAIRS)
            k = rng.randint(3, 99)
            if k % 10 == 0 or k in (p, q):
                return self.generate(rng, 2)
            order = rng.choice(((p, k, q), (k, p, q), (p, q, k), (q, k, p)))
            stem = f"{prefix}{order[0]} × {order[1]} × {order[2]} ="
            return GeneratedItem(self.key, stem, p * q * k, {"factors": list(order)}, 2, 1.0)
        a = rng.randint(12, 99)
        shape = rng.choice(("plus", "minus", "99", "101"))
        if shape == "plus":
            total = rng.choice((100, 10, 1000 if a < 50 else 100))
            b = rng.randint(1, total - 1)
            c = total - b
            return GeneratedItem(self.key, f"{prefix}{a} × {b} + {a} × {c} =", a * total,
                                 {"a": a, "b": b, "c": c, "shape": shape}, 3, 1.5)
        if shape == "minus":
            c = rng.randint(2, 99)
            b = c + rng.choice((10, 100))
            return GeneratedItem(self.key, f"{prefix}{a} × {b} - {a} × {c} =", a * (b - c),
                                 {"a": a, "b": b, "c": c, "shape": shape}, 3, 1.5)
        if shape == "99":
            return GeneratedItem(self.key, f"{prefix}{a} × 99 + {a} =", a * 100, {"a": a, "shape": shape}, 3, 1.5)
        return GeneratedItem(self.key, f"{prefix}{a} × 101 =", a * 101, {"a": a, "shape": shape}, 3, 1.5)


def _coef(a: Fraction) -> str:
    return "" if a == 1 else decimal_text(a)


class Equation(Generator):
    """解简易方程: x ± a = b, ax = b, x ÷ a = b; ax ± b = c; then with decimals. Answer ``x=5`` or ``5``."""

    key, name, grade, kp_codes = "equation", "解简易方程", 5, ("M5A10",)
    forms, decimal_answers = DECIMAL_FORMS, True
    level_notes = ("一步方程（x±a=b，ax=b，x÷a=b），整数解", "两步方程 ax±b=c，整数解",
                   "两步方程 ax±b=c，系数或解是小数（最多两位）")

    def generate(self, rng: random.Random, difficulty: int = 1) -> GeneratedItem:
        if difficulty == 1:
            x, a = rng.randint(2, 99), rng.randint(2, 50)
            shape = rng.choice(("+", "-", "×", "÷"))
            if shape == "+":
                stem = f"x + {a} = {x + a}"
            elif shape == "-":
                x += a
                stem = f"x - {a} = {x - a}"
            elif shape == "×":
                a = rng.randint(2, 12)
                stem = f"{a}x = {a * x}"
            else:
                a = rng.randint(2, 12)
                stem = f"x ÷ {a} = {x}"
                x *= a
            params: dict[str, object] = {"shape": shape, "a": a}
            return GeneratedItem(self.key, f"解方程：{stem}", x, params, 1, 1.0)
        if difficulty == 2:
            x, a, b = rng.randint(2, 30), rng.randint(2, 12), rng.randint(1, 50)
            op = rng.choice("+-")
            c = a * x + b if op == "+" else a * x - b
            if c <= 0:
                return self.generate(rng, 2)
            return GeneratedItem(self.key, f"解方程：{a}x {op} {b} = {c}", x, {"a": a, "b": b, "op": op}, 2, 1.5)
        return self._decimal(rng)

    def _decimal(self, rng: random.Random) -> GeneratedItem:
        x = _dec(rng, rng.choice((0, 1, 2)), 1, 20)
        a = _dec(rng, 1, 0, 10) if rng.random() < 0.5 else Fraction(rng.randint(2, 9))
        b = _dec(rng, rng.choice((0, 1)), 1, 30)
        op = rng.choice("+-")
        c = a * x + b if op == "+" else a * x - b
        if c <= 0 or a == 1 or (x.denominator == 1 and a.denominator == 1 and b.denominator == 1):
            return self._decimal(rng)
        stem = f"解方程：{_coef(a)}x {op} {decimal_text(b)} = {decimal_text(c)}"
        return GeneratedItem(self.key, stem, x if x.denominator > 1 else int(x),
                             {"a": decimal_text(a), "b": decimal_text(b), "op": op}, 3, 2.0)
