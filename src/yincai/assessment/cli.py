"""`yincai assessment create|list` — assessments for scripts (the server shell operator acts as the admin).

`create` prints the new id alone on its last line, so a script can do
`ID=$(yincai assessment create … | tail -n1)` and pass it to `yincai import blueprint|scores --assessment $ID`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("assessment", help="新建或列出测评（create 在最后一行输出新测评的ID）")
    actions = p.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="新建测评")
    create.add_argument("--name", required=True, help="测评名称")
    create.add_argument("--grade", required=True, help="年级：4 或 四年级")
    create.add_argument("--subject", required=True, help="学科：中文名（数学）或代码（math）")
    create.add_argument("--kind", required=True, help="类型：摸底、单元、期中、期末、练习…（或代码 final 等）")
    create.add_argument("--date", required=True, help="日期 YYYY-MM-DD（须在当前学期内）")
    create.add_argument("--class", dest="klass", help="班级，如 四年级(1)班；不填为全年级")
    create.set_defaults(func=cmd_create, needs_school=True)
    listing = actions.add_parser("list", help="列出当前学期的测评")
    listing.add_argument("--grade", help="只列该年级")
    listing.add_argument("--subject", help="只列该学科")
    listing.set_defaults(func=cmd_list, needs_school=True)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _term() -> Any:
    from yincai.school.models import Term

    return Term.current()


def cmd_create(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from yincai.assessment.services import (
        AssessmentRefused,
        assessment_create,
        parse_class,
        parse_date,
        parse_grade,
        parse_kind,
        parse_subject,
    )

    term = _term()
    if term is None:
        return _fail("尚未建立学校和学期：请先运行 yincai init")
    try:
        grade = parse_grade(args.grade, term)
        school_class = parse_class(args.klass, term, grade) if args.klass else None
        assessment = assessment_create(
            user=None, term=term, name=args.name, kind=parse_kind(args.kind), grade=grade,
            subject=parse_subject(args.subject), date=parse_date(args.date), school_class=school_class)
    except AssessmentRefused as exc:
        return _fail("新建测评失败：" + "；".join(exc.errors))
    scope = school_class.name if school_class else f"{grade}（全年级）"
    print(f"已新建测评「{assessment.name}」：{scope} {assessment.subject.name} {assessment.get_kind_display()} "
          f"{assessment.date:%Y-%m-%d}（{term.name}）")
    print(assessment.pk)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from yincai.assessment.selectors import assessment_list
    from yincai.assessment.services import AssessmentRefused, parse_grade, parse_subject

    term = _term()
    if term is None:
        return _fail("尚未建立学校和学期：请先运行 yincai init")
    try:
        grade = parse_grade(args.grade, term) if args.grade else None
        subject = parse_subject(args.subject) if args.subject else None
    except AssessmentRefused as exc:
        return _fail("；".join(exc.errors))
    rows = list(assessment_list(None, term=term, grade_id=grade.pk if grade else None,
                                subject_id=subject.pk if subject else None).order_by("date", "id"))
    if not rows:
        print(f"{term.name}暂无测评。新建：yincai assessment create --name 名称 --grade 4 --subject 数学 "
              "--kind 期末 --date YYYY-MM-DD")
        return 0
    print(f"{term.name} 共 {len(rows)} 个测评：")
    print("ID\t日期\t\t类型\t学科\t范围\t\t题数\t满分\t已录学生\t名称")
    for a in rows:
        scope = a.school_class.name if a.school_class else f"{a.grade}（全年级）"
        full = f"{a.full_marks.normalize():f}" if a.full_marks else "—"
        print(f"{a.pk}\t{a.date:%Y-%m-%d}\t{a.get_kind_display()}\t{a.subject.name}\t{scope}\t{a.n_items or 0}\t"
              f"{full}\t{a.n_students or 0}\t\t{a.name}")
    return 0
