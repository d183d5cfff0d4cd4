"""Writes of 分层作业: compose (bank items, generators), recommended layers and personal extras, the 双减
budget check on publishing (with the grade lead's approval), online answers and paper marking.

Layers are cumulative, as the seeds describe them: 基础套餐 is everyone's; 营养加餐 comes "在基础题之上";
智慧甜品 adds a few challenge items on top. A student doing layer L does every item of the layers up to L.

Recommended layer (documented rule, shown to the student with its reason):
- tier 学困 → 基础套餐; tier 边缘 (the interval straddles a cut, so we do not know which side) → 基础套餐,
  because students may always choose upward but never below the recommendation;
- tier 中等 → 营养加餐; tier 培优 or the 特长生 tag → 智慧甜品;
- no usable tier (证据不足 / not diagnosed): mean tracked mastery of the homework's KPs —
  ≥ 80% → 智慧甜品, ≥ 50% → 营养加餐, else 基础套餐; no data at all → 基础套餐.

双减 budget: a homework's minutes for the daily total are those of its most loaded student if they took the
top layer: all three layers plus their own extras (plan goals, due wrong-book variants). Only written
homework counts; oral/practical/reading do not. Grades 1–2 (limit 0 by default) get no written homework.
"""

from __future__ import annotations

import datetime
import random
import secrets
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from yincai.curriculum.models import KnowledgePoint
from yincai.engine.generators import GENERATORS, GeneratedItem, parse_answer
from yincai.homework.models import (
    ERROR_REASONS,
    HOMEWORK_KINDS,
    MARKS,
    Assignment,
    Homework,
    HomeworkAnswer,
    HomeworkItem,
    HomeworkLimit,
    WrongBookEntry,
)
from yincai.itembank.models import ITEM_TYPES, BankItem, VariantFamily
from yincai.oversight.services import audit_record
from yincai.school.models import School, SchoolClass, Staff, Student, Subject

LAYER_ORDER = ("basic", "extended", "challenge")
LAYER_LABELS = {"basic": "基础套餐", "extended": "营养加餐", "challenge": "智慧甜品"}
BANK_LAYER_FOR = {"basic": "basic", "extended": "extended", "challenge": "challenge"}
TIER_LAYER = {"struggling": "basic", "borderline": "basic", "core": "extended", "advanced": "challenge"}
MAX_EXTRAS = 3
GRADE12_RULE = "一、二年级不布置家庭书面作业（《关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见》，2021）"
DEFAULT_MINUTES = {1: 0, 2: 0, 3: 60, 4: 60, 5: 60, 6: 60}


class HomeworkError(ValidationError):
    """A refused homework operation (the message is shown to the user; nothing was written)."""


def layer_index(layer: str) -> int:
    return LAYER_ORDER.index(layer)


# ---------------------------------------------------------------------------------------------- limits


def daily_limit(school: School, grade_level: int) -> int:
    """Minutes of written homework a class of the grade may get per day (the school's, else the 2021 意见)."""
    row = HomeworkLimit.objects.filter(school=school, grade_level=grade_level).first()
    return row.written_minutes if row else DEFAULT_MINUTES.get(grade_level, 60)


def limit_set(*, school: School, grade_level: int, minutes: int, by: Staff) -> HomeworkLimit:
    if grade_level not in DEFAULT_MINUTES:
        raise HomeworkError("年级应为 1–6")
    if not 0 <= minutes <= 120:
        raise HomeworkError("每日书面作业上限应在 0–120 分钟之间")
    with transaction.atomic():
        row, _ = HomeworkLimit.objects.update_or_create(school=school, grade_level=grade_level,
                                                        defaults={"written_minutes": minutes})
        audit_record(action="update", model="homework.homeworklimit", object_id=row.pk,
                     detail=f"{by.name} 设定 {grade_level} 年级书面作业每日上限 {minutes} 分钟")
    return row


def limits_set(*, school: School, minutes: dict[int, int], by: Staff) -> list[HomeworkLimit]:
    """Several grades' limits at once: all or nothing."""
    with transaction.atomic():
        return [limit_set(school=school, grade_level=lv, minutes=m, by=by) for lv, m in sorted(minutes.items())]


