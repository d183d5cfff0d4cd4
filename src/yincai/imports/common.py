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
