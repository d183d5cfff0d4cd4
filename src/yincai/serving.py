"""Production serving for `yincai serve`: gunicorn (several processes × threads, keep-alive) on Linux,
static files by WhiteNoise from a hashed, compressed copy with far-future caching, and an optional task
worker started next to the server and stopped with it (`--with-worker`, used by `make demo`).

waitress (one process, threads) stays available with `--server waitress` for comparison and for
platforms without fork.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Any


def default_workers() -> int:
    """Processes: two per core (requests mostly wait on SQLite/Python, a spare process hides the GIL)."""
    return max(2, int(os.environ.get("YINCAI_WORKERS", "0")) or 2 * (os.cpu_count() or 1))


def default_threads() -> int:
    return max(1, int(os.environ.get("YINCAI_THREADS", "4")))


def use_hashed_static() -> None:
    """Serve a hashed, compressed copy of the static files (collected into VAR_DIR/static) with long caching.

    Must run before Django is set up: settings read the environment variable set here.
    """
    os.environ.setdefault("YINCAI_STATIC_MANIFEST", "1")


def collect_static() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


class _Supervisor:
    """Runs `yincai worker` as a child process, restarts it if it dies, stops it when the server stops."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def _spawn(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "yincai.cli", "worker"], env=os.environ.copy())

    def start(self) -> None:
        self._spawn()
        self.thread.start()

    def _watch(self) -> None:
        while not self.stopping:
            assert self.proc is not None
            code = self.proc.wait()
            if self.stopping:
                return
            print(f"后台任务进程已退出（代码 {code}），正在重新启动……", file=sys.stderr, flush=True)
            threading.Event().wait(1.0)
            if not self.stopping:
                self._spawn()

    def stop(self) -> None:
        self.stopping = True
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_gunicorn(*, host: str, port: int, workers: int, threads: int, keepalive: int = 5,
                 quiet: bool = False) -> None:
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from yincai.wsgi import application

    connections.close_all()  # no database connection may cross the fork into the workers

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}", "workers": workers, "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync", "keepalive": keepalive,
                "timeout": 120, "graceful_timeout": 20, "preload_app": True,
                "accesslog": None, "errorlog": "-", "loglevel": "warning" if quiet else "info",
                "proc_name": "yincai", "worker_connections": 1000, "backlog": 2048,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    _App().run()


def serve(*, server: str, host: str, port: int, workers: int, threads: int, with_worker: bool) -> int:
    supervisor = _Supervisor() if with_worker else None
    if supervisor is not None:
        supervisor.start()
    try:
        print(f"因材已启动：http://{host}:{port}/  （{_describe(server, workers, threads, with_worker)}；按 Ctrl+C 停止）",
              flush=True)
        if server == "waitress" or sys.platform == "win32":
            from waitress import serve as waitress_serve

            from yincai.wsgi import application

            waitress_serve(application, host=host, port=port, threads=threads, ident="yincai")
        else:
            run_gunicorn(host=host, port=port, workers=workers, threads=threads)
    except KeyboardInterrupt:
        pass
    finally:
        if supervisor is not None:
            supervisor.stop()
    return 0


def _describe(server: str, workers: int, threads: int, with_worker: bool) -> str:
    text = f"waitress 单进程 {threads} 线程" if server == "waitress" else f"gunicorn {workers} 进程 × {threads} 线程"
    return text + ("，含后台任务进程" if with_worker else "")
