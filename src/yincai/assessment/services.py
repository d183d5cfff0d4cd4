"""Assessment writes: create, edit, delete (cascade only when asked, audited) and the blueprint table.

Every function takes keyword-only arguments, validates everything first and writes in one transaction;
a refused call raises `AssessmentRefused` with every reason in Chinese and writes nothing. `user=None` is the
operator at the server shell (`yincai assessment …`), who may do what the admin may.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max

from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.assessment.selectors import (
    assessment_score_counts,
    assessments_visible_to,
    may_create_assessment,
    may_manage_assessment,
)
from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.oversight.concurrency import StaleEdit, bump_version, check_version
from yincai.oversight.services import audit_record
from yincai.school.models import Enrolment, Grade, SchoolClass, Subject, Term

KIND_LABELS = dict(Assessment.KIND_CHOICES)


class AssessmentRefused(ValueError):
    """The operation was refused; `errors` holds every reason (Chinese). Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("；".join(errors))


# ------------------------------------------------------------------------------------------------
# parsing what people type (forms, CLI, score-import headers)


def _kind_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for code, label in Assessment.KIND_CHOICES:
        base = label.removesuffix("测")
        for word in (code, label, base, base + "测", base + "测试", base + "考试", base + "测验"):
            aliases.setdefault(word.lower(), code)
    return aliases


KIND_ALIASES = _kind_aliases()


def parse_kind(text: str) -> str:
    """'期末' / '期末考试' / 'final' / '摸底' / '练习' → the kind code."""
    key = "".join(unicodedata.normalize("NFKC", text or "").split()).lower()
    if key in KIND_ALIASES:
        return KIND_ALIASES[key]
    raise AssessmentRefused([f"测评类型「{text}」无法识别，可选：{'、'.join(KIND_LABELS.values())}"])


def parse_subject(text: str) -> Subject:
    """A subject by its Chinese name (数学) or code (math)."""
    key = "".join(unicodedata.normalize("NFKC", text or "").split())
    subject = Subject.objects.filter(name=key).first() or Subject.objects.filter(code__iexact=key).first()
    if subject is None:
        known = "、".join(f"{s.name}({s.code})" for s in Subject.objects.all()) or "（尚无学科）"
        raise AssessmentRefused([f"学科「{text}」不存在，可选：{known}"])
    return subject


def parse_date(text: str) -> datetime.date:
    """YYYY-MM-DD (also YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日)."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", t)
    if m:
        try:
            return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise AssessmentRefused([f"日期「{text}」无效，请写成 YYYY-MM-DD，例如 2026-12-20"])


def parse_grade(text: str, term: Term) -> Grade:
    """A grade of the term's school by number (4) or name (四年级, 四)."""
    from yincai.school.models import GRADE_NAMES

    key = "".join(unicodedata.normalize("NFKC", str(text or "")).split())
    level = int(key) if key.isdigit() else next(
        (lv for lv, name in GRADE_NAMES.items() if key in (name, name.removesuffix("年级"))), None)
    grade = Grade.objects.filter(school=term.school, level=level).first() if level else None
    if grade is None:
        known = "、".join(str(g.level) for g in Grade.objects.filter(school=term.school)) or "（尚无年级）"
        raise AssessmentRefused([f"年级「{text}」不存在，本校年级：{known}"])
    return grade


def parse_class(text: str, term: Term, grade: Grade) -> SchoolClass:
    """A class of `grade` in `term` by name: 四年级(1)班 / 4(1)班 / 4.1 / 1班."""
    from yincai.imports.scores import parse_class_name

    level, number = parse_class_name(text or "")
    klass = None
    if number is not None and level in (None, grade.level):
        klass = SchoolClass.objects.filter(term=term, grade=grade, number=number).first()
    if klass is None:
        known = "、".join(c.name for c in SchoolClass.objects.filter(term=term, grade=grade)) or "（无）"
        raise AssessmentRefused([f"班级「{text}」不在{grade}（本学期{grade}的班级：{known}）"])
    return klass


# ------------------------------------------------------------------------------------------------
# create / edit / delete