# --------------------------------------------------------------------------------------------- compose


def homework_create(*, school_class: SchoolClass, subject: Subject, date: datetime.date, title: str, kind: str,
                    author: Staff) -> Homework:
    title = title.strip()
    if not title:
        raise HomeworkError("请填写作业标题")
    if kind not in dict(HOMEWORK_KINDS):
        raise HomeworkError("作业类型无效")
    term = school_class.term
    if not term.start_date <= date <= term.end_date:
        raise HomeworkError(f"布置日期应在本学期（{term.start_date:%Y-%m-%d} 至 {term.end_date:%Y-%m-%d}）之内")
    with transaction.atomic():
        hw = Homework.objects.create(school_class=school_class, subject=subject, date=date, title=title[:100],
                                     kind=kind, author=author)
        audit_record(action="create", model="homework.homework", object_id=hw.pk, detail=f"{author.name} 新建作业 {hw}")
    return hw


def _require_draft(homework: Homework) -> None:
    if homework.status != "draft":
        raise HomeworkError("作业已布置，不能再修改题目")


def _next_order(homework: Homework, layer: str) -> int:
    last = homework.items.filter(layer=layer).order_by("-order").first()
    return (last.order + 1) if last else 1


def item_add(*, homework: Homework, bank_item: BankItem, layer: str, online: bool | None = None) -> HomeworkItem:
    _require_draft(homework)
    if layer not in LAYER_ORDER:
        raise HomeworkError("请选择层级（基础套餐/营养加餐/智慧甜品）")
    if bank_item.school_id != homework.school_class.term.school_id or bank_item.subject_id != homework.subject_id:
        raise HomeworkError("只能选用本校同学科的题目")
    if homework.items.filter(bank_item=bank_item).exists():
        raise HomeworkError("这道题已在本次作业中")
    with transaction.atomic():
        item = HomeworkItem.objects.create(
            homework=homework, layer=layer, bank_item=bank_item, order=_next_order(homework, layer),
            online=bank_item.auto_markable if online is None else (online and bank_item.auto_markable))
        refresh_assignments(homework=homework)
    return item


def item_remove(*, homework: Homework, item_id: int) -> None:
    _require_draft(homework)
    with transaction.atomic():
        deleted, _ = homework.items.filter(pk=item_id).delete()
        if not deleted:
            raise HomeworkError("题目不存在")
        refresh_assignments(homework=homework)


def bank_item_create(*, school: School, subject: Subject, grade_level: int, stem: str, answer: str, item_type: str,
                     minutes: Decimal, author: Staff | None, knowledge_points: list[KnowledgePoint] | None = None,
                     auto_markable: bool = False, layer: str = "basic", family: VariantFamily | None = None,
                     generator: str = "", params: dict | None = None, source: str = "作业录入") -> BankItem:
    """A small entry point for the bank used by homework (typed items, generated items, variants)."""
    stem, answer = stem.strip(), answer.strip()
    if not stem:
        raise HomeworkError("请填写题干")
    if item_type not in dict(ITEM_TYPES):
        raise HomeworkError("题型无效")
    if not Decimal("0.1") <= Decimal(minutes) <= Decimal(60):
        raise HomeworkError("预计用时应在 0.1–60 分钟之间")
    if auto_markable and not answer:
        raise HomeworkError("可自动批改的题目必须有答案")
    item = BankItem.objects.create(
        school=school, subject=subject, grade_level=grade_level, item_type=item_type, layer=layer, stem=stem,
        answer=answer[:200], auto_markable=auto_markable, minutes=Decimal(minutes), family=family,
        generator=generator, params=params or {}, source=source, author=author)
    if knowledge_points:
        item.knowledge_points.set(knowledge_points)
    return item


