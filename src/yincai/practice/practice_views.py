"""Thin views of 今日练习 (the student's adaptive practice) and the teacher's practice scope per class."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import role_required
from yincai.accounts.roles import TEACHING_ROLES, Role
from yincai.curriculum.models import KnowledgePoint
from yincai.homework import clock
from yincai.homework.selectors import due_entries
from yincai.practice import adaptive
from yincai.practice import selectors as sel
from yincai.practice.models import PracticeScope, PracticeSession
from yincai.practice.services import PracticeError
from yincai.practice.views import _me_student, _term
from yincai.school.models import Subject
from yincai.school.selectors import classes_visible_to, staff_of


@role_required(Role.STUDENT)
def today(request: HttpRequest) -> HttpResponse:
    student = _me_student(request)
    day = clock.today()
    klass = student.class_in(_term())
    if request.method == "POST":
        if klass is None:
            messages.error(request, "本学期没有你的班级信息，暂时不能练习")
        else:
            try:
                adaptive.start_practice(student=student, school_class=klass, today=day, now=clock.now())
            except PracticeError as exc:
                messages.error(request, "；".join(exc.messages))
        return redirect("practice:today")
    session = PracticeSession.objects.filter(student=student, date=day).first()
    attempt = adaptive.pending(session) if session and session.ended_at is None else None
    scope = PracticeScope.objects.filter(school_class=klass).first() if klass else None
    kps = {kp.pk: kp for kp in KnowledgePoint.objects.filter(pk__in=session.kps)} if session else {}
    mastery = [(kps[k], round(100 * p)) for k, p in adaptive.mastery_of(session).items()] if session else []
    return render(request, "practice/today.html", {
        "student": student, "session": session, "attempt": attempt, "scope": scope, "mastery": mastery,
        "reason": adaptive.REASON_LABELS.get(attempt.reason, "") if attempt else "",
        "due": due_entries(student, day).count(),
        "over": bool(session and scope and session.seconds >= scope.minutes_per_day * 60),
        "last": session.attempts.filter(answered_at__isnull=False).order_by("-index").first() if session else None})


def _own(request: HttpRequest, practice_id: int) -> PracticeSession:
    return get_object_or_404(PracticeSession.objects.filter(student__user=request.user), pk=practice_id)


@role_required(Role.STUDENT)
def answer(request: HttpRequest, practice_id: int) -> HttpResponse:
    session = _own(request, practice_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    attempt_id = request.POST.get("attempt_id", "")
    try:
        done, _ = adaptive.answer_practice(session=session, attempt_id=int(attempt_id) if attempt_id.isdigit() else 0,
                                           response=request.POST.get("response", ""), now=clock.now())
    except PracticeError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if done.correct:
            messages.success(request, "答对了！")
        else:
            messages.error(request, f"答错了，正确答案是 {done.answer}")
    return redirect("practice:today")


@role_required(Role.STUDENT)
def finish(request: HttpRequest, practice_id: int) -> HttpResponse:
    session = _own(request, practice_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        adaptive.finish_practice(session=session, now=clock.now())
        messages.success(request, f"今天练了 {session.attempts.count()} 题，真棒！")
    except PracticeError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("practice:today")


@role_required(*TEACHING_ROLES)
def scope(request: HttpRequest, class_id: int) -> HttpResponse:
    term = _term()
    klass = get_object_or_404(classes_visible_to(request.user, term), pk=class_id)
    math = Subject.objects.filter(code="math").first()
    candidates = KnowledgePoint.objects.filter(subject=math, is_unit=False,
                                               grade_level__lte=klass.grade.level).order_by("grade_level", "code")
    options = adaptive.practicable(list(candidates), klass.grade.school)
    current = PracticeScope.objects.filter(school_class=klass).first()
    if request.method == "POST":
        me = staff_of(request.user)
        try:
            minutes = int(request.POST.get("minutes", "").strip() or 0)
        except ValueError:
            minutes = -1
        ids = [int(x) for x in request.POST.getlist("kps") if x.isdigit()]
        if me is None:
            messages.error(request, "只有教职工可以设置练习范围")
        else:
            try:
                adaptive.set_scope(school_class=klass, kp_ids=ids, minutes=minutes, by=me)
                messages.success(request, "练习范围已保存")
                return redirect("practice:scope", class_id=klass.pk)
            except PracticeError as exc:
                messages.error(request, "；".join(exc.messages))
    chosen = set(current.knowledge_points.values_list("pk", flat=True)) if current else set()
    return render(request, "practice/scope.html", {
        "klass": klass, "options": options, "chosen": chosen, "current": current,
        "rows": sel.class_practice_rows(klass, since=term.start_date, upto=clock.today())})
