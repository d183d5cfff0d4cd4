"""Questionnaires: builder, audiences, answering, results with k-anonymity and Excel export.

Anonymous surveys keep who answered (SurveyReceipt, to allow one answer each) apart from the answers
(SurveyResponse without respondent), and show or export results only from K_ANONYMITY responses on.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from yincai.accounts.roles import STAFF_ROLES, Role, roles_of
from yincai.homeschool.models import Question, Questionnaire, SurveyReceipt, SurveyResponse
from yincai.school.models import Grade, SchoolClass, Staff, Student, Term
from yincai.school.selectors import SCHOOL_WIDE_ROLES, classes_visible_to, staff_of

K_ANONYMITY = 5
LIKERT = ["非常不同意", "不同意", "一般", "同意", "非常同意"]

# 起始模板 — items drawn from the seeds (000 §习惯层面、家庭环境支持; 003 §问卷调查; 004 §家校协同)
TEMPLATES: dict[str, dict[str, Any]] = {
    "habits": {"title": "学习习惯调查", "audience": ("for_students",), "questions": [
        ("likert", "我上课前会预习要学的内容", []),
        ("likert", "上课时我能专心听讲", []),
        ("likert", "放学后我会及时复习当天所学", []),
        ("likert", "我能独立完成作业", []),
        ("single", "我每天完成家庭作业大约用时", ["30分钟以内", "30-60分钟", "60-90分钟", "90分钟以上"]),
        ("multiple", "遇到不会的题，我通常会", ["自己再想想", "问老师", "问同学", "问家长", "放着不做"]),
        ("text", "你最想改进的一个学习习惯是什么？", []),
    ]},
    "parenting": {"title": "家庭教育方式调查", "audience": ("for_parents",), "questions": [
        ("single", "孩子平时主要由谁照看学习", ["父母", "祖辈", "其他亲属", "托管机构"]),
        ("single", "您的教养方式更接近", ["民主商量", "严格要求", "宽松放任", "说不清"]),
        ("likert", "孩子在家有安静、固定的学习环境", []),
        ("likert", "我每天会和孩子交流学校里的事情", []),
        ("multiple", "您希望学校提供哪些家庭教育指导", ["学习习惯培养", "亲子沟通技巧", "情绪管理", "家庭环境创设",
                                                "儿童心理发展特点"]),
        ("text", "您对孩子的期望和最担心的问题", []),
    ]},
    "student_satisfaction": {"title": "学生满意度调查", "audience": ("for_students",), "questions": [
        ("likert", "老师的辅导对我有帮助", []),
        ("likert", "分层作业的难度适合我", []),
        ("likert", "我愿意参加课后辅导或兴趣小组", []),
        ("likert", "我在学习上比以前更有信心了", []),
        ("text", "你希望老师在哪些方面多帮帮你？", []),
    ]},
    "parent_satisfaction": {"title": "家长满意度调查", "audience": ("for_parents",), "questions": [
        ("likert", "我对学校的培优辅差工作感到满意", []),
        ("likert", "班主任和老师与我的沟通及时、有针对性", []),
        ("likert", "孩子的作业量适中", []),
        ("likert", "家长学校的活动对我有帮助", []),
        ("single", "您最常用的家校沟通方式", ["家访", "电话", "面谈", "微信"]),
        ("text", "您对学校工作的意见和建议", []),
    ]},
}


def _teacher_eligible(user: Any, q: Questionnaire) -> bool:
    roles = roles_of(user, q.term)
    if not roles & STAFF_ROLES:
        return False
    if roles & SCHOOL_WIDE_ROLES or (q.school_class_id is None and q.grade_id is None):
        return True
    classes = classes_visible_to(user, q.term)
    if q.school_class_id and classes.filter(pk=q.school_class_id).exists():
        return True
    if q.grade_id and classes.filter(grade_id=q.grade_id).exists():
        return True
    if Role.MENTOR not in roles:
        return False
    me = staff_of(user)
    mentees = me.mentees.filter(term=q.term) if me else None
    if mentees is None:
        return False
    if q.school_class_id:
        return mentees.filter(student__enrolments__school_class_id=q.school_class_id).exists()
    return mentees.filter(student__enrolments__school_class__grade_id=q.grade_id).exists()


def _students_in_scope(q: Questionnaire) -> QuerySet[Student]:
    qs = Student.objects.filter(enrolments__term=q.term, school=q.school)
    if q.school_class_id:
        qs = qs.filter(enrolments__school_class_id=q.school_class_id)
    elif q.grade_id:
        qs = qs.filter(enrolments__school_class__grade_id=q.grade_id)
    return qs.distinct()


def child_for(user: Any, q: Questionnaire) -> Student | None:
    """The respondent's own student record or (for a parent) their child in the audience."""
    scope = _students_in_scope(q)
    if q.for_students:
        own = scope.filter(user=user).first()
        if own:
            return own
    if q.for_parents:
        return scope.filter(guardian_links__guardian__user=user).first()
    return None


