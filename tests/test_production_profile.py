"""YINCAI_ENV=production: `check --deploy` reports nothing, and an unsafe environment refuses to start."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from yincai.production import production_settings

SRC = Path(__file__).resolve().parents[1] / "src"
GOOD_KEY = secrets.token_urlsafe(64)


def run_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DATABASE_URL",
                                                            "DJANGO_ALLOW_ASYNC_UNSAFE"}}  # set for Playwright
    base.update({"PYTHONPATH": str(SRC), "YINCAI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "yincai.settings"})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "yincai.cli", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=base, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_reports_zero_warnings_in_production(tmp_path: Path) -> None:
    result = run_check(tmp_path, DEBUG="0", YINCAI_ENV="production", SECRET_KEY=GOOD_KEY,
                       ALLOWED_HOSTS="yincai.example.edu.cn")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_without_the_profile_check_deploy_does_warn(tmp_path: Path) -> None:
    # the control: the same command with the development defaults finds the HTTPS problems
    result = run_check(tmp_path, DEBUG="0", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="yincai.example.edu.cn")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # HSTS not set


def test_a_missing_secret_key_is_refused_at_start(tmp_path: Path) -> None:
    result = run_check(tmp_path, DEBUG="0", YINCAI_ENV="production", ALLOWED_HOSTS="yincai.example.edu.cn")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "未设置 SECRET_KEY" in result.stderr


def test_missing_allowed_hosts_are_refused_at_start(tmp_path: Path) -> None:
    result = run_check(tmp_path, DEBUG="0", YINCAI_ENV="production", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "未设置 ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    ("env", "debug", "message"),
    [
        ({"SECRET_KEY": "yincai-insecure-development-key-change-me" + "x" * 20, "ALLOWED_HOSTS": "a.cn"}, False,
         "开发用的默认密钥"),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "a.cn"}, False, "太短"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "*"}, False, "不能为 *"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.cn"}, True, "DEBUG"),
    ],
)
def test_unsafe_values_are_refused(env: dict[str, str], debug: bool, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        production_settings(env, debug=debug)


def test_the_profile_trusts_the_proxy_and_secures_cookies() -> None:
    settings = production_settings({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "yincai.example.edu.cn"}, debug=False)
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"] and settings["SECURE_SSL_REDIRECT"]
    assert settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://yincai.example.edu.cn"]
