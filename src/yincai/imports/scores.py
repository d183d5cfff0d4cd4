"""Item-level score sheets → Item and ItemScore rows, the way schools really have them.

Handles what 智学网/七天/好分数-style exports and hand-typed sheets contain: one or two header rows (大题
merged over 小题), an optional 满分 row, extra columns (总分 cross-checked, 排名/班级/序号 ignored), full-width
digits and spaces, and 缺考/免考/作弊/blank stored as states (never as 0). Students are matched by 学号, else
by name (+ class when given); a duplicate name without 学号 is an error, not a guess.

`plan_scores` only reads; `apply_scores` writes the plan inside the caller's transaction.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from yincai.assessment.models import Assessment, Item, ItemScore
from yincai.imports.common import (
    CN_DIGITS,  # noqa: F401  (re-exported: it used to live here)
    Collector,
    Problem,
    cell,
    find_header,
    header_key,
    is_blank_row,
    label_key,
    parse_class_name,
)
from yincai.imports.parsing import (
    STATE_WORDS,
    Cell,
    CellError,
    ImportFileError,
    ScoreValue,
    Sheet,
    fmt_score,
    parse_score,
    read_workbook,
    squeeze,
    text_of,
)
from yincai.imports.selectors import students_for_scores
from yincai.school.models import Enrolment, Student

META_SYNONYMS: dict[str, set[str]] = {
    "student_no": {"学号", "学生学号", "学籍号", "学生编号"},
    "exam_no": {"考号", "准考证号", "考试号"},  # used as 学号 only when the sheet has no 学号 column
    "name": {"姓名", "学生姓名", "学生", "名字"},
    "klass": {"班级", "班别", "班级名称", "行政班", "所在班级"},
    "total": {"总分", "总成绩", "合计", "卷面总分", "成绩", "得分"},
}
IGNORED_HEADERS = {
    "序号", "编号", "排名", "名次", "班级排名", "年级排名", "班名", "校名", "班次", "校次", "年级名次", "班级名次",
    "性别", "等级", "等第", "备注", "学校", "年级", "科目", "考试名称", "客观题", "主观题", "客观题得分", "主观题得分",
}
SUBTOTAL_HEADERS = {"小计", "合计", "大题得分", "大题总分"}
FOOTER_NAMES = {"平均分", "平均", "班级平均", "年级平均", "最高分", "最低分", "合计", "总计", "及格率", "优秀率", "满分"}
SPECIAL_STATES = {"absent", "exempt", "cheating"}
STATE_LABEL = dict(ItemScore.STATE_CHOICES)
@dataclass(frozen=True)
class ItemColumn:
    col: int
    label: str  # as matched/created
    section: str
    item_id: int | None  # None for an item created by this import
    max_score: Decimal


@dataclass(frozen=True)
class ScoreChange:
    item_label: str
    student_name: str
    student_no: str
    itemscore_id: int
    student_id: int
    item_id: int
    old: str
    new: str
    state: str
    score: Decimal | None


@dataclass
class ScoresPlan:
    assessment: Assessment
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    columns: list[ItemColumn] = field(default_factory=list)
    # (column index into `columns`, student_id, state, score) for values that do not exist yet
    creates: list[tuple[int, int, str, Decimal | None]] = field(default_factory=list)
    updates: list[ScoreChange] = field(default_factory=list)
    unchanged: int = 0
    unchanged_states: list[str] = field(default_factory=list)
    students: int = 0
    new_items: int = 0
    states: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "students": self.students,
            "items": len(self.columns),
            "new_items": self.new_items,
            "creates": len(self.creates),
            "updates": len(self.updates),
            "unchanged": self.unchanged,
            "states": {STATE_LABEL.get(k, k): v for k, v in sorted(self.states.items())},
            "changes": [
                {"student": f"{c.student_name}({c.student_no})", "item": f"第{c.item_label}题", "old": c.old, "new": c.new}
                for c in self.updates[:200]
            ],
        }


def _judge(raw: Cell, max_score: Decimal) -> ScoreValue | str:
    """The cell's value, or the error text (after "第N题") when it is not a valid score for `max_score`."""
    try:
        got = parse_score(raw)
    except CellError as exc:
        return f"：{exc}"
    if got.score is not None and got.score > max_score:
        return f"得分 {fmt_score(got.score)} 超过满分 {fmt_score(max_score)}"
    return got


