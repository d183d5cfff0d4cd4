"""An independent evaluator for generated stems (the property tests' oracle): a small safe parser over
exact `Fraction` arithmetic that shares no code with the generators.

Grammar: expr := term (('+'|'-') term)* ; term := factor (('×'|'÷') factor)* ; factor := number | '(' expr ')'
where number is an integer, a decimal (``2.35``) or a fraction literal (``3/4``, binding tighter than ÷),
optionally with a coefficient before ``x`` (``3x``, ``0.5x``). Text before a full-width colon (the
instruction, e.g. 用简便方法计算：) and a trailing ``=`` are ignored.
"""

from __future__ import annotations

import re
from fractions import Fraction

_TOKEN = re.compile(r"\s*(?:(\d+/\d+)|(\d+\.\d+|\d+)|([x])|([+\-×÷()=]))")


def tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"unexpected {text[pos:]!r}")
        out.append(m.group(0).strip())
        pos = m.end()
    return out


class _Parser:
    """Evaluates a linear expression in x as (constant, coefficient of x)."""

    def __init__(self, toks: list[str]) -> None:
        self.toks, self.i = toks, 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expr(self) -> tuple[Fraction, Fraction]:
        c, k = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            c2, k2 = self.term()
            c, k = (c + c2, k + k2) if op == "+" else (c - c2, k - k2)
        return c, k

    def term(self) -> tuple[Fraction, Fraction]:
        c, k = self.factor()
        while self.peek() in ("×", "÷"):
            op = self.take()
            c2, k2 = self.factor()
            if op == "×":
                if k and k2:
                    raise ValueError("not linear")
                c, k = c * c2, (k * c2 if k else c * k2)
            else:
                if k2 or c2 == 0:
                    raise ValueError("division by x or 0")
                c, k = c / c2, k / c2
        return c, k

    def factor(self) -> tuple[Fraction, Fraction]:
        tok = self.take()
        if tok == "(":
            value = self.expr()
            assert self.take() == ")"
            return value
        if tok == "x":
            return Fraction(0), Fraction(1)
        number = Fraction(tok)  # Fraction parses "3/4", "2.35" and "12" exactly
        if self.peek() == "x":
            self.take()
            return Fraction(0), number
        return number, Fraction(0)


def _side(text: str) -> tuple[Fraction, Fraction]:
    parser = _Parser(tokens(text))
    value = parser.expr()
    if parser.peek() is not None:
        raise ValueError(f"trailing {parser.toks[parser.i:]}")
    return value


def evaluate(stem: str) -> Fraction:
    """The exact value of an arithmetic stem, or the solution x of a linear equation."""
    body = stem.split("：", 1)[-1].strip()
    if body.endswith("="):
        constant, coefficient = _side(body[:-1])
        assert coefficient == 0
        return constant
    left, right = body.split("=")
    (c1, k1), (c2, k2) = _side(left), _side(right)
    return (c2 - c1) / (k1 - k2)


def numbers(stem: str) -> list[Fraction]:
    """The numbers written in a stem, left to right (fractions as one number)."""
    return [Fraction(t.rstrip("x") or "1") for t in tokens(stem.split("：", 1)[-1]) if t[0].isdigit()]


def texts(stem: str) -> list[str]:
    return [t for t in tokens(stem.split("：", 1)[-1]) if t[0].isdigit()]
