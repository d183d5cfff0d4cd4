"""Who has graduated, and which of their sensitive records fall due for deletion."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from yincai.school.models import Enrolment, FamilyProfile, PsychNote, Student, Term

GRADUATION_GRADE = 6


def graduated_students_before(date: datetime.date, *, today: datetime.date | None = None) -> QuerySet[Student]:
    """Students who left the school after grade 6 at the end of a term that ended before ``date``.

    Interim rule, until Student carries a graduated status: the student has no enrolment in the
    school's current term (the latest that has started by ``today``) or any later one, and the last
    enrolment was in grade 6; its term's end date is the graduation date. Replace the body with a
    filter on the status field; callers only rely on the name and the ``graduated_on`` annotation.
    """
    today = today or timezone.localdate()
    last = Enrolment.objects.filter(student=OuterRef("pk")).order_by("-term__start_date")
    current_start = (Term.objects.filter(school=OuterRef("school"), start_date__lte=today)
                     .order_by("-start_date").values("start_date")[:1])
    return (Student.objects
            .annotate(last_level=Subquery(last.values("school_class__grade__level")[:1]),
                      last_start=Subquery(last.values("term__start_date")[:1]),
                      graduated_on=Subquery(last.values("term__end_date")[:1]),
                      current_start=Subquery(current_start))
            .filter(last_level=GRADUATION_GRADE, last_start__lt=F("current_start"), graduated_on__lt=date))


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