def _max_in_header(value: Cell) -> Decimal | None:
    """满分 written in an item header: '第1题(5分)' / '1(满分5)' / '1（5）' → 5."""
    m = re.search(r"\((?:满分)?(\d+(?:\.\d+)?)分?\)$", squeeze(text_of(value)))
    return Decimal(m.group(1)) if m else None


def _state_text(state: str, score: Decimal | None) -> str:
    return fmt_score(score) if state == "scored" else STATE_LABEL.get(state, state)


class _Roster:
    """Students the user may import for, indexed by 学号, by name and by (name, class)."""

    def __init__(self, user: Any, assessment: Assessment) -> None:
        students = students_for_scores(user, assessment)
        rows = Enrolment.objects.filter(term=assessment.term, student__in=students).values_list(
            "student_id", "student__student_no", "student__name", "school_class__grade__level", "school_class__number"
        )
        self.by_no: dict[str, tuple[int, str, int, int]] = {}
        self.by_name: dict[str, list[tuple[int, str, int, int]]] = {}
        for sid, no, name, level, number in rows:
            entry = (sid, no, level, number)
            self.by_no[no] = entry
            self.by_name.setdefault(squeeze(name), []).append(entry)
        self.names = {sid: name for sid, _, name, _, _ in rows}
        self.school_id = assessment.term.school_id
        # Excel turns a typed 学号 "00123" into the number 123: match on the digits without leading zeros when unique.
        stripped: dict[str, list[tuple[int, str, int, int]]] = {}
        for no, entry in self.by_no.items():
            if no.isdigit() and no.startswith("0"):
                stripped.setdefault(no.lstrip("0"), []).append(entry)
        self.by_stripped_no = {k: v[0] for k, v in stripped.items() if len(v) == 1 and k not in self.by_no}

        # Students of this assessment's other classes (a grade-wide export holds them): skipped, not errors.
        scope = Enrolment.objects.filter(term=assessment.term, school_class__grade=assessment.grade)
        if assessment.school_class_id:
            scope = scope.filter(school_class_id=assessment.school_class_id)
        others = scope.exclude(student_id__in=list(self.names)).values_list(
            "student__student_no", "student__name", "school_class__grade__level", "school_class__number")
        self.other_nos = {no for no, _, _, _ in others}
        self.other_names: dict[str, list[tuple[int, int]]] = {}
        for _, name, level, number in others:
            self.other_names.setdefault(squeeze(name), []).append((level, number))

    def exists_elsewhere(self, no: str) -> bool:
        return Student.objects.filter(school_id=self.school_id, student_no=no).exists()


def _pick_sheet(sheets: list[Sheet], out: Collector) -> tuple[Sheet, int, dict[str, int]] | None:
    tried = []
    for sheet in sheets:
        if squeeze(sheet.name) in {"说明", "填写说明", "使用说明"}:
            tried.append(sheet.name)
            continue
        found = find_header(sheet, META_SYNONYMS, {"student_no", "exam_no", "name"})
        if found:
            return sheet, found[0], found[1]
        tried.append(sheet.name)
    out.error(
        f"没有找到成绩表：工作表（{'、'.join(tried)}）的前15行里都没有「学号」或「姓名」表头。"
        "请确认上传的是小题得分表，表头需包含学号或姓名"
    )
    return None


def _is_max_row(row: list[Cell], meta_cols: list[int]) -> bool:
    first = next((c for c in row if c is not None), None)
    texts = {text_of(cell(row, c)) for c in meta_cols} | {text_of(first)}
    return bool(texts & {"满分", "分值", "满分值", "题目分值"})


