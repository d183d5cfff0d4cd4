"""A subject's KP tree as an Excel workbook (download, edit, upload): the same columns as the bundled CSVs.

Upload is preview → confirm: `plan_kp_upload` reads and checks the file and says what would change, writing
nothing; the confirmed rows go through `load_kp_rows` (one transaction, re-checked). KPs missing from the file
are kept (never deleted: items of past assessments may be tagged with them).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from yincai.curriculum.models import KnowledgePoint
from yincai.curriculum.services import KP_COLUMNS, CurriculumError, check_kp_rows, split_codes
from yincai.imports.common import find_header, is_blank_row
from yincai.imports.exports import Table, to_xlsx
from yincai.imports.parsing import Cell, ImportFileError, read_workbook, text_of
from yincai.school.models import Subject

HEADERS = {"code": "编码", "name": "名称", "grade": "年级", "semester": "册", "unit": "单元", "domain": "领域",
           "prerequisites": "先修知识点"}
SYNONYMS = {
    "code": {"编码", "知识点编码", "代码", "code"},
    "name": {"名称", "知识点", "知识点名称", "name"},
    "grade": {"年级", "grade"},
    "semester": {"册", "上下册", "学期", "semester"},
    "unit": {"单元", "所属单元", "unit"},
    "domain": {"领域", "学习领域", "domain"},
    "prerequisites": {"先修知识点", "先修", "前置知识点", "prerequisites"},
}
INSTRUCTIONS = [
    "每个知识点一行。编码在本学科内唯一；年级填 1-6；册填“上”或“下”；单元为知识点所属的单元或领域分组。",
    "先修知识点填其他知识点的编码，多个用分号（;）隔开；先修关系不能形成循环。",
    "修改名称、单元、先修关系后上传：先显示预览，确认后才写入；文件有任何问题时不写入任何数据。",
    "文件中没有的知识点保持不变（不会删除，已有试题可能标注了它们）。行的先后顺序即知识点体系中的顺序。",
]
GRADE_WORDS = {"一年级": "1", "二年级": "2", "三年级": "3", "四年级": "4", "五年级": "5", "六年级": "6"}
SEMESTER_WORDS = {"上册": "上", "下册": "下", "上学期": "上", "下学期": "下"}


@dataclass
class KpPlan:
    subject: Subject
    rows: list[dict[str, str]]
    problems: list[str] = field(default_factory=list)
    creates: list[dict[str, str]] = field(default_factory=list)
    updates: list[tuple[dict[str, str], list[str]]] = field(default_factory=list)  # row, what changes
    unchanged: int = 0
    kept: int = 0  # KPs in the database that the file does not mention

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def kp_table(subject: Subject) -> Table:
    leaves = (KnowledgePoint.objects.filter(subject=subject, is_unit=False).select_related("parent")
              .prefetch_related("prerequisites").order_by("order", "pk"))
    rows = [[kp.code, kp.name, kp.grade_level, kp.semester, kp.parent.name if kp.parent else "", kp.domain,
             ";".join(p.code for p in sorted(kp.prerequisites.all(), key=lambda p: p.order))] for kp in leaves]
    return Table(title="知识点", headers=[HEADERS[c] for c in KP_COLUMNS], rows=rows)


def kp_workbook(subject: Subject) -> bytes:
    return to_xlsx([kp_table(subject), Table(title="说明", headers=["填写说明"], rows=[[line] for line in INSTRUCTIONS])])


def read_kp_upload(content: bytes, file_name: str) -> list[dict[str, str]]:
    """The KP rows of an uploaded .xlsx/.xls/.csv (each with its Excel row number in `_row`)."""
    try:
        sheets = read_workbook(content, file_name)
    except ImportFileError as exc:
        raise CurriculumError(str(exc)) from None
    for sheet in sheets:
        found = find_header(sheet, SYNONYMS, {"code"})
        if found is None or not {"code", "name"} <= set(found[1]):
            continue
        header_row, cols = found
        missing = [HEADERS[c] for c in KP_COLUMNS if c not in cols and c not in ("domain", "prerequisites")]
        if missing:
            raise CurriculumError(f"工作表「{sheet.name}」缺少列：{'、'.join(missing)}")
        rows = []
        for r, raw in enumerate(sheet.rows[header_row + 1:], start=header_row + 2):
            if is_blank_row(raw):
                continue
            row = {c: _text(raw[cols[c]]) if c in cols and cols[c] < len(raw) else "" for c in KP_COLUMNS}
            row["grade"] = GRADE_WORDS.get(row["grade"], row["grade"])
            row["semester"] = SEMESTER_WORDS.get(row["semester"], row["semester"])
            row["_row"] = str(r)
            rows.append(row)
        return rows
    raise CurriculumError("没有找到知识点表：请使用本页下载的 Excel 文件（表头含“编码”“名称”“年级”“册”“单元”）")


def _text(cell: Cell) -> str:
    """Text cells as read (already NFKC-folded and stripped, inner spaces kept); numbers as a teacher reads them."""
    return cell if isinstance(cell, str) else text_of(cell)


def _keep_stored_spelling(rows: list[dict[str, str]], existing: dict[str, KnowledgePoint]) -> None:
    """Cells come back NFKC-folded (（三上） → (三上)); where only that differs, keep the stored text."""
    for row in rows:
        kp = existing.get(row["code"])
        if kp is None:
            continue
        for key, old in (("name", kp.name), ("unit", kp.parent.name if kp.parent else ""), ("domain", kp.domain)):
            if row[key] != old and unicodedata.normalize("NFKC", old).strip() == row[key]:
                row[key] = old


def plan_kp_upload(*, subject: Subject, content: bytes, file_name: str) -> KpPlan:
    """What uploading the file would change; writes nothing."""
    try:
        rows = read_kp_upload(content, file_name)
    except CurriculumError as exc:
        return KpPlan(subject=subject, rows=[], problems=[str(exc)])
    existing = {kp.code: kp for kp in KnowledgePoint.objects.filter(subject=subject, is_unit=False)
                .select_related("parent").prefetch_related("prerequisites")}
    _keep_stored_spelling(rows, existing)
    plan = KpPlan(subject=subject, rows=rows, problems=check_kp_rows(rows, subject=subject))
    if not rows:
        plan.problems.append("文件中没有知识点")
    for row in rows:
        kp = existing.get(row["code"])
        if kp is None:
            plan.creates.append(row)
            continue
        changes = []
        for key, label, old in (("name", "名称", kp.name), ("grade", "年级", str(kp.grade_level)),
                                ("semester", "册", kp.semester), ("unit", "单元", kp.parent.name if kp.parent else ""),
                                ("domain", "领域", kp.domain)):
            if row[key] != old:
                changes.append(f"{label}：{old or '（空）'} → {row[key] or '（空）'}")
        old_pres = sorted(p.code for p in kp.prerequisites.all())
        new_pres = sorted(set(split_codes(row["prerequisites"])))
        if old_pres != new_pres:
            changes.append(f"先修：{';'.join(old_pres) or '（无）'} → {';'.join(new_pres) or '（无）'}")
        if changes:
            plan.updates.append((row, changes))
        else:
            plan.unchanged += 1
    plan.kept = len(set(existing) - {r["code"] for r in rows})
    return plan
