from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from yincai.curriculum.matching import Candidate
from yincai.curriculum.models import KnowledgePoint, KnowledgePointAlias
from yincai.school.models import School, Subject


def kp_tree(subject: Subject, grade_level: int | None = None) -> QuerySet[KnowledgePoint]:
    """Unit nodes with their KPs (and each KP's prerequisites) prefetched, in curriculum order."""
    units = KnowledgePoint.objects.filter(subject=subject, is_unit=True)
    if grade_level:
        units = units.filter(grade_level=grade_level)
    leaves = KnowledgePoint.objects.filter(is_unit=False).prefetch_related("prerequisites").order_by("order")
    return units.order_by("order").prefetch_related(Prefetch("children", queryset=leaves))


def leaf_kps(subject: Subject) -> QuerySet[KnowledgePoint]:
    return KnowledgePoint.objects.filter(subject=subject, is_unit=False).order_by("order")


def kp_candidates(subject: Subject) -> list[Candidate]:
    """The subject's leaf KPs with their unit, as the KP matcher takes them (curriculum order)."""
    rows = leaf_kps(subject).values_list("pk", "code", "name", "grade_level", "semester", "parent__name",
                                         "parent__code")
    return [Candidate(pk, code, name, unit or "", grade, semester, unit_code or "")
            for pk, code, name, grade, semester, unit, unit_code in rows]


def kp_aliases(school: School, subject: Subject) -> dict[str, list[int]]:
    """The school's remembered labels for the subject: normalised label → KP ids (empty = leave untagged)."""
    out: dict[str, list[int]] = {}
    for alias in KnowledgePointAlias.objects.filter(school=school, subject=subject).prefetch_related(
            "knowledge_points"):
        out[alias.label] = sorted(k.pk for k in alias.knowledge_points.all())
    return out