def generated_bank_item(*, school: School, subject: Subject, grade_level: int, generated: GeneratedItem,
                        family: VariantFamily | None, author: Staff | None, layer: str = "basic") -> BankItem:
    gen = GENERATORS[generated.generator]
    kps = list(KnowledgePoint.objects.filter(subject=subject, code__in=gen.kp_codes))
    minutes = max(Decimal("0.1"), Decimal(str(generated.minutes)))
    return bank_item_create(
        school=school, subject=subject, grade_level=grade_level, stem=generated.stem,
        answer=gen.answer_text(generated), item_type="oral" if generated.minutes <= 0.3 else "calc",
        minutes=minutes, author=author, knowledge_points=kps, auto_markable=True, layer=layer, family=family,
        generator=generated.generator, params={**generated.params, "difficulty": generated.difficulty},
        source=f"生成器：{gen.name}")


def generate_items(*, homework: Homework, generator_key: str, level: int, count: int, layer: str, author: Staff,
                   seed: int | None = None) -> list[HomeworkItem]:
    """Generate `count` distinct items (a new variant family in the bank) and add them to a layer."""
    _require_draft(homework)
    gen = GENERATORS.get(generator_key)
    if gen is None:
        raise HomeworkError("请选择题目生成器")
    if not 1 <= level <= gen.levels:
        raise HomeworkError(f"难度应在 1–{gen.levels} 之间")
    if not 1 <= count <= 30:
        raise HomeworkError("生成题数应在 1–30 之间")
    if layer not in LAYER_ORDER:
        raise HomeworkError("请选择层级（基础套餐/营养加餐/智慧甜品）")
    rng = random.Random(seed if seed is not None else secrets.randbits(64))
    seen = set(homework.items.values_list("bank_item__stem", flat=True))
    made: list[GeneratedItem] = []
    for _ in range(count * 30):
        g = gen.generate(rng, level)
        if g.stem not in seen:
            seen.add(g.stem)
            made.append(g)
        if len(made) == count:
            break
    if len(made) < count:
        raise HomeworkError(f"该难度下不重复的题目不足 {count} 道，请减少题数")
    school = homework.school_class.term.school
    with transaction.atomic():
        family = VariantFamily.objects.create(school=school, name=f"{gen.name}·难度{level}", generator=gen.key)
        items = []
        for g in made:
            bank = generated_bank_item(school=school, subject=homework.subject,
                                       grade_level=homework.school_class.grade.level, generated=g, family=family,
                                       author=author, layer=BANK_LAYER_FOR[layer])
            items.append(HomeworkItem.objects.create(homework=homework, layer=layer, bank_item=bank,
                                                     order=_next_order(homework, layer), online=True))
        refresh_assignments(homework=homework)
    return items


def layer_minutes(homework: Homework) -> dict[str, Decimal]:
    """Cumulative minutes per layer (a student on 营养加餐 also does 基础套餐)."""
    own = {layer: Decimal(0) for layer in LAYER_ORDER}
    for layer, minutes in homework.items.values_list("layer", "bank_item__minutes"):
        own[layer] += minutes
    total, result = Decimal(0), {}
    for layer in LAYER_ORDER:
        total += own[layer]
        result[layer] = total
    return result


# ------------------------------------------------------------------------------ recommendation & extras


@dataclass
class Recommendation:
    layer: str
    reason: str
    extras: list[BankItem] = field(default_factory=list)


def _homework_kps(homework: Homework) -> list[int]:
    return list(KnowledgePoint.objects.filter(bank_items__homeworkitem__homework=homework).values_list("pk", flat=True)
                .distinct())


