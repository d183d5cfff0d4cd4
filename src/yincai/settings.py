"""Django settings for yincai. Everything that differs between machines comes from the environment."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("YINCAI_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("YINCAI_REQUIRE_SECRET"):
        raise RuntimeError("请设置环境变量 SECRET_KEY")
    SECRET_KEY = "yincai-insecure-development-key-change-me"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "yincai.accounts",
    "yincai.school",
    "yincai.curriculum",
    "yincai.assessment",
    "yincai.oversight",
    "yincai.demo",
    "yincai.support",
    "yincai.web",
    "yincai.imports",
    "yincai.insight",
    "yincai.evaluation",
    "yincai.leadership",
    "yincai.itembank",
    "yincai.homework",
    "yincai.practice",
    "yincai.setup",
    "axes",
    "yincai.security",
    "yincai.retention",
    "yincai.homeschool",
    "yincai.family",
    "yincai.apitokens",
    "csp",
    "yincai.rollover",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yincai.requestcache.RequestCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yincai.oversight.middleware.AuditContextMiddleware",
    "yincai.accounts.middleware.PasswordChangeRequiredMiddleware",
    "yincai.setup.middleware.FirstRunMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked login into the lockout page
]

ROOT_URLCONF = "yincai.urls"
WSGI_APPLICATION = "yincai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yincai.accounts.context_processors.navigation",
                "yincai.family.context_processors.family_header",
            ],
        },
    },
]

(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
_default_sqlite = f"sqlite:///{VAR_DIR / 'yincai.sqlite3'}"
# PostgreSQL: persistent connections (one per server thread), checked before reuse.
DATABASES = {"default": dj_database_url.parse(
    os.environ.get("DATABASE_URL", _default_sqlite),
    conn_max_age=int(os.environ.get("YINCAI_CONN_MAX_AGE", "600")), conn_health_checks=True,
)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters and prepared statements: a query the connection has run twice is no longer parsed
    # and planned again (PostgreSQL's CPU per page fell from ~4.0 to ~2.4 ms). Behind a connection pooler in
    # transaction mode that cannot keep prepared statements, set YINCAI_PG_PREPARE=0.
    _prepare = int(os.environ.get("YINCAI_PG_PREPARE", "2"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=_prepare if _prepare > 0 else None)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (the web pages) run while a recompute or import writes; NORMAL sync is safe with WAL;
    # the busy timeout makes a writer wait instead of failing; the cache/mmap sizes keep hot pages in memory.
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if os.environ.get("YINCAI_SQLITE_NO_PERSIST") else 600
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
                        "PRAGMA cache_size=-32000; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    # staff: Django's full rules, min 8; students and parents (school-issued passwords): min 6
    {"NAME": "yincai.security.passwords.RoleAwarePasswordValidator",
     "OPTIONS": {"staff_min_length": 8, "family_min_length": 6}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Uploaded files (message images) live here and are served only through permission-checked views.
MEDIA_ROOT = VAR_DIR / "media"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"  # uploaded files (微课/拓展资源), served only through permission-checked views
MEDIA_URL = "/media/"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600  # unhashed names; hashed ones (below) are cached for ten years
if env_bool("YINCAI_STATIC_MANIFEST", False):
    # set by `yincai serve`, which first collects the hashed, compressed copy into STATIC_ROOT
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "yincai.staticstorage.HashedCompressedStorage"},
    }
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Login protection (django-axes; see yincai/security/__init__.py for the school's reasoning) ---
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "yincai.security.lockout.SchoolLockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("YINCAI_LOGIN_FAILURE_LIMIT", "5"))  # per account
YINCAI_LOGIN_IP_FAILURE_LIMIT = int(os.environ.get("YINCAI_LOGIN_IP_FAILURE_LIMIT", "100"))  # per address
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("YINCAI_LOGIN_COOLOFF_MINUTES", "30"))) or None
AXES_LOCKOUT_CALLABLE = "yincai.security.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "yincai.security.lockout.client_ip"
YINCAI_PROXY_COUNT = int(os.environ.get("YINCAI_PROXY_COUNT", "0"))  # production: 1 (nginx)
AXES_DISABLE_ACCESS_LOG = True  # minimum collection: failures only, no log of every successful login
AXES_RESET_ON_SUCCESS = False  # the handler forgets only the account's own failures

# Background work (django-tasks): a database queue run by `yincai worker`; under pytest tasks run at once.
# "database" is always the queue (the restart test enqueues there); "immediate" runs in-process (CLI imports).
_TASKS_IMMEDIATE = env_bool("YINCAI_TASKS_IMMEDIATE", "pytest" in sys.modules)
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend" if _TASKS_IMMEDIATE
                else "django_tasks_db.DatabaseBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}

# Graduates' family and psychology records are deleted this many days after graduation (yincai.retention)
YINCAI_RETENTION_DAYS = int(os.environ.get("YINCAI_RETENTION_DAYS", "365"))

# Content Security Policy (django-csp): scripts and styles only from our own static files, no inline code.
# Charts read their data from json_script blocks; sizes come from data-* attributes (static/yincai/page.js).
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/v1/docs"],  # django-ninja's Swagger page loads its own inline script
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Production profile: YINCAI_ENV=production (HTTPS behind a reverse proxy; see README "Deployment") ---
YINCAI_ENV = os.environ.get("YINCAI_ENV", "development").strip().lower()
if YINCAI_ENV == "production":
    from yincai.production import production_settings

    globals().update(production_settings(os.environ, debug=DEBUG))
