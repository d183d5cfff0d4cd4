"""Fuzzing the blueprint and roster importers (the score importer has its own, larger fuzz test): mutated files
are imported or refused with a Chinese message; a refusal writes nothing; no other exception escapes."""

from __future__ import annotations

import datetime
import io
import random
import re
from typing import Any

import openpyxl
import pytest

from tests.personas import Personas
from yincai.assessment.models import Item
from yincai.imports.common import ImportRefused
from yincai.imports.models import ImportBatch
from yincai.imports.services import import_file
from yincai.imports.tests.helpers import fresh_assessment, snapshot
from yincai.imports.workbooks import roster_template
from yincai.school.models import Enrolment, GuardianLink, Staff, StaffRole, Student

CJK = re.compile(r"[\u4e00-\u9fff]")
JUNK: list[Any] = [None, "", "abc", "三", -1, 0, 1e300, 2.75, True, datetime.date(2026, 1, 1), "=1+1", "＃", "　", "缺考",
                   "N1-01", "20240101", "父亲", "班主任", "数学", "三年级", 7]


def _mutate_rows(rows: list[list[Any]], rng: random.Random) -> list[list[Any]]:
    rows = [list(r) for r in rows]
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(5)
        width = max(len(r) for r in rows)
        if op == 0:  # swap a cell's type
            r = rng.randrange(len(rows))
            if rows[r]:
                rows[r][rng.randrange(len(rows[r]))] = rng.choice(JUNK)
        elif op == 1:  # drop a column
            k = rng.randrange(width)
            rows = [[v for i, v in enumerate(r) if i != k] for r in rows]
        elif op == 2:  # garbage row
            rows.insert(rng.randrange(len(rows) + 1), [rng.choice(JUNK) for _ in range(width)])
        elif op == 3:  # duplicate a row
            rows.insert(rng.randrange(len(rows) + 1), list(rng.choice(rows)))
        else:  # empty the data
            rows = rows[:1]
    return rows


def _book(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bytes_mutation(data: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.15:
        return data[: rng.randrange(1, len(data))]
    if rng.random() < 0.1:
        raw = bytearray(data)
        for _ in range(4):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    return data


def _run(kind: str, content: bytes, state: Any, **kwargs: Any) -> str:
    before = state()
    try:
        import_file(kind=kind, content=content, file_name=f"{kind}.xlsx", **kwargs)
    except ImportRefused as exc:
        assert exc.problems and all(CJK.search(p.message) for p in exc.problems)
        assert state() == before, "a refused import wrote something"
        return "refused"
    return "imported"


@pytest.mark.django_db
def test_fuzzed_blueprints_import_or_are_refused_cleanly(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(7)
    head = ["题号", "大题", "满分", "题型", "知识点", "能力维度", "难度层级"]
    outcomes: dict[str, int] = {}
    for n in range(150):
        rows = [head] + [[str(j), "一、计算", rng.choice([2, 4, 5.5]), "计算题", "", rng.choice(["计算", "应用", None]),
                          rng.choice(["基础", "提高", "拓展", None])] for j in range(1, 5)]
        a = fresh_assessment(personas, n_items=0, name=f"bp-fuzz-{n}")
        content = _bytes_mutation(_book({"试卷结构": _mutate_rows(rows, rng)}), rng)
        got = _run("blueprint", content, lambda a=a: snapshot(a), user=personas.users["wang"], assessment=a)
        outcomes[got] = outcomes.get(got, 0) + 1
        if got == "imported":
            assert all(i.max_score > 0 for i in Item.objects.filter(assessment=a))
    assert outcomes.get("imported", 0) > 10 and outcomes.get("refused", 0) > 10
    with capsys.disabled():
        print(f"\nblueprint fuzz: 150 mutated files — {outcomes}")


@pytest.mark.django_db
def test_fuzzed_rosters_import_or_are_refused_cleanly(personas: Personas, capsys: pytest.CaptureFixture[str]) -> None:
    """Even files: the one-sheet template (guardians side by side, 任教班级); odd files: the older three sheets."""
    rng = random.Random(11)
    template = openpyxl.load_workbook(io.BytesIO(roster_template()))
    heads = {name: [c.value for c in template[name][1]] for name in ("学生", "教师")}
    legacy = {"学生": ["学号", "姓名", "性别", "年级", "班级", "出生日期"],
              "监护人": ["学生学号", "监护人姓名", "关系", "电话", "主要联系人"],
              "教师": ["姓名", "用户名", "电话", "角色", "年级", "班级", "学科"]}

    def state() -> tuple[int, ...]:
        return (Student.objects.count(), Enrolment.objects.count(), GuardianLink.objects.count(),
                Staff.objects.count(), StaffRole.objects.count(), ImportBatch.objects.count())

    outcomes: dict[str, int] = {}
    for n in range(150):
        if n % 2 == 0:
            students = [[f"4{n:03d}{k}", f"学生{n}-{k}", rng.choice(["男", "女"]), rng.choice(["三年级1班", "三(2)", "3.1"]),
                         None, f"家长{n}", rng.choice(["父亲", "外婆", None]), f"139{n:08d}", None, None, None]
                        for k in range(3)]
            teachers = [[f"老师{n}", rng.choice([f"fuzz{n}", None]), f"137{n:08d}", "三(1)(2)班 数学",
                         rng.choice([None, "导师"])]]
            sheets = {"学生": [heads["学生"], *students], "教师": [heads["教师"], *teachers]}
        else:
            students = [[f"4{n:03d}{k}", f"学生{n}-{k}", rng.choice(["男", "女"]), "三年级", rng.choice([1, 2]), None]
                        for k in range(3)]
            guardians = [[students[0][0], f"家长{n}", rng.choice(["父亲", "母亲"]), f"139{n:08d}", "是"]]
            teachers = [[f"老师{n}", f"fuzz{n}", None, rng.choice(["科任教师", "导师"]), "三年级", 1, "数学"]]
            sheets = {"学生": [legacy["学生"], *students], "监护人": [legacy["监护人"], *guardians],
                      "教师": [legacy["教师"], *teachers]}
        victim = rng.choice(list(sheets))
        sheets[victim] = _mutate_rows(sheets[victim], rng)
        content = _bytes_mutation(_book(sheets), rng)
        got = _run("roster", content, state, user=personas.users["wang"], term=personas.term)
        outcomes[got] = outcomes.get(got, 0) + 1
    assert outcomes.get("imported", 0) > 10 and outcomes.get("refused", 0) > 10
    with capsys.disabled():
        print(f"\nroster fuzz: 150 mutated files — {outcomes}")
