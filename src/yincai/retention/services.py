"""The purge itself: one transaction, each deleted record audited (by the audit signals) plus a summary."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from yincai.oversight.services import audit_record
from yincai.retention.selectors import PurgeCandidate, purge_candidates, retention_cutoff
from yincai.school.models import FamilyProfile, PsychNote

DEFAULT_RETENTION_DAYS = 365


def retention_days() -> int:
    return int(getattr(settings, "YINCAI_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime.date
    days: int
    candidates: list[PurgeCandidate]
    dry_run: bool
    family_profiles: int = 0
    psych_notes: int = 0


@transaction.atomic
def retention_purge(*, dry_run: bool, today: datetime.date | None = None, days: int | None = None) -> PurgeReport:
    """Delete the family profiles and psychology notes of students who graduated more than ``days`` ago.

    With ``dry_run`` nothing is written: the report lists what would be deleted.
    """
    days = retention_days() if days is None else days
    if days < 0:
        raise ValueError("保留期不能为负数")
    cutoff = retention_cutoff(days, today)
    candidates = purge_candidates(cutoff=cutoff, today=today)
    if dry_run or not candidates:
        return PurgeReport(cutoff=cutoff, days=days, candidates=candidates, dry_run=dry_run)
    ids = [c.student_id for c in candidates]
    family, _ = FamilyProfile.objects.filter(student_id__in=ids).delete()
    psych, _ = PsychNote.objects.filter(student_id__in=ids).delete()
    audit_record(action="bulk", model="数据保留期清理",
                 detail=f"删除毕业超过 {days} 天（{cutoff} 之前毕业）的 {len(ids)} 名学生的敏感记录："
                        f"家庭情况 {family} 条、心理辅导记录 {psych} 条")
    return PurgeReport(cutoff=cutoff, days=days, candidates=candidates, dry_run=False,
                       family_profiles=family, psych_notes=psych)
