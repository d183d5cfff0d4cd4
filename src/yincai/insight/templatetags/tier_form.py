"""`{% load tier_form %}`: the tier <option> list of the 分层 page, built once per tier instead of per row."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from yincai.insight.models import TIER_CHOICES

register = template.Library()

_OPTIONS: dict[str, SafeString] = {
    selected: format_html_join("", '<option value="{}"{}>{}</option>',
                               ((code, mark_safe(" selected") if code == selected else "", label)
                                for code, label in TIER_CHOICES[:4]))
    for selected in [code for code, _ in TIER_CHOICES] + [""]
}


@register.filter
def tier_options(selected: str | None) -> SafeString:
    """The four decidable tiers as <option>s, the given one selected."""
    return _OPTIONS.get(selected or "", _OPTIONS[""])
