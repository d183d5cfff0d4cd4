"""家长学校: workshops and lectures, sign-up, QR check-in (a signed URL) and the per-class 家长座谈会 rule
(at least one per term per class)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from yincai.accounts.roles import Role, roles_of
from yincai.homeschool.models import Workshop, WorkshopMaterial, WorkshopSignup
from yincai.school.models import Guardian, SchoolClass, Staff, Term
from yincai.school.selectors import SCHOOL_WIDE_ROLES, classes_visible_to

CHECKIN_SALT = "yincai.homeschool.checkin"
MAX_MATERIAL_BYTES = 8 * 1024 * 1024


def workshops_for_guardian(user: Any, term: Term | None = None) -> QuerySet[Workshop]:
    """School-wide events and the events of the classes the user's children are in (this term)."""
    term = term or Term.current()
    return Workshop.objects.filter(term=term).filter(
        Q(school_class__isnull=True) | Q(school_class__enrolments__student__guardian_links__guardian__user=user)
    ).distinct().select_related("school_class__grade")


def workshops_for_staff(user: Any, term: Term | None = None) -> QuerySet[Workshop]:
    term = term or Term.current()
    if roles_of(user, term) & SCHOOL_WIDE_ROLES:
        return Workshop.objects.filter(term=term).select_related("school_class__grade")
    return Workshop.objects.filter(term=term).filter(
        Q(school_class__isnull=True) | Q(school_class__in=classes_visible_to(user, term))
    ).select_related("school_class__grade")


def workshops_visible_to(user: Any, term: Term | None = None) -> QuerySet[Workshop]:
    roles = roles_of(user, term)
    if roles - {Role.PARENT, Role.STUDENT}:
        return workshops_for_staff(user, term)
    if Role.PARENT in roles:
        return workshops_for_guardian(user, term)
    return Workshop.objects.none()


def may_manage(user: Any, workshop: Workshop) -> bool:
    """Admin runs every event; a head teacher or grade lead the events of classes they may open."""
    roles = roles_of(user, workshop.term)
    if Role.ADMIN in roles:
        return True
    if workshop.school_class_id is None:
        return workshop.created_by.user_id == user.pk
    return bool(roles & {Role.HEAD_TEACHER, Role.GRADE_LEAD}) and classes_visible_to(user, workshop.term).filter(
        pk=workshop.school_class_id).exists()


@transaction.atomic
def workshop_create(*, author: Staff, term: Term, kind: str, topic: str, starts_at: datetime.datetime, place: str,
                    speaker: str = "", school_class: SchoolClass | None = None) -> Workshop:
    if kind not in dict(Workshop.KIND_CHOICES):
        raise ValidationError("请选择活动类型")
    if not topic.strip() or not place.strip():
        raise ValidationError("请填写主题和地点")
    if kind == "forum" and school_class is None:
        raise ValidationError("家长座谈会须指定班级")
    return Workshop.objects.create(school=term.school, term=term, kind=kind, topic=topic.strip(), starts_at=starts_at,
                                   place=place.strip(), speaker=speaker.strip(), school_class=school_class,
                                   created_by=author)


@transaction.atomic
def material_add(*, workshop: Workshop, name: str, content: bytes, content_type: str = "") -> WorkshopMaterial:
    if not content:
        raise ValidationError("请选择要上传的文件")
    if len(content) > MAX_MATERIAL_BYTES:
        raise ValidationError("文件不能超过 8 MB")
    return WorkshopMaterial.objects.create(workshop=workshop, name=name[:200] or "资料",
                                           content_type=content_type or "application/octet-stream", content=content)


@transaction.atomic
def signup(*, workshop: Workshop, guardian: Guardian) -> WorkshopSignup:
    row, _ = WorkshopSignup.objects.get_or_create(workshop=workshop, guardian=guardian)
    return row


@transaction.atomic
def signup_cancel(*, workshop: Workshop, guardian: Guardian) -> None:
    row = WorkshopSignup.objects.filter(workshop=workshop, guardian=guardian).first()
    if row is None:
        return
    if row.attended:
        raise ValidationError("已签到的活动不能取消报名")
    row.delete()


def checkin_token(workshop: Workshop) -> str:
    return signing.dumps({"w": workshop.pk}, salt=CHECKIN_SALT)


def workshop_from_token(token: str) -> int | None:
    try:
        data = signing.loads(token, salt=CHECKIN_SALT)
    except signing.BadSignature:
        return None
    return int(data["w"]) if isinstance(data, dict) and isinstance(data.get("w"), int) else None


@transaction.atomic
def check_in(*, workshop: Workshop, guardian: Guardian, method: str) -> WorkshopSignup:
    """Mark attendance (by QR scan or by the teacher); signs the guardian up if they had not."""
    row, _ = WorkshopSignup.objects.get_or_create(workshop=workshop, guardian=guardian)
    if not row.attended:
        row.attended = True
        row.checked_in_at = timezone.now()
        row.method = method
        row.save()
    return row


def qr_svg(url: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=6, border=2)
    return buf.getvalue()


@dataclass(frozen=True)
class ForumLine:
    klass: SchoolClass
    held: int
    planned: int

    @property
    def ok(self) -> bool:
        return self.held >= 1


def forum_compliance(user: Any, term: Term | None = None) -> list[ForumLine]:
    """家长座谈会 per class this term: held (already started) and planned."""
    term = term or Term.current()
    now = timezone.now()
    lines = []
    for k in classes_visible_to(user, term):
        forums = Workshop.objects.filter(term=term, kind="forum", school_class=k)
        held = forums.filter(starts_at__lte=now).count()
        lines.append(ForumLine(k, held, forums.count() - held))
    return lines
