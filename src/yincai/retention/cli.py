"""`yincai retention purge [--dry-run] [--days N]`: delete graduates' sensitive records after the retention period."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("retention", help="数据保留：删除毕业超过保留期的学生的家庭情况和心理辅导记录")
    actions = p.add_subparsers(dest="action", required=True)
    purge = actions.add_parser("purge", help="删除到期的敏感记录（先用 --dry-run 查看）")
    purge.add_argument("--dry-run", action="store_true", help="只列出将被删除的记录，不删除")
    purge.add_argument("--days", type=int, help="保留天数（默认取设置 YINCAI_RETENTION_DAYS，365 天）")
    purge.set_defaults(func=cmd_purge, needs_school=True)


def cmd_purge(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from yincai.retention.services import retention_purge

    try:
        report = retention_purge(dry_run=args.dry_run, days=args.days)
    except ValueError as exc:
        print(f"无法清理：{exc}", file=sys.stderr)
        return 1
    head = "将删除（演练，未做任何更改）" if report.dry_run else "已删除"
    print(f"保留期 {report.days} 天：{report.cutoff} 之前毕业的学生共 {len(report.candidates)} 名有敏感记录。")
    for c in report.candidates:
        print(f"  {c.student_no} {c.name}  毕业于 {c.graduated_on}  "
              f"家庭情况 {'1' if c.family_profile else '0'} 条  心理辅导记录 {c.psych_notes} 条")
    if report.candidates:
        if report.dry_run:
            print(f"{head}：以上记录。去掉 --dry-run 执行删除。")
        else:
            print(f"{head}：家庭情况 {report.family_profiles} 条，心理辅导记录 {report.psych_notes} 条（已记入审计日志）。")
    return 0
