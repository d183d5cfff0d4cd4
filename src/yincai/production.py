"""Settings of the production profile (``YINCAI_ENV=production``), checked before Django starts.

The profile assumes the usual school set-up: yincai (waitress) listens on 127.0.0.1 behind a reverse
proxy (nginx) that terminates HTTPS and sets ``X-Forwarded-Proto``. It refuses to start with the
development secret key or without an explicit ``ALLOWED_HOSTS``, so a forgotten variable is an error
at start-up instead of an insecure server. ``manage.py check --deploy`` reports no warnings with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

#: keys Django itself calls insecure (``security.W009``) or that we ship for development
INSECURE_KEY_PREFIXES = ("django-insecure-", "yincai-insecure-")
MIN_SECRET_KEY_LENGTH = 50  # Django's own threshold for security.W009
ONE_YEAR = 365 * 24 * 60 * 60


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _refuse(zh: str, en: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"生产环境配置错误：{zh}\nProduction configuration error: {en}")


def check_secret_key(key: str) -> None:
    if not key.strip():
        raise _refuse("未设置 SECRET_KEY。请设置一个至少 50 个字符的随机密钥，例如用 "
                      "`python -c \"import secrets; print(secrets.token_urlsafe(64))\"` 生成。",
                      "SECRET_KEY is not set; set a random key of at least 50 characters.")
    if key.startswith(INSECURE_KEY_PREFIXES):
        raise _refuse("SECRET_KEY 是开发用的默认密钥，不能用于生产环境。",
                      "SECRET_KEY is a development key; generate a new random one.")
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        raise _refuse(f"SECRET_KEY 太短或太简单（至少 {MIN_SECRET_KEY_LENGTH} 个字符、5 种以上不同字符）。",
                      f"SECRET_KEY must have at least {MIN_SECRET_KEY_LENGTH} characters and 5 distinct ones.")


def parse_allowed_hosts(raw: str | None) -> list[str]:
    hosts = [h.strip() for h in (raw or "").split(",") if h.strip()]
    if not hosts:
        raise _refuse("未设置 ALLOWED_HOSTS。请填写学校访问本系统用的域名，多个用逗号分隔，例如 "
                      "ALLOWED_HOSTS=yincai.example.edu.cn。",
                      "ALLOWED_HOSTS is not set; list the host names users type, comma-separated.")
    if "*" in hosts:
        raise _refuse("ALLOWED_HOSTS 不能为 *，请列出具体域名。", "ALLOWED_HOSTS must not be '*'; list the host names.")
    return hosts


def production_settings(env: Mapping[str, str], *, debug: bool) -> dict[str, Any]:
    """Return the settings that override the development defaults; raise if the environment is unsafe."""
    if debug:
        raise _refuse("生产环境不能开启 DEBUG（请设置 DEBUG=0）。", "DEBUG must be off in production (DEBUG=0).")
    key = env.get("SECRET_KEY", "")
    check_secret_key(key)
    hosts = parse_allowed_hosts(env.get("ALLOWED_HOSTS"))
    trusted = [o.strip() for o in env.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
    return {
        "SECRET_KEY": key,
        "ALLOWED_HOSTS": hosts,
        "CSRF_TRUSTED_ORIGINS": trusted or [f"https://{h.lstrip('.')}" for h in hosts],
        # HTTPS is terminated by the reverse proxy, which must set (and overwrite) X-Forwarded-Proto.
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": _flag(env, "YINCAI_SSL_REDIRECT", True),
        # the proxy's health probe talks plain HTTP to 127.0.0.1
        "SECURE_REDIRECT_EXEMPT": [r"^healthz$"],
        "SECURE_HSTS_SECONDS": int(env.get("YINCAI_HSTS_SECONDS", ONE_YEAR)),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": _flag(env, "YINCAI_HSTS_INCLUDE_SUBDOMAINS", True),
        "SECURE_HSTS_PRELOAD": _flag(env, "YINCAI_HSTS_PRELOAD", True),
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "WHITENOISE_AUTOREFRESH": False,
        # login lockout per IP address: read the client's address from the proxy's X-Forwarded-For
        "YINCAI_PROXY_COUNT": int(env.get("YINCAI_PROXY_COUNT", "1")),
    }
