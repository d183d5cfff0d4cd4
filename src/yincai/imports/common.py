"""What every importer shares: located problems (sheet, row, column, Chinese explanation) and header lookup."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from yincai.imports.parsing import Cell, Sheet, col_letter, squeeze, text_of

MAX_PROBLEMS = 500  # beyond this the file is clearly not the expected one; stop collecting


@dataclass(frozen=True)
class Problem:
    message: str
    sheet: str = ""
    row: int | None = None  # 1-based, as Excel shows it
    col: str = ""  # Excel column letters

    @property
    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row:
            parts.append(f"第{self.row}行")
        if self.col:
            parts.append(f"{self.col}列")
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"text": str(self)}


class ImportRefused(ValueError):
    """The file has problems; nothing was written. `problems` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = "；".join(str(p) for p in problems[:5])
        more = f"（另有 {len(problems) - 5} 个问题）" if len(problems) > 5 else ""
        super().__init__(f"导入未执行，文件有 {len(problems)} 个问题：{head}{more}")


@dataclass
class Collector:
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, message: str, row: int | None = None, col: int | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(message, self.sheet, row, col_letter(col) if col is not None else ""))

    def warn(self, message: str, row: int | None = None, col: int | None = None) -> None:
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(Problem(message, self.sheet, row, col_letter(col) if col is not None else ""))

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS


def cell(row: list[Cell], index: int | None) -> Cell:
    if index is None or index >= len(row):
        return None
    return row[index]


def header_key(value: Cell) -> str:
    """A header cell reduced for matching: no spaces, no decoration such as '*' (required) or '(必填)'."""
    text = text_of(value)
    text = re.sub(r"[*＊]|\((必填|选填|可选)\)", "", text)
    return text


def find_header(sheet: Sheet, synonyms: dict[str, set[str]], anchors: set[str], scan: int = 15) -> tuple[int, dict[str, int]] | None:
    """The first row (0-based) among the first `scan` holding one of `anchors`, and column index per field."""
    for r, row in enumerate(sheet.rows[:scan]):
        keys = [header_key(c) for c in row]
        found: dict[str, int] = {}
        for c, key in enumerate(keys):
            for name, words in synonyms.items():
                if key in words and name not in found:
                    found[name] = c
        if anchors & set(found):
            return r, found
    return None


def is_blank_row(row: list[Cell]) -> bool:
    return all(c is None for c in row)


def label_key(value: Cell) -> str:
    """Item labels compared loosely: '第 1 题' == '1' == '1.' == '１' == '1(3分)'."""
    text = squeeze(text_of(value))
    text = re.sub(r"\((满分)?\d+(\.\d+)?分?\)$", "", text)
    text = re.sub(r"^第", "", text)
    text = re.sub(r"(题|小题)$", "", text)
    return text.rstrip(".、．:：")


# ---- class names ----------------------------------------------------------------------------------------

CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_UNITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_GRADE = r"([一二三四五六1-6])"
_NUM = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_CLASS_PATTERNS = [
    re.compile(rf"^{_GRADE}(?:年级|年)?\({_NUM}\)班?$"),  # 四(1) 四(1)班 四年级(1)班 4(1)班 四年级(一)班
    re.compile(rf"^{_GRADE}(?:年级|年){_NUM}班?$"),  # 四年级1班 4年级1班 四年级一班
    re.compile(r"^([一二三四五六])(\d{1,2})班?$"),  # 四1班
    re.compile(rf"^([1-6])[.\-_/·]{_NUM}班?$"),  # 4.1 4-1 4_1
    re.compile(r"^([1-6])([0-2]\d|30)班?$"),  # 401: grade digit + two-digit class (01–30)
]
MAX_CODE_CLASS = 30


def cn_number(text: str) -> int | None:
    """'3' → 3, '三' → 3, '十二' → 12, '二十' → 20 (class numbers written in Chinese); None otherwise."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_UNITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_UNITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_UNITS[tens] if tens else 1) * 10 + (_CN_UNITS[ones] if ones else 0)


def parse_class_name(text: str) -> tuple[int | None, int | None]:
    """A class as schools write it → (grade level or None, class number or None).

    Read: 四年级1班, 四年级(1)班, 四年级(一)班, 四(1), 四(1)班, 四1班, 4年级1班, 4(1)班, 4.1, 4-1, (1)班, 1班, and
    a three-digit code 401 (grade digit 1–6 then a two-digit class 01–30) — only that exact shape, so 0401,
    2104 or 4001 (entry-year codes) are never guessed. A bare number (1, 12) is a class number without a grade
    and is left to the caller, which knows whether a 年级 column exists.
    """
    t = squeeze(text).replace("（", "(").replace("）", ")")
    t = re.sub(r"^(小学|本校)", "", t)
    for pattern in _CLASS_PATTERNS:
        m = pattern.match(t)
        if m:
            level = CN_DIGITS.get(m.group(1)) or int(m.group(1))
            number = cn_number(m.group(2))
            if number is None or not 1 <= number <= 99:
                return None, None
            return level, number
    m = re.match(rf"^\(?{_NUM}\)?班$", t)
    if m:
        return None, cn_number(m.group(1))
    return None, None
