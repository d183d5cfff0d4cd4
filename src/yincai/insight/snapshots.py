"""Ready-to-render portrait data: built from the result tables, stored by the recompute, read in one query.

The 学习诊断卡 of one student and the class/grade portraits used to rebuild their data on every request from
thousands of KPMastery / WeakKP rows. The recompute is the only writer of those rows, so it also stores
the page data (``PortraitSnapshot``) in the same transaction. The builders below are the single way that
data is made: the recompute stores their output, and a page whose term has no snapshot yet (a past term
recomputed before snapshots existed) calls the same builder live.

Data shapes (JSON):

- student: ``{"abilities": [{"label", "value"}], "overall": {"value", "lower", "upper"} | null,
  "kps": [[kp_id, code, name, prob, lower, upper, score_rate, assessment, tracked, t_lower, t_upper]],
  "weak": [[kp_id, root_id, kp_name, root_name, prob, path]],
  "trajectory": [[term_index, assessment_id, name, date, subject, total, max_total, class_median]]}``
  (KPs in curriculum order, weak by prob; the trajectory over the previous and this term, each paper
  against the median of the class the student was in then -- scores change only through imports and
  score edits, which queue this recompute).
- grade: ``{"kps": [[kp_id, name]] (curriculum order), "cells": {student_id: [[kp_index, prob]]},
  "weak": [[student_id, kp_id, root_id]], "names": {kp_id: name}}``; cells hold the latest CDM mastery of
  the term per (student, KP), rounded to 0.01.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from yincai.assessment.selectors import trajectory_rows
from yincai.insight.models import AbilityEstimate, KPMastery, PortraitSnapshot, RecomputeJob, WeakKP
from yincai.requestcache import cached
from yincai.school.models import Grade, Term

StudentData = dict[str, Any]


def _empty_student() -> StudentData:
    return {"abilities": [], "overall": None, "kps": [], "weak": [], "trajectory": []}


def student_data(term: Term, subject_ids: Iterable[int], student_ids: Iterable[int]) -> dict[tuple[int, int], StudentData]:
    """(student_id, subject_id) → the 学习诊断卡 data of that subject this term; only pairs with results."""
    subjects, students = list(subject_ids), list(student_ids)
    out: dict[tuple[int, int], StudentData] = defaultdict(_empty_student)
    for sid, subject_id, dim, label, value, lower, upper in (
        AbilityEstimate.objects.filter(student_id__in=students, term=term, subject_id__in=subjects)
        .order_by("id").values_list("student_id", "subject_id", "dimension", "label", "value", "lower", "upper")
    ):
        data = out[sid, subject_id]
        if dim == "overall":
            data["overall"] = {"value": value, "lower": lower, "upper": upper}
        else:
            data["abilities"].append({"label": label, "value": round(value, 3)})
    mastery = KPMastery.objects.filter(student_id__in=students, term=term, knowledge_point__subject_id__in=subjects)
    latest: dict[tuple[int, int], tuple[Any, ...]] = {}
    for row in (mastery.filter(method="cdm").order_by("assessment__date", "assessment_id").values_list(
            "student_id", "knowledge_point_id", "knowledge_point__subject_id", "knowledge_point__order",
            "knowledge_point__code", "knowledge_point__name", "prob", "lower", "upper", "score_rate",
            "assessment__name")):
        latest[row[0], row[1]] = row  # a later assessment overrides an earlier one
    tracked = {(sid, kp): (prob, lower, upper) for sid, kp, prob, lower, upper in mastery.filter(
        method="tracker").values_list("student_id", "knowledge_point_id", "prob", "lower", "upper")}
    for (sid, kp), row in sorted(latest.items(), key=lambda item: item[1][3]):
        t = tracked.get((sid, kp), (None, None, None))
        out[sid, row[2]]["kps"].append([kp, row[4], row[5], row[6], row[7], row[8], row[9], row[10] or "", *t])
    for sid, subject_id, kp, root, kp_name, root_name, prob, path in (
        WeakKP.objects.filter(student_id__in=students, term=term, subject_id__in=subjects).order_by("prob", "id")
        .values_list("student_id", "subject_id", "knowledge_point_id", "root_id", "knowledge_point__name",
                     "root__name", "prob", "path")
    ):
        out[sid, subject_id]["weak"].append([kp, root, kp_name, root_name, prob, path])
    for key, points in trajectory_rows(term, subjects, students).items():
        out[key]["trajectory"] = points
    return dict(out)


def grade_data(term: Term, subject_id: int, student_ids: Iterable[int]) -> dict[str, Any]:
    """Heat-map cells and weak KPs of these students in one subject this term (see the module docstring)."""
    students = list(student_ids)
    kps: dict[int, tuple[int, str]] = {}
    cells: dict[int, dict[int, float]] = defaultdict(dict)
    for sid, kp, order, name, prob in (
        KPMastery.objects.filter(student_id__in=students, term=term, method="cdm",
                                 knowledge_point__subject_id=subject_id)
        .order_by("assessment__date", "assessment_id")
        .values_list("student_id", "knowledge_point_id", "knowledge_point__order", "knowledge_point__name", "prob")
    ):
        cells[sid][kp] = round(prob, 2)
        kps[kp] = (order, name)
    kp_order = sorted(kps, key=lambda k: kps[k][0])
    index = {kp: i for i, kp in enumerate(kp_order)}
    weak, names = [], {}
    for sid, kp, root, kp_name, root_name in (
        WeakKP.objects.filter(student_id__in=students, term=term, subject_id=subject_id).order_by("id")
        .values_list("student_id", "knowledge_point_id", "root_id", "knowledge_point__name", "root__name")
    ):
        weak.append([sid, kp, root])
        names[str(kp)], names[str(root)] = kp_name, root_name
    return {
        "kps": [[kp, kps[kp][1]] for kp in kp_order],
        "cells": {str(sid): sorted([index[kp], p] for kp, p in row.items()) for sid, row in cells.items()},
        "weak": weak,
        "names": names,
    }


def write_snapshots(*, term: Term, grade: Grade, students: list[int], subject_ids: list[int],
                    job: RecomputeJob | None) -> int:
    """Replace the snapshots of these students and this grade (call inside the recompute's transaction).

    The recompute also rewrites these students' previous-term results, so their snapshots of other terms
    are dropped: those pages build their data live until that term is recomputed again.
    """
    PortraitSnapshot.objects.filter(kind="student", object_id__in=students, subject_id__in=subject_ids).delete()
    PortraitSnapshot.objects.filter(kind="grade", subject_id__in=subject_ids).filter(
        term__in=[t for t in (term.previous(),) if t is not None]).delete()
    PortraitSnapshot.objects.filter(kind="grade", object_id=grade.pk, term=term, subject_id__in=subject_ids).delete()
    rows = [PortraitSnapshot(term=term, subject_id=subject, kind="student", object_id=sid, data=data, job=job)
            for (sid, subject), data in student_data(term, subject_ids, students).items()]
    rows += [PortraitSnapshot(term=term, subject_id=subject, kind="grade", object_id=grade.pk,
                              data=grade_data(term, subject, students), job=job) for subject in subject_ids]
    PortraitSnapshot.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def stored_student_data(term: Term, subject_ids: Iterable[int], student_id: int,
                        grade: Grade | None) -> dict[int, StudentData] | None:
    """subject_id → stored data of one student, or None when the student's grade has no snapshot this term."""
    ids = sorted(subject_ids)
    rows = cached(f"insight.student_snapshot:{term.pk}:{student_id}:{ids}", lambda: list(  # card and trajectory
        PortraitSnapshot.objects.filter(kind="student", object_id=student_id, term=term, subject_id__in=ids)
        .values_list("subject_id", "data")))
    if rows:
        return dict(rows)
    recomputed = grade is not None and PortraitSnapshot.objects.filter(kind="grade", object_id=grade.pk,
                                                                       term=term).exists()
    return {} if recomputed else None


def stored_grade_data(term: Term, subject_id: int, grade: Grade) -> dict[str, Any] | None:
    return PortraitSnapshot.objects.filter(kind="grade", object_id=grade.pk, term=term,
                                           subject_id=subject_id).values_list("data", flat=True).first()
