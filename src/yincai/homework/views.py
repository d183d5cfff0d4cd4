"""Thin views of 分层作业 and the 错题本: parse → selector/service → render. Objects come from selectors
(a user without a relationship gets 404); POST-only actions answer 405 to GET after the lookup."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from yincai.accounts.access import role_required
from yincai.accounts.roles import ALL_ROLES, STAFF_ROLES, TEACHING_ROLES, Role, roles_of
from yincai.assessment.models import Assessment
from yincai.curriculum.models import KnowledgePoint
from yincai.engine.generators import GENERATORS
from yincai.homework import clock, wrongbook
from yincai.homework import selectors as sel
from yincai.homework import services as svc
from yincai.homework.models import ERROR_REASONS, HOMEWORK_KINDS, MARKS, Homework
from yincai.itembank.models import ITEM_TYPES, BankItem
from yincai.school.models import Grade, Staff, StaffRole, Subject, Term
from yincai.school.selectors import classes_visible_to, staff_of

# ------------------------------------------------------------------------------------------------ helpers


def _term() -> Term:
    term = Term.current(clock.today())
    if term is None:
        raise Http404("尚未设置学期")
    return term


def _me(request: HttpRequest) -> Staff:
    staff = staff_of(request.user)
    if staff is None:
        raise Http404("只有教职工可以执行此操作")
    return staff


def _attempt(request: HttpRequest, action: Callable[[], Any], ok: str | Callable[[Any], str]) -> Any:
    """Run a service; on ValidationError show the Chinese message and return None (nothing was written)."""
    try:
        result = action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return None
    messages.success(request, ok(result) if callable(ok) else ok)
    return result


def _int(value: str | None, label: str, lo: int, hi: int) -> int:
    try:
        n = int(str(value or "").strip())
    except ValueError as exc:
        raise svc.HomeworkError(f"{label}必须是整数") from exc
    if not lo <= n <= hi:
        raise svc.HomeworkError(f"{label}应在 {lo}–{hi} 之间")
    return n


def _pk(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _homework(request: HttpRequest, homework_id: int) -> Homework:
    return get_object_or_404(sel.homeworks_visible_to(request.user, _term()), pk=homework_id)


def _post_only(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


# ----------------------------------------------------------------------------------------- teacher pages


@role_required(*ALL_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    term = _term()
    roles = roles_of(request.user)
    assignments = sel.assignments_visible_to(request.user, term).filter(
        student__in=sel.own_students(request.user)).order_by("-homework__date", "-id")[:60]
    homeworks = sel.homeworks_visible_to(request.user, term).order_by("-date", "-id")[:80] if roles & STAFF_ROLES else []
    lead_grades = Grade.objects.filter(pk__in=StaffRole.objects.filter(
        staff__user=request.user, term=term, role=Role.GRADE_LEAD).values("grade"))
    if Role.ADMIN in roles:
        lead_grades = Grade.objects.filter(school=term.school)
    return render(request, "homework/index.html", {"staff_view": bool(roles & STAFF_ROLES),
        "assignments": assignments, "homeworks": homeworks, "choices": sel.compose_choices(request.user, term),
        "kinds": HOMEWORK_KINDS, "today": clock.today(), "lead_grades": lead_grades,
        "children": sel.own_students(request.user), "classes": classes_visible_to(request.user, term)
        if roles & TEACHING_ROLES else []})


@role_required(*TEACHING_ROLES)
def new(request: HttpRequest) -> HttpResponse:
    term = _term()
    if request.method != "POST":
        return render(request, "homework/new.html", {"choices": sel.compose_choices(request.user, term),
                                                     "kinds": HOMEWORK_KINDS, "today": clock.today()})
    klass_id, _, subject_id = (request.POST.get("target") or "").partition("-")
    klass = classes_visible_to(request.user, term).filter(pk=_pk(klass_id)).first()
    subject = Subject.objects.filter(pk=_pk(subject_id)).first()
    if klass is None or subject is None or not sel.may_compose(request.user, klass, subject):
        messages.error(request, "请选择您任教的班级和学科")
        return redirect("homework:new")

    def create() -> Homework:
        try:
            date = datetime.date.fromisoformat(request.POST.get("date") or "")
        except ValueError as exc:
            raise svc.HomeworkError("布置日期格式应为 年-月-日") from exc
        return svc.homework_create(school_class=klass, subject=subject, date=date, title=request.POST.get("title", ""),
                                   kind=request.POST.get("kind", "written"), author=_me(request))

    hw = _attempt(request, create, "作业草稿已建立，请添加题目")
    return redirect("homework:detail", homework_id=hw.pk) if hw else redirect("homework:new")


def _bank_search(request: HttpRequest, hw: Homework) -> tuple[list[BankItem], dict[str, str]]:
    q = {k: request.GET.get(k, "") for k in ("kp", "type", "q")}
    items = BankItem.objects.filter(school=hw.school_class.term.school, subject=hw.subject).exclude(
        pk__in=hw.items.values("bank_item")).prefetch_related("knowledge_points")
    items = items.filter(grade_level=hw.school_class.grade.level) if not q["kp"] else items
    if q["kp"].isdigit():
        items = items.filter(knowledge_points=int(q["kp"]))
    if q["type"]:
        items = items.filter(item_type=q["type"])
    if q["q"]:
        items = items.filter(stem__icontains=q["q"])
    return list(items.order_by("-id")[:30]), q


@role_required(*TEACHING_ROLES)
def detail(request: HttpRequest, homework_id: int) -> HttpResponse:
    hw = _homework(request, homework_id)
    results, query = _bank_search(request, hw)
    check = svc.budget_check(hw) if hw.status == "draft" else None
    assignments = hw.assignments.select_related("student").prefetch_related("extra_items").order_by(
        "student__student_no")
    kps = KnowledgePoint.objects.filter(subject=hw.subject, grade_level=hw.school_class.grade.level, is_unit=False)
    return render(request, "homework/detail.html", {
        "hw": hw, "layers": sel.layer_table(hw), "results": results, "query": query, "check": check,
        "assignments": assignments, "kps": kps, "item_types": ITEM_TYPES, "layer_choices": svc.LAYER_LABELS.items(),
        "generators": [g for g in GENERATORS.values()], "can_edit": hw.status == "draft" and sel.may_compose(
            request.user, hw.school_class, hw.subject), "may_approve": sel.may_approve(request.user, hw),
        "budget_minutes": svc.budget_minutes(hw)})


def _quick_item(request: HttpRequest, hw: Homework) -> Any:
    try:
        minutes = Decimal(request.POST.get("minutes") or "1")
    except InvalidOperation as exc:
        raise svc.HomeworkError("预计用时应是数字") from exc
    kp = KnowledgePoint.objects.filter(subject=hw.subject, pk=_pk(request.POST.get("kp"))).first()
    item = svc.bank_item_create(
        school=hw.school_class.term.school, subject=hw.subject, grade_level=hw.school_class.grade.level,
        stem=request.POST.get("stem", ""), answer=request.POST.get("answer", ""),
        item_type=request.POST.get("item_type", "calc"), minutes=minutes, author=_me(request),
        knowledge_points=[kp] if kp else [], auto_markable=request.POST.get("auto") == "1",
        layer=request.POST.get("layer", "basic"))
    return svc.item_add(homework=hw, bank_item=item, layer=request.POST.get("layer", "basic"))


@role_required(*TEACHING_ROLES)
def compose(request: HttpRequest, homework_id: int) -> HttpResponse:
    """All edits of a draft (add/remove/generate/quick item/publish/request approval) — one POST endpoint."""
    hw = _homework(request, homework_id)
    if (refused := _post_only(request)) is not None:
        return refused
    if not sel.may_compose(request.user, hw.school_class, hw.subject):
        messages.error(request, "只有本班该学科任课教师、班主任、年级组长或教导处可以修改这份作业")
        return redirect("homework:detail", homework_id=hw.pk)
    action, p, me = request.POST.get("action"), request.POST, _me(request)
    layer = p.get("layer", "basic")
    if action == "add":
        item = BankItem.objects.filter(school=hw.school_class.term.school, pk=_pk(p.get("bank_item"))).first()
        if item is None:
            messages.error(request, "题目不存在")
        else:
            _attempt(request, lambda: svc.item_add(homework=hw, bank_item=item, layer=layer), "已加入作业")
    elif action == "remove":
        _attempt(request, lambda: svc.item_remove(homework=hw, item_id=_pk(p.get("item"))), "已移除")
    elif action == "generate":
        _attempt(request, lambda: svc.generate_items(
            homework=hw, generator_key=p.get("generator", ""), level=_int(p.get("level"), "难度", 1, 9),
            count=_int(p.get("count"), "题数", 1, 30), layer=layer, author=me), lambda r: f"已生成 {len(r)} 道题并加入作业")
    elif action == "quick":
        _attempt(request, lambda: _quick_item(request, hw), "已录入题库并加入作业")
    elif action == "publish":
        if _attempt(request, lambda: svc.homework_publish(homework=hw, by=me, now=clock.now()),
                    lambda c: f"作业已布置：{c.message}"):
            return redirect("homework:stats", homework_id=hw.pk)
    elif action == "request":
        _attempt(request, lambda: svc.approval_request(homework=hw, by=me, reason=p.get("reason", ""),
                                                       now=clock.now()), "已提交年级组长审批")
    else:
        messages.error(request, "未知操作")
    return redirect("homework:detail", homework_id=hw.pk)


@role_required(*TEACHING_ROLES)
def mark(request: HttpRequest, homework_id: int) -> HttpResponse:
    hw = _homework(request, homework_id)
    if request.method == "POST":
        specs = []
        for key, value in request.POST.items():
            if key.startswith("m-") and value:
                aid, _, bid = key[2:].partition("-")
                specs.append(svc.MarkSpec(_pk(aid), _pk(bid), value,
                                          "" if value == "right" else request.POST.get(f"r-{aid}-{bid}", "")))
        if _attempt(request, lambda: svc.mark_paper(homework=hw, marks=specs, by=_me(request), now=clock.now()),
                    lambda n: f"已保存 {n} 格批改"):
            return redirect("homework:mark", homework_id=hw.pk)
    return render(request, "homework/mark.html", {"hw": hw, "grid": sel.marking_grid(hw), "marks": MARKS,
                                                  "reasons": ERROR_REASONS})


@role_required(*TEACHING_ROLES)
def stats(request: HttpRequest, homework_id: int) -> HttpResponse:
    hw = _homework(request, homework_id)
    return render(request, "homework/stats.html", {"hw": hw, "s": sel.homework_stats(hw)})


def _lead_grade(request: HttpRequest, grade_id: int, term: Term) -> Grade:
    grades = Grade.objects.filter(school=term.school)
    if Role.ADMIN not in roles_of(request.user):
        grades = grades.filter(pk__in=StaffRole.objects.filter(staff__user=request.user, term=term,
                                                               role=Role.GRADE_LEAD).values("grade"))
    return get_object_or_404(grades, pk=grade_id)


@role_required(Role.ADMIN, Role.GRADE_LEAD)
def grade_load(request: HttpRequest, grade_id: int) -> HttpResponse:
    term = _term()
    grade = _lead_grade(request, grade_id, term)
    try:
        day = datetime.date.fromisoformat(request.GET.get("date") or "")
    except ValueError:
        day = clock.today()
    data = sel.grade_load(grade, term, day)
    return render(request, "homework/grade_load.html", {"grade": grade, "day": day, "d": data,
                                                        "prev": day - datetime.timedelta(days=1),
                                                        "next": day + datetime.timedelta(days=1)})


@role_required(Role.ADMIN, Role.GRADE_LEAD)
def approve(request: HttpRequest, homework_id: int) -> HttpResponse:
    hw = _homework(request, homework_id)
    if not sel.may_approve(request.user, hw):
        raise Http404("只有本年级组长可以审批")
    if (refused := _post_only(request)) is not None:
        return refused
    _attempt(request, lambda: svc.approval_grant(homework=hw, by=_me(request), note=request.POST.get("note", ""),
                                                 now=clock.now()), f"已批准并布置：{hw}")
    return redirect(reverse("homework:grade_load", args=[hw.school_class.grade_id]) + f"?date={hw.date:%Y-%m-%d}")


@role_required(Role.ADMIN)
def limits(request: HttpRequest) -> HttpResponse:
    term = _term()
    if request.method == "POST":
        def save() -> list[Any]:
            minutes = {lv: _int(request.POST.get(f"g{lv}"), f"{lv}年级上限", 0, 120)
                       for lv in range(1, 7) if f"g{lv}" in request.POST}
            return svc.limits_set(school=term.school, minutes=minutes, by=_me(request))

        _attempt(request, save, "作业时长上限已保存")
        return redirect("homework:limits")
    rows = [{"level": lv, "minutes": svc.daily_limit(term.school, lv), "default": svc.DEFAULT_MINUTES[lv]}
            for lv in range(1, 7)]
    return render(request, "homework/limits.html", {"rows": rows, "rule": svc.GRADE12_RULE})


# ---------------------------------------------------------------------------------- student and parent


@role_required(*ALL_ROLES)
def assignment(request: HttpRequest, assignment_id: int) -> HttpResponse:
    a = get_object_or_404(sel.assignments_visible_to(request.user, _term()), pk=assignment_id)
    is_self = a.student.user_id == request.user.pk
    is_family = is_self or sel.own_students(request.user).filter(pk=a.student_id).exists()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "choose" and is_self:
            _attempt(request, lambda: svc.layer_choose(assignment=a, layer=request.POST.get("layer", "")),
                     "已更换层级")
        elif action == "answer" and is_self:
            responses = {_pk(k[2:]): v for k, v in request.POST.items() if k.startswith("a-")}
            _attempt(request, lambda: svc.answers_submit(assignment=a, responses=responses, now=clock.now()),
                     lambda r: f"已提交 {len(r)} 题，对 {sum(1 for x in r if x.mark == 'right')} 题")
        elif action == "minutes" and is_family:
            _attempt(request, lambda: svc.minutes_report(
                assignment=a, minutes=_int(request.POST.get("minutes"), "实际用时", 1, 300), by=request.user),
                "已记录实际用时")
        else:
            messages.error(request, "只有学生本人可以作答，学生或家长可以填报用时")
        return redirect("homework:assignment", assignment_id=a.pk)
    answers = {x.bank_item_id: x for x in a.answers.all()}
    items = [{"item": b, "online": on, "answer": answers.get(b.pk), "extra": i >= a.homework.items.count()}
             for i, (b, on) in enumerate(svc.required_items(a))]
    options = [(code, label, svc.layer_index(code) >= svc.layer_index(a.recommended_layer))
               for code, label in svc.LAYER_LABELS.items()]
    staff_view = bool(roles_of(request.user) & STAFF_ROLES)
    return render(request, "homework/assignment.html", {
        "a": a, "items": items, "is_self": is_self, "is_family": is_family, "options": options,
        "started": a.answers.exists(), "reason": a.recommendation_reason if staff_view else svc.family_reason(a),
        "minutes": svc.layer_minutes(a.homework), "pending_online": any(i["online"] and not i["answer"] for i in items)})


@role_required(*ALL_ROLES)
def wrongbook_view(request: HttpRequest, student_id: int) -> HttpResponse:
    student = get_object_or_404(sel.wrongbook_students_visible_to(request.user, _term()), pk=student_id)
    today = clock.today()
    entries = sel.entries_visible_to(request.user).filter(student=student).order_by("status", "next_due", "id")
    return render(request, "homework/wrongbook.html", {
        "student": student, "entries": entries, "today": today, "is_self": student.user_id == request.user.pk,
        "is_staff": bool(roles_of(request.user) & STAFF_ROLES), "due": sel.due_entries(student, today).count()})


@role_required(Role.STUDENT, *STAFF_ROLES)
def wrongbook_review(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(sel.entries_visible_to(request.user), pk=entry_id)
    if (refused := _post_only(request)) is not None:
        return refused
    today = clock.today()
    if entry.student.user_id == request.user.pk:
        _attempt(request, lambda: wrongbook.review_answer(entry=entry, response=request.POST.get("response", ""),
                                                          today=today, now=clock.now()),
                 lambda r: "答对了！" + ("已掌握" if r.entry.status == "mastered" else
                                        f"下次复习：{r.entry.next_due:%m-%d}") if r.correct else "答错了，明天再练一道变式题")
    elif roles_of(request.user) & STAFF_ROLES and request.POST.get("correct") in ("1", "0"):
        _attempt(request, lambda: wrongbook.review_mark(entry=entry, correct=request.POST["correct"] == "1",
                                                        by=_me(request), today=today, now=clock.now()),
                 "已记录重做批改")
    else:
        messages.error(request, "只有学生本人可以作答")
    return redirect("homework:wrongbook", student_id=entry.student_id)


@role_required(*ALL_ROLES)
def wrongbook_print(request: HttpRequest, student_id: int) -> HttpResponse:
    student = get_object_or_404(sel.wrongbook_students_visible_to(request.user, _term()), pk=student_id)
    entries = sel.entries_visible_to(request.user).filter(student=student, status="open").order_by("next_due", "id")
    return render(request, "homework/wrongbook_print.html", {"student": student, "entries": entries,
                                                             "today": clock.today()})


@role_required(*TEACHING_ROLES)
def class_wrongbook(request: HttpRequest, class_id: int) -> HttpResponse:
    term = _term()
    klass = get_object_or_404(classes_visible_to(request.user, term), pk=class_id)
    assessments = Assessment.objects.filter(term=term, grade=klass.grade).select_related("subject").order_by("-date")
    return render(request, "homework/class_wrongbook.html", {
        "klass": klass, "d": sel.class_wrongbook(klass, clock.today()), "assessments": assessments})


@role_required(*TEACHING_ROLES)
def collect(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Collect the wrong items of an assessment (below 60%) for the students of the user's classes."""
    term = _term()
    visible = classes_visible_to(request.user, term)
    a = get_object_or_404(Assessment.objects.filter(term=term, grade__in=visible.values("grade")), pk=assessment_id)
    if (refused := _post_only(request)) is not None:
        return refused
    klass = visible.filter(pk=_pk(request.POST.get("class_id")), grade=a.grade_id).first()
    if klass is None:
        messages.error(request, "请选择您的班级")
        return redirect("homework:index")
    ids = list(klass.enrolments.values_list("student_id", flat=True))
    _attempt(request, lambda: wrongbook.collect_assessment(assessment=a, today=clock.today(), by=_me(request),
                                                           student_ids=ids), lambda n: f"已收集 {n} 道新错题")
    return redirect("homework:class_wrongbook", class_id=klass.pk)

