from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from yincai.curriculum.models import KnowledgePoint
from yincai.school.models import Subject


def kp_tree(subject: Subject, grade_level: int | None = None) -> QuerySet[KnowledgePoint]:
    """Unit nodes with their KPs (and each KP's prerequisites) prefetched, in curriculum order."""
    units = KnowledgePoint.objects.filter(subject=subject, is_unit=True)
    if grade_level:
        units = units.filter(grade_level=grade_level)
    leaves = KnowledgePoint.objects.filter(is_unit=False).prefetch_related("prerequisites").order_by("order")
    return units.order_by("order").prefetch_related(Prefetch("children", queryset=leaves))


def leaf_kps(subject: Subject) -> QuerySet[KnowledgePoint]:
    return KnowledgePoint.objects.filter(subject=subject, is_unit=False).order_by("order")