def may_answer(user: Any, q: Questionnaire) -> bool:
    if q.status == "draft":
        return False
    scope = _students_in_scope(q)
    if q.for_students and scope.filter(user=user).exists():
        return True
    if q.for_parents and scope.filter(guardian_links__guardian__user=user).exists():
        return True
    return q.for_teachers and _teacher_eligible(user, q)


def surveys_to_answer(user: Any, term: Term | None = None) -> list[Questionnaire]:
    term = term or Term.current()
    return [q for q in Questionnaire.objects.filter(term=term, status="open") if may_answer(user, q)]


def surveys_managed_by(user: Any, term: Term | None = None) -> QuerySet[Questionnaire]:
    """Questionnaires whose results the user may read: school-wide roles all; others their classes/grades."""
    term = term or Term.current()
    base = Questionnaire.objects.filter(term=term).select_related("school_class__grade", "grade")
    if roles_of(user, term) & SCHOOL_WIDE_ROLES:
        return base
    classes = classes_visible_to(user, term)
    return base.filter(Q(created_by__user=user) | Q(school_class__in=classes)
                       | Q(grade__in=Grade.objects.filter(classes__in=classes)))


@transaction.atomic
def questionnaire_create(*, author: Staff, term: Term, title: str, audiences: list[str], anonymous: bool,
                         school_class: SchoolClass | None = None, grade: Grade | None = None,
                         intro: str = "", template: str = "") -> Questionnaire:
    if template and template not in TEMPLATES:
        raise ValidationError("未知的问卷模板")
    title = title.strip() or (TEMPLATES[template]["title"] if template else "")
    if not title:
        raise ValidationError("请填写问卷标题")
    allowed = {"for_students", "for_parents", "for_teachers"}
    if not audiences or set(audiences) - allowed:
        raise ValidationError("请至少选择一类调查对象（学生、家长、教师）")
    q = Questionnaire.objects.create(school=term.school, term=term, title=title.strip(), intro=intro.strip(),
                                     anonymous=anonymous, school_class=school_class,
                                     grade=grade if school_class is None else None, created_by=author,
                                     **{a: True for a in audiences})
    if template:
        for kind, text, options in TEMPLATES[template]["questions"]:
            question_add(questionnaire=q, kind=kind, text=text, options=options)
    return q


@transaction.atomic
def question_add(*, questionnaire: Questionnaire, kind: str, text: str, options: list[str]) -> Question:
    if questionnaire.status != "draft":
        raise ValidationError("问卷已发布，不能再修改题目")
    if kind not in dict(Question.KIND_CHOICES):
        raise ValidationError("请选择题型")
    if not text.strip():
        raise ValidationError("请填写题目")
    options = [o.strip() for o in options if o.strip()]
    if kind in ("single", "multiple") and len(options) < 2:
        raise ValidationError("选择题至少需要两个选项")
    if kind == "likert":
        options = list(LIKERT)
    if kind == "text":
        options = []
    order = questionnaire.questions.count() + 1
    return Question.objects.create(questionnaire=questionnaire, order=order, kind=kind, text=text.strip(),
                                   options=options)


@transaction.atomic
def questionnaire_status(*, questionnaire: Questionnaire, status: str) -> Questionnaire:
    if status not in ("open", "closed"):
        raise ValidationError("未知的状态")
    if status == "open" and not questionnaire.questions.exists():
        raise ValidationError("问卷还没有题目，不能发布")
    questionnaire.status = status
    questionnaire.save(update_fields=["status"])
    return questionnaire


def parse_answers(q: Questionnaire, data: Any) -> dict[str, Any]:
    """Read answers from a POST (`q<id>` fields); every non-text question must be answered."""
    answers: dict[str, Any] = {}
    for question in q.questions.all():
        key = f"q{question.pk}"
        if question.kind == "text":
            answers[str(question.pk)] = (data.get(key) or "").strip()[:1000]
            continue
        raw = data.getlist(key) if hasattr(data, "getlist") else data.get(key, [])
        try:
            picks = sorted({int(v) for v in raw})
        except (TypeError, ValueError):
            raise ValidationError(f"第{question.order}题的答案无效") from None
        if not picks or any(p < 0 or p >= len(question.options) for p in picks):
            raise ValidationError(f"请回答第{question.order}题")
        if question.kind != "multiple" and len(picks) != 1:
            raise ValidationError(f"第{question.order}题只能选一项")
        answers[str(question.pk)] = picks
    return answers


