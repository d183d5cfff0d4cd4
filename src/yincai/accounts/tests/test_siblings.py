"""A parent of siblings logs in once and sees, and opens, every child."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.personas import Personas
from yincai.accounts.tests.helpers import client_for
from yincai.school.models import GuardianLink

pytestmark = pytest.mark.django_db


def test_a_parent_of_two_children_sees_and_opens_both(personas: Personas) -> None:
    pa = personas.users["pa"]
    GuardianLink.objects.create(guardian=pa.guardian, student=personas.dan, relation="mother")  # type: ignore[attr-defined]
    client = client_for(personas, "pa")
    home = client.get("/").content.decode()
    for child in (personas.alice, personas.dan):
        assert reverse("web:child_detail", args=[child.pk]) in home
        page = client.get(reverse("web:child_detail", args=[child.pk]))
        body = page.content.decode()
        assert page.status_code == 200 and f"{child.name}的成长" in body
        assert 'aria-label="我的孩子"' in body  # the tabs to switch to the sibling
    assert client.get(reverse("web:child_detail", args=[personas.bob.pk])).status_code == 404


def test_a_parent_of_one_child_has_no_sibling_tabs(personas: Personas) -> None:
    body = client_for(personas, "pa").get(reverse("web:child_detail", args=[personas.alice.pk])).content.decode()
    assert 'aria-label="我的孩子"' not in body
