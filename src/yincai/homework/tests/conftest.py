from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.personas import Personas
from yincai.homework import services as svc
from yincai.homework.models import Homework
from yincai.itembank.models import BankItem
from yincai.school.models import Staff, Subject


@pytest.fixture
def math(db: Any) -> Subject:
    return Subject.objects.get(code="math")


def staff(name: str) -> Staff:
    return Staff.objects.get(user__username=name)


def day(p: Personas, offset: int = 5) -> datetime.date:
    return p.term.start_date + datetime.timedelta(days=offset)


def bank(p: Personas, subject: Subject, stem: str, answer: str = "", minutes: str = "5", *, auto: bool = False,
         kps: list | None = None) -> BankItem:
    return svc.bank_item_create(school=p.school, subject=subject, grade_level=3, stem=stem, answer=answer,
                                item_type="calc", minutes=Decimal(minutes), author=staff("ma"), auto_markable=auto,
                                knowledge_points=kps)


def homework(p: Personas, subject: Subject, *, klass: Any = None, date: datetime.date | None = None,
             author: str = "ma", kind: str = "written", title: str = "练习") -> Homework:
    return svc.homework_create(school_class=klass or p.class31, subject=subject, date=date or day(p), title=title,
                               kind=kind, author=staff(author))