def _validate(*, user: Any, term: Term, name: str, kind: str, grade: Grade, subject: Subject, date: datetime.date,
              school_class: SchoolClass | None) -> list[str]:
    errors = []
    if not name.strip():
        errors.append("请填写测评名称")
    elif len(name.strip()) > 100:
        errors.append("测评名称最多100个字")
    if kind not in KIND_LABELS:
        errors.append(f"测评类型应为：{'、'.join(KIND_LABELS.values())}")
    if grade.school_id != term.school_id:
        errors.append(f"{grade}不属于本校")
    if school_class is not None and (school_class.term_id != term.pk or school_class.grade_id != grade.pk):
        errors.append(f"{school_class.name}不是本学期{grade}的班级")
    if not term.start_date <= date <= term.end_date:
        errors.append(f"日期 {date:%Y-%m-%d} 不在学期「{term.name}」（{term.start_date:%Y-%m-%d} 至 "
                      f"{term.end_date:%Y-%m-%d}）内")
    if not errors and not may_create_assessment(user, term=term, grade_id=grade.pk, subject_id=subject.pk,
                                                class_id=school_class.pk if school_class else None):
        scope = school_class.name if school_class else f"{grade}（全年级）"
        errors.append(f"您不能为{scope}的{subject.name}新建或修改测评：只能为您任教或负责的班级、学科")
    return errors


def _staff(user: Any) -> Any:
    from yincai.school.selectors import staff_of

    return staff_of(user) if user is not None else None


@transaction.atomic
def assessment_create(*, user: Any, name: str, kind: str, grade: Grade, subject: Subject, date: datetime.date,
                      school_class: SchoolClass | None = None, term: Term | None = None) -> Assessment:
    """新建测评 for a grade (school_class=None) or one class; refused with reasons when out of the user's scope."""
    term = term or Term.current()
    if term is None:
        raise AssessmentRefused(["尚未设置学期：请先运行 yincai init 或在设置页面建立学校和学期"])
    errors = _validate(user=user, term=term, name=name, kind=kind, grade=grade, subject=subject, date=date,
                       school_class=school_class)
    name = name.strip()
    if not errors and Assessment.objects.filter(term=term, grade=grade, school_class=school_class, subject=subject,
                                                name=name, date=date).exists():
        errors.append(f"已有同名测评「{name}」（{subject.name}，{date:%Y-%m-%d}）")
    if errors:
        raise AssessmentRefused(errors)
    return Assessment.objects.create(term=term, grade=grade, subject=subject, school_class=school_class, kind=kind,
                                     name=name, date=date, created_by=_staff(user))


def _check_visible(user: Any, assessment: Assessment) -> None:
    if user is not None and not assessments_visible_to(user, assessment.term).filter(pk=assessment.pk).exists():
        raise AssessmentRefused(["您无权修改该测评"])


def _check_manage(user: Any, assessment: Assessment) -> None:
    """Editing or deleting the assessment itself needs the right to create one of its scope."""
    _check_visible(user, assessment)
    if not may_manage_assessment(user, assessment):
        scope = assessment.school_class.name if assessment.school_class_id else f"{assessment.grade}全年级"
        raise AssessmentRefused([f"{scope}的{assessment.subject.name}测评只能由年级组长、教导处或该学科的任课教师"
                                 "修改或删除"])


@transaction.atomic
def assessment_update(*, user: Any, assessment: Assessment, name: str, kind: str, grade: Grade, subject: Subject,
                      date: datetime.date, school_class: SchoolClass | None = None) -> Assessment:
    """Edit name, kind, date and scope; the scope (grade, class, subject) is fixed once scores exist."""
    _check_manage(user, assessment)
    term = assessment.term
    errors = _validate(user=user, term=term, name=name, kind=kind, grade=grade, subject=subject, date=date,
                       school_class=school_class)
    moved = (grade.pk, subject.pk, school_class.pk if school_class else None) != (
        assessment.grade_id, assessment.subject_id, assessment.school_class_id)
    if moved and ItemScore.objects.filter(item__assessment=assessment).exists():
        errors.append("该测评已有成绩，不能更改年级、班级或学科（可修改名称、类型和日期）")
    if moved and subject.pk != assessment.subject_id and assessment.items.filter(knowledge_points__isnull=False).exists():
        errors.append("该测评的题目已标注知识点，不能更改学科")
    if errors:
        raise AssessmentRefused(errors)
    assessment.name, assessment.kind, assessment.grade, assessment.subject = name.strip(), kind, grade, subject
    assessment.date, assessment.school_class = date, school_class
    assessment.save()
    return assessment


@dataclass(frozen=True)
class Deleted:
    name: str
    items: int
    scores: int
    students: int


