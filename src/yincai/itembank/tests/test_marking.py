"""Auto-marking a stored item: generated items through their generator, typed numbers by value, choices by letter."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tests.personas import Personas
from yincai.itembank.marking import mark
from yincai.itembank.models import BankItem
from yincai.itembank.services import family_create_from_generator
from yincai.school.models import Staff, Subject

pytestmark = pytest.mark.django_db


def _item(personas: Personas, **fields: object) -> BankItem:
    base = {"school": personas.school, "subject": Subject.objects.get(code="math"), "grade_level": 3,
            "item_type": "calc", "stem": "x", "answer": "1", "auto_markable": True}
    return BankItem.objects.create(**(base | fields))


def test_generated_items_are_marked_by_their_generator(personas: Personas) -> None:
    family = family_create_from_generator(author=Staff.objects.get(user__username="ma"), key="div_1digit", level=3,
                                          count=5, seed=3, subject=Subject.objects.get(code="math"))
    for item in family.items.all():
        q, r = item.answer.split("……")
        assert mark(item, f"{q}……{r}") and mark(item, f"{q}余{r}")
        assert not mark(item, q) and not mark(item, f"{q}……{int(r) + 1}")
    fam = family_create_from_generator(author=Staff.objects.get(user__username="ma"), key="fraction_add_sub",
                                       level=1, count=5, seed=4, subject=Subject.objects.get(code="math"))
    for item in fam.items.all():
        value = Fraction(item.answer)
        assert item.params["reduced_only"] is False
        assert mark(item, f"{2 * value.numerator}/{2 * value.denominator}")  # 三年级同分母: unreduced is right
        assert not mark(item, str(value + 1))
    fam5 = family_create_from_generator(author=Staff.objects.get(user__username="ma"), key="fraction_add_sub",
                                        level=3, count=5, seed=4, subject=Subject.objects.get(code="math"))
    for item in fam5.items.all():
        value = Fraction(item.answer)
        assert mark(item, item.answer) and not mark(item, f"{2 * value.numerator}/{2 * value.denominator}")


def test_typed_numbers_choices_and_judgements(personas: Personas) -> None:
    assert mark(_item(personas, answer="1/2"), "0.5") and mark(_item(personas, answer="1/2"), "2/4")
    assert not mark(_item(personas, answer="1/2"), "1/3")
    assert mark(_item(personas, item_type="choice", answer="B", auto_markable=False), " b ")
    assert not mark(_item(personas, item_type="choice", answer="B", auto_markable=False), "C")
    assert mark(_item(personas, item_type="judge", answer="×", auto_markable=False), "错")
    assert not mark(_item(personas, item_type="judge", answer="×", auto_markable=False), "对")
    assert mark(_item(personas, item_type="word", answer="小明", auto_markable=False), "小明") is None
