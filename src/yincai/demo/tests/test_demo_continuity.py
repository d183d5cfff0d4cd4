"""The demo school lives through a real 学年升级: one truth per cohort, so results continue across terms."""

from __future__ import annotations

import numpy as np
import pytest
from django.db.models import Sum

from tests.personas import Personas
from yincai.assessment.models import ItemScore
from yincai.demo.services import CURRENT_TERM, PREVIOUS_TERM, build_demo_school
from yincai.insight.models import Alert
from yincai.school.models import Enrolment, StaffRole, Student, Term


def _score_rates(school: object, term_name: str) -> dict[int, float]:
    """Per-student math score rate over the term's papers (scored items only)."""
    rows = (ItemScore.objects.filter(student__school=school, item__assessment__term__name=term_name,
                                     item__assessment__subject__code="math", score__isnull=False)
            .values("student_id").annotate(got=Sum("score"), full=Sum("item__max_score")))
    return {r["student_id"]: float(r["got"]) / float(r["full"]) for r in rows}


@pytest.mark.django_db
def test_the_demo_is_built_through_a_rollover_and_a_students_results_continue(personas: Personas) -> None:
    result = build_demo_school(seed=21, classes_per_grade=2, class_size=(12, 14), grades=[1, 3, 6])
    school = result.school
    current = Term.objects.get(school=school, name=CURRENT_TERM[0])
    previous = Term.objects.get(school=school, name=PREVIOUS_TERM[0])
    # the rollover promoted every class of last term (二年级(1)班 is 三年级(1)班 now) and graduated 六年级
    graduates = 0
    for enrolment in Enrolment.objects.filter(term=previous).select_related("school_class__grade", "student__user"):
        student, was = enrolment.student, enrolment.school_class
        now = student.class_in(current)
        if was.grade.level == 6:
            graduates += 1
            assert now is None and student.status == Student.GRADUATED and not student.user.is_active
        else:
            assert now is not None and (now.grade.level, now.number) == (was.grade.level + 1, was.number)
    assert graduates >= 24 and result.students == Student.objects.filter(enrolments__term=current).count()
    assert StaffRole.objects.filter(term=previous, staff__user__username="t1math1",  # 大循环: 六年级 → 一年级
                                    school_class__grade__level=6).exists()
    assert StaffRole.objects.filter(term=current, staff__user__username="t1math1",
                                    school_class__grade__level=1).exists()
    head = StaffRole.objects.get(term=current, role="head_teacher", school_class__grade__level=3,
                                 school_class__number=1)
    assert head.staff.user.username == "t3chinese1"  # 跟班走: the same head teacher as last term
    assert StaffRole.objects.filter(term=previous, staff=head.staff, role="head_teacher").exists()
    assert [login.username for login in result.logins][:4] == ["admin", "t3english1", "t3chinese1", "t3math1"]

    before, after = _score_rates(school, previous.name), _score_rates(school, current.name)
    both = sorted(set(before) & set(after))
    assert len(both) > 40 and len(both) >= 0.95 * (len(before) - graduates)  # all but a few absentees
    change = np.array([after[s] - before[s] for s in both])
    print(f"\n跨学期得分率变化：平均绝对变化 {np.abs(change).mean():.3f}，最大下降 {change.min():.3f}，"
          f"相关 {np.corrcoef([before[s] for s in both], [after[s] for s in both])[0, 1]:.2f}")
    assert np.abs(change).mean() < 0.15
    assert np.corrcoef([before[s] for s in both], [after[s] for s in both])[0, 1] > 0.5
    enrolled = Student.objects.filter(enrolments__term=current).count()
    alerts = Alert.objects.filter(term=current, subject__code="math").count()
    print(f"数学预警 {alerts} 条 / {enrolled} 名学生")
    assert alerts <= 0.04 * enrolled  # the independent-terms demo raised ~12% (127 on the full school)
