"""Assessment blueprint (双向细目表 / Q-matrix): one row per item with 题号, 大题, 满分, 题型, 知识点, 能力维度, 难度.

Knowledge points are named by code, name, the school's alias or unit name (several separated by 、；, or
spaces; see yincai.curriculum.matching). A label that matches none of them becomes a question, asked once per
label with ranked suggestions: the plan cannot be written until the teacher has answered every question
(`resolutions`: normalised label → KP ids, empty = leave untagged). On writing, each answer is remembered as
the school's alias, so the next file using the label goes through without questions. Items already in the
assessment and absent from the file are kept (a warning says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max

from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.curriculum.matching import KPMatcher, Suggestion, normalise, split_labels
from yincai.curriculum.models import Ability
from yincai.curriculum.selectors import kp_aliases, kp_candidates
from yincai.curriculum.services import kp_alias_save
from yincai.imports.common import Collector, Problem, cell, find_header, is_blank_row, label_key
from yincai.imports.models import ImportBatch, ImportChange
from yincai.imports.parsing import (
    CellError,
    ImportFileError,
    Sheet,
    col_letter,
    fmt_score,
    parse_score,
    read_workbook,
    squeeze,
    text_of,
)

SYNONYMS: dict[str, set[str]] = {
    "label": {"题号", "小题", "小题号", "题目编号", "题目"},
    "section": {"大题", "大题名称", "题组"},
    "max_score": {"满分", "分值", "满分值", "分数"},
    "item_type": {"题型"},
    "kps": {"知识点", "知识点编码", "知识点(编码或名称)", "考查知识点"},
    "ability": {"能力维度", "能力", "能力层级"},
    "level": {"难度层级", "难度", "层级"},
}
REQUIRED = {"label": "题号", "max_score": "满分"}
LEVELS = {"基础": "basic", "提高": "medium", "拓展": "challenge", "basic": "basic", "medium": "medium",
          "challenge": "challenge", "a": "basic", "b": "medium", "c": "challenge", "易": "basic", "中": "medium",
          "难": "challenge"}
LEVEL_LABEL = dict(Item.LEVEL_CHOICES)
VIA_LABEL = {"alias": "本校别名", "unit": "单元名"}


@dataclass
class LabelQuestion:
    """A 知识点 label nothing matched: asked once, whatever the number of rows using it."""

    key: str  # normalised label
    label: str  # as first written
    rows: list[int] = field(default_factory=list)
    suggestions: tuple[Suggestion, ...] = ()
    answer: list[int] | None = None  # the teacher's choice in this batch ([] = leave untagged)
    answer_text: str = ""

    def as_problem(self, sheet: str, col: str) -> Problem:
        rows = "、".join(map(str, self.rows[:10])) + ("等" if len(self.rows) > 10 else "")
        hint = ("您是否指：" + "；".join(s.text for s in self.suggestions[:3]) + "？" if self.suggestions
                else "没有相近的知识点，请使用本学科知识点体系中的编码、名称或单元名")
        return Problem(f"未知知识点：{self.label}（第{rows}行）；{hint}", sheet, self.rows[0], col)

    def as_dict(self) -> dict[str, Any]:
        chosen = sorted(self.answer) if self.answer is not None else None
        options = [{"kind": s.kind, "kp_ids": sorted(s.kp_ids), "code": s.code, "name": s.name, "text": s.text,
                    "chosen": sorted(s.kp_ids) == chosen} for s in self.suggestions]
        mode = ("" if chosen is None else "none" if not chosen
                else "suggestion" if any(o["chosen"] for o in options) else "kps")
        return {"key": self.key, "label": self.label, "rows": self.rows[:50], "answer": self.answer,
                "answer_text": self.answer_text, "answer_mode": mode, "suggestions": options}


@dataclass
class ItemRow:
    row: int
    label: str
    section: str
    max_score: Decimal
    item_type: str
    kp_ids: list[int]
    ability_id: int | None
    level: str
    existing: Item | None = None


@dataclass
class BlueprintPlan:
    assessment: Assessment
    user: Any = None
    sheet: str = ""
    kp_col: str = ""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: list[ItemRow] = field(default_factory=list)
    creates: int = 0
    updates: list[tuple[ItemRow, list[tuple[str, str, str]]]] = field(default_factory=list)
    unchanged: int = 0
    asked: dict[str, LabelQuestion] = field(default_factory=dict)  # unknown labels, answered or not
    readings: dict[str, dict[str, str]] = field(default_factory=dict)  # labels read by school alias or unit name

    @property
    def questions(self) -> list[LabelQuestion]:
        """The unknown labels not answered yet."""
        return [q for q in self.asked.values() if q.answer is None]

    @property
    def ok(self) -> bool:
        """Ready to write: no problem and no question left open."""
        return not self.problems and not self.questions

    @property
    def question_problems(self) -> list[Problem]:
        """The open questions, as the problems a command-line import reports."""
        return [q.as_problem(self.sheet, self.kp_col) for q in self.questions]

    def summary(self) -> dict[str, Any]:
        return {
            "questions": [q.as_dict() for q in self.asked.values()],
            "open_questions": len(self.questions),
            "labels": list(self.readings.values()),
            "sheet": self.sheet,
            "items": len(self.rows),
            "creates": self.creates,
            "updates": len(self.updates),
            "unchanged": self.unchanged,
            "changes": [
                {"item": r.label, "field": f, "old": o, "new": n} for r, diffs in self.updates[:200] for f, o, n in diffs
            ],
        }


def _pick(sheets: list[Sheet], out: Collector) -> tuple[Sheet, int, dict[str, int]] | None:
    for sheet in sheets:
        if squeeze(sheet.name) in {"说明", "填写说明"}:
            continue
        found = find_header(sheet, SYNONYMS, {"label"})
        if found:
            return sheet, found[0], found[1]
    out.error("没有找到试卷结构表：前15行里没有「题号」表头（表头应包含 题号、大题、满分、题型、知识点、能力维度、难度层级）")
    return None


def _resolve_cell(text: str, matcher: KPMatcher) -> tuple[list[int], list[str], list[tuple[str, str, tuple[int, ...]]]]:
    """KPs of one 知识点 cell, several separated by 、；, or spaces. Names may themselves contain 、
    ("毫米、分米、千米与吨"), so the longest run of tokens that names a KP (or unit, or alias) wins.

    Returns the KP ids, the labels nothing matched and how the others were read [(label, via, ids)]."""
    ids: list[int] = []
    unknown: list[str] = []
    read: list[tuple[str, str, tuple[int, ...]]] = []
    tokens = split_labels(text)
    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            found = matcher.match("、".join(tokens[i:j]), suggest=False)
            if found.matched:
                break
        if found.matched:
            ids += found.kp_ids
            read.append((found.label, found.via, found.kp_ids))
            i = j
            continue
        if normalise(tokens[i]):  # a token of punctuation only ("—") names nothing and is skipped
            unknown.append(tokens[i])
        i += 1
    return ids, unknown, read


def _kp_text(ids: Any, names: dict[int, str]) -> str:
    return "、".join(names.get(k, "?") for k in ids) or "不标注知识点"


def _options(matcher: KPMatcher, label: str) -> tuple[Suggestion, ...]:
    """Ranked suggestions, then the whole unit of each suggested KP (when it has more KPs) not yet among them."""
    ranked = matcher.suggest(label)
    offered = {tuple(sorted(s.kp_ids)) for s in ranked}
    units = []
    for s in ranked:
        unit = matcher.unit_of(s.kp_ids[0]) if s.kind == "kp" else None
        if unit is not None and len(unit.kp_ids) > 1 and tuple(sorted(unit.kp_ids)) not in offered:
            offered.add(tuple(sorted(unit.kp_ids)))
            units.append(unit)
    return (*ranked, *units)


def plan_blueprint(*, user: Any, assessment: Assessment, content: bytes, file_name: str,
                   resolutions: Mapping[str, list[int]] | None = None) -> BlueprintPlan:
    plan = BlueprintPlan(assessment, user)
    out = Collector()
    try:
        sheets = read_workbook(content, file_name)
    except ImportFileError as exc:
        plan.problems.append(Problem(str(exc)))
        return plan
    picked = _pick(sheets, out)
    if picked is None:
        plan.problems = out.problems
        return plan
    sheet, h, cols = picked
    out.sheet = plan.sheet = sheet.name
    for name, label in REQUIRED.items():
        if name not in cols:
            out.error(f"缺少必填列「{label}」", h + 1)
    if out.problems:
        plan.problems = out.problems
        return plan
    subject = assessment.subject
    candidates = kp_candidates(subject)
    kp_names = {c.id: f"{c.code} {c.name}" for c in candidates}
    matcher = KPMatcher(candidates, aliases=kp_aliases(assessment.term.school, subject),
                        grade=assessment.grade.level)
    answers = {k: list(v) for k, v in (resolutions or {}).items() if all(i in kp_names for i in v)}
    plan.kp_col = col_letter(cols["kps"]) if "kps" in cols else ""
    abilities = {squeeze(n): pk for pk, n in Ability.objects.filter(subject=subject).values_list("pk", "name")}
    abilities |= {squeeze(c): pk for pk, c in Ability.objects.filter(subject=subject).values_list("pk", "code")}
    existing = {label_key(i.label): i for i in assessment.items.prefetch_related("knowledge_points")}
    max_scored = dict(
        ItemScore.objects.filter(item__assessment=assessment, state="scored")
        .values("item_id").annotate(m=Max("score")).values_list("item_id", "m")
    )
    seen: dict[str, int] = {}
    for r in range(h + 1, len(sheet.rows)):
        row = sheet.rows[r]
        n = r + 1
        if is_blank_row(row) or out.full:
            continue
        label = label_key(cell(row, cols["label"]))
        if not label:
            out.error("题号为空", n, cols["label"])
            continue
        if len(label) > 20:
            out.error(f"题号「{label}」过长（最多20字）", n, cols["label"])
            continue
        if label in seen:
            out.error(f"题号「{label}」重复（第{seen[label]}行已有）", n, cols["label"])
            continue
        seen[label] = n
        try:
            mv = parse_score(cell(row, cols["max_score"]))
        except CellError as exc:
            out.error(f"满分：{exc}", n, cols["max_score"])
            continue
        if mv.score is None or mv.score <= 0:
            out.error("满分必须是正数", n, cols["max_score"])
            continue
        if mv.score >= 1000:
            out.error(f"满分 {fmt_score(mv.score)} 过大", n, cols["max_score"])
            continue
        kp_text = text_of(cell(row, cols.get("kps"))) if "kps" in cols else ""
        raw_kp = cell(row, cols["kps"]) if "kps" in cols else None
        kp_ids, unknown, read = _resolve_cell(str(raw_kp) if raw_kp is not None else kp_text, matcher)
        for kp_label in unknown:
            key = normalise(kp_label)
            question = plan.asked.get(key)
            if question is None:
                question = plan.asked[key] = LabelQuestion(key, kp_label[:100], suggestions=_options(matcher, kp_label))
                if key in answers:
                    question.answer, question.answer_text = answers[key], _kp_text(answers[key], kp_names)
            question.rows.append(n)
            kp_ids += question.answer or []
        kp_ids = list(dict.fromkeys(kp_ids))
        for kp_label, via, ids in read:
            key = normalise(kp_label)
            if via in VIA_LABEL and key not in plan.readings:
                plan.readings[key] = {"label": kp_label, "via": VIA_LABEL[via], "kps": _kp_text(ids, kp_names)}
        ability_text = text_of(cell(row, cols.get("ability")))
        ability_id = abilities.get(ability_text) if ability_text else None
        if ability_text and ability_id is None:
            out.error(f"未知能力维度「{ability_text}」（可选：{'、'.join(sorted(abilities))}）", n, cols.get("ability"))
            continue
        level_text = text_of(cell(row, cols.get("level"))).lower()
        level = LEVELS.get(level_text, "") if level_text else ""
        if level_text and not level:
            out.error(f"难度层级「{level_text}」应为 基础/提高/拓展", n, cols.get("level"))
            continue
        section = text_of(cell(row, cols.get("section")))[:50]
        item_type = text_of(cell(row, cols.get("item_type")))[:20]
        item = existing.get(label)
        if item is not None and max_scored.get(item.pk) is not None and max_scored[item.pk] > mv.score:
            out.error(f"第{label}题已有学生得分 {fmt_score(max_scored[item.pk])}，不能把满分改为 {fmt_score(mv.score)}",
                      n, cols["max_score"])
            continue
        plan.rows.append(ItemRow(n, item.label if item else label, section, mv.score, item_type, kp_ids, ability_id,
                                 level, item))
    if not plan.rows and not out.problems:
        out.error("表中没有任何题目行", h + 2)
    missing = [i.label for key, i in existing.items() if key not in seen]
    if missing and plan.rows:
        out.warn(f"文件中没有这些已有题目，它们保持不变：{'、'.join(missing[:30])}")
    kp_codes = {c.id: c.code for c in candidates}
    ability_names = {pk: n for n, pk in abilities.items()}
    for row in plan.rows:
        item = row.existing
        if item is None:
            plan.creates += 1
            continue
        diffs: list[tuple[str, str, str]] = []
        old_kps = sorted(k.pk for k in item.knowledge_points.all())
        pairs = [
            ("大题", item.section, row.section),
            ("满分", fmt_score(item.max_score), fmt_score(row.max_score)),
            ("题型", item.item_type, row.item_type),
            ("能力维度", ability_names.get(item.ability_id, "") if item.ability_id else "",
             ability_names.get(row.ability_id, "") if row.ability_id else ""),
            ("难度层级", LEVEL_LABEL.get(item.level, ""), LEVEL_LABEL.get(row.level, "")),
            ("知识点", "、".join(kp_codes.get(k, "") for k in old_kps),
             "、".join(kp_codes.get(k, "") for k in sorted(row.kp_ids))),
        ]
        diffs = [(f, o, n) for f, o, n in pairs if o != n]
        if diffs:
            plan.updates.append((row, diffs))
        else:
            plan.unchanged += 1
    plan.problems, plan.warnings = out.problems, out.warnings
    return plan


def apply_blueprint(plan: BlueprintPlan, batch: ImportBatch) -> list[ImportChange]:
    assessment = plan.assessment
    order = (assessment.items.aggregate(m=Max("order"))["m"] or 0) + 1
    changes: list[ImportChange] = []
    changed_rows = {id(r) for r, _ in plan.updates}
    through = Item.knowledge_points.through
    for row in plan.rows:
        item = row.existing
        if item is None:
            item = Item.objects.create(assessment=assessment, label=row.label, section=row.section, order=order,
                                       max_score=row.max_score, item_type=row.item_type, ability_id=row.ability_id,
                                       level=row.level)
            order += 1
        elif id(row) in changed_rows:
            item.section, item.max_score, item.item_type = row.section, row.max_score, row.item_type
            item.ability_id, item.level = row.ability_id, row.level
            item.save(update_fields=["section", "max_score", "item_type", "ability", "level"])
            through.objects.filter(item_id=item.pk).delete()
        else:
            continue
        through.objects.bulk_create([through(item_id=item.pk, knowledgepoint_id=k) for k in row.kp_ids])
    for q in plan.asked.values():
        if q.answer is not None:
            kp_alias_save(school=assessment.term.school, subject=assessment.subject, text=q.label, kp_ids=q.answer,
                          user=plan.user)
    for row, diffs in plan.updates:
        assert row.existing is not None
        changes += [ImportChange(batch=batch, model="assessment.Item", object_id=str(row.existing.pk),
                                 field=f"第{row.label}题 {f}", old_value=o[:200], new_value=n[:200]) for f, o, n in diffs]
    return changes
