"""Assessment blueprint (双向细目表 / Q-matrix): one row per item with 题号, 大题, 满分, 题型, 知识点, 能力维度, 难度.

Knowledge points are given by code or by name (several separated by 、；, or spaces) and must exist in the
subject's KP tree. Items already in the assessment and absent from the file are kept (a warning says so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max

from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.curriculum.models import Ability, KnowledgePoint
from yincai.imports.common import Collector, Problem, cell, find_header, is_blank_row, label_key
from yincai.imports.models import ImportBatch, ImportChange
from yincai.imports.parsing import (
    CellError,
    ImportFileError,
    Sheet,
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
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: list[ItemRow] = field(default_factory=list)
    creates: int = 0
    updates: list[tuple[ItemRow, list[tuple[str, str, str]]]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        return {
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


def _kp_ids(text: str, kps_by_code: dict[str, int], kps_by_name: dict[str, list[int]]) -> tuple[list[int], list[str]]:
    """KPs by code or name, several separated by 、；, or spaces. Names may themselves contain 、
    ("毫米、分米、千米与吨"), so the longest run of tokens that names a KP wins."""
    ids: list[int] = []
    unknown: list[str] = []
    tokens = [t for t in re.split(r"[、;；,，/\s]+", text) if t]

    def lookup(key: str) -> int | None | str:
        key = squeeze(key)
        if key in kps_by_code:
            return kps_by_code[key]
        found = kps_by_name.get(key, [])
        if len(found) == 1:
            return found[0]
        return "ambiguous" if found else None

    i = 0
    while i < len(tokens):
        for j in range(len(tokens), i, -1):
            got = lookup("、".join(tokens[i:j]))
            if got is not None:
                break
        if isinstance(got, int):
            ids.append(got)
            i = j
            continue
        unknown.append(f"{tokens[i]}（同名知识点有多个，请用编码）" if got == "ambiguous" else tokens[i])
        i += 1
    return list(dict.fromkeys(ids)), unknown


def plan_blueprint(*, user: Any, assessment: Assessment, content: bytes, file_name: str) -> BlueprintPlan:
    plan = BlueprintPlan(assessment)
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
    kps = list(KnowledgePoint.objects.filter(subject=subject, is_unit=False).values_list("pk", "code", "name"))
    kps_by_code = {squeeze(code): pk for pk, code, _ in kps}
    kps_by_name: dict[str, list[int]] = {}
    for pk, _, name in kps:
        kps_by_name.setdefault(squeeze(name), []).append(pk)
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
        kp_ids, unknown = _kp_ids(str(raw_kp) if raw_kp is not None else kp_text, kps_by_code, kps_by_name)
        if unknown:
            out.error(f"未知知识点：{'、'.join(unknown)}（请使用本学科知识点体系中的编码或名称）", n, cols.get("kps"))
            continue
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
    kp_names = {pk: f"{code}" for pk, code, _ in kps}
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
            ("知识点", "、".join(kp_names.get(k, "") for k in old_kps), "、".join(kp_names.get(k, "") for k in sorted(row.kp_ids))),
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
    for row, diffs in plan.updates:
        assert row.existing is not None
        changes += [ImportChange(batch=batch, model="assessment.Item", object_id=str(row.existing.pk),
                                 field=f"第{row.label}题 {f}", old_value=o[:200], new_value=n[:200]) for f, o, n in diffs]
    return changes