def assessment_delete(*, user: Any, assessment: Assessment, cascade: bool = False) -> Deleted:
    """Delete an assessment. Once scores exist this is refused unless `cascade` (the user ticked the
    confirmation) — then its items and scores go too, in one transaction, with one audit entry."""
    _check_manage(user, assessment)
    n_scores, n_students = assessment_score_counts(assessment)
    if n_scores and not cascade:
        raise AssessmentRefused([
            f"测评「{assessment.name}」已有 {n_students} 名学生的 {n_scores} 条小题得分，不能直接删除。"
            "如确需删除，请勾选“同时删除全部题目和成绩”后再删除（将记入审计日志）"])
    if n_scores and user is not None:
        classes = SchoolClass.objects.filter(
            pk__in=Enrolment.objects.filter(
                term=assessment.term, student__item_scores__item__assessment=assessment).values("school_class"))
        foreign = [c.name for c in classes.select_related("grade")
                   if not may_create_assessment(user, term=assessment.term, grade_id=assessment.grade_id,
                                                subject_id=assessment.subject_id, class_id=c.pk)]
        if foreign:
            raise AssessmentRefused([f"该测评含有您不负责的班级（{'、'.join(foreign)}）的成绩，"
                                     "只能由年级组长或教导处删除"])
    n_items = assessment.items.count()
    result = Deleted(assessment.name, n_items, n_scores, n_students)
    term, grade, pk = assessment.term, assessment.grade, assessment.pk
    with transaction.atomic():
        scores = ItemScore.objects.filter(item_id__in=list(assessment.items.values_list("pk", flat=True)))
        # scores are bulk rows: one raw delete and the one audit entry below, not one signal per score
        scores._raw_delete(scores.db)
        assessment.delete()
        audit_record(action="delete", model="assessment.Assessment", object_id=pk,
                     detail=f"删除测评「{result.name}」（{grade} {assessment.subject.name} {assessment.date:%Y-%m-%d}），"
                            f"连同 {n_items} 道题、{n_students} 名学生的 {n_scores} 条小题得分")
        if n_scores:
            from yincai.insight.services import recompute_start

            recompute_start(term=term, grade=grade, user=user)
    return result


# ------------------------------------------------------------------------------------------------
# blueprint (试卷结构) table


@dataclass(frozen=True)
class BlueprintRow:
    """One row of the table as typed: every field a string; `item_id` for an existing item."""

    item_id: int | None = None
    label: str = ""
    section: str = ""
    max_score: str = ""
    item_type: str = ""
    kps: str = ""  # codes (or exact names) separated by spaces, 、 or commas
    ability: str = ""  # Ability pk, code or name
    level: str = ""  # basic/medium/challenge or 基础/提高/拓展

    @property
    def blank(self) -> bool:
        return self.item_id is None and not any(
            (self.label, self.section, self.max_score, self.item_type, self.kps, self.ability, self.level))


@dataclass(frozen=True)
class BlueprintSaved:
    created: int
    updated: int
    deleted: int


@dataclass
class _Clean:
    item: Item | None
    label: str
    section: str
    max_score: Decimal
    item_type: str
    kp_ids: list[int]
    ability_id: int | None
    level: str


def _label_key(label: str) -> str:
    from yincai.imports.common import label_key

    return label_key(label)


def _max_score(text: str) -> Decimal | None:
    t = unicodedata.normalize("NFKC", text or "").strip().removesuffix("分")
    try:
        value = Decimal(t)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > Decimal("999.9") or value != value.quantize(Decimal("0.1")):
        return None
    return value


def _kp_lookup(text: str, by_code: dict[str, int], by_name: dict[str, list[int]]) -> tuple[list[int], list[tuple[str, bool]]]:
    """KP ids from codes or names separated by spaces, 、 or commas. Names may contain 、 themselves
    ("毫米、分米、千米与吨"): the longest run of tokens naming one KP wins. Unknown: (token, ambiguous)."""
    tokens = [t for t in re.split(r"[、;；,，\s]+", unicodedata.normalize("NFKC", text or "")) if t]
    ids: list[int] = []
    unknown: list[tuple[str, bool]] = []
    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            key = "、".join(tokens[i:j])
            named = by_name.get(key, [])
            found = by_code.get(key.lower()) if j == i + 1 else None
            if found is None and len(named) == 1:
                found = named[0]
            if found is not None:
                ids += [found] if found not in ids else []
                i = j
                break
        else:
            unknown.append((tokens[i], len(by_name.get(tokens[i], [])) > 1))
            i += 1
    return ids, unknown


