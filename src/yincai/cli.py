"""`yincai` command: the everyday entry points (demo school, server). Business logic lives in services."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yincai.settings")
    import django

    django.setup()


def _print_logins(logins: list, password: str, url: str) -> None:
    print("\n因材演示学校已就绪。登录地址：" + url)
    print(f"所有演示账号的密码都是：{password}\n")
    width = max(len(x.role) for x in logins)
    for login in logins:
        print(f"  {login.role:<{width}}  {login.username:<12}  {login.description}")
    print()


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    from yincai.demo.services import DEMO_PASSWORD, build_demo_school, demo_logins_for_existing

    call_command("migrate", interactive=False, verbosity=0)
    existing = demo_logins_for_existing(seed=args.seed)
    if existing is not None:
        print("演示学校已存在，跳过生成（如需重建请删除 var/yincai.sqlite3 后重试）。")
        _print_logins(existing, DEMO_PASSWORD, args.url)
        return 0
    started = time.perf_counter()
    print("正在生成演示学校（约 1,100 名学生）……", flush=True)
    kwargs = {"classes_per_grade": 2, "class_size": (12, 14)} if args.small else {}
    result = build_demo_school(seed=args.seed, **kwargs)
    print(f"完成：{result.students} 名学生，{result.staff} 名教职工，{result.item_scores} 条小题得分，"
          f"用时 {time.perf_counter() - started:.1f} 秒。")
    _print_logins(result.logins, DEMO_PASSWORD, args.url)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from yincai import serving

    if args.with_worker and not args.dev:
        _setup_django()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)  # once, before the two children start
        return serving.supervise(["--host", args.host, "--port", str(args.port), "--server", args.server,
                                  "--workers", str(args.workers), "--threads", str(args.threads)])
    if not args.dev:
        serving.use_hashed_static()
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if args.dev:
        call_command("runserver", f"{args.host}:{args.port}", use_reloader=True)
        return 0
    serving.collect_static()
    workers = args.workers or serving.default_workers()
    threads = args.threads or (8 if args.server == "waitress" else serving.default_threads())
    return serving.serve(server=args.server, host=args.host, port=int(args.port), workers=workers, threads=threads)


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yincai", *args.rest])
    return 0


def cmd_recompute(args: argparse.Namespace) -> int:
    _setup_django()
    from yincai.insight.services import InsightError, recompute_school

    started = time.perf_counter()
    try:
        jobs = recompute_school(progress=lambda msg: print(msg, flush=True))
    except InsightError as exc:
        print(f"无法计算：{exc}", file=sys.stderr)
        return 1
    failed = [j for j in jobs if j.status != "done"]
    for j in failed:
        print(f"{j.grade}：{j.error.splitlines()[0] if j.error else '失败'}", file=sys.stderr)
    print(f"诊断计算完成：{len(jobs) - len(failed)}/{len(jobs)} 个年级，用时 {time.perf_counter() - started:.1f} 秒。")
    return 1 if failed else 0


def _school_guard() -> int:
    """Commands declaring `needs_school=True` stop here with one Chinese line when the school is not set up."""
    _setup_django()
    from yincai.setup.services import school_guard

    message = school_guard()
    if message:
        print(message, file=sys.stderr)
        return 2
    return 0


#: Apps that add subcommands (each module has `add_parser(sub)`).
COMMAND_MODULES = (
    "yincai.imports.cli",
    "yincai.assessment.cli",
    "yincai.setup.cli",
    "yincai.backup.cli",
    "yincai.retention.cli",
    "yincai.accounts.cli",
    "yincai.rollover.cli",
    "yincai.family.cli",
    "yincai.jobs.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand; each declares `needs_school` (True: refused with one Chinese line until `yincai init`)."""
    parser = argparse.ArgumentParser(prog="yincai", description="因材 · 培优辅差数据平台")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="生成演示学校并打印各角色登录账号")
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--small", action="store_true", help="小规模（每年级2个班、每班12-14人），用于测试")
    demo.add_argument("--url", default="http://127.0.0.1:8000/")
    demo.set_defaults(func=cmd_demo, needs_school=False)
    serve = sub.add_parser("serve", help="启动网页服务")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", default="8000")
    serve.add_argument("--server", choices=["gunicorn", "waitress"], default="gunicorn",
                       help="gunicorn（多进程，默认）或 waitress（单进程，作对比）")
    serve.add_argument("--workers", type=int, default=0, help="进程数（默认核数+1，或环境变量 YINCAI_WORKERS）")
    serve.add_argument("--threads", type=int, default=0, help="每进程线程数（默认1，或 YINCAI_THREADS；waitress 默认8）")
    serve.add_argument("--with-worker", action="store_true", help="同时启动后台任务进程（yincai worker），一起停止")
    serve.add_argument("--dev", action="store_true", help="开发模式（Django runserver，自动重载）")
    serve.set_defaults(func=cmd_serve, needs_school=False)
    recompute = sub.add_parser("recompute", help="重新运行诊断计算（知识点掌握、能力、分层建议、预警）")
    recompute.set_defaults(func=cmd_recompute, needs_school=True)
    manage = sub.add_parser("manage", help="Django 管理命令（migrate、createsuperuser……）")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage, needs_school=False)
    for module in COMMAND_MODULES:
        importlib.import_module(module).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "needs_school", False):
        return _school_guard() or int(args.func(args))
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
