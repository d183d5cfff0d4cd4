"""Read-only adapter onto the diagnosis tables of the insight app (tiers, weak KPs with root causes).

Support works without them (score rates from item scores are always available); when a recompute has run,
plans start from the diagnosed weak and root-cause KPs and groups mix the confirmed tiers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps

from yincai.school.models import Student, Subject, Term

TIER_ORDER = ("advanced", "core", "borderline", "struggling")  # band 0 … 3 for grouping


def available() -> bool:
    return apps.is_installed("yincai.insight")


def tiers_for(student_ids: list[int], term: Term, subject: Subject) -> dict[int, str]:
    """Effective tier code per student (teacher-only information; callers audit the read)."""
    if not available() or not student_ids:
        return {}
    from yincai.insight.selectors import tiers_by_student

    return {sid: tier for sid, (tier, _) in tiers_by_student(student_ids, term, subject).items() if tier}


def tier_label(code: str | None) -> str:
    if not code or not available():
        return ""
    from yincai.insight.models import TIER_LABELS

    return str(TIER_LABELS.get(code, ""))


@dataclass(frozen=True)
class DiagnosedWeakKP:
    kp_id: int
    root_id: int
    prob: float
    path: str


def weak_kps_for(student: Student, term: Term, subject: Subject) -> list[DiagnosedWeakKP]:
    """Diagnosed weak KPs, least mastered first, each with its root cause (deepest weak prerequisite)."""
    if not available():
        return []
    from yincai.insight.models import WeakKP

    rows = WeakKP.objects.filter(student=student, term=term, subject=subject).order_by("prob", "id")
    return [DiagnosedWeakKP(r.knowledge_point_id, r.root_id, float(r.prob), r.path) for r in rows]
