"""A recompute job survives its worker: kill the worker mid-job, start another, the job finishes; the class
page's progress panel (the htmx-polled status endpoint) follows it the whole way.

Everything runs in real processes on a temporary SQLite database: the small demo school, a web server
(wsgiref, one process), the job queued as a request would queue it, and `yincai worker` twice.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3]

ENQUEUE = """
import django; django.setup()
from django.contrib.auth import get_user_model
from yincai.insight.services import recompute_start
from yincai.school.selectors import classes_visible_to
user = get_user_model().objects.get(username="t3chinese1")
klass = classes_visible_to(user).order_by("pk").first()
job = recompute_start(term=klass.term, grade=klass.grade, user=user)
print(klass.pk, job.pk)
"""

SERVE = """
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server
from yincai.wsgi import application
class Quiet(WSGIRequestHandler):
    def log_message(self, *args): pass
make_server("127.0.0.1", int(sys.argv[1]), application, handler_class=Quiet).serve_forever()
"""


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, YINCAI_VAR_DIR=str(var_dir), PYTHONPATH=str(SRC), DJANGO_SETTINGS_MODULE="yincai.settings",
               YINCAI_TASKS_IMMEDIATE="0", LOG_LEVEL="ERROR")
    for key in ("DATABASE_URL", "YINCAI_STATIC_MANIFEST"):
        env.pop(key, None)
    return env | extra


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Page:
    """A logged-in browser stand-in (cookies + CSRF) for the head teacher."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def login(self, username: str, password: str) -> None:
        html = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token is not None
        data = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrfmiddlewaretoken": token.group(1)}).encode()
        request = urllib.request.Request(self.base + "/accounts/login/", data=data,
                                         headers={"Referer": self.base + "/accounts/login/"})
        with self.opener.open(request, timeout=30) as response:
            assert "/accounts/login/" not in response.url, "login failed"

    def job(self, class_id: int) -> tuple[str, int | None]:
        """(state, progress%) as the class page's progress panel shows it."""
        html = self.get(f"/insight/classes/{class_id}/recompute/status/")
        if "data-job-done" in html:
            return "done", 100
        if "上次诊断计算失败" in html:
            return "failed", None
        match = re.search(r'aria-valuenow="(\d+)"', html)
        state = "running" if "诊断计算中" in html else "queued" if "诊断排队中" in html else "none"
        return state, int(match.group(1)) if match else None


def _wait(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"超时：{what}")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_killed_worker_leaves_the_job_to_the_next_one_and_the_page_follows(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    py = sys.executable
    subprocess.run([py, "-m", "yincai.cli", "demo", "--small"], env=_env(var_dir), check=True,
                   stdout=subprocess.DEVNULL, timeout=600)
    port = _free_port()
    procs: list[subprocess.Popen[str]] = []
    try:
        procs.append(subprocess.Popen([py, "-c", SERVE, str(port)], env=_env(var_dir)))
        page = Page(f"http://127.0.0.1:{port}")
        _wait(lambda: _up(page), 120, "网页服务启动")
        page.login("t3chinese1", "yincai2026")

        out = subprocess.run([py, "-c", ENQUEUE], env=_env(var_dir), check=True, capture_output=True, text=True,
                             timeout=120).stdout.split()
        class_id = int(out[-2])
        assert page.job(class_id)[0] == "queued"  # no worker yet: the job waits in the database

        slow = {"YINCAI_JOB_STEP_DELAY": "0.4"}
        first = subprocess.Popen([py, "-m", "yincai.cli", "worker", "--interval", "0.2"], env=_env(var_dir, **slow),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(first)
        seen_first = _wait(lambda: (s := page.job(class_id))[0] == "running" and (s[1] or 0) >= 5 and s, 180,
                           "第一个任务进程开始计算")
        first.send_signal(signal.SIGKILL)  # the machine loses the worker in the middle of the job
        first.wait(timeout=30)
        time.sleep(1.0)
        stalled = page.job(class_id)
        assert stalled[0] == "running" and stalled[1] is not None and stalled[1] < 100  # stuck, not finished

        second = subprocess.Popen([py, "-m", "yincai.cli", "worker", "--interval", "0.2"], env=_env(var_dir),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(second)
        states = []

        def finished() -> bool:
            states.append(page.job(class_id))
            return states[-1][0] in ("done", "failed")

        _wait(finished, 300, "第二个任务进程完成计算")
        assert states[-1] == ("done", 100), states[-5:]
        assert seen_first[1] < 100
        second.send_signal(signal.SIGTERM)
        log = second.communicate(timeout=30)[0]
        assert "重新排队 1 个" in log, log
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _up(page: Page) -> bool:
    try:
        page.get("/accounts/login/")
    except OSError:
        return False
    return True
