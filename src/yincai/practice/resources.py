"""微课 and 拓展资源包: teachers upload or link resources tagged with KPs and a layer; each student is recommended
基础 resources for weak KPs (辅差) and 拓展 ones for mastered KPs (培优), from insight KPMastery; watched/done
status per student; teachers see how many students used each resource. Files are served only through a
permission-checked view (never from a public media URL)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from yincai.curriculum.models import KnowledgePoint
from yincai.insight.models import KPMastery
from yincai.practice.models import RESOURCE_KINDS, RESOURCE_LAYERS, Resource, ResourceUse
from yincai.practice.services import PracticeError
from yincai.school.models import School, Staff, Student, Term
from yincai.school.selectors import staff_of, students_visible_to

MAX_FILE_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = {".mp4", ".webm", ".pdf", ".docx", ".pptx", ".xlsx", ".jpg", ".png"}
WEAK, MASTERED = 0.6, 0.85


@transaction.atomic
def create_resource(*, school: School, title: str, kind: str, url: str, file: UploadedFile | None,
                    kp_ids: list[int], layer: str, author: Staff) -> Resource:
    title = (title or "").strip()
    if not title:
        raise PracticeError("请填写标题")
    if kind not in dict(RESOURCE_KINDS) or layer not in dict(RESOURCE_LAYERS):
        raise PracticeError("类型或层级不正确")
    url = (url or "").strip()
    if bool(url) == bool(file):
        raise PracticeError("请填写链接或上传文件（二选一）")
    if url and not url.startswith(("http://", "https://")):
        raise PracticeError("链接必须以 http:// 或 https:// 开头")
    if file is not None:
        if Path(file.name or "").suffix.lower() not in ALLOWED_SUFFIXES:
            raise PracticeError("只能上传视频（mp4/webm）、PDF、Office 文档或图片")
        if (file.size or 0) > MAX_FILE_BYTES:
            raise PracticeError("文件不能超过 200 MB")
    kps = list(KnowledgePoint.objects.filter(pk__in=kp_ids))
    if not kps:
        raise PracticeError("请至少选择一个知识点")
    resource = Resource.objects.create(school=school, title=title[:100], kind=kind, url=url, layer=layer,
                                       author=author)
    if file is not None:
        resource.file.save(Path(file.name or "file").name, file, save=True)
    resource.knowledge_points.set(kps)
    return resource


def resources_visible_to(user: Any) -> QuerySet[Resource]:
    """Resources of the schools of the user's staff record, own student record or children."""
    staff = staff_of(user)
    schools = {staff.school_id} if staff is not None else set()
    schools |= set(students_visible_to(user).values_list("school_id", flat=True))
    return Resource.objects.filter(school_id__in=schools)


@transaction.atomic
def mark(*, resource: Resource, student: Student, status: str, now: datetime.datetime) -> ResourceUse:
    use, _ = ResourceUse.objects.get_or_create(resource=resource, student=student, defaults={"first_at": now})
    if status == "done" and use.status != "done":
        use.status, use.done_at = "done", now
        use.save(update_fields=["status", "done_at"])
    return use


def recommendations(student: Student, term: Term | None) -> dict[str, list[Resource]]:
    """基础 resources for the student's weak KPs, 拓展 ones for the KPs they master (latest KPMastery)."""
    latest: dict[int, float] = {}
    rows = KPMastery.objects.filter(student=student)
    if term is not None:
        rows = rows.filter(term=term)
    for kp_id, prob in rows.order_by("id").values_list("knowledge_point_id", "prob"):
        latest[kp_id] = prob
    weak = [k for k, p in latest.items() if p < WEAK]
    strong = [k for k, p in latest.items() if p >= MASTERED]
    base = Resource.objects.filter(school_id=student.school_id)
    return {"basic": list(base.filter(layer="basic", knowledge_points__in=weak).distinct()[:6]),
            "extension": list(base.filter(layer="extension", knowledge_points__in=strong).distinct()[:6])}


def usage(resources: QuerySet[Resource]) -> QuerySet[Resource]:
    return resources.annotate(viewed=Count("uses"), done=Count("uses", filter=Q(uses__status="done")))


def kp_change_after(resource: Resource) -> dict[str, Any]:
    """Whether the KPs improved after the students finished the resource: for each student who marked it done,
    the KP mastery of the last assessment on or before that day against the first one after it (CDM per
    assessment). Reported as the number of such pairs and the mean change in percentage points."""
    kp_ids = list(resource.knowledge_points.values_list("pk", flat=True))
    changes: list[float] = []
    for use in resource.uses.filter(status="done", done_at__isnull=False):
        day = use.done_at.date()  # type: ignore[union-attr]
        rows = KPMastery.objects.filter(student_id=use.student_id, knowledge_point_id__in=kp_ids,
                                        assessment__isnull=False)
        before = rows.filter(assessment__date__lte=day).order_by("-assessment__date", "-id").first()
        after = rows.filter(assessment__date__gt=day).order_by("assessment__date", "id").first()
        if before is not None and after is not None:
            changes.append(100 * (after.prob - before.prob))
    return {"n": len(changes), "mean": round(sum(changes) / len(changes), 1) if changes else None}
