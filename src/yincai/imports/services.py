"""Import writes: upload → preview batch → confirm (one transaction, all or nothing, idempotent).

The web flow calls `batch_create` (plan only, keeps the file) then `batch_confirm` (re-plans against the
database as it is now and writes). The CLI and tests call `import_file`, which does both or, with
`dry_run`, only plans. A plan with any problem writes nothing at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from yincai.assessment.models import Assessment
from yincai.imports.common import ImportRefused, Problem
from yincai.imports.models import ImportBatch, ImportChange
from yincai.imports.selectors import assessments_importable_by, is_school_admin
from yincai.oversight.services import audit_record
from yincai.school.models import Term

KIND_LABELS = dict(ImportBatch.KIND_CHOICES)


class Plan(Protocol):
    problems: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool: ...

    def summary(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Importer:
    plan: Callable[..., Plan]
    apply: Callable[[Any, ImportBatch], list[ImportChange]]
    needs_assessment: bool


def _scores_apply(plan: Any, batch: ImportBatch) -> list[ImportChange]:
    from yincai.imports.scores import apply_scores

    apply_scores(plan)
    return [
        ImportChange(batch=batch, model="assessment.ItemScore", object_id=str(c.itemscore_id), student_id=c.student_id,
                     field=f"第{c.item_label}题", old_value=c.old, new_value=c.new)
        for c in plan.updates
    ]


def _importers() -> dict[str, Importer]:
    from yincai.imports import blueprint, roster, scores

    return {
        "scores": Importer(scores.plan_scores, _scores_apply, True),
        "blueprint": Importer(blueprint.plan_blueprint, blueprint.apply_blueprint, True),
        "roster": Importer(roster.plan_roster, roster.apply_roster, False),
    }


def _check_access(*, user: Any, kind: str, assessment: Assessment | None, term: Term | None) -> None:
    if kind not in KIND_LABELS:
        raise ImportRefused([Problem(f"未知的导入类型「{kind}」")])
    importer = _importers()[kind]
    if not importer.needs_assessment and (term or Term.current()) is None:
        raise ImportRefused([Problem("尚未初始化学校和学期，请先运行 yincai init（或在网页上完成学校初始化）")])
    if importer.needs_assessment:
        if assessment is None:
            raise ImportRefused([Problem("请选择要导入的测评")])
        if user is not None and not assessments_importable_by(user, assessment.term).filter(pk=assessment.pk).exists():
            raise ImportRefused([Problem("您无权向该测评导入数据（只能导入您任教或负责班级、学科的测评）")])
    elif not is_school_admin(user, term):
        raise ImportRefused([Problem("只有校长/教导处可以导入花名册")])


def _plan(*, user: Any, kind: str, assessment: Assessment | None, term: Term | None, content: bytes,
          file_name: str, resolutions: dict[str, list[int]] | None = None) -> Plan:
    importer = _importers()[kind]
    if kind == "blueprint":
        return importer.plan(user=user, assessment=assessment, content=content, file_name=file_name,
                             resolutions=resolutions)
    if importer.needs_assessment:
        return importer.plan(user=user, assessment=assessment, content=content, file_name=file_name)
    return importer.plan(user=user, term=term or Term.current(), content=content, file_name=file_name)


def _draft_assessment(*, user: Any, term: Term | None, draft: dict[str, str]) -> Assessment:
    """Create the assessment a score file names (grade, subject, date…) — inside the caller's transaction."""
    from yincai.assessment.services import AssessmentRefused, assessment_create_from_draft

    try:
        return assessment_create_from_draft(user=user, term=term or Term.current(), draft=draft)
    except AssessmentRefused as exc:
        raise ImportRefused([Problem(f"新建测评：{e}") for e in exc.errors]) from None


class _Rollback(Exception):
    pass


def _plan_with_draft(*, user: Any, kind: str, term: Term | None, content: bytes, file_name: str,
                     draft: dict[str, str]) -> Plan:
    """The plan of a score file whose assessment does not exist yet: created, planned against, rolled back."""
    if kind != "scores":
        raise ImportRefused([Problem("请选择要导入的测评")])
    plans: list[Plan] = []
    try:
        with transaction.atomic():
            assessment = _draft_assessment(user=user, term=term, draft=draft)
            _check_access(user=user, kind=kind, assessment=assessment, term=term)
            plans.append(_plan(user=user, kind=kind, assessment=assessment, term=term, content=content,
                               file_name=file_name))
            raise _Rollback
    except _Rollback:
        pass
    return plans[0]


