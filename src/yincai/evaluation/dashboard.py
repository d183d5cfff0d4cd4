"""Reads behind the 校长/教导处 dashboard and the tier-transition views (permission-filtered by class).

Every figure is computed for the classes the user may open (all for 教导处, the grade for a grade lead,
own classes for teachers) and can be drilled down to the students behind it (`figure_students`).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from yincai.insight.models import ROUND_ORDER, TIER_LABELS, Alert, TierDecision
from yincai.insight.selectors import tiers_by_round
from yincai.oversight.services import audit_record
from yincai.school.models import Enrolment, SchoolClass, Student, Subject, Term
from yincai.school.selectors import classes_visible_to
from yincai.support.models import SupportPlan

TIERS = ("advanced", "core", "borderline", "struggling")
ROUND_LABELS = {"initial": "期初", "midterm": "期中", "final": "期末"}
#: Tier order from the top: moving to a smaller index is moving up.
RANK = {t: i for i, t in enumerate(("advanced", "core", "borderline", "struggling"))}
FIGURES = {
    "struggling_initial": "期初学困生",
    "converted": "已转化（离开学困）",
    "moved_up": "层级上升",
    "moved_down": "层级下降",
    "plans_active": "帮扶计划进行中",
    "plans_overdue": "复查逾期",
    "alerts_open": "未解除预警",
}


def confirmed_tiers(student_ids: list[int], term: Term, subject: Subject) -> dict[str, dict[int, str]]:
    """Round → student → the latest confirmed tier (teachers' decisions only, never proposals)."""
    out: dict[str, dict[int, str]] = defaultdict(dict)
    for sid, rnd, tier in (TierDecision.objects.filter(student_id__in=student_ids, term=term, subject=subject)
                           .order_by("decided_at", "id").values_list("student_id", "round", "tier")):
        out[rnd][sid] = tier
    return out


def effective_tiers(student_ids: list[int], term: Term, subject: Subject) -> dict[str, dict[int, str]]:
    """Round → student → confirmed tier, else the latest proposal (for distributions before confirmation):
    the rule of ``insight.selectors.tiers_by_round``."""
    return {rnd: {sid: tier for sid, (tier, _) in tiers.items()}
            for rnd, tiers in tiers_by_round(student_ids, term, subject).items()}


@dataclass
class GroupFigures:
    """Figures of one class or grade."""

    label: str
    n_students: int
    tiers_initial: Counter[str] = field(default_factory=Counter)
    tiers_now: Counter[str] = field(default_factory=Counter)
    now_round: str = ""
    students: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    oldest_alert_days: int | None = None
    unconfirmed: int = 0
    contacts_in_scope: int = 0  # 学困/帮扶 students who need a home contact every month
    contacts_overdue: int = 0  # … of them without one this month
    load_minutes: float = 0.0  # today's written homework of the busiest class, minutes
    load_limit: int | None = None  # the 双减 limit of the grade (smallest of the group)

    @property
    def conversion_rate(self) -> float | None:
        base = len(self.students["struggling_initial"])
        return len(self.students["converted"]) / base if base else None

    def count(self, figure: str) -> int:
        return len(self.students[figure])

    def tier_rows(self) -> list[dict[str, Any]]:
        return [{"tier": t, "label": TIER_LABELS[t], "initial": self.tiers_initial.get(t, 0),
                 "now": self.tiers_now.get(t, 0)} for t in TIERS]


def _fill(fig: GroupFigures, ids: list[int], tiers: dict[str, dict[int, str]], confirmed: dict[str, dict[int, str]],
          plans: list[tuple[int, Any, str]], alerts: list[tuple[int, datetime.datetime]]) -> None:
    rounds = [r for r in ROUND_ORDER if tiers.get(r)]
    first, last = (rounds[0], rounds[-1]) if rounds else ("", "")
    fig.now_round = last
    idset = set(ids)
    for sid in ids:
        if first and sid in tiers[first]:
            fig.tiers_initial[tiers[first][sid]] += 1
        if last and sid in tiers[last]:
            fig.tiers_now[tiers[last][sid]] += 1
        if last and sid in tiers[last] and sid not in confirmed.get(last, {}):
            fig.unconfirmed += 1
    done = [r for r in ROUND_ORDER if confirmed.get(r)]
    if done:
        start, end = confirmed[done[0]], confirmed[done[-1]]
        for sid in idset & set(start):
            if start[sid] == "struggling":
                fig.students["struggling_initial"].add(sid)
                if len(done) > 1 and sid in end and end[sid] != "struggling":
                    fig.students["converted"].add(sid)
            if len(done) > 1 and sid in end:
                if RANK[end[sid]] < RANK[start[sid]]:
                    fig.students["moved_up"].add(sid)
                elif RANK[end[sid]] > RANK[start[sid]]:
                    fig.students["moved_down"].add(sid)
    today = timezone.localdate()
    for sid, next_review, status in plans:
        if sid in idset and status in ("active", "adjusted"):
            fig.students["plans_active"].add(sid)
            if next_review < today:
                fig.students["plans_overdue"].add(sid)
    ages = [(timezone.now() - created).days for sid, created in alerts if sid in idset]
    fig.students["alerts_open"].update(sid for sid, _ in alerts if sid in idset)
    fig.oldest_alert_days = max(ages) if ages else None


def _contacts_and_load(fig: GroupFigures, klass: SchoolClass) -> None:
    """Home-contact compliance this month (homeschool) and today's written homework vs the 双减 limit."""
    from yincai.homeschool.contacts import class_compliance
    from yincai.homework.selectors import day_load
    from yincai.homework.services import daily_limit

    compliance = class_compliance(klass)
    fig.contacts_in_scope, fig.contacts_overdue = len(compliance.rows), len(compliance.overdue)
    fig.load_minutes = float(sum(minutes for _, minutes in day_load(klass, timezone.localdate())))
    fig.load_limit = daily_limit(klass.term.school, klass.grade.level)


@dataclass
class Dashboard:
    term: Term
    subject: Subject
    school: GroupFigures
    grades: list[tuple[GroupFigures, list[tuple[SchoolClass, GroupFigures]]]]


def dashboard(user: Any, *, term: Term, subject: Subject) -> Dashboard:
    """Figures per grade and class the user may open, for one subject's tiers (plans and alerts: all subjects)."""
    classes = list(classes_visible_to(user, term).order_by("grade__level", "number"))
    members: dict[int, list[int]] = defaultdict(list)
    for sid, cid in Enrolment.objects.filter(term=term, school_class__in=classes).values_list(
            "student_id", "school_class_id"):
        members[cid].append(sid)
    all_ids = [s for ids in members.values() for s in ids]
    tiers = effective_tiers(all_ids, term, subject)
    confirmed = confirmed_tiers(all_ids, term, subject)
    plans = list(SupportPlan.objects.filter(term=term, student_id__in=all_ids)
                 .values_list("student_id", "next_review", "status"))
    alerts = list(Alert.objects.filter(term=term, student_id__in=all_ids).exclude(status="resolved")
                  .values_list("student_id", "created_at"))
    school = GroupFigures("全校" if classes else "—", len(all_ids))
    _fill(school, all_ids, tiers, confirmed, plans, alerts)
    grades = []
    by_grade: dict[int, list[SchoolClass]] = defaultdict(list)
    for k in classes:
        by_grade[k.grade_id].append(k)
    for grade_classes in by_grade.values():
        ids = [s for k in grade_classes for s in members[k.pk]]
        gf = GroupFigures(str(grade_classes[0].grade), len(ids))
        _fill(gf, ids, tiers, confirmed, plans, alerts)
        rows = []
        for k in grade_classes:
            cf = GroupFigures(k.name, len(members[k.pk]))
            _fill(cf, members[k.pk], tiers, confirmed, plans, alerts)
            _contacts_and_load(cf, k)
            for group in (gf, school):
                group.contacts_in_scope += cf.contacts_in_scope
                group.contacts_overdue += cf.contacts_overdue
                group.load_minutes = max(group.load_minutes, cf.load_minutes)
                group.load_limit = min(filter(None, (group.load_limit, cf.load_limit)), default=None)
            rows.append((k, cf))
        grades.append((gf, rows))
    audit_record(action="read_sensitive", model="分层", detail=f"查看成效看板（{subject.name}）")
    return Dashboard(term, subject, school, grades)


def figure_students(user: Any, *, term: Term, subject: Subject, figure: str,
                    grade_id: int | None = None, class_id: int | None = None) -> tuple[str, list[Student]]:
    """The students behind one dashboard figure, limited to what the user may open."""
    if figure not in FIGURES:
        raise ValueError(figure)
    board = dashboard(user, term=term, subject=subject)
    scope: GroupFigures | None = board.school
    for gf, rows in board.grades:
        if grade_id and rows and rows[0][0].grade_id == grade_id:
            scope = gf
        for k, cf in rows:
            if class_id and k.pk == class_id:
                scope = cf
    if (grade_id or class_id) and scope is board.school:
        scope = None
    ids = sorted(scope.students[figure]) if scope else []
    return (f"{scope.label if scope else ''} · {FIGURES[figure]}",
            list(Student.objects.filter(pk__in=ids).order_by("student_no")))


@dataclass(frozen=True)
class Transitions:
    title: str
    rounds: list[str]
    matrices: list[dict[str, Any]]  # per consecutive pair of rounds: {"from", "to", "rows": [[label, counts…]]}
    sankey: dict[str, Any]
    n_confirmed: int


def transitions(user: Any, *, term: Term, subject: Subject, grade_id: int | None = None,
                class_id: int | None = None) -> Transitions:
    """期初 → 期中 → 期末 matrices of confirmed tiers, for the school, a grade or a class (visible ones)."""
    classes = classes_visible_to(user, term)
    title = "全校"
    if class_id:
        classes = classes.filter(pk=class_id)
        title = classes.first().name if classes.exists() else "—"
    elif grade_id:
        classes = classes.filter(grade_id=grade_id)
        title = str(classes.first().grade) if classes.exists() else "—"
    ids = list(Enrolment.objects.filter(term=term, school_class__in=classes).values_list("student_id", flat=True))
    confirmed = confirmed_tiers(ids, term, subject)
    rounds = [r for r in ROUND_ORDER if confirmed.get(r)]
    matrices = []
    nodes: list[dict[str, str]] = []
    links: list[dict[str, Any]] = []
    for r in rounds:
        nodes += [{"name": f"{ROUND_LABELS[r]}·{TIER_LABELS[t]}"} for t in TIERS]
    for a, b in zip(rounds, rounds[1:], strict=False):
        both = set(confirmed[a]) & set(confirmed[b])
        counts = Counter((confirmed[a][s], confirmed[b][s]) for s in both)
        matrices.append({"from": ROUND_LABELS[a], "to": ROUND_LABELS[b],
                         "rows": [[TIER_LABELS[t], *[counts.get((t, u), 0) for u in TIERS]] for t in TIERS]})
        links += [{"source": f"{ROUND_LABELS[a]}·{TIER_LABELS[t]}", "target": f"{ROUND_LABELS[b]}·{TIER_LABELS[u]}",
                   "value": c} for (t, u), c in counts.items() if c]
    used = {x["source"] for x in links} | {x["target"] for x in links}
    audit_record(action="read_sensitive", model="分层", detail=f"查看分层变化（{title} {subject.name}）")
    return Transitions(title, [ROUND_LABELS[r] for r in rounds], matrices,
                       {"nodes": [n for n in nodes if n["name"] in used], "links": links},
                       len(set().union(*[set(v) for v in confirmed.values()])) if confirmed else 0)
