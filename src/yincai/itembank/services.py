"""Writes of the item bank: create/edit items, save generator output as a variant family, import questions
from Excel/Word (preview first, items only on confirm) — each one transaction, keyword-only arguments,
Chinese messages for bad input, nothing written on error."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from yincai.curriculum.matching import KPMatcher, split_labels
from yincai.curriculum.models import KnowledgePoint
from yincai.curriculum.selectors import kp_aliases, kp_candidates
from yincai.engine.generators import GENERATORS, GeneratedItem, generate_distinct, to_tex
from yincai.imports.parsing import ImportFileError
from yincai.itembank.models import ITEM_TYPES, LAYERS, BankItem, ItemImport, VariantFamily
from yincai.itembank.parsing import QuestionsRefused, read_docx, read_excel
from yincai.itembank.suggest import guess_item_type, suggest_kps
from yincai.oversight.services import audit_write
from yincai.school.models import Staff, Subject

MAX_GENERATE = 50


class ItemInvalid(ValueError):
    """Bad input; `problems` are Chinese messages. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))


@dataclass
class ItemData:
    subject: Subject
    grade_level: int
    item_type: str
    layer: str
    stem: str
    answer: str
    solution: str = ""
    minutes: str = "1"
    source: str = ""
    kp_text: str = ""  # codes or names, separated by 、 , ; or spaces
    shared: bool = True
    choices: tuple[str, ...] = ()


def resolve_kps(subject: Subject, school: Any, text: str, grade: int) -> tuple[list[int], list[str]]:
    """KP ids a teacher typed (codes or names); problems for labels that are not in the tree, with suggestions."""
    matcher = KPMatcher(kp_candidates(subject), aliases=kp_aliases(school, subject), grade=grade)
    ids: list[int] = []
    problems: list[str] = []
    for label in split_labels(text):
        m = matcher.match(label)
        if m.matched:
            ids.extend(i for i in m.kp_ids if i not in ids)
        else:
            hint = "；您是否指：" + "、".join(s.text for s in m.suggestions[:3]) if m.suggestions else ""
            problems.append(f"知识点「{label}」不在知识点体系中{hint}")
    return ids, problems


def _validate(data: ItemData, school: Any) -> tuple[Decimal, list[int]]:
    problems: list[str] = []
    if not 1 <= data.grade_level <= 6:
        problems.append("年级应是 1–6")
    if data.item_type not in dict(ITEM_TYPES):
        problems.append("请选择题型")
    if data.layer not in dict(LAYERS):
        problems.append("请选择层级（基础/提高/拓展）")
    if not data.stem.strip():
        problems.append("题干不能为空")
    if not data.answer.strip():
        problems.append("答案不能为空")
    elif len(data.answer) > 200:
        problems.append("答案过长（上限200字），较长的解答请写在「解析」里")
    if len(data.source) > 100:
        problems.append("来源过长（上限100字）")
    try:
        minutes = Decimal(str(data.minutes).strip() or "1")
        if not Decimal("0.1") <= minutes <= 120:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append("预计用时应是 0.1–120 之间的分钟数")
        minutes = Decimal(1)
    kp_ids, kp_problems = resolve_kps(data.subject, school, data.kp_text, data.grade_level)
    problems += kp_problems
    if problems:
        raise ItemInvalid(problems)
    return minutes.quantize(Decimal("0.1")), kp_ids


@transaction.atomic
def item_create(*, author: Staff, data: ItemData, family: VariantFamily | None = None) -> BankItem:
    minutes, kp_ids = _validate(data, author.school)
    item = BankItem.objects.create(
        school=author.school, subject=data.subject, grade_level=data.grade_level, item_type=data.item_type,
        layer=data.layer, stem=data.stem.strip(), answer=data.answer.strip(), solution=data.solution.strip(),
        choices=list(data.choices), minutes=minutes, source=data.source.strip(), author=author, shared=data.shared,
        family=family)
    item.knowledge_points.set(kp_ids)
    audit_write(item, action="create")
    return item


@transaction.atomic
def item_update(*, item: BankItem, editor: Staff, data: ItemData, family: VariantFamily | None = None) -> BankItem:
    minutes, kp_ids = _validate(data, editor.school)
    if item.author_id != editor.pk and not data.shared:
        raise ItemInvalid(["只有出题人可以把题目设为不共享"])
    for name, value in (("subject", data.subject), ("grade_level", data.grade_level), ("item_type", data.item_type),
                        ("layer", data.layer), ("stem", data.stem.strip()), ("answer", data.answer.strip()),
                        ("solution", data.solution.strip()), ("minutes", minutes), ("source", data.source.strip()),
                        ("shared", data.shared), ("choices", list(data.choices))):
        setattr(item, name, value)
    item.family = family
    item.updated_by, item.updated_at = editor, timezone.now()
    item.save()
    item.knowledge_points.set(kp_ids)
    audit_write(item, action="update")
    return item


# ---- generators -----------------------------------------------------------------------------------------------

def generator_grade(key: str, level: int) -> int:
    """The grade where a generator level's KPs are taught (the earliest of them)."""
    gen = GENERATORS[key]
    grades = KnowledgePoint.objects.filter(code__in=gen.kp_codes_for(level), is_unit=False).values_list(
        "grade_level", flat=True)
    return min(grades, default=gen.grade)


def generator_preview(*, key: str, level: int, count: int, seed: int) -> list[GeneratedItem]:
    """What `family_create_from_generator` will save for the same arguments (deterministic in `seed`)."""
    gen = GENERATORS.get(key)
    if gen is None:
        raise ItemInvalid(["请选择生成器"])
    if not 1 <= count <= MAX_GENERATE:
        raise ItemInvalid([f"一次生成 1–{MAX_GENERATE} 道题"])
    try:
        return generate_distinct(gen, random.Random(seed), level, count)
    except ValueError as exc:
        raise ItemInvalid([str(exc)]) from None