def preview_file(*, user: Any, kind: str, content: bytes, file_name: str, assessment: Assessment | None = None,
                 term: Term | None = None, resolutions: dict[str, list[int]] | None = None,
                 draft: dict[str, str] | None = None) -> Plan:
    """What an import would do (the CLI's --dry-run); writes nothing. `draft`: the assessment to create (scores)."""
    if assessment is None and draft:
        return _plan_with_draft(user=user, kind=kind, term=term, content=content, file_name=file_name, draft=draft)
    _check_access(user=user, kind=kind, assessment=assessment, term=term)
    return _plan(user=user, kind=kind, assessment=assessment, term=term, content=content, file_name=file_name,
                 resolutions=resolutions)


def _open_questions(plan: Plan) -> list[Problem]:
    """What the importer still needs answered before it can write (the blueprint's unknown KP labels)."""
    return list(getattr(plan, "question_problems", []))


@transaction.atomic
def batch_create(*, user: Any, kind: str, content: bytes, file_name: str, assessment: Assessment | None = None,
                 term: Term | None = None, draft: dict[str, str] | None = None) -> ImportBatch:
    """Keep the uploaded file with its preview (status 待确认, or 有错误 when the plan has problems).

    With `draft` (a score file for an assessment not yet created) the assessment is created on confirmation."""
    if assessment is None and draft:
        plan = _plan_with_draft(user=user, kind=kind, term=term, content=content, file_name=file_name, draft=draft)
        batch = _new_batch(user=user, kind=kind, content=content, file_name=file_name, assessment=None, term=term,
                           plan=plan)
        from yincai.assessment.services import draft_text

        batch.summary["new_assessment"] = draft
        batch.summary["new_assessment_text"] = draft_text(term=batch.term, draft=draft)
        batch.save(update_fields=["summary"])
        return batch
    _check_access(user=user, kind=kind, assessment=assessment, term=term)
    plan = _plan(user=user, kind=kind, assessment=assessment, term=term, content=content, file_name=file_name)
    return _new_batch(user=user, kind=kind, content=content, file_name=file_name, assessment=assessment, term=term,
                      plan=plan)