def plan_scores(*, user: Any, assessment: Assessment, content: bytes, file_name: str) -> ScoresPlan:
    """Read the file and work out every create/update/unchanged and every problem; writes nothing."""
    plan = ScoresPlan(assessment)
    out = Collector()
    try:
        sheets = read_workbook(content, file_name)
    except ImportFileError as exc:
        plan.problems.append(Problem(str(exc)))
        return plan
    picked = _pick_sheet(sheets, out)
    if picked is None:
        plan.problems = out.problems
        return plan
    sheet, h, meta = picked
    out.sheet = plan.sheet = sheet.name
    rows = sheet.rows
    width = sheet.width
    header = rows[h] + [None] * (width - len(rows[h]))
    meta_cols = sorted(meta.values())

    # Duplicate meta headers (two 学号 columns) are ambiguous.
    for name, words in META_SYNONYMS.items():
        cols = [c for c, v in enumerate(header) if header_key(v) in words]
        if len(cols) > 1 and name != "total":
            out.error(f"表头「{header_key(header[cols[0]])}」出现了多次（{len(cols)}列），无法确定使用哪一列", h + 1, cols[1])

    # Second header row (小题 under merged 大题): meta cells empty, other cells filled, not a 满分 row.
    sub: list[Cell] | None = None
    nxt = h + 1
    if nxt < len(rows):
        cand = rows[nxt] + [None] * (width - len(rows[nxt]))
        meta_empty = all(cand[c] is None for c in meta_cols if c < width)
        others = [c for c in range(width) if c not in meta_cols and cand[c] is not None]
        if meta_empty and others and not _is_max_row(cand, meta_cols):
            sub = cand
            nxt += 1
    max_row: list[Cell] | None = None
    if nxt < len(rows) and _is_max_row(rows[nxt], meta_cols):
        max_row = rows[nxt] + [None] * (width - len(rows[nxt]))
        max_row_no = nxt + 1
        nxt += 1
    data_start = nxt

    # Item columns: label from the 小题 row (section from the 大题 above, merged cells forward-filled).
    raw_cols: list[tuple[int, str, str]] = []  # (col, label, section)
    section = ""
    for c in range(width):
        top = header[c]
        low = sub[c] if sub is not None else None
        if top is not None:
            section = text_of(top)
        if c in meta_cols:
            section = ""
            continue
        key_top = header_key(top)
        if low is not None:
            if header_key(low) in SUBTOTAL_HEADERS or header_key(low) in IGNORED_HEADERS:
                continue
            raw_cols.append((c, label_key(low), section if top is not None or section else ""))
        elif top is not None:
            if key_top in IGNORED_HEADERS or key_top in SUBTOTAL_HEADERS or any(key_top in w for w in META_SYNONYMS.values()):
                continue
            if sub is not None and c + 1 < width and header[c + 1] is None and sub[c + 1] is not None:
                continue  # a merged 大题 cell whose first 小题 is missing — handled by the next column
            raw_cols.append((c, label_key(top), ""))
            section = ""
    if not raw_cols:
        out.error("表中没有题目列：表头除学号、姓名、班级、总分等信息列外，应有每道小题一列", h + 1)

    items = list(assessment.items.all().order_by("order"))
    by_pair = {(squeeze(i.section), label_key(i.label)): i for i in items}
    by_label: dict[str, list[Item]] = {}
    for i in items:
        by_label.setdefault(label_key(i.label), []).append(i)
    columns: list[ItemColumn] = []
    complete = True  # every item of the assessment has a column (only then is 总分 comparable)
    header_row_no = (h + 2) if sub is not None else (h + 1)
    if items:
        used: dict[int, int] = {}
        for c, label, sec in raw_cols:
            item = by_pair.get((squeeze(sec), label))
            if item is None and len(by_label.get(label, [])) == 1:
                item = by_label[label][0]
            if item is None:
                item = by_label.get(label_key(f"{sec}{label}"), [None])[0] if sec else None
            if item is None:
                known = "、".join(i.label for i in items[:30])
                out.error(f"表头「{(sec + ' ') if sec else ''}{label}」不是本测评的题目（本测评题号：{known}）",
                          header_row_no, c)
                continue
            if item.pk in used:
                out.error(f"第{item.label}题出现了两列（另一列在 {used[item.pk] + 1} 号列）", header_row_no, c)
                continue
            used[item.pk] = c
            columns.append(ItemColumn(c, item.label, item.section, item.pk, item.max_score))
            if max_row is not None:
                try:
                    mv = parse_score(cell(max_row, c))
                except CellError:
                    mv = ScoreValue("blank", None)
                if mv.score is not None and mv.score != item.max_score:
                    out.warn(f"第{item.label}题表中满分为 {fmt_score(mv.score)}，试卷结构中为 "
                             f"{fmt_score(item.max_score)}，以试卷结构为准", max_row_no, c)
        missing = [i.label for i in items if i.pk not in used]
        complete = not missing
        if missing and columns:
            out.warn(f"表中没有这些题的列，其得分保持不变：{'、'.join(missing[:20])}{'…' if len(missing) > 20 else ''}")
    elif raw_cols:
        in_header = {c: _max_in_header(sub[c] if sub is not None else header[c]) for c, _, _ in raw_cols}
        if max_row is None and not all(in_header.values()):
            out.error("该测评还没有题目：请先导入试卷结构（双向细目表），或在表头下面加一行「满分」写明每题满分"
                      "（也可在题号后注明，如「第1题(5分)」）", h + 1)
        else:
            labels = [lab for _, lab, _ in raw_cols]
            for c, label, sec in raw_cols:
                final = label if labels.count(label) == 1 else f"{sec}{label}"
                try:
                    mv = parse_score(cell(max_row, c)) if max_row is not None else ScoreValue("scored", in_header[c])
                except CellError as exc:
                    out.error(f"满分行：{exc}", max_row_no, c)
                    continue
                if mv.score is None or mv.score <= 0:
                    out.error(f"第{final}题的满分应为正数", max_row_no, c)
                    continue
                if not final or len(final) > 20:
                    out.error(f"题号「{final}」为空或过长（最多20字）", header_row_no, c)
                    continue
                if any(col.label == final for col in columns):
                    out.error(f"题号「{final}」重复", header_row_no, c)
                    continue
                columns.append(ItemColumn(c, final, sec[:50], None, mv.score))
            plan.new_items = len(columns)
    plan.columns = columns

    if "student_no" not in meta and "exam_no" in meta:
        meta["student_no"] = meta["exam_no"]
    no_col, name_col, class_col, total_col = (meta.get(k) for k in ("student_no", "name", "klass", "total"))
    if no_col is None and name_col is None:
        out.error("缺少「学号」或「姓名」列", h + 1)
    if out.problems:
        plan.problems, plan.warnings = out.problems, out.warnings
        return plan

    roster = _Roster(user, assessment)
    existing: dict[tuple[int, int], tuple[int, str, Decimal | None]] = {}
    item_ids = [col.item_id for col in columns if col.item_id is not None]
    if item_ids:
        for pk, item_id, student_id, state, score in ItemScore.objects.filter(item_id__in=item_ids).values_list(
            "pk", "item_id", "student_id", "state", "score"
        ):
            existing[(item_id, student_id)] = (pk, state, score)

    seen: dict[int, int] = {}
    skipped = 0  # students of this assessment in classes the user does not teach
    ncols = len(columns)
    col_index = [col.col for col in columns]
    col_item = [col.item_id for col in columns]
    by_max: dict[Decimal, dict[Cell, ScoreValue | str]] = {}
    memos = [by_max.setdefault(col.max_score, {}) for col in columns]  # cells hold few distinct values
    for r in range(data_start, len(rows)):
        if out.full:
            break
        row = rows[r]
        excel_row = r + 1
        if is_blank_row(row):
            continue
        no = text_of(cell(row, no_col)) if no_col is not None else ""
        name = squeeze(text_of(cell(row, name_col))) if name_col is not None else ""
        first_text = text_of(next((v for v in row if v is not None), None))
        if name in FOOTER_NAMES or no in FOOTER_NAMES or first_text in FOOTER_NAMES:
            continue
        # --- who
        entry = None
        if no:
            entry = roster.by_no.get(no) or roster.by_stripped_no.get(no)
            if entry is None and no in roster.other_nos:
                skipped += 1
                continue
            if entry is None:
                if roster.exists_elsewhere(no):
                    out.error(f"学号 {no}（{name or '未写姓名'}）的学生不在本测评中您可录入的班级", excel_row, no_col)
                else:
                    out.error(f"学号 {no} 不存在（请核对学号，或先导入花名册）", excel_row, no_col)
                continue
            if name and squeeze(roster.names[entry[0]]) != name:
                out.error(f"学号与姓名不符：学号 {no} 是「{roster.names[entry[0]]}」，表中写的是「{name}」", excel_row,
                          name_col)
                continue
            klass_text = text_of(cell(row, class_col)) if class_col is not None else ""
            if klass_text:
                level, number = parse_class_name(klass_text)
                if number is not None and (number != entry[3] or (level is not None and level != entry[2])):
                    out.warn(f"学号 {entry[1]} 的学生本学期在 {entry[3]} 班，表中写的是「{klass_text}」（按学号导入）",
                             excel_row, class_col)
        elif name:
            candidates = roster.by_name.get(name, [])
            klass_text = text_of(cell(row, class_col)) if class_col is not None else ""
            if klass_text and candidates:
                level, number = parse_class_name(klass_text)
                if number is None:
                    out.error(f"无法识别班级「{klass_text}」（示例：三年级(1)班、3(1)班）", excel_row, class_col)
                    continue
                candidates = [e for e in candidates if e[3] == number and (level is None or e[2] == level)]
            if not candidates and name in roster.other_names:
                level, number = parse_class_name(klass_text) if klass_text else (None, None)
                if not klass_text or any(n == number and (level is None or lv == level)
                                         for lv, n in roster.other_names[name]):
                    skipped += 1
                    continue
            if not candidates:
                where = f"（{klass_text}）" if klass_text else ""
                out.error(f"找不到学生「{name}」{where}：不在本测评中您可录入的班级，或姓名有误；可填写学号", excel_row,
                          name_col)
                continue
            if len(candidates) > 1:
                out.error(f"有 {len(candidates)} 名学生都叫「{name}」，无法区分：请填写学号（或班级）", excel_row, name_col)
                continue
            entry = candidates[0]
        else:
            if any(cell(row, col.col) is not None for col in columns):
                out.error("这一行有分数，但学号和姓名都为空", excel_row, no_col if no_col is not None else name_col)
            continue
        sid = entry[0]
        if sid in seen:
            out.error(f"学生「{roster.names[sid]}」({entry[1]}) 重复出现（第{seen[sid]}行已有）", excel_row,
                      no_col if no_col is not None else name_col)
            continue
        seen[sid] = excel_row
        # --- what (each distinct raw value is parsed and checked against 满分 once per column maximum)
        values: list[ScoreValue] = []
        bad = False
        for k in range(ncols):
            c = col_index[k]
            raw = row[c] if c < len(row) else None
            cmemo = memos[k]
            got = cmemo.get(raw)
            if got is None:
                got = _judge(raw, columns[k].max_score)
                cmemo[raw] = got
            if got.__class__ is str:
                out.error(f"第{columns[k].label}题{got}", excel_row, c)
                bad = True
                continue
            values.append(got)  # type: ignore[arg-type]
        if bad:
            continue
        row_states = [v.state for v in values]
        specials = SPECIAL_STATES.intersection(row_states)
        has_scored = "scored" in row_states
        total_raw = cell(row, total_col) if total_col is not None else None
        if not specials and isinstance(total_raw, str) and squeeze(total_raw) in STATE_WORDS \
                and all(st == "blank" for st in row_states):
            specials = {STATE_WORDS[squeeze(total_raw)]}
        if specials:
            if len(specials) > 1:
                out.error(f"同一行出现了不同的状态（{'、'.join(STATE_LABEL[s] for s in specials)}）", excel_row)
                continue
            if has_scored:
                k_special = next(k for k, st in enumerate(row_states) if st in SPECIAL_STATES)
                out.error(f"同一行既有分数又标记了「{STATE_LABEL[next(iter(specials))]}」，请核对", excel_row,
                          columns[k_special].col)
                continue
            values = [ScoreValue(next(iter(specials)), None)] * ncols
        elif has_scored and isinstance(total_raw, int | float) and complete:
            total = sum((v.score for v in values if v.score is not None), Decimal(0))
            given = Decimal(repr(float(total_raw)))
            if abs(given - total) > Decimal("0.05"):
                out.warn(f"总分 {fmt_score(given)} 与各题得分之和 {fmt_score(total)} 不一致（以各题得分为准）", excel_row,
                         total_col)
        # --- diff against what is stored
        if not existing:
            plan.creates.extend([(k, sid, v.state, v.score) for k, v in enumerate(values)])
            continue
        for k, v in enumerate(values):
            item_id = col_item[k]
            old = existing.get((item_id, sid)) if item_id is not None else None
            if old is None:
                plan.creates.append((k, sid, v.state, v.score))
            elif old[1] == v.state and old[2] == v.score:
                plan.unchanged_states.append(v.state)
            else:
                plan.updates.append(ScoreChange(
                    columns[k].label, roster.names[sid], entry[1], old[0], sid, item_id or 0,
                    _state_text(old[1], old[2]), _state_text(v.state, v.score), v.state, v.score,
                ))
    plan.students = len(seen)
    if skipped:
        out.warn(f"跳过了 {skipped} 名其他班学生的成绩（本测评中您可录入的班级："
                 f"{'、'.join(sorted({f'{lv}年级({n})班' for _, _, lv, n in roster.by_no.values()}))}）")
    plan.unchanged = len(plan.unchanged_states)
    counts = Counter(st for _, _, st, _ in plan.creates)
    counts.update(c.state for c in plan.updates)
    counts.update(plan.unchanged_states)
    plan.states = dict(counts)
    if not seen and not out.problems:
        out.error("表中没有任何学生的成绩行", data_start + 1)
    plan.problems, plan.warnings = out.problems, out.warnings
    return plan


