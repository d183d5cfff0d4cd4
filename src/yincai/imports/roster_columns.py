"""How a school office lays out its roster sheet, read from the headers (no Django here).

One sheet, one student per row: 学号, 姓名, 性别, 班级, 出生日期, and the guardians side by side — 家长姓名/关系/联系电话,
父亲姓名/父亲电话/母亲姓名/母亲电话 (电话, 手机, 联系方式…), 监护人1姓名/监护人1关系/监护人1电话/监护人2…, 家长1/家长2,
第一监护人…, or two header rows where a merged 「父亲」/「家长信息」 cell stands over 姓名/电话. A title row above the
headers is skipped. Columns holding identity numbers or addresses (身份证号, 证件号, 家庭住址…) are recognised only
to be left out: they are never read into the plan and never stored (minors' data minimisation).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from yincai.imports.common import header_key, parse_class_name
from yincai.imports.parsing import Cell, Sheet, text_of

STUDENT_FIELDS: dict[str, set[str]] = {
    "no": {"学号", "学生学号", "学生编号", "校内学号"},
    "name": {"姓名", "学生姓名", "学生"},
    "gender": {"性别", "学生性别"},
    "grade": {"年级", "所在年级"},
    "klass": {"班级", "班别", "班号", "所在班级", "班级名称", "班"},
    "birth": {"出生日期", "生日", "出生年月日", "出生年月", "出生时间"},
}
XUEJI = {"学籍号", "全国学籍号", "学籍辅号", "学籍编号"}  # national register numbers: "G" + the ID number
PRIVATE_PARTS = ("身份证", "证件", "身份号码", "护照", "住址", "地址", "户籍", "户口")
PRIVATE_NOTE = "（不保存，保护未成年人信息）"
SILENT = {"序号", "编号", "备注", "no", "no.", "序"}  # ignored without a word
FAMILY_PHONE = {"家庭电话", "家庭联系电话", "家庭电话号码", "家庭手机"}

_WHO = r"(父亲|母亲|爸爸|妈妈|家长|监护人|联系人)"
_IDX = r"([一二三四1-9])"
_GUARDIAN = re.compile(rf"^(?:第{_IDX})?{_WHO}{_IDX}?(.*)$")
_IDX_DIGIT = {"一": "1", "二": "2", "三": "3", "四": "4"}
_WHO_BASE = {"父亲": "父亲", "爸爸": "父亲", "母亲": "母亲", "妈妈": "母亲", "家长": "家长", "监护人": "家长", "联系人": "家长"}
GUARDIAN_FIELDS: dict[str, set[str]] = {
    "name": {"", "姓名", "名字", "名称"},
    "phone": {"电话", "手机", "手机号", "手机号码", "联系电话", "联系方式", "电话号码", "联系手机", "移动电话", "联系号码"},
    "relation": {"关系", "称谓", "与学生关系", "与学生的关系", "与本人关系", "身份", "监护关系", "亲属关系"},
}
PLAIN_GUARDIAN_FIELDS = {"phone": GUARDIAN_FIELDS["phone"], "relation": GUARDIAN_FIELDS["relation"]}

RELATION_WORDS: dict[str, str] = {
    "father": "父亲 爸爸 父 爸 父子 父女 生父",
    "mother": "母亲 妈妈 母 妈 母子 母女 生母",
    "grandfather": "祖父 爷爷 外祖父 外公 姥爷 老爷",
    "grandmother": "祖母 奶奶 外祖母 外婆 姥姥",
    "grandparent": "祖父母 外祖父母 祖父母/外祖父母 祖辈",
    "stepfather": "继父 养父",
    "stepmother": "继母 养母",
    "sibling": "哥哥 姐姐 兄 姐 兄长 弟弟 妹妹 兄弟 姐妹 堂哥 堂姐 表哥 表姐",
    "relative": "叔叔 叔父 婶婶 伯伯 伯父 伯母 阿姨 姨妈 姨父 姨夫 舅舅 舅妈 姑姑 姑妈 姑父 姑夫 亲戚 亲属 其他亲属",
    "other": "其他 其它 其他监护人 监护人 家长",
}
RELATIONS: dict[str, str] = {w: key for key, words in RELATION_WORDS.items() for w in words.split()}
RELATION_HINT = "父亲、母亲、爷爷、奶奶、外公、外婆、姥爷、姥姥、继父、继母、哥哥、姐姐、叔叔、阿姨、舅舅、姑姑、其他"


def relation_of(word: str) -> str | None:
    """'外婆' → 'grandmother', '父亲(监护人)' → 'father'; None for a word no school uses for a guardian."""
    word = re.sub(r"\(.*?\)", "", word).strip()
    return RELATIONS.get(word)


@dataclass
class GuardianCols:
    label: str  # how the preview names the group: 父亲, 母亲, 家长, 家长2 …
    implied: str = ""  # the relation word a 父亲/母亲 column implies
    name: int | None = None
    relation: int | None = None
    phone: int | None = None
    last: int = -1  # the group's rightmost column so far


@dataclass
class Layout:
    header_row: int  # 0-based index of the last header row; data starts below it
    first_header_row: int
    student: dict[str, int] = field(default_factory=dict)
    guardians: list[GuardianCols] = field(default_factory=list)
    family_phone: int | None = None  # 家庭电话: goes to the first guardian of a row without a phone of their own
    private: list[tuple[int, str]] = field(default_factory=list)  # (column, header) left out on purpose
    unknown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how an ambiguous header was read, for the preview
    no_from_xueji: bool = False


def _plain(label: str) -> str:
    """A header without a trailing explanation: '出生日期(yyyy-mm-dd)' → '出生日期'."""
    return re.sub(r"\([^()]*\)$", "", label)


def is_private(label: str) -> bool:
    return any(part in label for part in PRIVATE_PARTS)


def _student_key(label: str) -> str | None:
    for key, words in STUDENT_FIELDS.items():
        if label in words or _plain(label) in words:
            return key
    return None


def _guardian_key(label: str) -> tuple[str, str, str] | None:
    """'父亲电话' → ('父亲', '父亲', 'phone'); '监护人2关系' → ('家长2', '', 'relation'); None when not a guardian field."""
    for text in (label, _plain(label)):
        m = _GUARDIAN.match(text)
        if not m:
            continue
        idx = _IDX_DIGIT.get(m.group(1) or m.group(3) or "", m.group(1) or m.group(3) or "")
        who = _WHO_BASE[m.group(2)]
        rest = m.group(4)
        for name, words in GUARDIAN_FIELDS.items():
            if rest in words:
                implied = who if who in ("父亲", "母亲") else ""
                return who + idx, implied, name
    return None


def group_prefix(label: str) -> str:
    """'父亲' / '母亲信息' / '家长1' / '第一监护人' / '家长信息' standing over a block of columns → the prefix; else ''."""
    text = re.sub(r"(信息|情况|资料)$", "", label)
    m = _GUARDIAN.match(text)
    return text if m and m.group(4) == "" else ""


def _combine(top: list[str], sub: list[str]) -> list[str]:
    """Two header rows → one label per column; a merged group cell (left-top value only) spans its block."""
    labels, fill = [], ""
    for c in range(max(len(top), len(sub))):
        t = top[c] if c < len(top) else ""
        s = sub[c] if c < len(sub) else ""
        if t:
            fill = group_prefix(t)
        elif not s:
            fill = ""
        prefix = group_prefix(t) if t else fill
        if s and prefix and not _GUARDIAN.match(s):
            labels.append(prefix + s)
        else:
            labels.append(s or t)
    return labels


def _is_subheader(row: list[Cell]) -> bool:
    """A second header row: at least two known field names and nothing that looks like data (a 学号, a date)."""
    known = 0
    for value in row:
        if value is None:
            continue
        if not isinstance(value, str) or re.search(r"\d{4}", value):
            return False
        key = header_key(value)
        if _student_key(key) or _guardian_key(key) or key in PLAIN_GUARDIAN_FIELDS["phone"] \
                or key in PLAIN_GUARDIAN_FIELDS["relation"] or is_private(key):
            known += 1
    return known >= 2


def _assign(labels: list[str], header_row: int, first_header_row: int) -> Layout:
    lay = Layout(header_row, first_header_row)
    latest: dict[str, GuardianCols] = {}
    counts: dict[str, int] = {}

    def group_for(base: str, implied: str, fld: str, c: int) -> GuardianCols:
        g = latest.get(base)
        if g is None or getattr(g, fld) is not None:
            counts[base] = counts.get(base, 0) + 1
            label = base if counts[base] == 1 else f"{base}({counts[base]})"
            g = GuardianCols(label, implied)
            lay.guardians.append(g)
            latest[base] = g
        setattr(g, fld, c)
        g.last = c
        return g

    xueji: int | None = None
    for c, label in enumerate(labels):
        if not label:
            continue
        if is_private(label):
            lay.private.append((c, label))
            continue
        if label in XUEJI:
            xueji = c if xueji is None else xueji
            lay.private.append((c, label))
            continue
        key = _student_key(label)
        if key and key not in lay.student:
            lay.student[key] = c
            continue
        if label in FAMILY_PHONE and lay.family_phone is None:
            lay.family_phone = c
            continue
        g_key = _guardian_key(label)
        if g_key:
            group_for(*g_key, c)
            continue
        plain = next((f for f, words in PLAIN_GUARDIAN_FIELDS.items() if label in words or _plain(label) in words), None)
        if plain:
            # 关系/电话 without a prefix belongs to the guardian block right before it (父亲 | 电话 | 母亲 | 电话),
            # otherwise to a 家长 group (家长姓名 | 关系 | 联系电话, or 关系 before 家长姓名).
            near = next((g for g in reversed(lay.guardians) if g.last >= c - 2), None)
            if plain == "phone" and near is not None and lay.family_phone is None and _names_only(lay.guardians, near):
                lay.family_phone = c  # 父亲姓名 | 母亲姓名 | 联系电话: one number for the family
                lay.notes.append(f"「{label}」列跟在几位家长的姓名后面，按家庭电话读取：记给每行第一位没有电话的家长")
                continue
            if near is not None and getattr(near, plain) is None:
                setattr(near, plain, c)
                near.last = c
                if near.implied:
                    lay.notes.append(f"「{label}」列紧挨「{near.label}」列，按{near.label}的"
                                     f"{'电话' if plain == 'phone' else '关系'}读取")
                continue
            group_for("家长", "", plain, c)
            continue
        if label.lower() not in SILENT:
            lay.unknown.append(label)
    if "no" not in lay.student and xueji is not None:
        lay.student["no"] = xueji
        lay.private = [(c, h) for c, h in lay.private if c != xueji]
        lay.no_from_xueji = True
    return lay


def _names_only(groups: list[GuardianCols], near: GuardianCols) -> bool:
    """Two or more guardian groups in a row, each only a name so far (父亲姓名 | 母亲姓名)."""
    k = groups.index(near)
    return k >= 1 and all(g.phone is None and g.relation is None for g in groups[k - 1:k + 1]) \
        and groups[k - 1].last == near.last - 1


def read_layout(sheet: Sheet, scan: int = 15) -> Layout | None:
    """The student layout of `sheet` (one header row, or two with merged group cells), or None if not a roster."""
    rows = sheet.rows
    for r in range(min(scan, len(rows))):
        top = [header_key(c) for c in rows[r]]
        two_rows = (sum(1 for t in top if t) >= 2 and r + 1 < len(rows) and _is_subheader(rows[r + 1])
                    and not (r + 2 < len(rows) and _is_subheader(rows[r + 2])))  # a title row is not a header
        if two_rows:
            lay = _assign(_combine(top, [header_key(c) for c in rows[r + 1]]), r + 1, r)
            if {"no", "name"} <= set(lay.student):
                return lay
        lay = _assign(top, r, r)
        if {"no", "name"} <= set(lay.student):
            return lay
    return None


_CLASS_IN_TITLE = re.compile(r"([一二三四五六1-6])年级\(?(\d{1,2}|[一二三四五六七八九十]{1,3})\)?班")


def class_in_title(sheet: Sheet, lay: Layout) -> str:
    """A class named by the sheet tab or the title rows (「四年级(1)班学生名单」), for a sheet without a 班级 column."""
    texts = [sheet.name] + [text_of(v) for row in sheet.rows[:lay.first_header_row] for v in row if v is not None]
    for text in texts:
        m = _CLASS_IN_TITLE.search(text)
        if m:
            return m.group(0)
    return sheet.name if parse_class_name(sheet.name)[0] else ""


def private_columns(students: list[tuple[Sheet, Layout]],
                     others: list[tuple[Sheet, int]]) -> dict[str, list[tuple[int, int, str]]]:
    """Per sheet: (header row, column, header) of every identity-number or address column."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    for sheet, lay in students:
        if lay.private:
            found[sheet.name] = [(lay.header_row, c, label) for c, label in lay.private]
    for sheet, h in others:
        keys = [header_key(v) for v in sheet.rows[h]] if h < len(sheet.rows) else []
        cols = [(h, c, k) for c, k in enumerate(keys) if k and (is_private(k) or k in XUEJI)]
        if cols:
            found.setdefault(sheet.name, []).extend(cols)
    return found


def without_private(sheets: list[Sheet], private: dict[str, list[tuple[int, int, str]]]) -> bytes:
    """The sheets the roster reads, private columns emptied below their header: what the batch keeps."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        blank = {c: h for h, c, _ in private.get(sheet.name, [])}
        ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", "_", sheet.name)[:31] or "Sheet")
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or (c - 1 in blank and r - 1 > blank[c - 1]):
                    continue
                target = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    target.data_type = "s"  # never a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
