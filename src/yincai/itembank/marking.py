"""Auto-marking of a stored bank item (for homework and the wrong-book): generated items are marked by their
generator (equivalent forms as the KP allows), other auto-markable items by exact value (numbers, 商……余数)
or, for 选择/判断, by the option letter / 对错 — never by the English truthiness of free text."""

from __future__ import annotations

import unicodedata

from yincai.engine.generators import GENERATORS, Generator, read_answer
from yincai.itembank.models import BankItem

_JUDGE = {"对": "对", "√": "对", "✓": "对", "正确": "对", "t": "对", "错": "错", "×": "错", "✗": "错", "错误": "错",
          "f": "错"}


class _AnyForm(Generator):
    forms = frozenset({"int", "fraction", "mixed", "decimal"})


_ANY_FORM = _AnyForm()


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()


def mark(item: BankItem, response: str) -> bool | None:
    """True/False for an auto-markable item; None when the item must be marked by the teacher."""
    if not item.auto_markable and item.item_type not in ("choice", "judge"):
        return None
    gen = GENERATORS.get(item.generator)
    if gen is not None:
        return gen.check_text(item.answer, response, reduced_only=item.params.get("reduced_only"))
    if item.item_type == "choice":
        return _fold(response).rstrip(".、") == _fold(item.answer).rstrip(".、")
    if item.item_type == "judge":
        return _JUDGE.get(_fold(response)) is not None and _JUDGE.get(_fold(response)) == _JUDGE.get(_fold(item.answer))
    expected = read_answer(item.answer)
    if expected is not None:  # a number: equal value in any written form; fractions need not be reduced
        return _ANY_FORM.matches(expected[0], response)
    return _fold(response) == _fold(item.answer)
