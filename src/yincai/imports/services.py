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
          file_name: str) -> Plan:
    importer = _importers()[kind]
    if importer.needs_assessment:
        return importer.plan(user=user, assessment=assessment, content=content, file_name=file_name)
    return importer.plan(user=user, term=term or Term.current(), content=content, file_name=file_name)


def preview_file(*, user: Any, kind: str, content: bytes, file_name: str, assessment: Assessment | None = None,
                 term: Term | None = None) -> Plan:
    """What an import would do (the CLI's --dry-run); writes nothing."""
    _check_access(user=user, kind=kind, assessment=assessment, term=term)
    return _plan(user=user, kind=kind, assessment=assessment, term=term, content=content, file_name=file_name)


@transaction.atomic
def batch_create(*, user: Any, kind: str, content: bytes, file_name: str, assessment: Assessment | None = None,
                 term: Term | None = None) -> ImportBatch:
    """Keep the uploaded file with its preview (status 待确认, or 有错误 when the plan has problems)."""
    _check_access(user=user, kind=kind, assessment=assessment, term=term)
    plan = _plan(user=user, kind=kind, assessment=assessment, term=term, content=content, file_name=file_name)
    return _new_batch(user=user, kind=kind, content=content, file_name=file_name, assessment=assessment, term=term,
                      plan=plan)


def _new_batch(*, user: Any, kind: str, content: bytes, file_name: str, assessment: Assessment | None,
               term: Term | None, plan: Plan) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind,
        status="preview" if plan.ok else "refused",
        file_name=file_name[:200],
        file_sha256=hashlib.sha256(content).hexdigest(),
        content=content if plan.ok else b"",  # a refused file can never be confirmed: keep only its fingerprint
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
            _check_access(user=user, kind=locked.kind, assessment=locked.assessment, term=locked.term)
            plan = _plan(user=user, kind=locked.kind, assessment=locked.assessment, term=locked.term,
                         content=bytes(locked.content), file_name=locked.file_name)
            if not plan.ok:
                raise _Replanned(plan.problems)
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
    batch.summary = plan.summary()
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
                term: Term | None = None) -> ImportBatch:
    """Plan once and, when the plan is clean, commit in one transaction — the CLI path.

    Raises ImportRefused and writes nothing (not even a batch record) when the file has problems.
    """
    with transaction.atomic():
        plan = preview_file(user=user, kind=kind, content=content, file_name=file_name, assessment=assessment,
                            term=term)
        if not plan.ok:
            raise ImportRefused(plan.problems)
        batch = _new_batch(user=user, kind=kind, content=content, file_name=file_name, assessment=assessment,
                           term=term, plan=plan)
        return _write(plan, batch)
