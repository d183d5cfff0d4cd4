"""`yincai worker`: runs the background jobs (diagnosis recompute after imports, reports, notifications)."""

from __future__ import annotations

import argparse


def cmd_worker(args: argparse.Namespace) -> int:
    from yincai.cli import _setup_django

    _setup_django()
    from django.core.management import call_command

    from yincai.jobs.worker import run_worker

    call_command("migrate", interactive=False, verbosity=0)
    print("后台任务进程已启动（按 Ctrl+C 停止）", flush=True)
    run_worker(interval=args.interval, batch=args.batch, backend=args.backend)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    worker = sub.add_parser("worker", help="启动后台任务进程（导入后的诊断计算等）")
    worker.add_argument("--interval", type=float, default=1.0, help="空闲时查询新任务的间隔（秒）")
    worker.add_argument("--batch", action="store_true", help="处理完已排队的任务后退出")
    worker.add_argument("--backend", default="default", help=argparse.SUPPRESS)
    worker.set_defaults(func=cmd_worker, needs_school=False)
