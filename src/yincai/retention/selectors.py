"""Who has graduated, and which of their sensitive records fall due for deletion."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from yincai.school.models import FamilyProfile, PsychNote, Student

GRADUATION_GRADE = 6


def graduated_students_before(date: datetime.date, *, today: datetime.date | None = None) -> QuerySet[Student]:
    """Students archived as graduates (学年升级 sets ``status`` and ``graduated_on``) before ``date``.

    ``today`` is kept for callers that pass it; graduation is recorded, not inferred from enrolments."""
    return Student.objects.filter(status=Student.GRADUATED, graduated_on__lt=date)


@dataclass(frozen=True)
class PurgeCandidate:
    student_id: int
    student_no: str
    name: str
    graduated_on: datetime.date
    family_profile: bool
    psych_notes: int


def retention_cutoff(days: int, today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) - datetime.timedelta(days=days)


def purge_candidates(*, cutoff: datetime.date, today: datetime.date | None = None) -> list[PurgeCandidate]:
    """Graduates before ``cutoff`` who still have a family profile or psychology notes."""
    students = (graduated_students_before(cutoff, today=today)
                .annotate(has_family=Exists(FamilyProfile.objects.filter(student=OuterRef("pk"))),
                          n_psych=Subquery(PsychNote.objects.filter(student=OuterRef("pk")).values("student")
                                           .annotate(n=Count("pk")).values("n")[:1]))
                .order_by("graduated_on", "student_no"))
    return [PurgeCandidate(student_id=s.pk, student_no=s.student_no, name=s.name, graduated_on=s.graduated_on,
                           family_profile=s.has_family, psych_notes=s.n_psych or 0)
            for s in students if s.has_family or s.n_psych]
