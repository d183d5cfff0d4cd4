"""学年升级: promotion, graduation, roles following their class, idempotence, the 分班 Excel, past portraits."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.test import Client

from yincai.accounts.roles import Role, roles_of
from yincai.insight.services import recompute_grade
from yincai.rollover.services import (
    RolloverError,
    RolloverRefused,
    adjustment_workbook,
    apply_rollover,
    parse_adjustment,
    plan_rollover,
    starts_school_year,
)
from yincai.rollover.tests.fixtures import TwoTermSchool, build_two_term_school
from yincai.school.models import Enrolment, MentorAssignment, SchoolClass, StaffRole, Student, Term

TODAY = datetime.date.today()


def _school() -> TwoTermSchool:
    """Term 1 lies in the past; the rollover target contains today, so it becomes the current term."""
    return build_two_term_school(start=TODAY - datetime.timedelta(days=200), end=TODAY - datetime.timedelta(days=20))


def _roll(s: TwoTermSchool, **kwargs: object) -> Term:
    plan = plan_rollover(from_term=s.term, to_name="新学期", start=TODAY - datetime.timedelta(days=10),
                         end=TODAY + datetime.timedelta(days=150), promote=True, **kwargs)  # type: ignore[arg-type]
    return apply_rollover(plan=plan).term


def _counts() -> dict[str, object]:
    return {
        "terms": Term.objects.count(), "classes": SchoolClass.objects.count(), "enrolments": Enrolment.objects.count(),
        "roles": StaffRole.objects.count(), "mentors": MentorAssignment.objects.count(),
        "graduated": Student.objects.filter(status=Student.GRADUATED).count(),
    }


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学号", "姓名", "原班级", "新班级"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.django_db
def test_every_student_moves_to_the_next_grade_class_and_graduates_are_archived() -> None:
    s = _school()
    new = _roll(s)
    assert Term.current() == new
    for no, student in s.students.items():
        old = student.class_in(s.term)
        assert old is not None
        student.refresh_from_db()
        if old.grade.level == 6:
            assert student.status == Student.GRADUATED and student.graduated_on == s.term.end_date
            assert student.class_in(new) is None
            assert not student.user.is_active  # type: ignore[union-attr]
        else:
            klass = student.class_in(new)
            assert klass is not None, no
            assert (klass.grade.level, klass.number) == (old.grade.level + 1, old.number)
            assert student.status == Student.ACTIVE and student.user.is_active  # type: ignore[union-attr]
    assert sorted(c.name for c in SchoolClass.objects.filter(term=new)) == ["六年级(1)班", "六年级(2)班"]
    assert not s.users["rz_p6"].__class__.objects.get(username="rz_p6").is_active  # only child graduated
    assert s.users["rz_p56"].__class__.objects.get(username="rz_p56").is_active  # a sibling is still at school


@pytest.mark.django_db
def test_school_wide_roles_carry_over_and_teachers_follow_their_class() -> None:
    s = _school()
    new = _roll(s)
    assert roles_of(s.users["rz_admin"], new) == {Role.ADMIN}
    assert roles_of(s.users["rz_xinli"], new) == {Role.COUNSELOR}
    head = StaffRole.objects.get(term=new, role=Role.HEAD_TEACHER)
    assert (head.staff.user.username, head.school_class.name) == ("rz_hu", "六年级(1)班")  # type: ignore[union-attr]
    math = StaffRole.objects.filter(term=new, staff__user__username="rz_ma")
    assert [r.school_class.name for r in math] == ["六年级(1)班"]  # type: ignore[union-attr]  # 六年级 graduated
    assert StaffRole.objects.get(term=new, role=Role.GRADE_LEAD).grade.level == 6  # type: ignore[union-attr]
    assert roles_of(s.users["rz_mei"], new) == frozenset()  # mentors only on request
    assert not MentorAssignment.objects.filter(term=new).exists()


@pytest.mark.django_db
def test_mentors_carry_over_when_asked() -> None:
    s = _school()
    new = _roll(s, carry_mentors=True)
    assert roles_of(s.users["rz_mei"], new) == {Role.MENTOR}
    assert list(MentorAssignment.objects.filter(term=new).values_list("student__student_no", flat=True)) == [
        "20210101"]


@pytest.mark.django_db
def test_a_spring_term_keeps_the_grade_and_graduates_nobody() -> None:
    s = _school()
    plan = plan_rollover(from_term=s.term, to_name="春季学期", start=datetime.date(2031, 2, 20),
                         end=datetime.date(2031, 7, 5))
    assert not plan.promote and not plan.graduates
    new = apply_rollover(plan=plan).term
    assert sorted(c.name for c in SchoolClass.objects.filter(term=new)) == ["五年级(1)班", "五年级(2)班", "六年级(1)班"]
    assert all(st.class_in(new).name == st.class_in(s.term).name for st in s.students.values())  # type: ignore[union-attr]
    assert starts_school_year(datetime.date(2031, 9, 1)) and not starts_school_year(datetime.date(2031, 2, 20))


@pytest.mark.django_db
def test_rerunning_the_rollover_changes_nothing() -> None:
    s = _school()
    new = _roll(s)
    before = _counts()
    with pytest.raises(RolloverError, match="不会重复执行"):
        _roll(s)
    with pytest.raises(RolloverError, match="已升级到「新学期」"):
        plan_rollover(from_term=s.term, to_name="另一个名字", start=TODAY, end=TODAY + datetime.timedelta(days=9))
    with pytest.raises(RolloverError, match="已存在"):  # from the new (current) term, to the same name
        plan_rollover(to_name="新学期", start=new.end_date + datetime.timedelta(days=1),
                      end=new.end_date + datetime.timedelta(days=100))
    assert _counts() == before


@pytest.mark.django_db
def test_a_stale_plan_is_refused_when_confirmed_after_another_rollover() -> None:
    s = _school()
    stale = plan_rollover(from_term=s.term, to_name="甲", start=TODAY, end=TODAY + datetime.timedelta(days=99))
    _roll(s)
    before = _counts()
    with pytest.raises(RolloverError, match="不会重复执行"):
        apply_rollover(plan=stale)
    assert _counts() == before


@pytest.mark.django_db
def test_an_excel_adjustment_moves_a_student_into_a_new_class() -> None:
    s = _school()
    kwargs = {"from_term": s.term, "to_name": "新学期", "start": TODAY - datetime.timedelta(days=10),
              "end": TODAY + datetime.timedelta(days=150), "promote": True}
    plan = plan_rollover(**kwargs)  # type: ignore[arg-type]
    wb = openpyxl.load_workbook(io.BytesIO(adjustment_workbook(plan)))
    ws = wb["分班名单"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert len(rows) == 9 and ws.cell(rows["20200101"], 4).value == "毕业"
    ws.cell(rows["20210201"], 4).value = "六年级(3)班"
    ws.cell(rows["20210202"], 4).value = "6(1)"
    buf = io.BytesIO()
    wb.save(buf)
    adjustments = parse_adjustment(plan=plan, content=buf.getvalue(), file_name="分班.xlsx")
    plan = plan_rollover(**kwargs, adjustments=adjustments)  # type: ignore[arg-type]
    assert [(p.student_no, p.from_class, p.to_class) for p in plan.adjusted] == [
        ("20210201", "五年级(2)班", "六年级(3)班"), ("20210202", "五年级(2)班", "六年级(1)班")]
    new = apply_rollover(plan=plan).term
    assert s.students["20210201"].class_in(new).name == "六年级(3)班"  # type: ignore[union-attr]
    assert s.students["20210202"].class_in(new).name == "六年级(1)班"  # type: ignore[union-attr]
    assert s.students["20210203"].class_in(new).name == "六年级(2)班"  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_bad_adjustment_is_refused_with_every_problem_and_writes_nothing() -> None:
    s = _school()
    plan = plan_rollover(from_term=s.term, to_name="新学期", start=TODAY, end=TODAY + datetime.timedelta(days=99))
    before = _counts()
    bad = _xlsx([["20210101", "学生0101", "五年级(1)班", "七年级(1)班"], ["99999999", "无名", "", "六年级(1)班"],
                 ["20210102", "学生0102", "五年级(1)班", "火星班"], ["20210103", "别人", "五年级(1)班", "六年级(1)班"],
                 ["20210201", "学生0201", "五年级(2)班", "毕业"]])
    with pytest.raises(RolloverRefused) as refused:
        parse_adjustment(plan=plan, content=bad, file_name="bad.xlsx")
    text = "\n".join(str(p) for p in refused.value.problems)
    assert "七年级(1)班" in text and "学号 99999999 不存在" in text and "火星班" in text and "姓名应为「学生0103」" in text
    assert "只有六年级学生可以毕业" in text and "第2行" in text and len(refused.value.problems) == 5
    with pytest.raises(RolloverRefused, match="学号"):
        parse_adjustment(plan=plan, content="学号,姓名\n20210101,学生0101\n".encode(), file_name="x.csv")
    assert _counts() == before


@pytest.mark.django_db
def test_the_old_terms_diagnosis_card_still_opens_after_rollover() -> None:
    s = _school()
    assert recompute_grade(term=s.term, grade=s.assessment.grade).status == "done"
    _roll(s)
    student = s.students["20210101"]
    for username in ("rz_admin", "rz_hu"):  # rz_hu now heads 六年级(1)班, the same children
        client = Client()
        client.force_login(s.users[username])
        old = client.get(f"/insight/students/{student.pk}/?term={s.term.pk}")
        assert old.status_code == 200, username
        html = old.content.decode()
        assert "本学期" in html and "五年级(1)班" in html and student.name in html
        assert any(name in html for name in s.kp_names)  # the term's KP mastery is shown
        now = client.get(f"/insight/students/{student.pk}/")
        assert now.status_code == 200 and "六年级(1)班" in now.content.decode()
    stranger = Client()
    stranger.force_login(s.users["rz_hu"])
    other_term = Term.objects.create(school=s.school, name="无关学期", start_date=datetime.date(2001, 9, 1),
                                     end_date=datetime.date(2002, 1, 20))
    assert stranger.get(f"/insight/students/{student.pk}/?term={other_term.pk}").status_code == 404


@pytest.mark.django_db
def test_a_graduates_card_is_readable_by_the_admin_only() -> None:
    s = _school()
    _roll(s)
    graduate = s.students["20200101"]
    admin = Client()
    admin.force_login(s.users["rz_admin"])
    page = admin.get(f"/insight/students/{graduate.pk}/")
    assert page.status_code == 200 and "六年级(1)班" in page.content.decode() and "本学期" in page.content.decode()
    assert graduate.name in admin.get("/rollover/").content.decode()  # listed among 往届毕业生
    hu = Client()
    hu.force_login(s.users["rz_hu"])
    assert hu.get(f"/insight/students/{graduate.pk}/").status_code == 404