def recommend(homework: Homework, students: list[Student]) -> dict[int, Recommendation]:
    """Recommended layer with its reason per student (rule in the module docstring)."""
    from yincai.insight.models import TIER_LABELS, KPMastery
    from yincai.insight.selectors import current_tiers

    term = homework.school_class.term
    ids = [s.pk for s in students]
    tiers = current_tiers(ids, term, homework.subject)
    kps = _homework_kps(homework)
    mastery = {}
    if kps:
        mastery = dict(KPMastery.objects.filter(student_id__in=ids, term=term, method="tracker",
                                                knowledge_point_id__in=kps)
                       .values("student_id").annotate(m=Avg("prob")).values_list("student_id", "m"))
    result = {}
    for s in students:
        t = tiers.get(s.pk)
        tier = t["tier"] if t else None
        if t and t["talent"]:
            result[s.pk] = Recommendation("challenge", "诊断：特长生，推荐智慧甜品")
        elif tier in TIER_LAYER:
            layer = TIER_LAYER[tier]
            result[s.pk] = Recommendation(layer, f"诊断分层：{TIER_LABELS[tier]}，推荐{LAYER_LABELS[layer]}")
        elif s.pk in mastery and mastery[s.pk] is not None:
            m = float(mastery[s.pk])
            layer = "challenge" if m >= 0.8 else ("extended" if m >= 0.5 else "basic")
            result[s.pk] = Recommendation(layer, f"本次作业知识点平均掌握 {m:.0%}，推荐{LAYER_LABELS[layer]}")
        else:
            result[s.pk] = Recommendation("basic", "暂无诊断数据，先做基础套餐（可自选更高层）")
    return result


def family_reason(assignment: Assignment) -> str:
    """The recommendation's reason as a student or parent sees it: never a tier label (DESIGN §1)."""
    if assignment.recommendation_reason.startswith("诊断"):
        return "老师根据你最近的测评情况推荐"
    return assignment.recommendation_reason


def _goal_extras(homework: Homework, student: Student, exclude: set[int]) -> list[BankItem]:
    """One practice item per open plan goal's KP: an existing bank item of that KP, else a generated one."""
    from yincai.support.models import PlanGoal

    term = homework.school_class.term
    school = term.school
    out: list[BankItem] = []
    goals = PlanGoal.objects.filter(plan__student=student, plan__term=term, plan__subject=homework.subject,
                                    plan__status="active", achieved_at__isnull=True,
                                    knowledge_point__isnull=False).select_related("knowledge_point")
    for goal in goals:
        kp = goal.knowledge_point
        found = (BankItem.objects.filter(school=school, subject=homework.subject, knowledge_points=kp,
                                         auto_markable=True).exclude(pk__in=exclude).order_by("id").first())
        if found is None:
            gen = next((g for g in GENERATORS.values() if kp.code in g.kp_codes), None)
            if gen is not None:
                rng = random.Random(f"{homework.pk}-{student.pk}-{kp.pk}")
                found = generated_bank_item(school=school, subject=homework.subject, grade_level=kp.grade_level,
                                            generated=gen.generate(rng, 1), family=None, author=None)
                found.source = "一人一案目标加题"
                found.save(update_fields=["source"])
        if found is not None and found.pk not in exclude:
            exclude.add(found.pk)
            out.append(found)
    return out


def _wrongbook_extras(homework: Homework, student: Student, exclude: set[int]) -> list[BankItem]:
    out = []
    for entry in WrongBookEntry.objects.filter(student=student, subject=homework.subject, status="open",
                                               next_due__lte=homework.date, pending_variant__auto_markable=True
                                               ).select_related("pending_variant"):
        if entry.pending_variant_id not in exclude:
            exclude.add(entry.pending_variant_id)
            out.append(entry.pending_variant)
    return out


def _extras(homework: Homework, student: Student) -> list[BankItem]:
    """Personal extras are answered online (auto-markable), so the paper grid stays one column per item;
    paper redos of wrong items go on the printed 错题重做 sheet and are marked in the 错题本."""
    exclude = set(homework.items.values_list("bank_item_id", flat=True))
    return (_wrongbook_extras(homework, student, exclude) + _goal_extras(homework, student, exclude))[:MAX_EXTRAS]


def assignment_minutes(homework: Homework, layer: str, extras: list[BankItem],
                       cumulative: dict[str, Decimal] | None = None) -> Decimal:
    cumulative = cumulative or layer_minutes(homework)
    return cumulative[layer] + sum((b.minutes for b in extras), Decimal(0))