@transaction.atomic
def response_submit(*, questionnaire: Questionnaire, user: Any, answers: dict[str, Any]) -> SurveyResponse:
    if questionnaire.status != "open":
        raise ValidationError("问卷不在收集期")
    if not may_answer(user, questionnaire):
        raise ValidationError("您不在本问卷的调查对象中")
    if SurveyReceipt.objects.filter(questionnaire=questionnaire, user=user).exists():
        raise ValidationError("您已经提交过本问卷")
    SurveyReceipt.objects.create(questionnaire=questionnaire, user=user)
    named = not questionnaire.anonymous
    return SurveyResponse.objects.create(questionnaire=questionnaire, respondent=user if named else None,
                                         student=child_for(user, questionnaire) if named else None, answers=answers)


def eligible_count(q: Questionnaire) -> int:
    """Size of the audience, for the response rate."""
    scope = _students_in_scope(q)
    n = 0
    if q.for_students:
        n += scope.filter(user__isnull=False).count()
    if q.for_parents:
        from yincai.school.models import Guardian

        n += Guardian.objects.filter(links__student__in=scope, user__isnull=False).distinct().count()
    if q.for_teachers:
        staff = Staff.objects.filter(school=q.school, roles__term=q.term).distinct()
        n += len([s for s in staff.select_related("user") if _teacher_eligible(s.user, q)])
    return n


@dataclass
class QuestionResult:
    question: Question
    counts: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    mean: float | None = None

    @property
    def pairs(self) -> list[tuple[str, int]]:
        return list(zip(self.question.options, self.counts, strict=False))


@dataclass
class SurveyResults:
    questionnaire: Questionnaire
    responses: int
    eligible: int
    hidden: bool  # anonymous and fewer than K_ANONYMITY responses
    questions: list[QuestionResult]

    @property
    def rate(self) -> float | None:
        return round(100 * self.responses / self.eligible, 1) if self.eligible else None


def results(q: Questionnaire) -> SurveyResults:
    responses = list(q.responses.all())
    hidden = q.anonymous and len(responses) < K_ANONYMITY
    out: list[QuestionResult] = []
    if not hidden:
        for question in q.questions.all():
            r = QuestionResult(question, counts=[0] * len(question.options))
            values: list[int] = []
            for resp in responses:
                a = resp.answers.get(str(question.pk))
                if question.kind == "text":
                    if a:
                        r.texts.append(str(a))
                    continue
                for p in a or []:
                    if 0 <= p < len(r.counts):
                        r.counts[p] += 1
                        values.append(p + 1)
            if question.kind == "likert" and values:
                r.mean = round(sum(values) / len(values), 2)
            out.append(r)
    return SurveyResults(q, len(responses), eligible_count(q), hidden, out)


def chart_data(res: SurveyResults) -> list[dict[str, Any]]:
    return [{"id": r.question.pk, "title": f"{r.question.order}. {r.question.text}", "labels": r.question.options,
             "counts": r.counts} for r in res.questions if r.question.kind != "text"]


def export_xlsx(res: SurveyResults) -> bytes:
    """Counts per option (and text answers) as an Excel workbook; refused while results are hidden."""
    from openpyxl import Workbook

    if res.hidden:
        raise ValidationError(f"匿名问卷不足 {K_ANONYMITY} 份答卷，暂不公开结果")
    wb = Workbook()
    ws = wb.active
    ws.title = "统计"
    ws.append(["问卷", res.questionnaire.title])
    ws.append(["答卷数", res.responses, "应答人数", res.eligible, "回收率(%)", res.rate])
    ws.append([])
    ws.append(["题号", "题目", "选项", "人数"])
    for r in res.questions:
        if r.question.kind == "text":
            continue
        for label, n in zip(r.question.options, r.counts, strict=True):
            ws.append([r.question.order, r.question.text, label, n])
    texts = wb.create_sheet("开放题")
    texts.append(["题号", "题目", "回答"])
    for r in res.questions:
        for t in r.texts:
            texts.append([r.question.order, r.question.text, t])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