def _clean_rows(assessment: Assessment, rows: list[BlueprintRow]) -> tuple[list[_Clean], list[str]]:
    subject = assessment.subject
    items = {i.pk: i for i in assessment.items.all()}
    kps = list(KnowledgePoint.objects.filter(subject=subject, is_unit=False).values_list("pk", "code", "name"))
    by_code = {code.lower(): pk for pk, code, _ in kps}
    by_name: dict[str, list[int]] = {}
    for pk, _, name in kps:
        by_name.setdefault("".join(name.split()), []).append(pk)
    abilities = list(Ability.objects.filter(subject=subject))
    levels = {code: code for code, _ in Item.LEVEL_CHOICES} | {label: code for code, label in Item.LEVEL_CHOICES}
    errors: list[str] = []
    clean: list[_Clean] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=1):
        if row.blank:
            continue
        where = f"第{n}行"
        item = None
        if row.item_id is not None:
            item = items.get(row.item_id)
            if item is None:
                errors.append(f"{where}：该题已不存在（页面可能已过期，请刷新后重试）")
                continue
        label = unicodedata.normalize("NFKC", row.label).strip()
        key = _label_key(label)
        if not label:
            errors.append(f"{where}：请填写题号")
        elif len(label) > 20:
            errors.append(f"{where}：题号「{label}」过长（最多20字）")
        elif key in seen:
            errors.append(f"{where}：题号「{label}」与第{seen[key]}行重复")
        else:
            seen[key] = n
        max_score = _max_score(row.max_score)
        if max_score is None:
            errors.append(f"{where}：满分「{row.max_score}」无效，应为大于0的数（最多一位小数，不超过999.9）")
        section, item_type = row.section.strip(), row.item_type.strip()
        if len(section) > 50:
            errors.append(f"{where}：大题名称过长（最多50字）")
        if len(item_type) > 20:
            errors.append(f"{where}：题型过长（最多20字）")
        kp_ids, unknown = _kp_lookup(row.kps, by_code, by_name)
        errors += [f"{where}：知识点「{u}」不在{subject.name}的知识点体系中" if not ambiguous
                   else f"{where}：知识点「{u}」有多个同名，请用编码" for u, ambiguous in unknown]
        ability_id = None
        if row.ability.strip():
            a = row.ability.strip()
            match = next((x for x in abilities if a in (str(x.pk), x.code, x.name)), None)
            if match is None:
                errors.append(f"{where}：能力维度「{a}」不属于{subject.name}（可选：{'、'.join(x.name for x in abilities)}）")
            else:
                ability_id = match.pk
        level = levels.get(row.level.strip(), None) if row.level.strip() else ""
        if level is None:
            errors.append(f"{where}：难度层级「{row.level}」应为 基础、提高 或 拓展")
        if max_score is not None and item is not None and max_score != item.max_score:
            top = ItemScore.objects.filter(item=item, state="scored").aggregate(m=Max("score"))["m"]
            if top is not None and top > max_score:
                errors.append(f"{where}：第{item.label}题已有学生得分 {top.normalize():f}，满分不能改为 "
                              f"{max_score.normalize():f}（低于已有得分）")
        clean.append(_Clean(item, label, section, max_score or Decimal(0), item_type, kp_ids, ability_id, level or ""))
    kept = {c.item.pk for c in clean if c.item is not None}
    for pk, item in items.items():
        if pk not in kept:
            n_scores = item.scores.count()
            if n_scores:
                errors.append(f"第{item.label}题已有 {n_scores} 条得分，不能删除（如需删除，请先删除整个测评的成绩）")
    if not clean and not errors:
        errors.append("试卷结构至少需要一道题")
    return clean, errors


