"""Test files for the item-bank imports: real .docx/.xlsx written with python-docx/openpyxl."""

from __future__ import annotations

import io

from yincai.itembank.models import BankItem, ItemImport, VariantFamily

TWENTY = [  # (numbered first line, answer, extra lines)
    ("1. 计算：3/4 + 1/6 =", "11/12", ["解析：先通分，9/12 + 2/12 = 11/12"]),
    ("2、25 × 4 × 7 =", "700", []),
    ("（3）47 ÷ 6 =", "7……5", []),
    ("4. 解方程：3x + 5 = 20", "x=5", []),
    ("5. 0.5 × 0.4 =", "0.2", []),
    ("6. 用简便方法计算：36 × 99 + 36", "3600", ["解析：36 ×（99 + 1）= 3600"]),
    ("7. 小明有 3/4 千克糖，吃了 1/4 千克，还剩多少千克？", "1/2", ["知识点：同分母分数加减"]),
    ("8. 一个长方形长 8 厘米，宽 5 厘米，它的周长是多少厘米？", "26", ["题型：解决问题", "层级：提高", "用时：3"]),
    ("9. 58 + 27 =", "85", []),
    ("10. 13 - 8 =", "5", []),
    ("11. 7 × 8 =", "56", []),
    ("12. 326 × 3 =", "978", []),
    ("13. 23 × 12 =", "276", []),
    ("14. 840 ÷ 24 =", "35", []),
    ("15. 4.6 + 3.57 =", "8.17", []),
    ("16. 7.2 ÷ 0.9 =", "8", []),
    ("17. 2/3 × 3/4 =", "1/2", []),
    ("18. 下面哪个算式的得数最大？", "B", ["A. 25 × 4", "B. 26 × 4", "C. 24 × 4", "知识点：M3A08"]),
    ("19. 一个正方形的边长是 6 分米，它的面积是多少平方分米？", "36", ["知识点：长方形和正方形的面积"]),
    ("20. 3/5 ÷ 3/10 =", "2", ["层级：拓展"]),
]


def docx_bytes(lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def twenty_lines() -> list[str]:
    lines = ["三年级数学 第七单元 练习（共20题）"]
    for first, answer, extra in TWENTY:
        lines.append(first)
        choices = [x for x in extra if x[:2] in ("A.", "B.", "C.", "D.")]
        lines.extend(choices)
        lines.append(f"答案：{answer}")
        lines.extend(x for x in extra if x not in choices)
    return lines


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def counts() -> tuple[int, int, int]:
    return BankItem.objects.count(), ItemImport.objects.count(), VariantFamily.objects.count()
