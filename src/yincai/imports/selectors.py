"""Who may import into or export from what. `user=None` is the operator at the server shell (`yincai import`).

A teacher may import scores or a blueprint only for assessments of classes and subjects they teach or lead
(school selectors decide which), and only the rows of students in those classes are accepted.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from yincai.accounts.roles import Role, roles_of
from yincai.assessment.models import Assessment
from yincai.imports.exports import Table
from yincai.imports.models import ImportBatch
from yincai.school.models import SchoolClass, Student, Term
from yincai.school.selectors import classes_visible_to, subjects_for_class


def is_school_admin(user: Any, term: Term | None = None) -> bool:
    return user is None or Role.ADMIN in roles_of(user, term)


def score_classes_for(user: Any, assessment: Assessment) -> list[SchoolClass]:
    """Classes whose students' scores on `assessment` the user may write and read."""
    classes = SchoolClass.objects.filter(term=assessment.term, grade=assessment.grade).select_related("grade", "term")
    if assessment.school_class_id:
        classes = classes.filter(pk=assessment.school_class_id)
    if user is None:
        return list(classes)
    visible = classes_visible_to(user, assessment.term).filter(pk__in=classes.values("pk")).select_related("term")
    return [c for c in visible if subjects_for_class(user, c).filter(pk=assessment.subject_id).exists()]


def assessments_importable_by(user: Any, term: Term | None = None) -> QuerySet[Assessment]:
    """Assessments of `term` (current by default) the user may import scores/blueprint into."""
    term = term or Term.current()
    qs = Assessment.objects.filter(term=term).select_related("grade", "subject", "school_class__grade")
    if user is None or Role.ADMIN in roles_of(user, term):
        return qs.order_by("-date", "-id")
    allowed: list[int] = []
    for assessment in qs:
        if score_classes_for(user, assessment):
            allowed.append(assessment.pk)
    return qs.filter(pk__in=allowed).order_by("-date", "-id")


def students_for_scores(user: Any, assessment: Assessment) -> QuerySet[Student]:
    """Students whose scores on `assessment` the user may write: enrolled in one of `score_classes_for`."""
    classes = score_classes_for(user, assessment)
    return (
        Student.objects.filter(enrolments__term=assessment.term, enrolments__school_class__in=classes)
        .distinct()
        .order_by("student_no")
    )


def batches_visible_to(user: Any) -> QuerySet[ImportBatch]:
    """Import batches: the admin sees all; others their own and those of assessments they may import into."""
    qs = ImportBatch.objects.select_related("assessment", "created_by").defer("content")
    if is_school_admin(user):
        return qs
    assessments = assessments_importable_by(user)
    return qs.filter(Q(created_by=user) | Q(kind__in=["scores", "blueprint"], assessment__in=assessments))


