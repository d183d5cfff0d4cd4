"""Item generators for the computation KPs of grades 1–6: parameterised templates with exact answers.

Each generator makes unlimited variants of one kind of exercise (20以内加减, 表内乘除, 分数加减 …) from a
random generator and a difficulty level; answers are exact (`int`, `fractions.Fraction` — decimals too —
or `QuotientRemainder` for 「7……3」, never floats) and `check` accepts the equivalent forms a child may write
(``1/2`` for ``2/4`` only where the KP allows unreduced answers; ``0.5`` for ``1/2`` in fraction exercises).
Pure Python, no Django: the item bank stores what a generator produced (stem, canonical answer text from
`Generator.answer_text`, parameters) and auto-marks with `Generator.check_text`.

The registry ``GENERATORS`` maps a stable key to a generator; the KP codes of the 人教版 tree it serves
are in ``Generator.kp_codes``, the bounds of each difficulty level in ``Generator.level_notes``.
`generate_distinct` makes N different items (no duplicate within one homework).
"""

from __future__ import annotations

from yincai.engine.generators.algebra import Equation, SimplifyCalc
from yincai.engine.generators.base import (
    Answer,
    GeneratedItem,
    Generator,
    Number,
    QuotientRemainder,
    decimal_text,
    format_answer,
    generate_distinct,
    parse_answer,
    read_answer,
    to_tex,
)
from yincai.engine.generators.integers import (
    AddSubWithin20,
    AddSubWithin100,
    DivOneDigit,
    DivTwoDigit,
    MulOneDigit,
    MulTwoDigit,
    TimesTable,
)
from yincai.engine.generators.rationals import (
    DecimalAddSub,
    DecimalDiv,
    DecimalMul,
    FractionAddSub,
    FractionMulDiv,
)

__all__ = ["GENERATORS", "Answer", "GeneratedItem", "Generator", "Number", "QuotientRemainder", "decimal_text",
           "format_answer", "generate_distinct", "parse_answer", "read_answer", "to_tex"]

GENERATORS: dict[str, Generator] = {g.key: g for g in (
    AddSubWithin20(), AddSubWithin100(), TimesTable(), MulOneDigit(), MulTwoDigit(), DivOneDigit(), DivTwoDigit(),
    DecimalAddSub(), DecimalMul(), DecimalDiv(), FractionAddSub(), FractionMulDiv(), SimplifyCalc(), Equation(),
)}