@transaction.atomic
def blueprint_save(*, user: Any, assessment: Assessment, rows: list[BlueprintRow],
                   version: int | None = None) -> BlueprintSaved:
    """Replace the assessment's items with the table's rows (matched by item id, so renamed items keep their
    scores). Validates every row first: unique 题号, 满分 > 0 and not below a stored score, KPs and ability of
    the assessment's subject; any error writes nothing. `version`: the blueprint version the table was based on
    (from a form); a stale one is refused with 已被他人修改 and the other change."""
    _check_visible(user, assessment)
    try:
        check_version(assessment, version, describe=_blueprint_fields,
                      yours={_row_label(r): _row_text(r.max_score, r.kps) for r in rows if not r.blank})
    except StaleEdit as exc:
        raise AssessmentRefused(exc.messages) from exc
    clean, errors = _clean_rows(assessment, rows)
    if errors:
        raise AssessmentRefused(errors)
    kept = {c.item.pk for c in clean if c.item is not None}
    removed = list(assessment.items.exclude(pk__in=kept))
    for item in removed:
        item.delete()
    # labels may swap between rows (1↔2): park changed labels first so the unique constraint never trips
    for c in clean:
        if c.item is not None and c.item.label != c.label:
            Item.objects.filter(pk=c.item.pk).update(label=f"~{c.item.pk}")
    created = updated = 0
    for order, c in enumerate(clean, start=1):
        item = c.item or Item(assessment=assessment)
        before = None if c.item is None else (
            c.item.label, c.item.section, c.item.order, c.item.max_score, c.item.item_type, c.item.ability_id,
            c.item.level, sorted(c.item.knowledge_points.values_list("pk", flat=True)))
        item.label, item.section, item.order, item.max_score = c.label, c.section, order, c.max_score
        item.item_type, item.ability_id, item.level = c.item_type, c.ability_id, c.level
        after = (c.label, c.section, order, c.max_score, c.item_type, c.ability_id, c.level, sorted(c.kp_ids))
        if before != after or c.item is None:
            item.save()
            item.knowledge_points.set(c.kp_ids)
            created += c.item is None
            updated += c.item is not None
    bump_version(assessment)
    assessment.save(update_fields=["version"])
    audit_record(action="update", model="assessment.Assessment", object_id=assessment.pk,
                 detail=f"试卷结构：新增 {created} 题，修改 {updated} 题，删除 {len(removed)} 题")
    return BlueprintSaved(created=created, updated=updated, deleted=len(removed))


def _row_label(row: BlueprintRow) -> str:
    return f"第{row.label.strip() or '?'}题"


def _row_text(max_score: Any, kps: str) -> str:
    score = str(max_score).strip()
    try:
        score = f"{Decimal(score).normalize():f}"
    except InvalidOperation:
        pass
    return f"{score}分 {' '.join(kps.replace('、', ' ').replace(',', ' ').split())}".strip()


def _blueprint_fields(assessment: Assessment) -> dict[str, str]:
    """The stored table as people read it (题号 → 满分 and KP codes), for 已被他人修改."""
    return {f"第{item.label}题": _row_text(item.max_score, " ".join(k.code for k in item.knowledge_points.all()))
            for item in assessment.items.prefetch_related("knowledge_points").order_by("order")}


# ------------------------------------------------------------------------------------------------
# an assessment described in words (a score import that names grade, subject and date)

DRAFT_FIELDS = ("name", "kind", "grade", "class", "subject", "date")


def draft_resolve(*, term: Term, draft: dict[str, str]) -> dict[str, Any]:
    """Service kwargs from a draft as typed ({"grade": "4", "subject": "数学", "date": "2026-12-20", "kind": "期末",
    "name": "", "class": ""}); the name defaults to 日期+年级+学科+类型. Raises AssessmentRefused with every problem."""
    errors: list[str] = []
    got: dict[str, Any] = {}
    for key, parse in (("grade", lambda v: parse_grade(v, term)), ("subject", parse_subject), ("date", parse_date),
                       ("kind", parse_kind)):
        value = (draft.get(key) or "").strip()
        if not value and key == "kind":
            value = "unit"
        if not value:
            errors.append({"grade": "请填写年级", "subject": "请填写学科", "date": "请填写测评日期"}[key])
            continue
        try:
            got[key] = parse(value)
        except AssessmentRefused as exc:
            errors += exc.errors
    got["school_class"] = None
    if (draft.get("class") or "").strip() and "grade" in got:
        try:
            got["school_class"] = parse_class(draft["class"], term, got["grade"])
        except AssessmentRefused as exc:
            errors += exc.errors
    if errors:
        raise AssessmentRefused(errors)
    name = (draft.get("name") or "").strip() or (
        f"{got['date']:%Y-%m-%d} {got['school_class'].name if got['school_class'] else got['grade']}"
        f"{got['subject'].name}{KIND_LABELS[got['kind']]}")
    return got | {"name": name}


def assessment_create_from_draft(*, user: Any, term: Term, draft: dict[str, str]) -> Assessment:
    return assessment_create(user=user, term=term, **draft_resolve(term=term, draft=draft))


def draft_text(*, term: Term, draft: dict[str, str]) -> str:
    """The draft in words for a preview: 名称（范围 学科 类型 日期）."""
    got = draft_resolve(term=term, draft=draft)
    scope = got["school_class"].name if got["school_class"] else f"{got['grade']}全年级"
    return f"{got['name']}（{scope} {got['subject'].name} {KIND_LABELS[got['kind']]} {got['date']:%Y-%m-%d}）"