def _insert_scores(rows: list[tuple[int, int, Decimal | None, str]]) -> None:
    """Bulk insert of new ItemScore rows (the caller's transaction). On SQLite ≥ 3.38 the rows travel as one JSON
    array per chunk and are unpacked by json_each inside SQLite (~25% faster than executemany for 400k rows);
    elsewhere executemany. Scores go as decimal strings, exactly as Django itself stores DecimalField on SQLite."""
    table = ItemScore._meta.db_table
    chunk = 50_000
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite" and _sqlite_json_ok():
            sql = (f"INSERT INTO {table} (item_id, student_id, score, state) "
                   "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM json_each(%s)")
            for start in range(0, len(rows), chunk):
                part = rows[start:start + chunk]
                cursor.execute(sql, [json.dumps([(i, s, None if v is None else str(v), st) for i, s, v, st in part])])
            return
        sql = f"INSERT INTO {table} (item_id, student_id, score, state) VALUES (%s, %s, %s, %s)"
        for start in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[start:start + chunk])


def _sqlite_json_ok() -> bool:
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 38, 0)


def apply_scores(plan: ScoresPlan) -> dict[int, int]:
    """Write a problem-free plan (inside the caller's transaction). Returns column index → item id."""
    assert plan.ok, "apply_scores needs a plan without problems"
    assessment = plan.assessment
    item_of: dict[int, int] = {}
    new = [(k, col) for k, col in enumerate(plan.columns) if col.item_id is None]
    if new:
        start = (assessment.items.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        created = Item.objects.bulk_create([
            Item(assessment=assessment, label=col.label, section=col.section, order=start + n, max_score=col.max_score)
            for n, (_, col) in enumerate(new)
        ])
        ids = dict(Item.objects.filter(assessment=assessment, label__in=[i.label for i in created])
                   .values_list("label", "pk"))
        for k, col in new:
            item_of[k] = ids[col.label]
    for k, col in enumerate(plan.columns):
        if col.item_id is not None:
            item_of[k] = col.item_id
    if plan.creates:
        _insert_scores([(item_of[k], sid, score, state) for k, sid, state, score in plan.creates])
    if plan.updates:
        objs = [ItemScore(pk=c.itemscore_id, item_id=c.item_id, student_id=c.student_id, state=c.state, score=c.score)
                for c in plan.updates]
        ItemScore.objects.bulk_update(objs, ["state", "score"], batch_size=500)
    return item_of
