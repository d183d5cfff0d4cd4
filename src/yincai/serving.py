"""Production serving for `yincai serve`: gunicorn (several processes × threads, keep-alive) on Linux,
static files by WhiteNoise from a hashed, compressed copy with far-future caching, and an optional task
worker started next to the server and stopped with it (`--with-worker`, used by `make demo`).

waitress (one process, threads) stays available with `--server waitress` for comparison and for
platforms without fork.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
from typing import Any


def default_workers() -> int:
    """Processes: one per core and a spare (pages are CPU-bound Python; SQLite answers in microseconds)."""
    return max(2, int(os.environ.get("YINCAI_WORKERS", "0")) or (os.cpu_count() or 1) + 1)


def default_threads() -> int:
    """One thread per process (gunicorn's sync worker): requests wait their turn in the listen queue instead
    of sharing the cores among many threads, which on this machine cut p95 at 50 users from ~350 to ~210 ms
    at the same throughput (bench/load_server.py). Behind nginx (see Deployment) slow clients are buffered."""
    return max(1, int(os.environ.get("YINCAI_THREADS", "1")))


def use_hashed_static() -> None:
    """Serve a hashed, compressed copy of the static files (collected into VAR_DIR/static) with long caching.

    Must run before Django is set up: settings read the environment variable set here.
    """
    os.environ.setdefault("YINCAI_STATIC_MANIFEST", "1")


def collect_static() -> bool:
    """Collect (hash + compress) the static files into STATIC_ROOT, unless nothing changed since the last
    time (compressing the chart library takes a while). Returns whether it ran."""
    import hashlib

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda x: x[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = settings.STATIC_ROOT / ".collected"
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(digest.hexdigest())
    return True


def supervise(server_argv: list[str]) -> int:
    """`yincai serve --with-worker`: run the server and `yincai worker` as two child processes; restart the
    worker if it dies; on Ctrl+C / SIGTERM (or when the server ends) stop both and return.

    The children are separate processes (not a thread next to gunicorn), so nothing forked by gunicorn
    inherits the supervision.
    """
    import time

    cmd = [sys.executable, "-m", "yincai.cli"]
    stopping = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stopping.set()

    old = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = subprocess.Popen([*cmd, "serve", *server_argv])
    worker = subprocess.Popen([*cmd, "worker"])
    code = 0
    try:
        while not stopping.is_set():
            if server.poll() is not None:
                code = server.returncode or 0
                break
            if worker.poll() is not None:
                print(f"后台任务进程已退出（代码 {worker.returncode}），正在重新启动……", file=sys.stderr, flush=True)
                time.sleep(1.0)
                worker = subprocess.Popen([*cmd, "worker"])
            stopping.wait(0.5)
    finally:
        for proc in (server, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (server, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for sig, handler in old.items():
            signal.signal(sig, handler)
    print("因材已停止（网页服务和后台任务进程）。", flush=True)
    return code


GC_THRESHOLD = 50_000  # young-generation allocations between collections in the server processes


def run_gunicorn(*, host: str, port: int, workers: int, threads: int, keepalive: int = 5,
                 quiet: bool = False) -> None:
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from yincai.wsgi import application

    connections.close_all()  # no database connection may cross the fork into the workers
    # The preloaded app's objects are moved out of the collector's reach (shared copy-on-write with the
    # workers, never scanned again), and young-generation collections run less often: a request allocates
    # thousands of short-lived objects, and the default threshold (700) collects several times per request.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 100)

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}", "workers": workers, "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync", "keepalive": keepalive,
                "timeout": 120, "graceful_timeout": 20, "preload_app": True,
                "accesslog": None, "errorlog": "-", "loglevel": "warning" if quiet else "info",
                "proc_name": "yincai", "worker_connections": 1000, "backlog": 2048, "control_socket_disable": True,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    _App().run()


def serve(*, server: str, host: str, port: int, workers: int, threads: int) -> int:
    print(f"因材已启动：http://{host}:{port}/  （{_describe(server, workers, threads)}；按 Ctrl+C 停止）", flush=True)
    try:
        if server == "waitress" or sys.platform == "win32":
            from waitress import serve as waitress_serve

            from yincai.wsgi import application

            waitress_serve(application, host=host, port=port, threads=threads, ident="yincai")
        else:
            run_gunicorn(host=host, port=port, workers=workers, threads=threads)
    except KeyboardInterrupt:
        pass
    return 0


def _describe(server: str, workers: int, threads: int) -> str:
    return f"waitress 单进程 {threads} 线程" if server == "waitress" else f"gunicorn {workers} 进程 × {threads} 线程"
