"""Files shaped like a school's own, for the journeys from an empty database (issue 10): a one-sheet roster
from the school office (title row, merged header, guardian columns side by side), a 双向细目表 that names
knowledge points by unit and with a near miss, and a score sheet whose scores follow a known truth."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["子涵", "欣怡", "浩然", "梓萱", "宇轩", "雨桐", "俊杰", "思琪", "博文", "佳怡", "明轩", "诗涵", "天佑",
         "可馨", "一诺", "嘉懿", "若曦", "晨阳", "雅琪", "子墨"]

#: 题号, 大题, 满分, 题型, 知识点 as a teacher writes them: unit names, exact names, and one near miss.
BLUEPRINT = [
    ("1", "一、填空", 4, "填空", "大数的认识"),  # unit → 亿以内/亿以上
    ("2", "一、填空", 4, "填空", "大数的认识"),
    ("3", "二、选择", 4, "选择", "角的度量"),  # unit → 线段直线射线与角, 角的度量与分类
    ("4", "二、选择", 4, "选择", "角的度量"),
    ("5", "三、计算", 6, "计算", "三位数乘两位数"),
    ("6", "三、计算", 6, "计算", "积的变化规侓"),  # a typo: the preview asks, suggesting 积的变化规律
    ("7", "三、计算", 6, "计算", "除数是两位数的除法"),  # unit → 口算, 笔算试商, 商的变化规律
    ("8", "三、计算", 6, "计算", "除数是两位数的除法"),
    ("9", "四、统计", 5, "解决问题", "条形统计图"),
    ("10", "四、统计", 5, "解决问题", "条形统计图"),
]
NEAR_MISS = "积的变化规侓"


def students(n_per_class: int = 22, classes: int = 2) -> list[dict[str, str]]:
    out = []
    for c in range(1, classes + 1):
        for k in range(n_per_class):
            i = (c - 1) * n_per_class + k
            surname = SURNAMES[i % len(SURNAMES)]
            out.append({"no": f"2023{c:02d}{k + 1:02d}", "name": surname + GIVEN[(i * 7) % len(GIVEN)],
                        "gender": "男" if i % 2 else "女", "class": f"四年级{c}班", "birth": f"2016-{1 + i % 12:02d}-15",
                        "father": surname + "建国", "father_phone": f"139{i:08d}",
                        "mother": "陈" + GIVEN[(i * 3) % len(GIVEN)][0] + "芳", "mother_phone": f"138{i:08d}"})
    return out


def _save(wb: openpyxl.Workbook, path: Path | None) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    if path is not None:
        path.write_bytes(buf.getvalue())
    return buf.getvalue()


def roster_xlsx(rows: list[dict[str, str]], path: Path | None = None) -> bytes:
    """The office's roster: a title row, a two-row header with merged 父亲/母亲 blocks, one sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "四年级"
    ws.append(["阳光小学 2026 学年四年级学生花名册"])
    ws.merge_cells("A1:K1")
    ws.append(["学号", "姓名", "性别", "班级", "出生日期", "身份证号", "父亲", None, "母亲", None, "备注"])
    ws.append([None, None, None, None, None, None, "姓名", "电话", "姓名", "电话", None])
    for col in "ABCDEFK":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("G2:H2")
    ws.merge_cells("I2:J2")
    for r in rows:
        ws.append([r["no"], r["name"], r["gender"], r["class"], r["birth"], "44010620160115" + r["no"][-4:],
                   r["father"], r["father_phone"], r["mother"], r["mother_phone"], ""])
    return _save(wb, path)


def blueprint_xlsx(path: Path | None = None, *, near_miss: str = NEAR_MISS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "双向细目表"
    ws.append(["题号", "大题", "满分", "题型", "知识点", "能力维度"])
    for label, section, full, kind, kp in BLUEPRINT:
        ws.append([label, section, full, kind, near_miss if kp == NEAR_MISS else kp, "计算" if kind == "计算" else "理解"])
    return _save(wb, path)


def scores_xlsx(rows: list[dict[str, str]], path: Path | None = None, *, seed: int = 7) -> tuple[bytes, np.ndarray]:
    """Item scores from a known ability per student (higher ability, higher scores); returns the file and the
    abilities so a test can check the diagnosis orders students like the truth."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(0, 1, len(rows))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成绩"
    ws.append(["学号", "姓名", *[f"第{label}题({full}分)" for label, _s, full, _k, _kp in BLUEPRINT]])
    for k, (r, theta) in enumerate(zip(rows, ability, strict=True)):
        line: list[object] = [r["no"], r["name"]]
        for j, (_label, _s, full, _k, _kp) in enumerate(BLUEPRINT):
            p = 1 / (1 + np.exp(-(1.7 * theta + 1.0 - 0.25 * j)))
            line.append("缺考" if k == len(rows) - 1 else int(rng.binomial(full, p)))  # one absent: not a zero
        ws.append(line)
    return _save(wb, path), ability
