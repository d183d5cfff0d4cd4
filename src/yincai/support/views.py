"""Thin views of the support workflow: parse → selector/service → render. Visibility via selectors (404)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from yincai.accounts.access import role_required
from yincai.accounts.roles import ALL_ROLES, STAFF_ROLES, TEACHING_ROLES, Role, roles_of
from yincai.curriculum.models import KnowledgePoint
from yincai.oversight.concurrency import parse_version
from yincai.oversight.services import audit_record, audit_sensitive_read
from yincai.school.models import MentorAssignment, Staff, Student, Subject, Term
from yincai.school.selectors import children_of, classes_visible_to, staff_of, students_visible_to
from yincai.support import diagnosis
from yincai.support import selectors as sel
from yincai.support import services as svc
from yincai.support.models import (
    CAUSE_CHOICES,
    ActionItem,
    Award,
    Grouping,
    LearningProfile,
    Meeting,
    Observation,
    PairPreference,
    PeerPair,
    PlanReview,
    PointsEntry,
    ProgressEntry,
    Redemption,
    Reward,
    SelfGoal,
    SupportPlan,
    TutoringSession,
)

CLASS_ROLES = TEACHING_ROLES | {Role.COUNSELOR}
MENTOR_ASSIGNERS = (Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER)
REWARD_MANAGERS = frozenset({Role.ADMIN, Role.HEAD_TEACHER})


# ------------------------------------------------------------------------------------------- helpers


def _term() -> Term:
    term = Term.current()
    if term is None:
        raise Http404("尚未设置学期")
    return term


def _me(request: HttpRequest) -> Staff:
    staff = staff_of(request.user)
    if staff is None:
        raise Http404("只有教职工可以执行此操作")
    return staff


def _int(value: str | None, label: str, *, lo: int | None = None, hi: int | None = None, default: int | None = None) -> int:
    if value in (None, ""):
        if default is not None:
            return default
        raise ValidationError(f"请填写{label}")
    try:
        n = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError(f"{label}必须是整数") from exc
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise ValidationError(f"{label}应在 {lo} 到 {hi} 之间")
    return n


def _date(value: str | None, label: str, default: datetime.date | None = None) -> datetime.date:
    if not value:
        if default is not None:
            return default
        raise ValidationError(f"请填写{label}")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{label}格式应为 年-月-日，例如 2026-12-20") from exc


def _attempt(request: HttpRequest, action: Callable[[], Any], ok: str) -> Any:
    """Run a service; on ValidationError show the Chinese message and return None (nothing was written)."""
    try:
        result = action()
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return None
    messages.success(request, ok)
    return result


def _pk(value: str | None) -> int:
    """A primary key from form input; 0 (matches nothing) for anything that is not a positive integer."""
    return int(value) if value and value.isdigit() else 0


def _visible_student(request: HttpRequest, student_id: int) -> Student:
    return get_object_or_404(students_visible_to(request.user), pk=student_id)


def _visible_plan(request: HttpRequest, plan_id: int) -> SupportPlan:
    return get_object_or_404(sel.plans_visible_to(request.user), pk=plan_id)


def _visible_class(request: HttpRequest, class_id: int) -> Any:
    return get_object_or_404(classes_visible_to(request.user).select_related("term"), pk=class_id)


def _subject(request: HttpRequest, default: str = "math") -> Subject:
    code = request.POST.get("subject") or request.GET.get("subject") or default
    return get_object_or_404(Subject, code=code)


def _kp(value: str | None, subject: Subject | None = None) -> KnowledgePoint | None:
    if not value:
        return None
    qs = KnowledgePoint.objects.filter(is_unit=False)
    if subject is not None:
        qs = qs.filter(subject=subject)
    kp = qs.filter(pk=value).first() if str(value).isdigit() else None
    if kp is None:
        raise ValidationError("知识点不存在或不属于该学科")
    return kp


def _school_staff(student: Student) -> list[Staff]:
    return list(Staff.objects.filter(school_id=student.school_id).select_related("user").order_by("name"))


# ------------------------------------------------------------------------------------- home & caseload


@role_required(*STAFF_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    term = _term()
    me = staff_of(request.user)
    plans = sel.plans_visible_to(request.user, term).filter(status__in=["active", "adjusted"])
    mine = plans.filter(responsible=me) if me else plans.none()
    mentees = MentorAssignment.objects.filter(term=term, mentor=me).select_related("student") if me else []
    return render(request, "support/home.html", {
        "term": term,
        "overdue": sel.overdue_plans(request.user, term, plans=plans)[:50],
        "mine": mine[:50],
        "active_count": plans.count(),
        "mentees": mentees,
        "classes": classes_visible_to(request.user, term),
        "my_actions": sel.open_actions_of(request.user),
    })


@role_required(*STAFF_ROLES)
def caseload(request: HttpRequest) -> HttpResponse:
    return render(request, "support/caseload.html", {"rows": sel.mentor_caseload(request.user, _term())})


# ----------------------------------------------------------------------------------- student & plans


@role_required(*STAFF_ROLES)
def student(request: HttpRequest, student_id: int) -> HttpResponse:
    term = _term()
    st = _visible_student(request, student_id)
    plans = sel.plans_visible_to(request.user, term).filter(student=st)
    roles = roles_of(request.user, term)
    may_assign = bool(roles & set(MENTOR_ASSIGNERS))
    return render(request, "support/student.html", {
        "student": st,
        "klass": st.class_in(term),
        "plans": plans,
        "timeline": ProgressEntry.objects.filter(student=st).select_related("author")[:100],
        "mentors": st.mentors.filter(term=term).select_related("mentor"),
        "may_assign": may_assign,
        "staff": _school_staff(st) if may_assign else [],  # only the assign form lists them
        "sessions": TutoringSession.objects.filter(term=term, students=st).select_related("teacher")[:20],
        "points": sel.points_balance(st),
        "awards": Award.objects.filter(student=st, term=term),
        "subjects": Subject.objects.all(),
        "observations": sel.observation_summary(st),
        "profile": LearningProfile.objects.filter(student=st).first(),
        "styles": LearningProfile.STYLE_CHOICES,
    })


@role_required(*MENTOR_ASSIGNERS)
def mentor_assign(request: HttpRequest, student_id: int) -> HttpResponse:
    st = _visible_student(request, student_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the lookup: a stranger's object is 404
    me = _me(request)
    mentor = Staff.objects.filter(school=st.school, pk=_pk(request.POST.get("mentor"))).first()
    if mentor is None:
        messages.error(request, "请选择本校教师作为导师")
    else:
        _attempt(request, lambda: svc.mentor_assign(student=st, mentor=mentor, term=_term(), author=me),
                 f"已指派 {mentor.name} 为 {st.name} 的导师")
    return redirect(reverse("support:student", args=[st.pk]))


def _goal_specs_from_post(request: HttpRequest, subject: Subject) -> list[svc.GoalSpec]:
    specs = []
    for i in range(_int(request.POST.get("goal_count"), "目标数", lo=0, hi=10, default=0)):
        if not request.POST.get(f"goal_{i}_use"):
            continue
        specs.append(svc.GoalSpec(
            description=request.POST.get(f"goal_{i}_description", ""),
            due=_date(request.POST.get(f"goal_{i}_due"), "达成期限"),
            knowledge_point=_kp(request.POST.get(f"goal_{i}_kp"), subject),
            target_rate=_int(request.POST.get(f"goal_{i}_target"), "目标得分率", lo=1, hi=100),
        ))
    return specs


@role_required(*STAFF_ROLES)
def plan_new(request: HttpRequest, student_id: int) -> HttpResponse:
    term = _term()
    st = _visible_student(request, student_id)
    subject = _subject(request)
    draft = svc.plan_template(student=st, subject=subject, term=term)
    if request.method == "POST":
        me = _me(request)

        def create() -> SupportPlan:
            responsible = Staff.objects.filter(school=st.school, pk=_pk(request.POST.get("responsible"))).first()
            if responsible is None:
                raise ValidationError("请选择责任教师（包人头）")
            return svc.plan_create(
                student=st, term=term, subject=subject, author=me, responsible=responsible,
                kind=request.POST.get("kind", "catch_up"), causes=request.POST.getlist("causes"),
                cause_notes=request.POST.get("cause_notes", ""), measures=request.POST.get("measures", ""),
                family_note=request.POST.get("family_note", ""), goals=_goal_specs_from_post(request, subject),
                review_every_days=_int(request.POST.get("review_every_days"), "复查周期", lo=7, hi=62, default=14),
            )

        plan = _attempt(request, create, "帮扶计划已建立")
        if plan is not None:
            return redirect(reverse("support:plan", args=[plan.pk]))
    klass = st.class_in(term)
    return render(request, "support/plan_new.html", {
        "student": st, "klass": klass, "draft": draft, "subject": subject, "subjects": Subject.objects.all(),
        "causes": CAUSE_CHOICES, "staff": _school_staff(st), "me": staff_of(request.user),
        "kinds": SupportPlan.KIND_CHOICES, "post": request.POST if request.method == "POST" else None,
    })


@role_required(*STAFF_ROLES)
def plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    p = _visible_plan(request, plan_id)
    if p.causes:
        audit_sensitive_read(student_id=p.student_id, what="帮扶计划原因分析", object_id=p.pk)
    kps = KnowledgePoint.objects.filter(subject=p.subject, is_unit=False, grade_level__lte=(
        p.student.class_in(p.term).grade.level if p.student.class_in(p.term) else 6)).order_by("-grade_level", "order")
    progress = sel.goal_progress(p)
    chart = [{"name": g.goal.knowledge_point.name if g.goal.knowledge_point else g.goal.description,
              "target": g.goal.target_rate, "points": [[pt.date, pt.rate, pt.assessment] for pt in g.series]}
             for g in progress if g.series]
    return render(request, "support/plan.html", {
        "plan": p, "progress": progress, "chart": chart, "reviews": p.reviews.select_related("author"),
        "timeline": ProgressEntry.objects.filter(plan=p).select_related("author")[:50],
        "kps": kps[:300], "review_kinds": PlanReview.KIND_CHOICES, "statuses": SupportPlan.STATUS_CHOICES,
        "today": timezone.localdate(), "causes": CAUSE_CHOICES, "staff": _school_staff(p.student),
        "default_due": min(p.term.end_date, timezone.localdate() + datetime.timedelta(days=42)),
    })


@role_required(*STAFF_ROLES)
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    p = _visible_plan(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the lookup: a stranger's object is 404
    me = _me(request)

    def update() -> SupportPlan:
        responsible = Staff.objects.filter(school=p.student.school, pk=_pk(request.POST.get("responsible"))).first()
        if responsible is None:
            raise ValidationError("请选择责任教师（包人头）")
        return svc.plan_update(
            plan=p, author=me, causes=request.POST.getlist("causes"), cause_notes=request.POST.get("cause_notes", ""),
            measures=request.POST.get("measures", ""), family_note=request.POST.get("family_note", ""),
            responsible=responsible,
            review_every_days=_int(request.POST.get("review_every_days"), "复查周期", lo=7, hi=62),
            version=parse_version(request.POST.get("version")))

    _attempt(request, update, "计划已调整")
    return redirect(reverse("support:plan", args=[p.pk]))


@role_required(*STAFF_ROLES)
def goal_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    p = _visible_plan(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the lookup: a stranger's object is 404
    me = _me(request)

    def add() -> Any:
        kp = _kp(request.POST.get("kp"), p.subject)
        target = _int(request.POST.get("target_rate"), "目标得分率", lo=1, hi=100) if request.POST.get("target_rate") else None
        description = request.POST.get("description", "").strip() or (
            f"{kp.name}得分率达到 {target}%" if kp and target else "")
        return svc.goal_add(plan=p, author=me, spec=svc.GoalSpec(
            description=description, due=_date(request.POST.get("due"), "达成期限"), knowledge_point=kp,
            target_rate=target))

    _attempt(request, add, "目标已添加")
    return redirect(reverse("support:plan", args=[p.pk]))


@role_required(*STAFF_ROLES)
def review_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    p = _visible_plan(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the lookup: a stranger's object is 404
    me = _me(request)
    _attempt(request, lambda: svc.review_add(
        plan=p, author=me, kind=request.POST.get("kind", "biweekly"), content=request.POST.get("content", ""),
        status_after=request.POST.get("status_after", p.status),
        date=_date(request.POST.get("date"), "日期", timezone.localdate()),
        version=parse_version(request.POST.get("version"))), "复查小结已记录")
    return redirect(reverse("support:plan", args=[p.pk]))


@role_required(*STAFF_ROLES)
def plan_share(request: HttpRequest, plan_id: int) -> HttpResponse:
    p = _visible_plan(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the lookup: a stranger's object is 404
    shared = request.POST.get("shared") == "1"
    _attempt(request, lambda: svc.plan_share_causes(plan=p, shared=shared, author=_me(request)),
             "已向家长公开原因分析" if shared else "原因分析不再向家长公开")
    return redirect(reverse("support:plan", args=[p.pk]))


@role_required(*STAFF_ROLES)
def goals_check(request: HttpRequest, plan_id: int) -> HttpResponse:
    p = _visible_plan(request, plan_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the lookup: a stranger's object is 404
    reached = _attempt(request, lambda: svc.goals_check(plan=p, author=_me(request)), "已根据最新成绩核对目标")
    if reached:
        messages.success(request, f"{len(reached)} 个目标达成，已自动奖励积分")
    return redirect(reverse("support:plan", args=[p.pk]))


@role_required(Role.PARENT)
def family_home(request: HttpRequest) -> HttpResponse:
    """A parent's entry: links to each child's learning plan page."""
    children = list(children_of(request.user).order_by("student_no"))
    return render(request, "support/family_home.html", {"children": children})


@role_required(Role.PARENT, Role.STUDENT)
def family(request: HttpRequest, student_id: int) -> HttpResponse:
    """The family's view of the support: goals and progress against the student's own past, points, awards."""
    term = _term()
    st = _visible_student(request, student_id)
    plans = SupportPlan.objects.filter(student=st, term=term).exclude(status="closed").select_related("subject", "responsible")
    return render(request, "support/family.html", {
        "student": st, "plans": [sel.family_plan_view(p) for p in plans], "points": sel.points_balance(st),
        "awards": Award.objects.filter(student=st, term=term),
        "goals": SelfGoal.objects.filter(student=st, term=term), "is_self": st.user_id == request.user.pk,
    })


# ------------------------------------------------------------------------------------------- sessions


@role_required(*STAFF_ROLES)
def sessions(request: HttpRequest) -> HttpResponse:
    try:
        day = _date(request.GET.get("week"), "周", timezone.localdate())
    except ValidationError:
        day = timezone.localdate()
    return render(request, "support/sessions.html", sel.week_view(request.user, day, _term()))


@role_required(*STAFF_ROLES)
def session_new(request: HttpRequest) -> HttpResponse:
    term = _term()
    visible = students_visible_to(request.user, term).order_by("student_no")
    subject = _subject(request)
    if request.method == "POST":
        me = _me(request)

        def log() -> TutoringSession:
            ids = [i for i in request.POST.getlist("students") if i.isdigit()]
            chosen = list(visible.filter(pk__in=ids))
            if len(chosen) != len(set(ids)):
                raise ValidationError("所选学生中有您无权辅导的学生")
            kp_ids = [i for i in request.POST.getlist("kps") if i.isdigit()]
            return svc.session_log(
                teacher=me, term=term, kind=request.POST.get("kind", ""),
                date=_date(request.POST.get("date"), "日期", timezone.localdate()),
                minutes=_int(request.POST.get("minutes"), "时长", lo=1, hi=480), students=chosen,
                content=request.POST.get("content", ""), outcome=request.POST.get("outcome", ""),
                knowledge_points=list(KnowledgePoint.objects.filter(pk__in=kp_ids, is_unit=False)),
            )

        if _attempt(request, log, "辅导记录已保存") is not None:
            nxt = request.POST.get("next", "")
            return redirect(nxt if nxt.startswith("/support/") else reverse("support:sessions"))
    pre = request.GET.get("student")
    return render(request, "support/session_new.html", {
        "students": visible[:500], "kinds": TutoringSession.KIND_CHOICES, "today": timezone.localdate(),
        "preselect": int(pre) if pre and pre.isdigit() else None, "next": request.GET.get("next", ""),
        "kps": KnowledgePoint.objects.filter(subject=subject, is_unit=False).order_by("grade_level", "order")[:400],
    })


# ----------------------------------------------------------------------------------------- class board


@role_required(*CLASS_ROLES)
def class_board(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = _visible_class(request, class_id)
    students = sel.class_students(klass)
    plans = {p.student_id: p for p in SupportPlan.objects.filter(term=klass.term, student__in=students,
                                                                 status__in=["active", "adjusted"]).select_related("subject")}
    balances = sel.points_balances(students)
    subject = _subject(request)
    tiers = diagnosis.tiers_for([s.pk for s in students], klass.term, subject)
    if tiers:
        audit_record(action="read_sensitive", model="分层", object_id=klass.pk, detail=f"帮扶看板查看 {klass.name} 分层")
    rows = [{"student": s, "plan": plans.get(s.pk), "points": balances[s.pk], "tier": tiers.get(s.pk, ""),
             "tier_label": diagnosis.tier_label(tiers.get(s.pk))} for s in students]
    return render(request, "support/class_board.html", {
        "klass": klass, "rows": rows, "subject": subject,
        "grouping": Grouping.objects.filter(school_class=klass).first(),
        "self_goals": sel.open_self_goals(students, klass.term),
    })


@role_required(*CLASS_ROLES)
def grouping(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = _visible_class(request, class_id)
    subject = _subject(request)
    students = sel.class_students(klass)
    proposal = None
    n_groups = max(2, min(8, len(students) // 6 or 2))
    raw_groups = request.POST.get("n_groups", "")
    if request.method == "POST" and raw_groups.strip().isdigit():
        n_groups = int(raw_groups)
    elif request.method == "POST":
        messages.error(request, "组数必须是整数")
    if request.method == "POST" and raw_groups.strip().isdigit():
        def parse_pairs(field: str) -> list[tuple[int, int]]:
            pairs = []
            for line in request.POST.get(field, "").replace("，", ",").splitlines():
                parts = [p.strip() for p in line.split(",") if p.strip()]
                if not parts:
                    continue
                by_name = {s.name: s.pk for s in students} | {s.student_no: s.pk for s in students}
                if len(parts) != 2 or any(p not in by_name for p in parts):
                    raise ValidationError(f"无法识别“{line}”：每行写两名本班学生的姓名或学号，用逗号分隔")
                pairs.append((by_name[parts[0]], by_name[parts[1]]))
            return pairs

        try:
            proposal = svc.grouping_propose(
                school_class=klass, subject=subject, n_groups=n_groups,
                must_together=parse_pairs("must"), cannot_together=parse_pairs("cannot"),
                mix_gender=request.POST.get("mix_gender") == "1",
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    rows: list[dict[str, Any]] = []
    if proposal is not None:
        for i, s in enumerate(proposal.students):
            rows.append({"student": s, "score": proposal.scores[i], "imputed": proposal.imputed[i],
                         "group": int(proposal.cpsat.labels[i]) + 1, "snake": int(proposal.snake.labels[i]) + 1,
                         "tier": diagnosis.tier_label(proposal.tiers.get(s.pk))})
        if proposal.tiers:
            audit_record(action="read_sensitive", model="分层", object_id=klass.pk, detail=f"分组时查看 {klass.name} 分层")
        rows.sort(key=lambda r: (r["group"], -r["score"]))
    history = Grouping.objects.filter(school_class=klass).select_related("created_by", "subject")[:20]
    current = history[0] if history else None
    current_groups: dict[int, list[Student]] = {}
    if current is not None:
        for m in current.members.select_related("student"):
            current_groups.setdefault(m.group_no, []).append(m.student)
    return render(request, "support/grouping.html", {
        "klass": klass, "subject": subject, "subjects": Subject.objects.all(), "n_groups": n_groups,
        "proposal": proposal, "rows": rows, "history": history, "current": current,
        "current_groups": sorted(current_groups.items()), "group_range": range(1, n_groups + 1),
        "post": request.POST,
    })


@role_required(*CLASS_ROLES)
def grouping_save(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = _visible_class(request, class_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the lookup: a stranger's object is 404
    subject = _subject(request)
    me = _me(request)

    def save() -> Grouping:
        assignment = {}
        for s in sel.class_students(klass):
            assignment[s.pk] = _int(request.POST.get(f"g_{s.pk}"), f"{s.name}的组号", lo=1, hi=50)
        method = request.POST.get("method", "cpsat")
        extra = {}
        for key in ("cp_status", "cp_gap", "cp_seconds", "snake_mean_range", "snake_sd_range"):
            if request.POST.get(key):
                extra[key] = request.POST[key][:20]
        return svc.grouping_save(school_class=klass, subject=subject, assignment=assignment, method=method,
                                 author=me, rule=request.POST.get("rule", ""), extra=extra)

    _attempt(request, save, "分组方案已保存（历史方案保留）")
    return redirect(reverse("support:grouping", args=[klass.pk]) + f"?subject={subject.code}")


@role_required(*CLASS_ROLES)
def pairs(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = _visible_class(request, class_id)
    subject = _subject(request)
    students = sel.class_students(klass)
    proposal = None
    if request.method == "POST":
        prefs = {}
        for s in students:
            v = request.POST.get(f"pref_{s.pk}")
            if v and v.isdigit():
                prefs[s.pk] = int(v)
        try:
            proposal = svc.pairs_propose(school_class=klass, subject=subject, preferences=prefs,
                                         capacity=_int(request.POST.get("capacity"), "每人帮扶人数", lo=1, hi=3, default=1))
            if request.POST.get("save") == "1":
                svc.pairs_save(school_class=klass, subject=subject, proposal=proposal, author=_me(request))
                messages.success(request, f"已保存 {len(proposal.pairs)} 对一帮一结对")
                return redirect(reverse("support:pairs", args=[klass.pk]) + f"?subject={subject.code}")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    active = PeerPair.objects.filter(school_class=klass, subject=subject, active=True).select_related("tutor", "tutee")
    wishes = dict(PairPreference.objects.filter(term=klass.term, student__in=students).values_list("student_id", "preferred_id"))
    pref_rows = [(s, wishes.get(s.pk)) for s in students]
    return render(request, "support/pairs.html", {
        "klass": klass, "subject": subject, "subjects": Subject.objects.all(), "students": students,
        "proposal": proposal, "active": active, "post": request.POST, "pref_rows": pref_rows,
    })


# ------------------------------------------------------------------------------------------ incentives


@role_required(*CLASS_ROLES)
def points(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = _visible_class(request, class_id)
    students = sel.class_students(klass)
    subject = _subject(request)
    if request.method == "POST":
        me = _me(request)
        ids = {int(i) for i in request.POST.getlist("students") if i.isdigit()}
        chosen = [s for s in students if s.pk in ids]
        _attempt(request, lambda: svc.points_award(
            students=chosen, points=_int(request.POST.get("points"), "积分", lo=-50, hi=50),
            reason=request.POST.get("reason", ""), author=me, term=klass.term), f"已为 {len(chosen)} 名学生记录积分")
        return redirect(reverse("support:points", args=[klass.pk]))
    balances = sel.points_balances(students)
    rewarded = set(PointsEntry.objects.filter(student__in=students, term=klass.term, points__gt=0)
                   .values_list("student_id", flat=True))
    rewarded |= set(Award.objects.filter(student__in=students, term=klass.term).values_list("student_id", flat=True))
    coverage = {"n": len(rewarded), "total": len(students),
                "pct": round(100 * len(rewarded) / len(students)) if students else 0}
    return render(request, "support/points.html", {
        "coverage": coverage,
        "klass": klass, "rows": [{"student": s, "balance": balances[s.pk]} for s in students],
        "ledger": PointsEntry.objects.filter(student__in=students).select_related("student", "awarded_by")[:50],
        "suggestions": sel.progress_award_suggestions(klass, subject), "subject": subject,
        "award_kinds": Award.KIND_CHOICES,
    })


@role_required(*CLASS_ROLES)
def award_grant(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = _visible_class(request, class_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the lookup: a stranger's object is 404
    me = _me(request)
    st = next((s for s in sel.class_students(klass) if str(s.pk) == request.POST.get("student")), None)
    if st is None:
        messages.error(request, "请选择本班学生")
    else:
        _attempt(request, lambda: svc.award_grant(
            student=st, kind=request.POST.get("kind", ""), citation=request.POST.get("citation", ""), author=me,
            term=klass.term, evidence=request.POST.get("evidence", ""),
            points=_int(request.POST.get("points"), "奖励积分", lo=0, hi=50, default=0)), f"已表彰 {st.name}")
    return redirect(reverse("support:points", args=[klass.pk]))


@role_required(*STAFF_ROLES)
@require_POST
def self_goal_confirm(request: HttpRequest) -> HttpResponse:
    goal = get_object_or_404(SelfGoal.objects.filter(student__in=students_visible_to(request.user)),
                             pk=_pk(request.POST.get("goal")))
    _attempt(request, lambda: svc.self_goal_confirm(goal=goal, author=_me(request)),
             f"已确认 {goal.student.name} 的目标达成并奖励 {goal.points} 积分")
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/support/") else reverse("support:home"))


@role_required(*ALL_ROLES)
def honor(request: HttpRequest, class_id: int) -> HttpResponse:
    klass = sel.class_of_visible(request.user, class_id)
    if klass is None:
        raise Http404("找不到该班级")
    from yincai.homeschool.consent import annotate_honor_names  # names only with the guardian's consent

    return render(request, "support/honor.html", {"klass": klass, "awards": annotate_honor_names(sel.honor_wall(klass))})


@role_required(*(STAFF_ROLES | {Role.STUDENT}))
def rewards(request: HttpRequest) -> HttpResponse:
    term = _term()
    roles = roles_of(request.user, term)
    me = staff_of(request.user)
    own = Student.objects.filter(user=request.user).first()
    school = me.school if me else (own.school if own else None)
    if school is None:
        raise Http404("找不到学校")
    if request.method == "POST":
        if not roles & REWARD_MANAGERS:
            messages.error(request, "只有班主任和学校管理员可以添加奖励")
        elif request.POST.get("action") == "defaults":
            added = _attempt(request, lambda: svc.reward_defaults(school_id=school.pk), "已添加常用奖励")
            if added == []:
                messages.info(request, "常用奖励都已在目录中")
        else:
            _attempt(request, lambda: svc.reward_create(
                school_id=school.pk, name=request.POST.get("name", ""),
                cost=_int(request.POST.get("cost"), "所需积分", lo=1, hi=10000),
                stock=_int(request.POST.get("stock"), "库存", lo=0, hi=100000),
                description=request.POST.get("description", "")), "奖励已上架")
        return redirect(reverse("support:rewards"))
    return render(request, "support/rewards.html", {
        "rewards": Reward.objects.filter(school=school).order_by("-active", "cost"),
        "may_manage": bool(roles & REWARD_MANAGERS), "student": own,
        "balance": sel.points_balance(own) if own else None,
    })


@role_required(Role.STUDENT)
@require_POST
def reward_redeem(request: HttpRequest) -> HttpResponse:
    own = get_object_or_404(Student, user=request.user)
    reward = get_object_or_404(Reward, school=own.school, pk=_pk(request.POST.get("reward")))
    _attempt(request, lambda: svc.reward_redeem(student=own, reward=reward, term=_term()),
             f"兑换成功：{reward.name}，请找老师领取")
    return redirect(reverse("support:me"))


@role_required(Role.STUDENT)
def me(request: HttpRequest) -> HttpResponse:
    term = _term()
    own = get_object_or_404(Student, user=request.user)
    if request.method == "POST" and request.POST.get("action") == "pair":
        raw = request.POST.get("preferred", "")
        mate = Student.objects.filter(pk=raw).first() if raw.isdigit() else None
        _attempt(request, lambda: svc.pair_preference_set(student=own, preferred=mate, term=term),
                 "已记下你的心愿，老师结对时会优先考虑" if mate else "已取消结对心愿")
        return redirect(reverse("support:me"))
    if request.method == "POST":
        _attempt(request, lambda: svc.self_goal_add(
            student=own, term=term, text=request.POST.get("text", ""),
            due=_date(request.POST.get("due"), "期限"),
            points=_int(request.POST.get("points"), "奖励积分", lo=1, hi=20, default=5)), "目标已设定，加油！")
        return redirect(reverse("support:me"))
    klass = own.class_in(term)
    return render(request, "support/me.html", {
        "student": own, "balance": sel.points_balance(own),
        "ledger": PointsEntry.objects.filter(student=own)[:30],
        "rewards": sel.rewards_for(own), "redemptions": Redemption.objects.filter(student=own).select_related("reward"),
        "goals": SelfGoal.objects.filter(student=own, term=term), "awards": Award.objects.filter(student=own),
        "klass": klass, "default_due": timezone.localdate() + datetime.timedelta(days=14),
        "classmates": Student.objects.filter(enrolments__school_class=klass).exclude(pk=own.pk)
        .order_by("student_no") if klass else [],
        "wish": PairPreference.objects.filter(student=own, term=term).first(),
    })


# ----------------------------------------------------------------------------------------- meetings

MEETING_CREATORS = frozenset({Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER})


@role_required(*STAFF_ROLES)
def meetings(request: HttpRequest) -> HttpResponse:
    term = _term()
    roles = roles_of(request.user, term)
    me = staff_of(request.user)
    if request.method == "POST":
        if not roles & MEETING_CREATORS:
            messages.error(request, "只有校领导、年级组长和班主任可以记录会议")
            return redirect(reverse("support:meetings"))
        author = _me(request)

        def create() -> Any:
            date = _date(request.POST.get("date"), "会议日期", timezone.localdate())
            klass = None
            if request.POST.get("school_class"):
                klass = classes_visible_to(request.user, term).filter(pk=request.POST["school_class"]).first()
                if klass is None:
                    raise ValidationError("班级不存在或无权限")
            actions = []
            for i in range(5):
                text = request.POST.get(f"action_{i}_text", "").strip()
                if not text:
                    continue
                owner = Staff.objects.filter(school=author.school, pk=_pk(request.POST.get(f"action_{i}_owner"))).first()
                if owner is None:
                    raise ValidationError(f"待办“{text}”请选择负责人")
                actions.append(svc.ActionSpec(text, owner, _date(request.POST.get(f"action_{i}_due"), "待办期限")))
            ids = [i for i in request.POST.getlist("students") if i.isdigit()]
            students = list(students_visible_to(request.user, term).filter(pk__in=ids))
            if len(students) != len(set(ids)):
                raise ValidationError("所选学生中有您无权查看的学生")
            return svc.meeting_create(term=term, author=author, kind=request.POST.get("kind", ""),
                                      title=request.POST.get("title", ""), date=date, school_class=klass,
                                      minutes=request.POST.get("minutes", ""), decisions=request.POST.get("decisions", ""),
                                      actions=actions, students=students)

        _attempt(request, create, "会议纪要已保存")
        return redirect(reverse("support:meetings"))
    meetings = list(sel.meetings_visible_to(request.user, term).prefetch_related("students")[:50])
    visible_ids = set(students_visible_to(request.user, term).values_list("pk", flat=True))
    shown = [(m, [s for s in m.students.all() if s.pk in visible_ids]) for m in meetings]  # no strangers' names
    return render(request, "support/meetings.html", {
        "meetings": shown, "my_actions": sel.open_actions_of(request.user),
        "may_create": bool(roles & MEETING_CREATORS), "kinds": Meeting.KIND_CHOICES,
        "staff": Staff.objects.filter(school=me.school).order_by("name") if me else [],
        "classes": classes_visible_to(request.user, term), "today": timezone.localdate(), "slots": range(3),
        "students": sel.plans_visible_to(request.user, term).filter(status__in=["active", "adjusted"])
        .select_related("student").order_by("student__student_no"),
    })


@role_required(*STAFF_ROLES)
@require_POST
def action_done(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    allowed = ActionItem.objects.filter(meeting__in=sel.meetings_visible_to(request.user))
    if Role.ADMIN not in roles_of(request.user):
        allowed = allowed.filter(owner=me) | allowed.filter(meeting__created_by=me)
    item = get_object_or_404(allowed, pk=_pk(request.POST.get("item")))
    _attempt(request, lambda: svc.action_done(item=item, by=me, follow_up=request.POST.get("follow_up", "")),
             "待办已标记完成")
    return redirect(reverse("support:meetings"))


# ----------------------------------------------------------------------------------------- programs

PROGRAM_CREATORS = frozenset({Role.ADMIN, Role.GRADE_LEAD, Role.HEAD_TEACHER, Role.SUBJECT_TEACHER})


@role_required(*STAFF_ROLES)
def programs(request: HttpRequest) -> HttpResponse:
    term = _term()
    roles = roles_of(request.user, term)
    if request.method == "POST":
        if not roles & PROGRAM_CREATORS:
            messages.error(request, "只有任课教师、班主任和学校管理员可以创建项目")
            return redirect(reverse("support:programs"))
        program = _attempt(request, lambda: svc.program_create(
            term=term, leader=_me(request), name=request.POST.get("name", ""),
            description=request.POST.get("description", "")), "项目已创建")
        if program is not None:
            return redirect(reverse("support:program", args=[program.pk]))
        return redirect(reverse("support:programs"))
    return render(request, "support/programs.html", {
        "programs": sel.programs_visible_to(request.user, term), "may_create": bool(roles & PROGRAM_CREATORS),
    })


@role_required(*ALL_ROLES)
def program(request: HttpRequest, program_id: int) -> HttpResponse:
    term = _term()
    prog = get_object_or_404(sel.programs_visible_to(request.user, term), pk=program_id)
    me = staff_of(request.user)
    family_view = bool(roles_of(request.user, term) & {Role.STUDENT, Role.PARENT}) and me is None
    visible = students_visible_to(request.user, term)
    if request.method == "POST":
        if family_view:
            raise Http404("找不到该项目")
        if request.POST.get("action") == "members":
            ids = [i for i in request.POST.getlist("students") if i.isdigit()]
            chosen = list(visible.filter(pk__in=ids))
            _attempt(request, lambda: svc.program_add_members(program=prog, students=chosen), f"已加入 {len(chosen)} 名成员")
        else:
            present_ids = {int(i) for i in request.POST.getlist("present") if i.isdigit()}
            present = [s for s in prog.members.all() if s.pk in present_ids]
            _attempt(request, lambda: svc.program_event_add(
                program=prog, date=_date(request.POST.get("date"), "活动日期", timezone.localdate()),
                title=request.POST.get("title", ""), outcome=request.POST.get("outcome", ""), present=present),
                "活动与出勤已记录")
        return redirect(reverse("support:program", args=[prog.pk]))
    members = list(prog.members.filter(pk__in=visible).order_by("student_no"))
    events = list(prog.events.prefetch_related("present"))
    member_rows = [(s, sum(1 for e in events if s in e.present.all())) for s in members]
    return render(request, "support/program.html", {
        "program": prog, "members": members, "member_rows": member_rows, "events": events,
        "family_view": family_view, "candidates": visible.exclude(pk__in=prog.members.values("pk")).order_by("student_no")[:300],
        "today": timezone.localdate(), "hidden_members": prog.members.count() - len(members),
    })


# ------------------------------------------------------------------------------------- observations


@role_required(*CLASS_ROLES)
def observe(request: HttpRequest, class_id: int) -> HttpResponse:
    """Phone-sized quick entry of the five classroom behaviours for a whole class."""
    klass = _visible_class(request, class_id)
    students = sel.class_students(klass)
    if request.method == "POST":
        me = _me(request)

        def record() -> Any:
            rows = {}
            for s in students:
                values: dict[str, int | None] = {}
                for f in svc.OBSERVATION_FIELDS:
                    raw = request.POST.get(f"{f}_{s.pk}")
                    values[f] = _int(raw, "评分", lo=1, hi=5) if raw else None
                rows[s] = values
            return svc.observations_record(observer=me, date=_date(request.POST.get("date"), "日期", timezone.localdate()),
                                           rows=rows)

        saved = _attempt(request, record, "课堂观察已保存")
        if saved is not None:
            return redirect(reverse("support:observe", args=[klass.pk]))
    labels = [(f, str(Observation._meta.get_field(f).verbose_name)) for f in svc.OBSERVATION_FIELDS]
    return render(request, "support/observe.html", {
        "klass": klass, "students": students, "fields": labels, "today": timezone.localdate(),
        "scale": range(1, 6), "post": request.POST if request.method == "POST" else {},
    })


@role_required(*STAFF_ROLES)
def profile_save(request: HttpRequest, student_id: int) -> HttpResponse:
    st = _visible_student(request, student_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _attempt(request, lambda: svc.learning_profile_save(student=st, style=request.POST.get("style", ""),
                                                        interests=request.POST.get("interests", "")),
             "学习风格与兴趣已保存")
    return redirect(reverse("support:student", args=[st.pk]))