def refresh_assignments(*, homework: Homework) -> list[Assignment]:
    """(Re)build every enrolled student's assignment of a draft: recommendation, extras, minutes.
    A choice the student already made upward is kept."""
    _require_draft(homework)
    students = list(Student.objects.filter(enrolments__term=homework.school_class.term,
                                           enrolments__school_class=homework.school_class).order_by("student_no"))
    recs = recommend(homework, students)
    cumulative = layer_minutes(homework)
    existing = {a.student_id: a for a in homework.assignments.all()}
    result = []
    for s in students:
        rec = recs[s.pk]
        extras = _extras(homework, s)
        a = existing.get(s.pk) or Assignment(homework=homework, student=s)
        chosen = a.chosen_layer if a.pk and a.chosen_layer and layer_index(a.chosen_layer) > layer_index(
            rec.layer) else rec.layer
        a.recommended_layer, a.recommendation_reason, a.chosen_layer = rec.layer, rec.reason[:200], chosen
        a.estimated_minutes = assignment_minutes(homework, chosen, extras, cumulative)
        a.save()
        a.extra_items.set(extras)
        result.append(a)
    homework.assignments.exclude(student__in=students).delete()
    return result


# ---------------------------------------------------------------------------------------------- budget


def budget_minutes(homework: Homework) -> Decimal:
    """The homework's share of the day's written total: its most loaded student on the top layer."""
    if homework.kind != "written":
        return Decimal(0)
    top = layer_minutes(homework)["challenge"]
    extra = Decimal(0)
    for a in homework.assignments.prefetch_related("extra_items"):
        extra = max(extra, sum((b.minutes for b in a.extra_items.all()), Decimal(0)))
    return top + extra


def _fmt(minutes: Decimal) -> str:
    return f"{minutes.quantize(Decimal('0.1')).normalize():f}"


@dataclass(frozen=True)
class BudgetCheck:
    allowed: bool
    needs_approval: bool  # over the minutes limit: the grade lead may approve
    message: str
    limit: int
    others: list[tuple[str, Decimal]]
    this_minutes: Decimal
    total: Decimal


def budget_check(homework: Homework) -> BudgetCheck:
    klass = homework.school_class
    level = klass.grade.level
    limit = daily_limit(klass.term.school, level)
    this = budget_minutes(homework)
    others: list[tuple[str, Decimal]] = []
    for other in Homework.objects.filter(school_class=klass, date=homework.date, status__in=["published", "closed"],
                                         kind="written").exclude(pk=homework.pk).select_related("subject"):
        others.append((other.subject.name, budget_minutes(other)))
    from yincai.practice.selectors import practice_minutes  # 今日练习 counts toward the 双减 budget

    if practice := practice_minutes(klass, homework.date):
        others.append(("今日练习", Decimal(practice)))
    total = this + sum((m for _, m in others), Decimal(0))
    if homework.kind != "written":
        return BudgetCheck(True, False, "非书面作业，不计入书面作业时长", limit, others, this, total)
    if limit == 0:
        rule = GRADE12_RULE if level <= 2 else f"本校设定{klass.grade}不布置家庭书面作业"
        return BudgetCheck(False, False, f"不能布置：{rule}。可改为口头、实践或阅读作业。", limit, others, this, total)
    day = f"{homework.date.month} 月 {homework.date.day} 日"
    have = (" + ".join(f"{name} {_fmt(m)} 分钟" for name, m in others)) if others else ""
    figures = (f"本班 {day} 已有{have}，本次{homework.subject.name} {_fmt(this)} 分钟，合计 {_fmt(total)} 分钟"
               if others else f"本班 {day} 暂无其他书面作业，本次{homework.subject.name} {_fmt(this)} 分钟")
    if total > limit:
        return BudgetCheck(False, True, f"{figures}，超过 {limit} 分钟上限", limit, others, this, total)
    return BudgetCheck(True, False, f"{figures}，未超过 {limit} 分钟上限", limit, others, this, total)


def homework_publish(*, homework: Homework, by: Staff, now: datetime.datetime | None = None) -> BudgetCheck:
    """Publish a draft; refused (HomeworkError with the figures) over the 双减 limit unless approved."""
    _require_draft(homework)
    if not homework.items.exists():
        raise HomeworkError("作业还没有题目")
    with transaction.atomic():
        refresh_assignments(homework=homework)
        check = budget_check(homework)
        if not check.allowed and not (check.needs_approval and homework.approved_by_id):
            raise HomeworkError(check.message)
        homework.status, homework.published_at = "published", now or timezone.now()
        homework.save(update_fields=["status", "published_at"])
        audit_record(action="update", model="homework.homework", object_id=homework.pk,
                     detail=f"{by.name} 布置作业 {homework}（{check.message}）")
    return check


