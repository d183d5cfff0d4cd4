"""Guardian consent per purpose (PIPL art. 31; 儿童个人信息网络保护规定) and its enforcement.

`consent_given(student, purpose)` is the one check used everywhere. Children aged 14 or older are outside
the guardian-consent rule (True); a child without a birth date is treated as under 14 (needs consent).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yincai.homeschool.models import POLICY_VERSION, PURPOSE_LABELS, ConsentRecord
from yincai.school.models import FamilyProfile, Guardian, PsychNote, Staff, Student

CONSENT_AGE = 14
ANONYMOUS_NAME = "一位同学"


def age_on(student: Student, day: datetime.date | None = None) -> int | None:
    if student.birth_date is None:
        return None
    day = day or timezone.localdate()
    b = student.birth_date
    return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def needs_guardian_consent(student: Student) -> bool:
    age = age_on(student)
    return age is None or age < CONSENT_AGE


def consent_state(student: Student) -> dict[str, ConsentRecord | None]:
    """Latest record per purpose (None: never asked)."""
    latest: dict[str, ConsentRecord | None] = {p: None for p in PURPOSE_LABELS}
    for rec in ConsentRecord.objects.filter(student=student).select_related("guardian").order_by("at", "id"):
        latest[rec.purpose] = rec
    return latest


def consent_given(student: Student, purpose: str) -> bool:
    """Whether the school may use the child's data for `purpose` now."""
    if purpose not in PURPOSE_LABELS:
        raise ValueError(f"未知的授权用途：{purpose}")
    if not needs_guardian_consent(student):
        return True
    return latest_consents(student).get(purpose, False)


def latest_consents(student: Student) -> dict[str, bool]:
    """Purpose → the latest decision of the child's guardians, read once per student object (a page asks
    for several purposes; one query answers them all). A write (consent_set) clears the cache."""
    cached = getattr(student, "_latest_consents", None)
    if cached is None:
        cached = {}
        for purpose, granted in (ConsentRecord.objects.filter(student=student).order_by("at", "id")
                                 .values_list("purpose", "granted")):
            cached[purpose] = granted
        student._latest_consents = cached  # type: ignore[attr-defined]
    return cached


def consent_refusal(student: Student, purpose: str) -> str:
    """The Chinese reason shown where data for `purpose` is refused ("" when consent is given)."""
    if consent_given(student, purpose):
        return ""
    return (f"{student.name}未满{CONSENT_AGE}周岁，监护人尚未同意“{PURPOSE_LABELS[purpose]}”"
            "（或已撤回同意），此处不记录、不显示相关信息。")


@transaction.atomic
def consent_set(*, student: Student, guardian: Guardian, purpose: str, granted: bool) -> ConsentRecord:
    """Give or withdraw consent: always a new row (history kept). Only a guardian of the child may do it."""
    if purpose not in PURPOSE_LABELS:
        raise ValidationError("未知的授权用途")
    if not guardian.links.filter(student=student).exists():
        raise ValidationError("只有该学生的监护人可以授权")
    student.__dict__.pop("_latest_consents", None)
    return ConsentRecord.objects.create(student=student, guardian=guardian, purpose=purpose, granted=granted,
                                        policy_version=POLICY_VERSION)


def honor_display_name(student: Student) -> str:
    """Name on the 荣誉墙: the child's name only with photo/name consent."""
    return student.name if consent_given(student, "honor") else ANONYMOUS_NAME


def annotate_honor_names(awards: Any) -> list[Any]:
    """Awards with `display_name` set for the 荣誉墙 (anonymised without consent)."""
    out = list(awards)
    cache: dict[int, str] = {}
    for a in out:
        if a.student_id not in cache:
            cache[a.student_id] = honor_display_name(a.student)
        a.display_name = cache[a.student_id]
    return out


@transaction.atomic
def family_profile_save(*, student: Student, author: Staff, **fields: str) -> FamilyProfile:
    """Write the 家庭情况 of a student; refused without the guardian's family-record consent."""
    reason = consent_refusal(student, "family")
    if reason:
        raise ValidationError(reason)
    allowed = {"structure", "parenting_style", "atmosphere", "expectations", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"未知字段：{'、'.join(sorted(unknown))}")
    profile, _ = FamilyProfile.objects.update_or_create(student=student, defaults=fields)
    return profile


@transaction.atomic
def psych_note_add(*, student: Student, author: Staff, content: str, date: datetime.date | None = None) -> PsychNote:
    """Write a 心理辅导记录; refused without the guardian's psych-note consent."""
    reason = consent_refusal(student, "psych")
    if reason:
        raise ValidationError(reason)
    if not content.strip():
        raise ValidationError("请填写记录内容")
    return PsychNote.objects.create(student=student, author=author, content=content.strip(),
                                    date=date or timezone.localdate())
