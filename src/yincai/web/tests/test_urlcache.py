"""The remembered reverse gives Django's URLs, and the fasturl `{% url %}` tag renders what the built-in one does."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, path, reverse

from yincai.web import urlcache
from yincai.web.urlcache import cached_reverse


def _page() -> None: ...


urlpatterns = [path("elsewhere/<int:student_id>/", _page, name="student_detail")]


def test_it_gives_the_same_urls_as_reverse() -> None:
    for name, args in (("web:home", ()), ("web:student_detail", (7,)), ("support:class_board", (3,)),
                       ("web:student_detail", ("12",))):
        assert cached_reverse(name, args=args) == reverse(name, args=args)
        assert cached_reverse(name, args=args) == reverse(name, args=args)  # the second time from memory
    assert cached_reverse("web:student_detail", kwargs={"student_id": 5}) == "/students/5/"
    with pytest.raises(NoReverseMatch):
        cached_reverse("web:student_detail", args=("x",))


def test_it_forgets_when_the_url_configuration_changes() -> None:
    cached_reverse("web:student_detail", args=(9,))
    assert urlcache._memory
    with override_settings(ROOT_URLCONF=__name__):
        assert not urlcache._memory
        assert cached_reverse("student_detail", args=(9,)) == "/elsewhere/9/"
    assert cached_reverse("web:student_detail", args=(9,)) == "/students/9/"


def test_the_tag_renders_like_the_builtin_one() -> None:
    body = ("{% url 'web:student_detail' s %}|{% url 'web:student_detail' student_id=s %}|"
            "{% url 'web:home' as home %}{{ home }}|{% url 'nope' as missing %}[{{ missing }}]")
    ctx = {"s": 42}
    builtin = Template(body).render(Context(ctx))
    fast = Template("{% load fasturl %}" + body).render(Context(ctx))
    assert fast == builtin == "/students/42/|/students/42/|/|[]"
    with pytest.raises(NoReverseMatch):
        Template("{% load fasturl %}{% url 'nope' %}").render(Context({}))