def approval_request(*, homework: Homework, by: Staff, reason: str, now: datetime.datetime | None = None) -> Homework:
    _require_draft(homework)
    check = budget_check(homework)
    if check.allowed:
        raise HomeworkError("未超过时长上限，无需审批，可直接布置")
    if not check.needs_approval:
        raise HomeworkError(check.message)
    if not reason.strip():
        raise HomeworkError("请填写申请理由")
    with transaction.atomic():
        homework.approval_requested_at, homework.approval_request = now or timezone.now(), reason.strip()[:200]
        homework.save(update_fields=["approval_requested_at", "approval_request"])
        audit_record(action="update", model="homework.homework", object_id=homework.pk,
                     detail=f"{by.name} 申请超时审批：{check.message}")
    return homework


def approval_grant(*, homework: Homework, by: Staff, note: str, now: datetime.datetime | None = None) -> BudgetCheck:
    """The grade lead approves an over-limit homework (recorded) and it is published."""
    _require_draft(homework)
    if not note.strip():
        raise HomeworkError("请填写审批说明")
    with transaction.atomic():
        homework.approved_by, homework.approval_note = by, note.strip()[:200]
        homework.save(update_fields=["approved_by", "approval_note"])
        return homework_publish(homework=homework, by=by, now=now)


# ---------------------------------------------------------------------------------- doing and marking


def required_items(assignment: Assignment) -> list[tuple[BankItem, bool]]:
    """(bank item, online) the student must do: homework items up to the chosen layer, then extras."""
    allowed = LAYER_ORDER[: layer_index(assignment.chosen_layer) + 1]
    rows = sorted(assignment.homework.items.filter(layer__in=allowed).select_related("bank_item"),
                  key=lambda hi: (layer_index(hi.layer), hi.order))
    items = [(hi.bank_item, hi.online) for hi in rows]
    extras = [(b, b.auto_markable) for b in assignment.extra_items.all()]
    return items + extras


def layer_choose(*, assignment: Assignment, layer: str) -> Assignment:
    if assignment.homework.status != "published":
        raise HomeworkError("作业尚未布置")
    if layer not in LAYER_ORDER:
        raise HomeworkError("层级无效")
    if layer_index(layer) < layer_index(assignment.recommended_layer):
        raise HomeworkError(f"可以选择更高的层级，但不能低于推荐的{LAYER_LABELS[assignment.recommended_layer]}")
    if assignment.answers.exists():
        raise HomeworkError("已开始作答，不能再更换层级")
    with transaction.atomic():
        assignment.chosen_layer = layer
        assignment.estimated_minutes = assignment_minutes(assignment.homework, layer, list(assignment.extra_items.all()))
        assignment.save(update_fields=["chosen_layer", "estimated_minutes"])
    return assignment


def _normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).casefold().rstrip("。.")


def is_correct(bank_item: BankItem, response: str) -> bool:
    """Generator items by their generator's check; others by normalised text or equal numbers."""
    if bank_item.generator in GENERATORS:  # one marking rule for generated items: the item bank's
        from yincai.itembank.marking import mark

        return bool(mark(bank_item, response))
    expected = parse_answer(bank_item.answer)
    if expected is not None:
        got = parse_answer(response)
        return got is not None and got == expected
    return bool(_normalise(response)) and _normalise(response) == _normalise(bank_item.answer)


def _update_completion(assignment: Assignment, now: datetime.datetime) -> None:
    needed = {b.pk for b, _ in required_items(assignment)}
    done = set(assignment.answers.values_list("bank_item_id", flat=True))
    if needed and needed <= done and assignment.completed_at is None:
        assignment.completed_at = now
        assignment.save(update_fields=["completed_at"])


