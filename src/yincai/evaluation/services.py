"""Writes of the evaluation app: starting an A/B study (with its assignment) and naming its outcomes."""

from __future__ import annotations

import secrets

import numpy as np
from django.db import transaction

from yincai.assessment.models import Assessment
from yincai.engine.studies import assign_arms
from yincai.evaluation.models import Study, StudyParticipant
from yincai.insight.selectors import current_tiers
from yincai.oversight.services import audit_record
from yincai.school.models import Enrolment, SchoolClass, Staff, Subject, Term


class EvaluationError(Exception):
    """A request the school's rules refuse; the message is shown to the user as is (Chinese)."""


@transaction.atomic
def study_create(
    *,
    term: Term,
    subject: Subject,
    author: Staff,
    name: str,
    treatment: str,
    control: str,
    design: str,
    classes: list[SchoolClass],
    treatment_classes: list[SchoolClass] | None = None,
    question: str = "",
    seed: int | None = None,
) -> Study:
    """Start a study. ``randomised``: students of ``classes`` are randomised to the arms within class × tier
    strata; ``existing``: ``treatment_classes`` follow the strategy tried, the other classes are the comparison."""
    name, treatment, control = name.strip(), treatment.strip(), control.strip()
    if not name or not treatment or not control:
        raise EvaluationError("请填写实验名称、实验策略和对照策略")
    if treatment == control:
        raise EvaluationError("实验策略和对照策略不能相同")
    if not classes:
        raise EvaluationError("请至少选择一个参与班级")
    if design not in dict(Study.DESIGN_CHOICES):
        raise EvaluationError("请选择实验设计")
    chosen = {k.pk for k in classes}
    if any(k.term_id != term.pk for k in classes):
        raise EvaluationError("参与班级必须属于当前学期")
    treated_ids = {k.pk for k in treatment_classes or []}
    if design == "existing" and (not treated_ids or not treated_ids < chosen):
        raise EvaluationError("已有班级对比：请选择实验班（至少一个），并保留至少一个对照班")
    enrolments = list(Enrolment.objects.filter(term=term, school_class_id__in=chosen)
                      .values_list("student_id", "school_class_id").order_by("student_id"))
    if len(enrolments) < 4:
        raise EvaluationError("参与学生太少（少于4人），无法开展对比")
    seed = secrets.randbelow(2**31) if seed is None else seed
    student_ids = [s for s, _ in enrolments]
    tiers = current_tiers(student_ids, term, subject)
    strata = [f"{klass}|{tiers.get(sid, {}).get('tier', 'insufficient')}" for sid, klass in enrolments]
    if design == "randomised":
        arms = assign_arms(np.array(strata), seed=seed)
    else:
        arms = np.array([1 if klass in treated_ids else 0 for _, klass in enrolments])
    study = Study.objects.create(term=term, subject=subject, name=name[:100], treatment=treatment[:100],
                                 control=control[:100], question=question, design=design, seed=seed,
                                 created_by=author)
    study.classes.set(classes)
    StudyParticipant.objects.bulk_create([
        StudyParticipant(study=study, student_id=sid, arm=int(arm), stratum=stratum[:60])
        for (sid, _), arm, stratum in zip(enrolments, arms, strata, strict=True)
    ])
    audit_record(action="create", model="策略对比实验", object_id=study.pk,
                 detail=f"{name}：{treatment} 对比 {control}，{len(enrolments)} 名学生")
    return study


@transaction.atomic
def study_set_outcomes(*, study: Study, pre: Assessment | None, post: Assessment | None) -> Study:
    """Name the pre-test (covariate) and post-test (outcome) of a study; both of its subject and grades."""
    for label, a in (("前测", pre), ("后测", post)):
        if a is not None and (a.subject_id != study.subject_id or a.term.school_id != study.term.school_id):
            raise EvaluationError(f"{label}必须是本学科的测评")
    if pre is not None and post is not None and pre.date > post.date:
        raise EvaluationError("前测日期不能晚于后测")
    if study.design == "existing" and post is not None and pre is None:
        raise EvaluationError("已有班级对比必须有前测，用于校正两组原有差异")
    study.pre_assessment, study.post_assessment = pre, post
    study.save(update_fields=["pre_assessment", "post_assessment"])
    audit_record(action="update", model="策略对比实验", object_id=study.pk,
                 detail=f"前测：{pre or '无'}；后测：{post or '无'}")
    return study
