"""/api/v1 for automation (issue 16, item 6): imports (upload → preview → confirm, the web's checks) and the
diagnosis results (KP mastery with intervals, tiers — an audited sensitive read —, alerts). Every object is
fetched through the visibility selectors: a user (or their token) without a relationship to it gets 404."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, NinjaAPI, Schema, Status
from ninja.files import UploadedFile

from yincai.accounts.access import api_roles
from yincai.accounts.roles import TEACHING_ROLES, Role
from yincai.api.errors import Error, responses
from yincai.imports.common import ImportRefused
from yincai.imports.models import ImportBatch
from yincai.imports.parsing import DEFAULT_LIMITS
from yincai.imports.selectors import assessments_importable_by, batches_visible_to
from yincai.imports.services import batch_confirm, batch_create, batch_resolve
from yincai.insight.models import KPMastery
from yincai.insight.selectors import TIER_READERS, alerts_visible_to, current_tiers
from yincai.oversight.services import audit_sensitive_read
from yincai.school.models import Term
from yincai.school.selectors import students_visible_to, subjects_visible_for

IMPORTS = ["导入（自动化）"]
RESULTS = ["诊断结果"]
IMPORT_ROLES = tuple(TEACHING_ROLES)


class ProblemOut(Schema):
    text: str
    sheet: str = ""
    row: int | None = None
    col: str = ""


class BatchOut(Schema):
    id: int
    kind: str
    status: str
    file_name: str
    assessment_id: int | None
    summary: dict[str, Any]
    problems: list[ProblemOut]
    warnings: list[ProblemOut]
    questions: list[dict[str, Any]]  # open KP questions of a blueprint preview (answer with /resolve)


class ResolveIn(Schema):
    answers: dict[str, list[int]] = {}  # normalised KP label → KP ids ([] = leave untagged)


class MasteryOut(Schema):
    knowledge_point: str
    name: str
    method: str
    prob: float
    lower: float
    upper: float
    score_rate: float | None
    n_items: int
    assessment_id: int | None


class TierOut(Schema):
    subject: str
    round: str
    tier: str
    talent: bool
    confirmed: bool
    proposal_tier: str | None
    estimate: float | None
    lower: float | None
    upper: float | None


class AlertOut(Schema):
    id: int
    student_id: int
    student: str
    subject: str
    status: str
    created_at: datetime
    last_assessment: str
    last_assessment_date: date


def _term() -> Term:
    from ninja.errors import HttpError

    term = Term.current()
    if term is None:
        raise HttpError(404, "尚未设置学期")
    return term


def _problems(items: list[dict[str, Any]]) -> list[ProblemOut]:
    return [ProblemOut(text=p.get("text") or p.get("message", ""), sheet=p.get("sheet", ""), row=p.get("row"),
                       col=p.get("col", "")) for p in items]


def _batch(batch: ImportBatch) -> BatchOut:
    return BatchOut(id=batch.pk, kind=batch.kind, status=batch.status, file_name=batch.file_name,
                    assessment_id=batch.assessment_id, summary=batch.summary,
                    problems=_problems(batch.problems), warnings=_problems(batch.warnings),
                    questions=list(batch.summary.get("questions", [])) if batch.status == "preview" else [])


def _refused(exc: ImportRefused) -> Status[Error]:
    return Status(400, Error(detail="导入被拒绝，未写入任何数据", problems=[str(p) for p in exc.problems]))


def _upload(request: HttpRequest, kind: str, file: UploadedFile | None, assessment_id: int | None) -> Any:
    if file is None or not file.size:
        return Status(400, Error(detail="请上传文件（file，非空的 Excel 工作簿）"))
    if file.size > DEFAULT_LIMITS.max_bytes:
        return Status(400, Error(detail=f"文件过大，上限为 {DEFAULT_LIMITS.max_bytes // 1024 // 1024} MB"))
    assessment = None
    if kind != "roster":
        if assessment_id is None:
            return Status(400, Error(detail="请指定要导入的测评（assessment_id）"))
        assessment = get_object_or_404(assessments_importable_by(request.user), pk=assessment_id)
    try:
        batch = batch_create(user=request.user, kind=kind, content=file.read(), file_name=file.name or "upload",
                             assessment=assessment, term=Term.current())
    except ImportRefused as exc:
        return _refused(exc)
    return _batch(batch)


def import_upload(request: HttpRequest, kind: Form[Literal["scores", "blueprint"]], assessment_id: Form[int],
                  file: File[UploadedFile | None] = None) -> Any:
    """Upload a score sheet (kind=scores) or a blueprint (kind=blueprint) of an assessment you may import into;
    returns the preview (nothing is written until /confirm). A file with problems comes back status=refused."""
    return _upload(request, kind, file, assessment_id)


def import_roster(request: HttpRequest, file: File[UploadedFile | None] = None) -> Any:
    """Upload the school roster (校长/教导处 only); returns the preview."""
    return _upload(request, "roster", file, None)


def import_batch(request: HttpRequest, batch_id: int) -> BatchOut:
    """The preview of an upload: plan summary, problems, warnings and open KP questions."""
    return _batch(get_object_or_404(batches_visible_to(request.user), pk=batch_id))


def import_resolve(request: HttpRequest, batch_id: int, payload: ResolveIn) -> Any:
    """Answer a blueprint preview's KP questions (label → KP ids); returns the refreshed preview."""
    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    try:
        return _batch(batch_resolve(user=request.user, batch=batch, answers=payload.answers))
    except ImportRefused as exc:
        return _refused(exc)


