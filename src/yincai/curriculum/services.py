"""Loading and editing the KP tree. The 人教版 primary-math tree ships as an editable CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from yincai.curriculum.matching import normalise
from yincai.curriculum.models import Ability, KnowledgePoint, KnowledgePointAlias
from yincai.school.models import School, Subject

PEP_MATH_CSV = Path(__file__).parent / "data" / "pep_math_kps.csv"
MATH_ABILITIES = [("compute", "计算"), ("understand", "理解"), ("apply", "应用"), ("analyse", "分析")]
DEFAULT_SUBJECTS = [("math", "数学"), ("chinese", "语文"), ("english", "英语")]


class CurriculumError(ValueError):
    """A problem in a KP file, explained in Chinese with the row number."""


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    units: int
    prerequisite_edges: int


def ensure_subjects() -> dict[str, Subject]:
    return {code: Subject.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in DEFAULT_SUBJECTS}


def ensure_math_abilities(subject: Subject) -> list[Ability]:
    return [
        Ability.objects.get_or_create(subject=subject, code=code, defaults={"name": name})[0]
        for code, name in MATH_ABILITIES
    ]


def _read_rows(path: Path) -> list[dict[str, str]]:
    required = {"code", "name", "grade", "semester", "unit", "domain", "prerequisites"}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise CurriculumError(f"知识点文件缺少列：{'、'.join(sorted(missing))}")
        rows = list(reader)
    codes = [r["code"].strip() for r in rows]
    seen: set[str] = set()
    for n, (row, code) in enumerate(zip(rows, codes, strict=True), start=2):
        if not code or not row["name"].strip():
            raise CurriculumError(f"第{n}行：编码和名称不能为空")
        if code in seen:
            raise CurriculumError(f"第{n}行：编码 {code} 重复")
        seen.add(code)
        if row["grade"].strip() not in {"1", "2", "3", "4", "5", "6"} or row["semester"].strip() not in {"上", "下"}:
            raise CurriculumError(f"第{n}行：年级应为1-6，册应为“上”或“下”")
        for pre in filter(None, (p.strip() for p in row["prerequisites"].split(";"))):
            if pre not in seen:
                raise CurriculumError(f"第{n}行：先修知识点 {pre} 不存在或排在本知识点之后")
    return rows


@transaction.atomic
def load_kp_tree(*, subject: Subject, path: Path = PEP_MATH_CSV) -> LoadResult:
    """Create or update units and KPs from `path` (idempotent); prerequisites must precede their KP."""
    rows = _read_rows(path)
    existing = {kp.code: kp for kp in KnowledgePoint.objects.filter(subject=subject)}
    created = updated = 0
    units: dict[str, KnowledgePoint] = {}
    order = 0
    by_code: dict[str, KnowledgePoint] = {}
    for row in rows:
        grade, semester, unit = int(row["grade"]), row["semester"].strip(), row["unit"].strip()
        unit_code = f"U{grade}{'A' if semester == '上' else 'B'}-{unit}"[:30]
        if unit_code not in units:
            order += 1
            units[unit_code], was_created = KnowledgePoint.objects.update_or_create(
                subject=subject,
                code=unit_code,
                defaults={"name": unit, "grade_level": grade, "semester": semester, "is_unit": True, "order": order},
            )
        order += 1
        defaults = {
            "name": row["name"].strip(),
            "grade_level": grade,
            "semester": semester,
            "domain": row["domain"].strip(),
            "parent": units[unit_code],
            "order": order,
            "is_unit": False,
        }
        code = row["code"].strip()
        kp = existing.get(code)
        if kp is None:
            kp = KnowledgePoint.objects.create(subject=subject, code=code, **defaults)
            created += 1
        elif any(getattr(kp, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(kp, k, v)
            kp.save()
            updated += 1
        by_code[code] = kp
    edges = 0
    for row in rows:
        pres = [by_code[p.strip()] for p in row["prerequisites"].split(";") if p.strip()]
        by_code[row["code"].strip()].prerequisites.set(pres)
        edges += len(pres)
    return LoadResult(created=created, updated=updated, units=len(units), prerequisite_edges=edges)


def kp_alias_save(*, school: School, subject: Subject, text: str, kp_ids: list[int], user: object = None
                  ) -> KnowledgePointAlias:
    """Remember that `text` names these KPs of `subject` at `school` (no KP = leave untagged); a label the school
    already had is pointed at the new KPs. The caller's transaction makes it atomic with the import."""
    label = normalise(text)
    if not label:
        raise CurriculumError("别名不能为空")
    kps = list(KnowledgePoint.objects.filter(subject=subject, is_unit=False, pk__in=kp_ids))
    if len(kps) != len(set(kp_ids)):
        raise CurriculumError(f"别名「{text}」指向的知识点不属于{subject.name}的知识点体系")
    alias, created = KnowledgePointAlias.objects.get_or_create(
        school=school, subject=subject, label=label[:100],
        defaults={"text": text[:100], "created_by": user if getattr(user, "is_authenticated", False) else None},
    )
    alias.knowledge_points.set(kps)
    return alias