def answer_online(*, assignment: Assignment, bank_item: BankItem, response: str,
                  now: datetime.datetime | None = None) -> HomeworkAnswer:
    from yincai.homework.wrongbook import after_homework_answer

    now = now or timezone.now()
    if assignment.homework.status != "published":
        raise HomeworkError("作业尚未布置或已截止")
    online = {b.pk for b, on in required_items(assignment) if on}
    if bank_item.pk not in online:
        raise HomeworkError("这道题不在你的在线作答题目中")
    if not response.strip():
        raise HomeworkError("请填写答案")
    if assignment.answers.filter(bank_item=bank_item).exists():
        raise HomeworkError("这道题已经提交过了")
    with transaction.atomic():
        ans = HomeworkAnswer.objects.create(assignment=assignment, bank_item=bank_item, response=response.strip()[:200],
                                            mark="right" if is_correct(bank_item, response) else "wrong",
                                            answered_at=now)
        after_homework_answer(answer=ans, today=timezone.localdate(now))
        _update_completion(assignment, now)
    return ans


@dataclass(frozen=True)
class MarkSpec:
    assignment_id: int
    bank_item_id: int
    mark: str
    reason: str = ""


def mark_paper(*, homework: Homework, marks: list[MarkSpec], by: Staff,
               now: datetime.datetime | None = None) -> int:
    """Save the teacher's marks of a whole grid at once (对/半对/错 + reason); wrong ones go to the 错题本."""
    from yincai.homework.wrongbook import after_homework_answer

    now = now or timezone.now()
    if homework.status == "draft":
        raise HomeworkError("作业尚未布置")
    assignments = {a.pk: a for a in homework.assignments.prefetch_related("extra_items")}
    paper_items = set(homework.items.values_list("bank_item_id", flat=True))
    valid_marks, valid_reasons = dict(MARKS), dict(ERROR_REASONS)
    for m in marks:
        a = assignments.get(m.assignment_id)
        if a is None:
            raise HomeworkError("批改的学生不属于本次作业")
        if m.bank_item_id not in paper_items and m.bank_item_id not in {b.pk for b in a.extra_items.all()}:
            raise HomeworkError("批改的题目不属于本次作业")
        if m.mark not in valid_marks:
            raise HomeworkError("批改结果应为 对/半对/错")
        if m.reason and m.reason not in valid_reasons:
            raise HomeworkError("错因无效")
        if m.mark == "right" and m.reason:
            raise HomeworkError("答对的题不需要错因")
    saved = 0
    with transaction.atomic():
        for m in marks:
            ans, _ = HomeworkAnswer.objects.update_or_create(
                assignment_id=m.assignment_id, bank_item_id=m.bank_item_id,
                defaults={"mark": m.mark, "reason": m.reason, "marked_by": by, "answered_at": now})
            after_homework_answer(answer=ans, today=timezone.localdate(now))
            saved += 1
        for a in assignments.values():
            _update_completion(a, now)
        audit_record(action="update", model="homework.homeworkanswer", object_id=homework.pk,
                     detail=f"{by.name} 批改 {homework}：{saved} 格")
    return saved


def minutes_report(*, assignment: Assignment, minutes: int, by: object) -> Assignment:
    if assignment.homework.status == "draft":
        raise HomeworkError("作业尚未布置")
    if not 1 <= minutes <= 300:
        raise HomeworkError("实际用时应在 1–300 分钟之间")
    assignment.reported_minutes, assignment.reported_by = minutes, by
    assignment.save(update_fields=["reported_minutes", "reported_by"])
    return assignment


def answers_submit(*, assignment: Assignment, responses: dict[int, str],
                   now: datetime.datetime | None = None) -> list[HomeworkAnswer]:
    """Submit several online answers at once (blank ones skipped); all or nothing."""
    filled = {k: v for k, v in responses.items() if v.strip()}
    if not filled:
        raise HomeworkError("请至少填写一道题的答案")
    items = {b.pk: b for b, on in required_items(assignment) if on}
    with transaction.atomic():
        return [answer_online(assignment=assignment, bank_item=items[k] if k in items else BankItem(pk=k),
                              response=v, now=now) for k, v in filled.items()]