@transaction.atomic
def family_create_from_generator(*, author: Staff, key: str, level: int, count: int, seed: int, subject: Subject,
                                 layer: str = "basic", name: str = "", grade_level: int | None = None) -> VariantFamily:
    """Save a generator's variants as one 变式题组 (auto-markable items with the generator's KPs)."""
    items = generator_preview(key=key, level=level, count=count, seed=seed)
    gen = GENERATORS[key]
    if layer not in dict(LAYERS):
        raise ItemInvalid(["请选择层级（基础/提高/拓展）"])
    kps = list(KnowledgePoint.objects.filter(subject=subject, code__in=gen.kp_codes_for(level)))
    grade = grade_level or generator_grade(key, level)
    if not 1 <= grade <= 6:
        raise ItemInvalid(["年级应是 1–6"])
    family = VariantFamily.objects.create(school=author.school, generator=key, created_by=author,
                                          name=(name.strip() or f"{gen.name}（第{level}级）")[:100])
    for g in items:
        item = BankItem.objects.create(
            school=author.school, subject=subject, grade_level=grade,
            item_type="oral" if g.minutes <= 0.3 else "calc", layer=layer, stem=to_tex(g.stem),
            answer=gen.answer_text(g), auto_markable=True, minutes=Decimal(str(g.minutes)).quantize(Decimal("0.1")),
            family=family, generator=key, params=g.params | {"level": level, "seed": seed},
            source=f"生成器：{gen.name}", author=author, shared=True)
        item.knowledge_points.set(kps)
    audit_write(family, action="create")
    return family


# ---- imports ----------------------------------------------------------------------------------------------------

class ImportRefusedError(ValueError):
    """The file was refused; `problems` are Chinese messages (with question numbers). Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("导入未执行：" + "；".join(problems[:5]))


def parse_questions(*, content: bytes, file_name: str) -> tuple[str, list[dict[str, Any]]]:
    """('word'|'excel', questions as dicts); raises ImportRefusedError. Reads only, writes nothing."""
    lower = file_name.lower()
    kind = "word" if lower.endswith((".docx", ".doc")) else "excel"
    try:
        questions = read_docx(content) if kind == "word" else read_excel(content, file_name)
    except ImportFileError as exc:
        raise ImportRefusedError([str(exc)]) from None
    except QuestionsRefused as exc:
        raise ImportRefusedError(exc.problems) from None
    except Exception:  # a reader bug must never leave a half import behind or an English traceback
        raise ImportRefusedError(["文件无法读取，请检查文件是否完整后重新上传"]) from None
    return kind, [q.as_dict() for q in questions]


def import_create(*, author: Staff, subject: Subject, grade_level: int, content: bytes, file_name: str) -> ItemImport:
    """Parse and store a preview (questions + suggested KPs). A refused file raises and writes nothing."""
    if not 1 <= grade_level <= 6:
        raise ImportRefusedError(["请选择年级（1–6）"])
    kind, questions = parse_questions(content=content, file_name=file_name)
    candidates = kp_candidates(subject)
    matcher = KPMatcher(candidates, aliases=kp_aliases(author.school, subject), grade=grade_level)
    for q in questions:
        q["suggestions"] = suggest_kps(q["stem"], q["kp_text"], matcher=matcher, candidates=candidates,
                                       grade=grade_level, answer=q["answer"])
        q["item_type"] = q["item_type"] or guess_item_type(q["stem"], grade_level)
        if "$" not in q["stem"]:
            q["stem"] = to_tex(q["stem"])  # 3/4 → $\dfrac{3}{4}$, rendered by KaTeX
    return ItemImport.objects.create(
        school=author.school, subject=subject, grade_level=grade_level, kind=kind, file_name=file_name[:200],
        file_sha256=hashlib.sha256(content).hexdigest(), rows=questions, created_by=author)


@transaction.atomic
def import_confirm(*, batch: ItemImport, author: Staff, choices: dict[int, str], family_name: str = "") -> list[BankItem]:
    """Write the previewed questions as items. `choices`: row index → suggestion index ("0", "1" …) or "none";
    a row without a choice takes its first suggestion."""
    batch = ItemImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != "preview":
        raise ItemInvalid(["这份导入已经确认过了"])
    family = None
    if family_name.strip():
        family = VariantFamily.objects.create(school=batch.school, name=family_name.strip()[:100], created_by=author)
    created = []
    for i, q in enumerate(batch.rows):
        choice = choices.get(i, "0")
        suggestions = q.get("suggestions") or []
        kp_ids = (suggestions[int(choice)]["kp_ids"] if choice.isdigit() and int(choice) < len(suggestions) else [])
        item = BankItem.objects.create(
            school=batch.school, subject=batch.subject, grade_level=batch.grade_level, item_type=q["item_type"],
            layer=q["layer"], stem=q["stem"], answer=q["answer"], solution=q["solution"], choices=q["choices"],
            minutes=Decimal(q["minutes"]), source=q["source"] or batch.file_name[:100], author=author, shared=True,
            family=family)
        item.knowledge_points.set(KnowledgePoint.objects.filter(pk__in=kp_ids, subject=batch.subject))
        created.append(item)
    batch.status, batch.committed_at, batch.family = "committed", timezone.now(), family
    batch.save(update_fields=["status", "committed_at", "family"])
    audit_write(batch, action="create")
    return created
