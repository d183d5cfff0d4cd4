"""`yincai init`: set up the school on an empty database (flags for scripts, prompts for people)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

FLAGS = [  # (dest, flag, prompt)
    ("school", "--school", "学校名称"),
    ("code", "--code", "学校代码（如教育部学校标识码）"),
    ("term", "--term", "当前学期名称"),
    ("start", "--start", "学期开始日期（YYYY-MM-DD）"),
    ("end", "--end", "学期结束日期（YYYY-MM-DD）"),
    ("admin", "--admin", "管理员用户名"),
]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("init", help="初始化学校：学校、当前学期、年级、学科、知识点体系和第一个管理员账号")
    p.add_argument("--school", help="学校名称")
    p.add_argument("--code", help="学校代码（字母、数字、-、_）")
    p.add_argument("--term", help="当前学期名称，如 2026-2027学年第一学期")
    p.add_argument("--start", help="学期开始日期 YYYY-MM-DD")
    p.add_argument("--end", help="学期结束日期 YYYY-MM-DD")
    p.add_argument("--admin", help="管理员（校长/教导处）用户名")
    p.add_argument("--admin-password", help="管理员密码（至少8位，不能全是数字）")
    p.add_argument("--admin-name", default="", help="管理员姓名（默认同用户名）")
    p.add_argument("--grades", default=None, help="开设的年级，如 1-6 或 3,4,5（默认 1-6）")
    p.add_argument("--subjects", default=None,
                   help="开设的学科，逗号分隔（默认 语文,数学,英语,科学,道德与法治,音乐,体育与健康,美术）")
    p.add_argument("--no-input", action="store_true", help="不询问：缺少的参数直接报错（脚本用）")
    p.set_defaults(func=cmd_init, needs_school=False)


def _ask(prompt: str, default: str | None = None) -> str:
    suffix = f" [{default}]" if default else ""
    while True:
        value = input(f"{prompt}{suffix}：").strip()
        if value or default:
            return value or str(default)
        print("  此项不能为空。")


def _collect(args: argparse.Namespace) -> dict[str, Any] | str:
    """Fill missing values by prompting (or return the Chinese error when prompting is impossible)."""
    from yincai.setup.services import SetupError, parse_date, suggested_term

    values = {dest: getattr(args, dest) for dest, _, _ in FLAGS}
    missing = [flag for dest, flag, _ in FLAGS if not values[dest]] + (["--admin-password"] if not args.admin_password else [])
    interactive = not args.no_input and sys.stdin.isatty()
    if missing and not interactive:
        return f"缺少参数：{' '.join(missing)}（或在终端中直接运行 yincai init 按提示填写）"
    name, start, end = suggested_term()
    defaults = {"term": name, "start": start.isoformat(), "end": end.isoformat()}
    for dest, _, prompt in FLAGS:
        while not values[dest]:
            values[dest] = _ask(prompt, defaults.get(dest))
            if dest in ("start", "end"):
                try:
                    parse_date(values[dest], dest, "日期")
                except SetupError as exc:
                    print(f"  {exc}")
                    values[dest] = None
    password = args.admin_password
    while not password:
        first = getpass.getpass("管理员密码（至少8位，不能全是数字）：")
        if first != getpass.getpass("再次输入密码："):
            print("  两次输入的密码不一致，请重新输入。")
            continue
        password = first
    values["password"] = password
    if interactive and args.grades is None:
        values["grades"] = _ask("开设的年级", "1-6")
    return values


def cmd_init(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from django.core.management import call_command

    from yincai.curriculum.services import STANDARD_SUBJECTS
    from yincai.school.models import GRADE_NAMES, School
    from yincai.setup.services import SetupError, parse_date, parse_grades, school_init, subject_codes

    call_command("migrate", interactive=False, verbosity=0)
    existing = School.objects.first()
    if existing is not None:
        print(f"学校已经初始化（{existing.name}，代码 {existing.code}），无需再次运行 yincai init。", file=sys.stderr)
        return 1
    collected = _collect(args)
    if isinstance(collected, str):
        print(collected, file=sys.stderr)
        return 2
    try:
        result = school_init(
            school_name=collected["school"], school_code=collected["code"], term_name=collected["term"],
            start_date=parse_date(collected["start"], "start_date", "开始日期"),
            end_date=parse_date(collected["end"], "end_date", "结束日期"),
            admin_username=collected["admin"], admin_password=collected["password"], admin_name=args.admin_name,
            grades=parse_grades(collected.get("grades") or args.grades or "1-6"),
            subjects=subject_codes(args.subjects.split(",")) if args.subjects else STANDARD_SUBJECTS,
        )
    except SetupError as exc:
        print("初始化未执行，未写入任何数据：", file=sys.stderr)
        for messages in exc.errors.values():
            for message in messages:
                print(f"  - {message}", file=sys.stderr)
        return 1
    term = result.term
    print(f"学校初始化完成：{result.school.name}（代码 {result.school.code}）")
    print(f"  学期：{term.name}（{term.start_date:%Y-%m-%d} 至 {term.end_date:%Y-%m-%d}）")
    print(f"  年级：{'、'.join(GRADE_NAMES[g.level] for g in result.grades)}")
    print(f"  学科：{'、'.join(s.name for s in result.subjects)}（能力维度 {result.abilities} 个）")
    if result.kps:
        print("  知识点：" + "、".join(f"{name} {n} 个" for name, n in result.kps.items())
              + "（可在网页「知识点体系」中导出 Excel 修改后导入）")
    print(f"  管理员账号：{result.admin.get_username()}（校长/教导处）")  # type: ignore[attr-defined]
    print("下一步：yincai import roster 花名册.xlsx 导入学生与教师，然后 yincai serve 打开网页。")
    return 0
