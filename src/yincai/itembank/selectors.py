"""Who sees which bank items: the school's shared items and one's own; the admin (教导处) sees every item of
the school. Imports are seen by their uploader, the admin and the teachers of the grade they are for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from yincai.accounts.roles import Role, roles_of
from yincai.curriculum.models import KnowledgePoint
from yincai.itembank.models import BankItem, ItemImport, VariantFamily
from yincai.school.models import Staff
from yincai.school.selectors import classes_visible_to, staff_of


def _is_admin(user: Any) -> bool:
    return Role.ADMIN in roles_of(user)


def items_visible_to(user: Any) -> QuerySet[BankItem]:
    staff = staff_of(user)
    if staff is None:
        return BankItem.objects.none()
    qs = BankItem.objects.filter(school=staff.school).select_related("subject", "author", "family")
    if _is_admin(user):
        return qs
    return qs.filter(Q(shared=True) | Q(author=staff))


def items_editable_by(user: Any) -> QuerySet[BankItem]:
    """Shared items are 共建共享: any teacher who sees an item may improve it (the last editor is recorded)."""
    return items_visible_to(user)


def families_visible_to(user: Any) -> QuerySet[VariantFamily]:
    staff = staff_of(user)
    if staff is None:
        return VariantFamily.objects.none()
    return VariantFamily.objects.filter(school=staff.school, items__in=items_visible_to(user)).distinct()


def teaching_grades(user: Any) -> set[int]:
    return set(classes_visible_to(user).values_list("grade__level", flat=True))


def imports_visible_to(user: Any) -> QuerySet[ItemImport]:
    staff = staff_of(user)
    if staff is None:
        return ItemImport.objects.none()
    qs = ItemImport.objects.filter(school=staff.school).select_related("subject", "created_by")
    if _is_admin(user):
        return qs
    return qs.filter(Q(created_by=staff) | Q(grade_level__in=teaching_grades(user)))


def imports_confirmable_by(user: Any) -> QuerySet[ItemImport]:
    """Only the uploader (or the admin) turns a preview into items."""
    qs = imports_visible_to(user).filter(status="preview")
    if _is_admin(user):
        return qs
    return qs.filter(created_by=staff_of(user))


@dataclass(frozen=True)
class ItemFilters:
    q: str = ""
    subject: int | None = None
    grade: int | None = None
    kp: str = ""  # KP code
    item_type: str = ""
    layer: str = ""
    family: int | None = None
    mine: bool = False


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def filters_from(params: Any) -> ItemFilters:
    return ItemFilters(q=(params.get("q") or "").strip()[:100], subject=_int(params.get("subject")),
                       grade=_int(params.get("grade")), kp=(params.get("kp") or "").strip()[:20],
                       item_type=params.get("type") or "", layer=params.get("layer") or "",
                       family=_int(params.get("family")), mine=params.get("mine") == "1")


def search_items(user: Any, f: ItemFilters) -> QuerySet[BankItem]:
    qs = items_visible_to(user)
    if f.q:
        qs = qs.filter(Q(stem__icontains=f.q) | Q(solution__icontains=f.q) | Q(source__icontains=f.q))
    if f.subject:
        qs = qs.filter(subject_id=f.subject)
    if f.grade:
        qs = qs.filter(grade_level=f.grade)
    if f.kp:
        qs = qs.filter(Q(knowledge_points__code__iexact=f.kp) | Q(knowledge_points__parent__code__iexact=f.kp))
    if f.item_type:
        qs = qs.filter(item_type=f.item_type)
    if f.layer:
        qs = qs.filter(layer=f.layer)
    if f.family:
        qs = qs.filter(family_id=f.family)
    if f.mine:
        qs = qs.filter(author=staff_of(user))
    return qs.prefetch_related("knowledge_points").distinct().order_by("-created_at", "-id")


def kp_search(subject_id: int | None, q: str, grade: int | None = None, limit: int = 20) -> list[KnowledgePoint]:
    """KPs of the tree whose code or name contains `q` (the KP picker of the item form)."""
    qs = KnowledgePoint.objects.filter(is_unit=False)
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    q = q.strip()
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(parent__name__icontains=q))
    elif grade:
        qs = qs.filter(grade_level=grade)
    return list(qs.select_related("parent").order_by("order")[:limit])


def staff_name(staff: Staff | None) -> str:
    return staff.name if staff else "—"
