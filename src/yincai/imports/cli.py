"""`yincai import roster|blueprint|scores FILE [--dry-run] [--assessment ID] [--term ID]` (server shell operator)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yincai.jobs.api import Collected


def add_parser(sub: Any) -> None:
    p = sub.add_parser("import", help="从 Excel/CSV 导入花名册、试卷结构或小题得分（先检查，全部无误才写入）")
    p.add_argument("kind", choices=["roster", "blueprint", "scores"], help="roster=花名册 blueprint=试卷结构 scores=小题得分")
    p.add_argument("file", type=Path, help=".xlsx / .xls / .csv 文件")
    p.add_argument("--assessment", type=int, help="测评ID（blueprint 与 scores 必填）")
    p.add_argument("--term", type=int, help="学期ID（roster 可选，默认当前学期）")
    p.add_argument("--dry-run", action="store_true", help="只检查并显示将要发生的变化，不写入")
    p.add_argument("--accept-suggestions", action="store_true",
                   help="blueprint：找不到的知识点名称采用第一个建议，并记为本校别名（会逐条列出）")
    new = p.add_argument_group("scores 不指定 --assessment 时新建测评（与成绩在同一事务中写入）")
    new.add_argument("--grade", help="年级，如 4")
    new.add_argument("--subject", help="学科，如 数学")
    new.add_argument("--date", help="测评日期 YYYY-MM-DD")
    new.add_argument("--kind", dest="assessment_kind", help="测评类型，如 期末（默认 单元测）")
    new.add_argument("--name", help="测评名称（默认按日期、年级、学科、类型命名）")
    new.add_argument("--class", dest="klass", help="班级，如 四年级(1)班（不填为全年级）")
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
    for r in summary.get("labels", [])[:30]:
        print(f"  知识点「{r['label']}」（{r['via']}）→ {r['kps']}")
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
    from yincai.jobs.api import in_process
    from yincai.school.models import Term

    if not args.file.is_file():
        print(f"找不到文件：{args.file}", file=sys.stderr)
        return 2
    assessment = term = draft = None
    if args.kind == "scores" and args.assessment is None and args.grade:
        draft = {"name": args.name or "", "kind": args.assessment_kind or "", "grade": args.grade,
                 "class": args.klass or "", "subject": args.subject or "", "date": args.date or ""}
    elif args.kind in ("blueprint", "scores"):
        if args.assessment is None:
            print("请用 --assessment 指定测评ID（小题得分也可用 --grade --subject --date 新建测评）", file=sys.stderr)
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
    resolutions = None
    background = None
    try:
        if args.kind == "blueprint":
            plan = preview_file(user=None, kind="blueprint", content=content, file_name=args.file.name,
                                assessment=assessment)
            if plan.problems:
                raise ImportRefused(plan.problems + plan.question_problems)
            resolutions = _kp_answers(plan.questions, args.accept_suggestions) if plan.questions else None
            if resolutions is None and plan.questions:
                return 1
        if args.dry_run:
            plan = preview_file(user=None, kind=args.kind, content=content, file_name=args.file.name,
                                assessment=assessment, term=term, resolutions=resolutions, draft=draft)
            if not plan.ok:
                raise ImportRefused(plan.problems)
            print("检查通过（--dry-run，未写入）：")
            _print_summary(plan.summary())
            warnings = plan.warnings
        else:
            with in_process() as background:
                batch = import_file(user=None, kind=args.kind, content=content, file_name=args.file.name,
                                    assessment=assessment, term=term, resolutions=resolutions, draft=draft)
            if draft:
                print(f"已新建测评「{batch.assessment.name}」（ID {batch.assessment_id}）")
            print(f"导入完成（批次 {batch.pk}）：")
            _print_summary(batch.summary)
            warnings = batch.warnings
    except ImportRefused as exc:
        _print_problems(f"导入未执行，文件有 {len(exc.problems)} 个问题，未写入任何数据：", exc.problems)
        return 1
    if warnings:
        _print_problems("提醒：", [w.get("text", w) if isinstance(w, dict) else w for w in warnings])
    _wait_for_background_work(background)
    return 0


def _kp_answers(questions: list[Any], accept: bool) -> dict[str, list[int]] | None:
    """The blueprint's unknown 知识点 names: with `accept`, the first suggestion of each (printed); else (or when
    one has no suggestion) they are listed with their suggestions and None is returned (nothing is written)."""
    if accept and all(q.suggestions for q in questions):
        for q in questions:
            print(f"采用建议：「{q.label}」→ {q.suggestions[0].text}")
        return {q.key: list(q.suggestions[0].kp_ids) for q in questions}
    print(f"导入未执行，{len(questions)} 个知识点名称在知识点体系中找不到，未写入任何数据：")
    for q in questions:
        rows = "、".join(map(str, q.rows[:10])) + ("等" if len(q.rows) > 10 else "")
        print(f"  「{q.label}」（第{rows}行）" + ("您是否指：" if q.suggestions else "没有相近的知识点"))
        for k, s in enumerate(q.suggestions[:3], start=1):
            print(f"      {k}. {s.text}")
    if accept:
        print("没有相近知识点的名称无法自动采用：请在文件中改用知识点编码、名称或单元名。")
    else:
        print("请在文件中改用知识点编码、名称或单元名，或加 --accept-suggestions 采用每个名称的第一个建议"
              "（并记为本校别名，以后自动识别）。")
    return None


def _wait_for_background_work(background: Collected | None) -> None:
    """A committed import queues follow-up tasks (the grade's diagnosis recompute); the command runs them here,
    in this process, so the results are ready when it ends (no worker needed)."""
    if background is not None and background.calls:
        print("正在更新诊断结果（重新计算本年级）……", flush=True)
        background.run()
        print("诊断结果已更新。")
