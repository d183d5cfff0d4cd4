"""The bank as a spreadsheet, in the same columns the Excel import reads (so an export can be re-imported)."""

from __future__ import annotations

from collections.abc import Iterable

from yincai.imports.exports import Table
from yincai.itembank.models import BankItem

HEADERS = ["题干", "答案", "解析", "题型", "知识点", "层级", "用时", "来源", "年级", "学科", "出题人", "变式题组", "全校共享"]


def items_table(items: Iterable[BankItem]) -> Table:
    table = Table("题库", HEADERS)
    for item in items:
        table.rows.append([
            item.stem, item.answer, item.solution, item.get_item_type_display(),
            "、".join(k.code for k in item.knowledge_points.all()), item.get_layer_display(), item.minutes,
            item.source, item.grade_level, item.subject.name, item.author.name if item.author else "",
            item.family.name if item.family else "", "是" if item.shared else "否"])
    return table
