"""Thin views of 每日五分钟口算: the student's drill (one item at a time; a small static JS posts each answer and
shows the next), curves for the student, parents and staff, and a class view of each student's own curve.
Objects come from selectors (no relationship → 404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from yincai.accounts.access import role_required
from yincai.accounts.roles import ALL_ROLES, TEACHING_ROLES, Role
from yincai.engine.generators import GENERATORS
from yincai.homework import clock
from yincai.practice import selectors as sel
from yincai.practice import services as svc
from yincai.practice.models import DRILL_SECONDS, DrillSession
from yincai.school.models import Student, Term
from yincai.school.selectors import classes_visible_to, students_visible_to


def _term() -> Term:
    term = Term.current(clock.today())
    if term is None:
        raise Http404("尚未设置学期")
    return term


def _me_student(request: HttpRequest) -> Student:
    student = Student.objects.filter(user=request.user).first()
    if student is None:
        raise Http404("只有学生本人可以做口算练习")
    return student


def _own_session(request: HttpRequest, session_id: int) -> DrillSession:
    return get_object_or_404(sel.own_drills(request.user), pk=session_id)


def _item_json(session: DrillSession) -> dict[str, object] | None:
    item = svc.pending_item(session)
    return {"id": item.pk, "stem": item.stem, "index": item.index} if item else None


@role_required(Role.STUDENT)
def drill_home(request: HttpRequest) -> HttpResponse:
    student = _me_student(request)
    today = clock.today()
    if request.method == "POST":
        klass = student.class_in(_term())
        if klass is None:
            messages.error(request, "本学期没有你的班级信息，暂时不能练习")
            return redirect("practice:drill_home")
        session = svc.start_drill(student=student, grade_level=klass.grade.level, today=today, now=clock.now())
        return redirect("practice:drill_run", session_id=session.pk)
    return render(request, "practice/drill_home.html", _curve_context(student, today) | {"is_self": True})


def _curve_context(student: Student, today: object) -> dict[str, object]:
    term = Term.current(clock.today())
    points = sel.curve(student)
    return {"student": student, "curve": points, "streak": svc.streak(student, clock.today()),
            "best": svc.best_speed(student), "practice_points": sel.practice_points(student, term),
            "balance": sel.balance(student, term),
            "recent": DrillSession.objects.filter(student=student, ended_at__isnull=False)[:10]}


@role_required(Role.STUDENT)
def drill_run(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own_session(request, session_id)
    if session.finished:
        return redirect("practice:drill_result", session_id=session.pk)
    return render(request, "practice/drill_run.html", {
        "session": session, "item": _item_json(session), "kind": GENERATORS[session.generator].name,
        "remaining": max(0, int((svc.deadline(session) - clock.now()).total_seconds())), "total": DRILL_SECONDS})


@role_required(Role.STUDENT)
def drill_answer(request: HttpRequest, session_id: int) -> HttpResponse:
    """POST answer_id + response → JSON {correct, next|null, done, items, right}; the verdict is the server's."""
    session = _own_session(request, session_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    answer_id = request.POST.get("answer_id", "")
    try:
        item, nxt = svc.answer_item(session=session, answer_id=int(answer_id) if answer_id.isdigit() else 0,
                                    response=request.POST.get("response", ""), now=clock.now())
    except svc.PracticeError as exc:
        session.refresh_from_db()
        return JsonResponse({"error": "；".join(exc.messages), "done": session.finished,
                             "next": _item_json(session)}, status=400)
    session.refresh_from_db()
    return JsonResponse({"correct": bool(item.correct), "done": session.finished, "items": session.items,
                         "right": session.correct,
                         "next": {"id": nxt.pk, "stem": nxt.stem, "index": nxt.index} if nxt else None})


@role_required(Role.STUDENT)
def drill_finish(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own_session(request, session_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        awards = svc.finish_drill(session=session, now=clock.now())
    except svc.PracticeError:
        awards = []
    for a in awards:
        messages.success(request, f"{a.get_kind_display()}：+{a.points} 积分")
    return redirect("practice:drill_result", session_id=session.pk)


@role_required(*ALL_ROLES)
def drill_result(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(sel.drills_visible_to(request.user, _term()), pk=session_id)
    return render(request, "practice/drill_result.html", {
        "session": session, "answers": session.answers.filter(answered_at__isnull=False),
        "is_self": session.student.user_id == request.user.pk})


@role_required(*ALL_ROLES)
def curves(request: HttpRequest, student_id: int) -> HttpResponse:
    """A student's own speed/accuracy curve (self, their parents, their teachers)."""
    student = get_object_or_404(students_visible_to(request.user, _term()), pk=student_id)
    return render(request, "practice/curves.html", _curve_context(student, clock.today()) | {
        "is_self": student.user_id == request.user.pk})


@role_required(*TEACHING_ROLES)
def class_drills(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = get_object_or_404(classes_visible_to(request.user, _term()), pk=class_id)
    rows = sel.class_curves(klass, upto=clock.today())
    return render(request, "practice/class_drills.html", {"klass": klass, "rows": rows, "today": clock.today()})