def import_confirm(request: HttpRequest, batch_id: int) -> Any:
    """Write the previewed file (re-planned against today's data, in one transaction) — as 确认导入 on the web."""
    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    try:
        return _batch(batch_confirm(user=request.user, batch=batch))
    except ImportRefused as exc:
        return _refused(exc)


def student_mastery(request: HttpRequest, student_id: int, subject: str = "math",
                    method: Literal["tracker", "cdm"] = "tracker") -> Any:
    """KP mastery of a student this term with its interval: method=tracker (tracked to date) or cdm (latest
    assessment per KP). Only subjects you may read (a subject teacher: their own)."""
    term = _term()
    student = get_object_or_404(students_visible_to(request.user), pk=student_id)
    subj = get_object_or_404(subjects_visible_for(request.user, student, term), code=subject)
    latest: dict[int, KPMastery] = {}
    for m in (KPMastery.objects.filter(student=student, term=term, knowledge_point__subject=subj, method=method)
              .select_related("knowledge_point", "assessment").order_by("assessment__date", "assessment_id", "id")):
        latest[m.knowledge_point_id] = m
    rows = sorted(latest.values(), key=lambda m: (m.knowledge_point.order, m.knowledge_point.code))
    return [MasteryOut(knowledge_point=m.knowledge_point.code, name=m.knowledge_point.name, method=m.method,
                       prob=m.prob, lower=m.lower, upper=m.upper, score_rate=m.score_rate, n_items=m.n_items,
                       assessment_id=m.assessment_id) for m in rows]


def student_tiers(request: HttpRequest, student_id: int) -> list[TierOut]:
    """The student's effective tier per readable subject (latest decision, else the proposal). Audited."""
    term = _term()
    student = get_object_or_404(students_visible_to(request.user), pk=student_id)
    out = []
    for subj in subjects_visible_for(request.user, student, term).order_by("id"):
        state = current_tiers([student.pk], term, subj).get(student.pk)
        if not state:
            continue
        p = state["proposal"]
        out.append(TierOut(subject=subj.code, round=state["round"], tier=state["tier"], talent=state["talent"],
                           confirmed=state["confirmed"], proposal_tier=p.tier if p else None,
                           estimate=p.estimate if p else None, lower=p.lower if p else None,
                           upper=p.upper if p else None))
    if out:
        audit_sensitive_read(student_id=student.pk, what="分层")
    return out


AlertStatus = Literal["active", "all", "open", "acknowledged", "following", "resolved"]


def alerts(request: HttpRequest, status: AlertStatus = "active") -> Any:
    """学业滑坡预警 you receive this term: status=active (not resolved), all, or one of open/acknowledged/
    following/resolved."""
    qs = alerts_visible_to(request.user, _term())
    if status == "active":
        qs = qs.exclude(status="resolved")
    elif status != "all":
        qs = qs.filter(status=status)
    return [AlertOut(id=a.pk, student_id=a.student_id, student=a.student.name, subject=a.subject.code,
                     status=a.status, created_at=a.created_at, last_assessment=a.last_assessment.name,
                     last_assessment_date=a.last_assessment.date) for a in qs.distinct().order_by("-created_at", "-id")]


def register(api: NinjaAPI) -> None:
    """Mount the operations on the project API (called once from `yincai.api.api`)."""
    importers = api_roles(*IMPORT_ROLES)
    api.post("/imports", response=responses(BatchOut, refused=True), tags=IMPORTS, auth=importers)(import_upload)
    api.post("/imports/roster", response=responses(BatchOut, refused=True), tags=IMPORTS,
             auth=api_roles(Role.ADMIN))(import_roster)
    api.get("/imports/{batch_id}", response=responses(BatchOut), tags=IMPORTS, auth=importers)(import_batch)
    api.post("/imports/{batch_id}/resolve", response=responses(BatchOut, refused=True), tags=IMPORTS,
             auth=importers)(import_resolve)
    api.post("/imports/{batch_id}/confirm", response=responses(BatchOut, refused=True), tags=IMPORTS,
             auth=importers)(import_confirm)
    api.get("/students/{student_id}/mastery", response=responses(list[MasteryOut]), tags=RESULTS,
            auth=api_roles(*(TEACHING_ROLES | {Role.COUNSELOR})))(student_mastery)
    api.get("/students/{student_id}/tiers", response=responses(list[TierOut]), tags=RESULTS,
            auth=api_roles(*TIER_READERS))(student_tiers)
    api.get("/alerts", response=responses(list[AlertOut]), tags=RESULTS,
            auth=api_roles(Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER))(alerts)