def score_tables(user: Any, assessment: Assessment) -> list[Table]:
    """The class score sheet the user may see: per student per item, then 得分率 per item and per KP.

    Only students of classes whose scores the user may read; no ranking column (scores are never ranked).
    """
    from collections import defaultdict
    from decimal import Decimal

    from yincai.assessment.models import ItemScore
    from yincai.school.models import Enrolment

    state_label = dict(ItemScore.STATE_CHOICES)
    items = list(assessment.items.order_by("order").prefetch_related("knowledge_points"))
    classes = score_classes_for(user, assessment)
    enrol = list(
        Enrolment.objects.filter(term=assessment.term, school_class__in=classes)
        .select_related("student", "school_class__grade")
        .order_by("school_class__number", "student__student_no")
    )
    cells: dict[tuple[int, int], tuple[str, Decimal | None]] = {
        (sid, iid): (state, score)
        for sid, iid, state, score in ItemScore.objects.filter(
            item__assessment=assessment, student_id__in=[e.student_id for e in enrol]
        ).values_list("student_id", "item_id", "state", "score")
    }
    headers = ["学号", "姓名", "班级"] + [f"{i.section} {i.label}".strip() for i in items] + ["总分"]
    sheet = Table(f"{assessment.name}", headers)
    got: dict[int, Decimal] = defaultdict(Decimal)
    took: dict[int, int] = defaultdict(int)  # students who sat the item (缺考/免考/作弊 excluded)
    for e in enrol:
        row: list[Any] = [e.student.student_no, e.student.name, e.school_class.name]
        total = Decimal(0)
        any_scored = False
        absent_state = ""
        for item in items:
            state, score = cells.get((e.student_id, item.pk), ("", None))
            if state == "scored" and score is not None:
                row.append(score)
                total += score
                any_scored = True
                got[item.pk] += score
                took[item.pk] += 1
            elif state == "blank":
                row.append("")
                took[item.pk] += 1
            else:
                row.append(state_label.get(state, ""))
                absent_state = absent_state or state_label.get(state, "")
        row.append(total if any_scored else absent_state)
        sheet.rows.append(row)
    rates = Table("题目得分率", ["题号", "大题", "满分", "作答人数", "平均分", "得分率"])
    kp_got: dict[str, Decimal] = defaultdict(Decimal)
    kp_max: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        n = took[item.pk]
        mean = (got[item.pk] / n) if n else None
        rates.rows.append([item.label, item.section, item.max_score, n,
                           round(float(mean), 2) if mean is not None else "",
                           f"{float(mean / item.max_score):.1%}" if mean is not None else ""])
        for kp in item.knowledge_points.all():
            key = f"{kp.code} {kp.name}"
            kp_got[key] += got[item.pk]
            kp_max[key] += item.max_score * n
    kp_rates = Table("知识点得分率", ["知识点", "涉及满分合计", "得分合计", "得分率"])
    for key in sorted(kp_got):
        total_max = kp_max[key]
        kp_rates.rows.append([key, total_max, kp_got[key], f"{float(kp_got[key] / total_max):.1%}" if total_max else ""])
    return [sheet, rates, kp_rates]


def roster_table(user: Any, school_class: SchoolClass) -> Table:
    """The class list; guardians' phones only for those who may read family details (head teacher, admin…)."""
    from yincai.school.models import GuardianLink
    from yincai.school.selectors import may_read_family

    students = list(
        Student.objects.filter(enrolments__term=school_class.term, enrolments__school_class=school_class)
        .order_by("student_no")
    )
    with_family = bool(students) and may_read_family(user, students[0], school_class.term)
    links: dict[int, list[GuardianLink]] = {}
    if with_family:
        for link in GuardianLink.objects.filter(student__in=students).select_related("guardian").order_by(
                "-is_primary", "pk"):
            links.setdefault(link.student_id, []).append(link)
    # the same columns as the roster template, so an exported class list imports back unchanged
    width = max([2, *(len(v) for v in links.values())]) if with_family else 0
    headers = ["学号", "姓名", "性别", "班级"]
    for k in range(1, width + 1):
        headers += [f"家长{k}姓名", f"家长{k}关系", f"家长{k}电话"]
    table = Table(f"{school_class.name}花名册", headers)
    for s in students:
        row: list[Any] = [s.student_no, s.name, s.get_gender_display(), school_class.name]
        for k in range(width):
            gl = links.get(s.pk, [])
            row += [gl[k].guardian.name, gl[k].relation_label, gl[k].guardian.phone] if k < len(gl) else ["", "", ""]
        table.rows.append(row)
    return table


def batch_tables(batch: ImportBatch) -> list[Table]:
    """What the batch page shows: problems (or changes when there are none) and warnings, as tables."""
    tables = []
    if batch.problems:
        tables.append(Table("问题", ["工作表", "行", "列", "说明"],
                            [[p.get("sheet", ""), p.get("row") or "", p.get("col", ""), p.get("message", "")]
                             for p in batch.problems]))
    changes = batch.summary.get("changes", [])
    if changes:
        labels = {"student": "学生", "item": "题目/对象", "field": "字段", "old": "原值", "new": "新值"}
        keys = list(changes[0].keys())
        tables.append(Table("修改明细", [labels.get(k, k) for k in keys], [[c.get(k, "") for k in keys] for c in changes]))
    tables.append(Table("提醒", ["工作表", "行", "列", "说明"],
                        [[w.get("sheet", ""), w.get("row") or "", w.get("col", ""), w.get("message", "")]
                         for w in batch.warnings]))
    return tables
