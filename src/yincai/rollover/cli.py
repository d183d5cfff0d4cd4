"""`yincai rollover --to-term 名称 --start YYYY-MM-DD --end YYYY-MM-DD [--adjust FILE.xlsx] [--dry-run]`."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from exc


def add_parser(sub: Any) -> None:
    p = sub.add_parser("rollover", help="学年升级：建立新学期的班级与学籍，六年级毕业归档（先预览，确认写入）")
    p.add_argument("--to-term", required=True, help="新学期名称，如 2027-2028学年第一学期")
    p.add_argument("--start", required=True, type=_date, help="新学期开始日期 YYYY-MM-DD")
    p.add_argument("--end", required=True, type=_date, help="新学期结束日期 YYYY-MM-DD")
    p.add_argument("--from-term", help="从哪个学期升级（名称，默认当前学期）")
    p.add_argument("--adjust", type=Path, help="修改过「新班级」的分班名单 .xlsx（用 --export 导出）")
    p.add_argument("--export", type=Path, help="把计划的分班名单写入此 .xlsx 文件以便修改（不写数据库）")
    grade = p.add_mutually_exclusive_group()
    grade.add_argument("--promote", dest="promote", action="store_true", default=None, help="升入下一年级（秋季默认）")
    grade.add_argument("--same-grade", dest="promote", action="store_false", help="年级不变（秋→春，春季默认）")
    p.add_argument("--no-teachers", action="store_true", help="不延续任课教师与班主任（默认跟班走）")
    p.add_argument("--mentors", action="store_true", help="延续导师及其指派")
    p.add_argument("--dry-run", action="store_true", help="只显示将要发生的变化，不写入")
    p.set_defaults(func=cmd_rollover, needs_school=True)


def cmd_rollover(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from yincai.rollover.services import (
        RolloverError,
        RolloverRefused,
        adjustment_workbook,
        apply_rollover,
        parse_adjustment,
        plan_rollover,
    )
    from yincai.school.models import Term

    try:
        from_term = None
        if args.from_term:
            from_term = Term.objects.filter(name=args.from_term).first()
            if from_term is None:
                raise RolloverError(f"没有名为「{args.from_term}」的学期")
        kwargs = {"to_name": args.to_term, "start": args.start, "end": args.end, "from_term": from_term,
                  "promote": args.promote, "carry_teachers": not args.no_teachers, "carry_mentors": args.mentors}
        plan = plan_rollover(**kwargs)
        if args.adjust:
            if not args.adjust.is_file():
                raise RolloverError(f"找不到文件：{args.adjust}")
            adjustments = parse_adjustment(plan=plan, content=args.adjust.read_bytes(), file_name=args.adjust.name)
            plan = plan_rollover(**kwargs, adjustments=adjustments)
    except RolloverRefused as exc:
        print("分班调整表有问题，未做任何修改：", file=sys.stderr)
        for problem in exc.problems[:50]:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except RolloverError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"学年升级「{plan.from_term.name}」→「{plan.to_name}」（{'升入下一年级' if plan.promote else '年级不变'}）")
    for label, count, sources in plan.class_counts():
        print(f"  {label}：{count} 人（来自 {sources}）")
    print(f"毕业归档 {len(plan.graduates)} 人；分班调整 {len(plan.adjusted)} 人")
    for p in plan.adjusted[:50]:
        print(f"  调整：{p.name}({p.student_no}) {p.from_class} → {p.to_class}")
    if args.export:
        args.export.write_bytes(adjustment_workbook(plan))
        print(f"分班名单已写入 {args.export}：修改「新班级」后用 --adjust 上传")
        return 0
    if args.dry_run:
        print("（预览，未写入）")
        return 0
    try:
        result = apply_rollover(plan=plan)
    except RolloverError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"已完成：新学期「{result.term.name}」，{result.classes} 个班，{result.enrolments} 名学生，"
          f"毕业 {result.graduates} 人，延续教职工角色 {result.staff_roles} 条，导师指派 {result.mentor_assignments} 条")
    return 0