def _new_batch(*, user: Any, kind: str, content: bytes, file_name: str, assessment: Assessment | None,
               term: Term | None, plan: Plan) -> ImportBatch:
    keep = not plan.problems  # open questions keep the batch in preview: the teacher answers them there
    return ImportBatch.objects.create(
        kind=kind,
        status="preview" if keep else "refused",
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(content).hexdigest(),
        # a refused file can never be confirmed: keep only its fingerprint; a roster with 身份证号-style columns
        # offers a copy with them blanked (stored_content), so they are never stored
        content=(getattr(plan, "stored_content", None) or content) if keep else b"",
        assessment=assessment,
        term=(assessment.term if assessment else term) or Term.current(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
        summary=plan.summary(),
        problems=[p.as_dict() for p in plan.problems],
        warnings=[p.as_dict() for p in plan.warnings],
    )


def batch_confirm(*, user: Any, batch: ImportBatch) -> ImportBatch:
    """Re-plan the kept file against today's data and write it in one transaction; refuse on any problem."""
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != "preview":
                raise ImportRefused([Problem(f"该导入已处理（{locked.get_status_display()}），不能重复确认；"
                                             "如需再次导入请重新上传文件")])
            draft = locked.summary.get("new_assessment") if locked.assessment is None else None
            if draft:
                locked.assessment = _draft_assessment(user=user, term=locked.term, draft=draft)
                locked.save(update_fields=["assessment"])
            _check_access(user=user, kind=locked.kind, assessment=locked.assessment, term=locked.term)
            plan = _plan(user=user, kind=locked.kind, assessment=locked.assessment, term=locked.term,
                         content=bytes(locked.content), file_name=locked.file_name,
                         resolutions=locked.resolutions or None)
            if plan.problems:
                raise _Replanned(plan.problems)
            if not plan.ok:  # questions still open: the batch stays in preview until they are answered
                raise ImportRefused(_open_questions(plan) or [Problem("导入尚未准备好")])
            return _write(plan, locked)
    except _Replanned as exc:
        ImportBatch.objects.filter(pk=batch.pk, status="preview").update(
            status="refused", problems=[p.as_dict() for p in exc.problems]
        )
        raise ImportRefused(exc.problems) from None


def _write(plan: Plan, batch: ImportBatch) -> ImportBatch:
    changes = _importers()[batch.kind].apply(plan, batch)
    ImportChange.objects.bulk_create(changes, batch_size=2000)
    batch.status = "committed"
    batch.committed_at = timezone.now()
    batch.summary = plan.summary() | {k: v for k, v in batch.summary.items() if k.startswith("new_assessment")}
    batch.warnings = [p.as_dict() for p in plan.warnings]
    batch.save(update_fields=["status", "committed_at", "summary", "warnings"])
    s = batch.summary
    audit_record(
        action="bulk",
        model=f"imports.{batch.kind}",
        object_id=batch.pk,
        detail=f"{KIND_LABELS[batch.kind]}导入 {batch.file_name}：新增 {s.get('creates', 0)}，"
               f"修改 {s.get('updates', 0)}，未变 {s.get('unchanged', 0)}",
    )
    return batch


class _Replanned(ImportRefused):
    """The file no longer imports cleanly at confirmation time (data changed since the preview)."""


def import_file(*, user: Any, kind: str, content: bytes, file_name: str, assessment: Assessment | None = None,
                term: Term | None = None, resolutions: dict[str, list[int]] | None = None,
                draft: dict[str, str] | None = None) -> ImportBatch:
    """Plan once and, when the plan is clean, commit in one transaction — the CLI path.

    Raises ImportRefused and writes nothing (not even a batch record) when the file has problems or open
    questions (`resolutions` answers the blueprint's: normalised KP label → KP ids, empty = untagged). With
    `draft` (scores only) the assessment is created first, in the same transaction.
    """
    with transaction.atomic():
        if assessment is None and draft and kind == "scores":
            assessment = _draft_assessment(user=user, term=term, draft=draft)
        plan = preview_file(user=user, kind=kind, content=content, file_name=file_name, assessment=assessment,
                            term=term, resolutions=resolutions)
        if not plan.ok:
            raise ImportRefused(plan.problems + _open_questions(plan))
        batch = _new_batch(user=user, kind=kind, content=content, file_name=file_name, assessment=assessment,
                           term=term, plan=plan)
        if resolutions:
            batch.resolutions = resolutions
            batch.save(update_fields=["resolutions"])
        return _write(plan, batch)


def batch_resolve(*, user: Any, batch: ImportBatch, answers: dict[str, list[int]]) -> ImportBatch:
    """Record the teacher's answers to a blueprint preview's KP questions (label → KP ids, [] = untagged) and
    refresh the preview. Writes nothing but the batch: items and aliases are written on confirmation."""
    from yincai.curriculum.models import KnowledgePoint

    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.kind != "blueprint" or locked.status != "preview":
            raise ImportRefused([Problem("只有待确认的试卷结构导入可以选择知识点")])
        _check_access(user=user, kind=locked.kind, assessment=locked.assessment, term=locked.term)
        assert locked.assessment is not None
        asked = {q["key"] for q in locked.summary.get("questions", [])}
        if set(answers) - asked:
            raise ImportRefused([Problem("所选的知识点标签不在本次导入的待确认列表中，请刷新页面后重试")])
        wanted = {k for ids in answers.values() for k in ids}
        valid = set(KnowledgePoint.objects.filter(subject=locked.assessment.subject, is_unit=False, pk__in=wanted)
                    .values_list("pk", flat=True))
        if wanted - valid:
            raise ImportRefused([Problem(f"所选知识点不属于{locked.assessment.subject.name}的知识点体系")])
        locked.resolutions = {**(locked.resolutions or {}), **{k: sorted(set(v)) for k, v in answers.items()}}
        plan = _plan(user=user, kind=locked.kind, assessment=locked.assessment, term=locked.term,
                     content=bytes(locked.content), file_name=locked.file_name, resolutions=locked.resolutions)
        locked.summary = plan.summary()
        locked.problems = [p.as_dict() for p in plan.problems]
        locked.warnings = [p.as_dict() for p in plan.warnings]
        if plan.problems:
            locked.status, locked.content = "refused", b""
        locked.save(update_fields=["resolutions", "summary", "problems", "warnings", "status", "content"])
        return locked
