"""`{% consent_note student "family" %}`: the reason a section is empty when the guardian has not consented."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from yincai.homeschool.consent import consent_refusal
from yincai.school.models import Student

register = template.Library()


@register.simple_tag
def consent_note(student: Student, purpose: str) -> str:
    reason = consent_refusal(student, purpose)
    return format_html('<p class="consent-note muted">{}</p>', reason) if reason else ""


@register.filter
def honor_name(award: object) -> str:
    from yincai.homeschool.consent import honor_display_name

    return honor_display_name(award.student)  # type: ignore[attr-defined]
