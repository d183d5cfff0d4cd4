"""`yincai import roster|blueprint|scores FILE [--dry-run] [--assessment ID] [--term ID]` (server shell operator)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("import", help="从 Excel/CSV 导入花名册、试卷结构或小题得分（先检查，全部无误才写入）")
    p.add_argument("kind", choices=["roster", "blueprint", "scores"], help="roster=花名册 blueprint=试卷结构 scores=小题得分")
    p.add_argument("file", type=Path, help=".xlsx / .xls / .csv 文件")
    p.add_argument("--assessment", type=int, help="测评ID（blueprint 与 scores 必填）")
    p.add_argument("--term", type=int, help="学期ID（roster 可选，默认当前学期）")
    p.add_argument("--dry-run", action="store_true", help="只检查并显示将要发生的变化，不写入")
    p.set_defaults(func=cmd_import, needs_school=True)


def _print_problems(title: str, problems: list[Any], limit: int = 50) -> None:
    print(title)
    for p in problems[:limit]:
        print(f"  - {p}")
    if len(problems) > limit:
        print(f"  …… 另有 {len(problems) - limit} 条")


def _print_summary(summary: dict[str, Any]) -> None:
    labels = {"students": "学生", "items": "题目", "new_items": "新建题目", "creates": "新增", "updates": "修改",
              "unchanged": "未变", "classes": "班级", "guardians": "监护人", "staff": "教师"}
    parts = [f"{labels[k]} {v}" for k, v in summary.items() if k in labels and isinstance(v, int)]
    print("；".join(parts))
    if summary.get("states"):
        print("状态：" + "、".join(f"{k} {v}" for k, v in summary["states"].items()))
    changes = summary.get("changes", [])
    for change in changes[:20]:
        who = " ".join(str(change[k]) for k in ("student", "item", "field") if change.get(k))
        print(f"  修改：{who}：{change.get('old') or '（空）'} → {change.get('new') or '（空）'}")
    if summary.get("updates", 0) > 20:
        print(f"  …… 共 {summary['updates']} 处修改（完整记录见网页上的导入记录）")


def cmd_import(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from yincai.assessment.models import Assessment
    from yincai.imports.common import ImportRefused
    from yincai.imports.services import import_file, preview_file
    from yincai.school.models import Term

    if not args.file.is_file():
        print(f"找不到文件：{args.file}", file=sys.stderr)
        return 2
    assessment = term = None
    if args.kind in ("blueprint", "scores"):
        if args.assessment is None:
            print("请用 --assessment 指定测评ID", file=sys.stderr)
            return 2
        assessment = Assessment.objects.filter(pk=args.assessment).first()
        if assessment is None:
            print(f"测评 {args.assessment} 不存在", file=sys.stderr)
            return 2
    if args.term is not None:
        term = Term.objects.filter(pk=args.term).first()
        if term is None:
            print(f"学期 {args.term} 不存在", file=sys.stderr)
            return 2
    content = args.file.read_bytes()
    try:
        if args.dry_run:
            plan = preview_file(user=None, kind=args.kind, content=content, file_name=args.file.name,
                                assessment=assessment, term=term)
            if not plan.ok:
                raise ImportRefused(plan.problems)
            print("检查通过（--dry-run，未写入）：")
            _print_summary(plan.summary())
            warnings = plan.warnings
        else:
            batch = import_file(user=None, kind=args.kind, content=content, file_name=args.file.name,
                                assessment=assessment, term=term)
            print(f"导入完成（批次 {batch.pk}）：")
            _print_summary(batch.summary)
            warnings = batch.warnings
    except ImportRefused as exc:
        _print_problems(f"导入未执行，文件有 {len(exc.problems)} 个问题，未写入任何数据：", exc.problems)
        return 1
    if warnings:
        _print_problems("提醒：", [w.get("text", w) if isinstance(w, dict) else w for w in warnings])
    _wait_for_background_work()
    return 0


def _wait_for_background_work() -> None:
    """A committed import may start background threads (the grade's diagnosis recompute); the command stays
    until they finish, so the process does not end in the middle of one."""
    import threading

    pending = [t for t in threading.enumerate() if t is not threading.current_thread() and t.name.startswith("recompute-")]
    if pending:
        print("正在更新诊断结果（重新计算本年级）……", flush=True)
        for t in pending:
            t.join()
        print("诊断结果已更新。")
