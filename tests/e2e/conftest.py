"""End-to-end fixtures: the real server (`yincai serve`) on a fresh SQLite file holding the small demo
school, and real Debian chromium driven by Playwright. Nothing is mocked."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("YINCAI_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "yincai2026"
ARTIFACTS = ROOT / "test-artifacts"
# The server's "today" for homework/错题本 (yincai.homework.clock): tests move time with set_fake_today().
FAKE_TODAY_FILE = Path(tempfile.gettempdir()) / f"yincai-e2e-today-{os.getpid()}"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _yincai(*args: str) -> list[str]:
    return [sys.executable, "-m", "yincai.cli", *args]


def server_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `yincai` subprocess on its own SQLite file in `var_dir`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"YINCAI_VAR_DIR": str(var_dir), "PYTHONPATH": str(ROOT / "src"), "DEBUG": "0", **extra})
    return env


@contextmanager
def running_server(var_dir: Path, env: dict[str, str]) -> Iterator[str]:
    """`yincai serve --with-worker` on a free port until the block ends; yields its base URL."""
    port = _free_port()
    log = open(var_dir / "server.log", "w")
    proc = subprocess.Popen(_yincai("serve", "--port", str(port), "--with-worker"), env=env, cwd=ROOT, stdout=log,
                            stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # the first start also hashes and compresses the static files
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((var_dir / "server.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a live yincai server over the small demo school (built once per session)."""
    var_dir = tmp_path_factory.mktemp("e2e-var")
    env = server_env(var_dir, YINCAI_TEST_CLOCK="1", YINCAI_FAKE_TODAY_FILE=str(FAKE_TODAY_FILE))
    build = subprocess.run(_yincai("demo", "--small"), env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    try:
        with running_server(var_dir, env) as base:
            yield base
    finally:
        FAKE_TODAY_FILE.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


#: every page reports Content Security Policy violations to the console, where the fixture collects them
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + (e.sourceFile || document.location.href) + ":" + e.lineNumber);
});
"""


def watch_csp(context: object) -> list[str]:
    """Collect CSP violations of every page of `context` (the browser's own message and our reporter's)."""
    violations: list[str] = []

    def on_console(msg: object) -> None:
        text = msg.text  # type: ignore[attr-defined]
        if "CSP violation" in text or "Content Security Policy" in text:
            violations.append(text)

    context.add_init_script(CSP_REPORTER)  # type: ignore[attr-defined]
    context.on("console", on_console)  # type: ignore[attr-defined]
    return violations


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh page; the test fails if any page it opened violated the Content Security Policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    violations = watch_csp(context)
    pg = context.new_page()
    pg.csp_violations = violations  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert not violations, "Content Security Policy violations:\n" + "\n".join(dict.fromkeys(violations))


def login(page: object, server: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real login form and wait for the home page."""
    page.goto(server + "/accounts/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(server + "/")  # type: ignore[attr-defined]


def set_fake_today(day: datetime.date | None) -> None:
    """Move the live server's "today" (homework and 错题本 only); None = the real date again."""
    if day is None:
        FAKE_TODAY_FILE.unlink(missing_ok=True)
    else:
        FAKE_TODAY_FILE.write_text(day.isoformat())


def screenshot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
