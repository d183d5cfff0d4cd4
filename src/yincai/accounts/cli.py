"""`yincai accounts slips|reset` — login slips and password resets from the server shell (the operator is 教导处)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("accounts", help="账号：打印登录凭条（生成初始密码）、重置密码")
    acc = p.add_subparsers(dest="accounts_command", required=True)
    slips = acc.add_parser("slips", help="为班级学生和家长（及教职工）生成初始密码并输出登录凭条 PDF（每班分页）")
    slips.add_argument("--class", dest="classes", action="append", default=[], metavar="班级",
                       help="班级名称，如 四年级(1)班、4.1；可重复；不写则为本学期全部班级")
    slips.add_argument("--staff", action="store_true", help="同时为教职工生成凭条（不写 --class 时只生成教职工）")
    slips.add_argument("--all", dest="include_issued", action="store_true",
                       help="包括已签发或已登录的账号（全部重新签发，原密码失效）；默认只签发从未发放、从未登录的账号")
    slips.add_argument("--out", type=Path, required=True, help="输出的 PDF 文件")
    slips.add_argument("--url", default=os.environ.get("YINCAI_SITE_URL", "http://127.0.0.1:8000/accounts/login/"),
                       help="印在凭条上的登录网址（默认取环境变量 YINCAI_SITE_URL）")
    slips.set_defaults(func=cmd_slips, needs_school=True)
    reset = acc.add_parser("reset", help="重置一个账号的密码（打印新初始密码，下次登录须修改）")
    reset.add_argument("username", help="登录名（学生为学号，家长为 p+学号）")
    reset.add_argument("--out", type=Path, help="同时输出一张凭条 PDF")
    reset.add_argument("--url", default=os.environ.get("YINCAI_SITE_URL", "http://127.0.0.1:8000/accounts/login/"))
    reset.set_defaults(func=cmd_reset, needs_school=True)


def _actor(command: str) -> Any:
    from yincai.oversight.context import Actor, current_actor

    return current_actor.set(Actor(user=None, ip=None, path=f"命令行：yincai accounts {command}"))


def _term() -> Any:
    from yincai.school.models import Term

    term = Term.current()
    if term is None:
        print("还没有学期：请先运行 yincai init 建立学校和学期", file=sys.stderr)
    return term


def cmd_slips(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from yincai.accounts.services import AccountError, issue_slips_pdf
    from yincai.imports.scores import parse_class_name
    from yincai.school.models import SchoolClass

    term = _term()
    if term is None:
        return 2
    classes = []
    for name in args.classes:
        level, number = parse_class_name(name)
        klass = SchoolClass.objects.filter(term=term, grade__level=level, number=number).select_related(
            "grade").first() if level and number else None
        if klass is None:
            print(f"本学期（{term.name}）没有班级「{name}」（示例：四年级(1)班 或 4.1）", file=sys.stderr)
            return 2
        classes.append(klass)
    if not classes and not args.staff:
        classes = list(SchoolClass.objects.filter(term=term).select_related("grade"))
    token = _actor("slips")
    try:
        pdf, count = issue_slips_pdf(by=None, term=term, site_url=args.url, classes=classes, staff=args.staff,
                                     include_issued=args.include_issued)
    except AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        from yincai.oversight.context import current_actor

        current_actor.reset(token)
    try:
        args.out.write_bytes(pdf)
    except OSError as exc:
        print(f"无法写入 {args.out}：{exc.strerror}。已签发的密码只在这份 PDF 上，请用 --all 重新生成。",
              file=sys.stderr)
        return 1
    print(f"已为 {count} 个账号签发初始密码，登录凭条：{args.out}（{len(classes)} 个班级"
          f"{'及教职工' if args.staff else ''}）")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from django.contrib.auth import get_user_model

    from yincai.accounts.services import AccountError, reset_password
    from yincai.accounts.slips import single_slip_pdf

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        print(f"没有登录名为「{args.username}」的账号", file=sys.stderr)
        return 2
    token = _actor("reset")
    try:
        slip = reset_password(user=user, by=None)
    except AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        from yincai.oversight.context import current_actor

        current_actor.reset(token)
    print(f"已重置 {slip.kind} {slip.name} 的密码（下次登录须修改）。")
    if args.out:
        from yincai.school.models import Term

        args.out.write_bytes(single_slip_pdf(slip, site_url=args.url, term=Term.current()))
        print(f"凭条：{args.out}")
    print(f"登录名：{slip.username}")
    print(f"新初始密码：{slip.password}")
    return 0
