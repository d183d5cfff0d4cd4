"""Loading and editing the KP tree. The 人教版 primary-math tree ships as an editable CSV."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from yincai.curriculum.matching import normalise
from yincai.curriculum.models import Ability, KnowledgePoint, KnowledgePointAlias
from yincai.school.models import School, Subject

DATA_DIR = Path(__file__).parent / "data"
PEP_MATH_CSV = DATA_DIR / "pep_math_kps.csv"
MATH_ABILITIES = [("compute", "计算"), ("understand", "理解"), ("apply", "应用"), ("analyse", "分析")]
DEFAULT_SUBJECTS = [("math", "数学"), ("chinese", "语文"), ("english", "英语")]
# 义务教育课程方案（2022）中小学阶段常设学科；学校初始化时可勾选，之后可在后台增删改名。
SUBJECT_CATALOGUE = [
    ("chinese", "语文"), ("math", "数学"), ("english", "英语"), ("science", "科学"), ("morality", "道德与法治"),
    ("music", "音乐"), ("pe", "体育与健康"), ("art", "美术"), ("it", "信息科技"), ("labour", "劳动"),
]
STANDARD_SUBJECTS = ["chinese", "math", "english", "science", "morality", "music", "pe", "art"]
# 学习水平（了解/理解/掌握/运用）：课程标准对学业要求的常用分级，作为语文、英语等学科的能力维度起点。
LEVEL_ABILITIES = [("know", "了解"), ("understand", "理解"), ("master", "掌握"), ("apply", "运用")]
# The bundled KP outlines per subject code (editable CSV; export/import as Excel from the KP page).
KP_OUTLINES = {
    "math": PEP_MATH_CSV,
    "chinese": DATA_DIR / "chinese_kps.csv",
    "english": DATA_DIR / "english_kps.csv",
}
KP_COLUMNS = ("code", "name", "grade", "semester", "unit", "domain", "prerequisites")


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
    return ensure_abilities(subject, MATH_ABILITIES)


def ensure_abilities(subject: Subject, abilities: list[tuple[str, str]] | None = None) -> list[Ability]:
    """The subject's 能力维度 (math: 计算/理解/应用/分析; other subjects: 了解/理解/掌握/运用); idempotent."""
    if abilities is None:
        abilities = MATH_ABILITIES if subject.code == "math" else LEVEL_ABILITIES
    return [
        Ability.objects.get_or_create(subject=subject, code=code, defaults={"name": name})[0]
        for code, name in abilities
    ]


def read_kp_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(KP_COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise CurriculumError(f"知识点文件缺少列：{'、'.join(sorted(missing))}")
        return [{k: (row.get(k) or "").strip() for k in KP_COLUMNS} for row in reader]


def split_codes(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;；,，、\s]+", text or "") if p.strip()]


def check_kp_rows(rows: list[dict[str, str]], *, subject: Subject | None = None, first_row: int = 2) -> list[str]:
    """Every problem of a KP table (row numbers as the file shows them); [] when it can be loaded.

    A prerequisite may name a KP of the same file (any row) or one already in the subject's tree;
    the prerequisite graph must stay acyclic.
    """
    problems: list[str] = []
    seen: dict[str, int] = {}
    graph: dict[str, list[str]] = {}
    if subject is not None:
        for kp in KnowledgePoint.objects.filter(subject=subject, is_unit=False).prefetch_related("prerequisites"):
            graph[kp.code] = [p.code for p in kp.prerequisites.all()]
    known = set(graph)
    codes = {r["code"].strip() for r in rows}
    for i, row in enumerate(rows, start=first_row):
        n = int(row.get("_row") or i)
        code, name = row["code"].strip(), row["name"].strip()
        if not code or not name:
            problems.append(f"第{n}行：编码和名称不能为空")
            continue
        if code in seen:
            problems.append(f"第{n}行：编码 {code} 与第{seen[code]}行重复")
        seen[code] = n
        if len(code) > 30 or len(name) > 100 or len(row["unit"].strip()) > 100 or len(row["domain"].strip()) > 20:
            problems.append(f"第{n}行：过长（编码≤30字、名称与单元≤100字、领域≤20字）")
        if not row["unit"].strip():
            problems.append(f"第{n}行：单元不能为空")
        if row["grade"].strip() not in {"1", "2", "3", "4", "5", "6"} or row["semester"].strip() not in {"上", "下"}:
            problems.append(f"第{n}行：年级应为1-6，册应为“上”或“下”")
        pres = split_codes(row["prerequisites"])
        for pre in pres:
            if pre == code:
                problems.append(f"第{n}行：知识点不能是自己的先修知识点")
            elif pre not in codes and pre not in known:
                problems.append(f"第{n}行：先修知识点 {pre} 不存在")
        graph[code] = [p for p in pres if p != code]
    if not problems:
        cycle = _find_cycle(graph)
        if cycle:
            problems.append("先修关系出现循环：" + " → ".join(cycle))
    return problems


def _find_cycle(graph: dict[str, list[str]]) -> list[str]:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in graph:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            nexts = graph.get(node, [])
            if i < len(nexts):
                stack.append((node, i + 1))
                nxt = nexts[i]
                if state.get(nxt) == 1:
                    return path[path.index(nxt):] + [nxt]
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return []


@transaction.atomic
def load_kp_tree(*, subject: Subject, path: Path = PEP_MATH_CSV) -> LoadResult:
    """Create or update units and KPs from the CSV at `path` (idempotent)."""
    return load_kp_rows(subject=subject, rows=read_kp_csv(path))


@transaction.atomic
def load_kp_rows(*, subject: Subject, rows: list[dict[str, str]]) -> LoadResult:
    """Create or update units and KPs from table rows (idempotent; never deletes). Refuses the whole table on
    any problem (CurriculumError listing them), so nothing is written."""
    problems = check_kp_rows(rows, subject=subject)
    if problems:
        more = f"（另有 {len(problems) - 5} 个问题）" if len(problems) > 5 else ""
        raise CurriculumError("；".join(problems[:5]) + more)
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
        pres = [by_code.get(p) or existing[p] for p in split_codes(row["prerequisites"])]
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
