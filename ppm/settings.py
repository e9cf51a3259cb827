"""Pilotis settings: one module, driven by environment variables (12-factor).

Every variable is documented in README.md ("Configuration"). Outside DEBUG, a missing
DJANGO_SECRET_KEY or DJANGO_ALLOWED_HOSTS stops start-up instead of running insecurely.
"""

import os
import re
import sys
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    import os

    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# Under pytest, test-friendly defaults (in-memory cache, plain static storage, no HTTPS redirect).
TESTING = env_bool("PILOTIS_TESTING", "pytest" in sys.modules)
VAR_DIR = Path(env("PILOTIS_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, "
            "or set DJANGO_DEBUG=1 for local development."
        )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if DEBUG or TESTING:
        ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
    else:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is not set. Set it to the comma-separated host names "
            "Pilotis is served under, e.g. DJANGO_ALLOWED_HOSTS=pilotis.example.org."
        )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "ppm",
    "portfolio",
    "resources",
    "budgets",
    "governance",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "django_celery_results",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but for security: sees every error response under /api/ (see ppm.errors).
    "ppm.errors.ApiErrorsAsJsonMiddleware",
    "ppm.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ppm.middleware.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ppm.throttle.LoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ppm.error_middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "ppm.urls"
WSGI_APPLICATION = "ppm.wsgi.application"
AUTH_USER_MODEL = "ppm.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ppm.context_processors.pilotis",
            ],
            # After Django's own: its json_script filter, with faster escaping (same output).
            "builtins": ["ppm.templatetags.fast_json"],
        },
    }
]

# Database: SQLite under var/ by default, PostgreSQL in production via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pilotis.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0") or 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions + a busy timeout let concurrent requests and the Celery worker share
    # the file: writers queue for the lock instead of failing (tests/test_concurrent_writes.py).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Seconds a writer waits for the lock (SQLite's busy timeout) instead of failing at once.
            "timeout": 20,
            # BEGIN IMMEDIATE: every transaction takes the write lock when it starts, so two requests
            # never both read and then fail to upgrade to writing ("database is locked" at once).
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    if TESTING:
        # The test database is a file (pytest-django's SQLite default is in memory) so that a real
        # Celery worker process can open it (tests/test_worker.py); one per test run, so parallel
        # runs never share it. pytest-django deletes it at the end of the run.
        DATABASES["default"]["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"pilotis-test-{os.getpid()}.sqlite3")
        }

CACHE_URL = env("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "ppm.cache.RedisCache",
            "LOCATION": CACHE_URL,
            # Keys carry the database's name: two instances sharing one Redis database (a staging beside
            # production, the benchmark beside a development server) never read each other's cached
            # facts (filter options listing another database's projects, alert counts, throttles).
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "")
            or re.sub(r"[^\w.-]", "_", str(DATABASES["default"]["NAME"]))[-60:],
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Shared by every process on the host (login throttling must see all attempts).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portfolio:dashboard"
LOGOUT_REDIRECT_URL = "login"
LOGIN_THROTTLE_ATTEMPTS = int(env("LOGIN_THROTTLE_ATTEMPTS", "5") or 5)
LOGIN_THROTTLE_WINDOW_SECONDS = int(env("LOGIN_THROTTLE_WINDOW_SECONDS", "900") or 900)
# Every authenticate() call (the sign-in page, /admin/login/, basic auth) goes through one throttle.
AUTHENTICATION_BACKENDS = ["ppm.throttle.ThrottledModelBackend"]
# Password reset mails: per e-mail address and per client address, in a window.
PASSWORD_RESET_THROTTLE_ATTEMPTS = int(env("PASSWORD_RESET_THROTTLE_ATTEMPTS", "3") or 3)
PASSWORD_RESET_THROTTLE_IP_ATTEMPTS = int(env("PASSWORD_RESET_THROTTLE_IP_ATTEMPTS", "10") or 10)
PASSWORD_RESET_THROTTLE_WINDOW_SECONDS = int(env("PASSWORD_RESET_THROTTLE_WINDOW_SECONDS", "3600") or 3600)
# X-Forwarded-For is trusted only behind these reverse proxies (addresses or networks, comma-separated),
# or, with a count, behind that many proxies that each append the address they saw. Default: not at all.
PILOTIS_TRUSTED_PROXIES = env_list("PILOTIS_TRUSTED_PROXIES")
PILOTIS_TRUSTED_PROXY_COUNT = int(env("PILOTIS_TRUSTED_PROXY_COUNT", "0") or 0)

# Sessions: inactivity timeout. The expiry slides with activity, pushed back at most every
# SESSION_REFRESH_SECONDS (ppm.middleware.SlidingSessionMiddleware) rather than written on every request.
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_TIMEOUT_SECONDS", str(2 * 3600)) or 7200)
SESSION_REFRESH_SECONDS = min(300, max(SESSION_COOKIE_AGE // 10, 1))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "ppm.errors.csrf_failure"  # JSON under /api/

# Internationalisation: English and French, Paris time.
LANGUAGE_CODE = env("DJANGO_LANGUAGE_CODE", "en") or "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# plotly.js is served from the plotly package itself (no CDN): {% static "vendor/plotly/plotly.min.js" %}.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/plotly", str(Path(__import__("plotly").__file__).parent / "package_data")),
]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))

# Generated files go through Django's storage API: local disk by default, an S3-compatible
# store (django-storages, `pip install .[s3]`) when web and workers run on different hosts.
STORAGE_BACKEND = env("STORAGE_BACKEND", "filesystem")
if STORAGE_BACKEND == "s3":
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            "region_name": env("AWS_S3_REGION_NAME"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": True,
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STATIC_STORAGE = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG or TESTING
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
STORAGES = {"default": default_storage, "staticfiles": {"BACKEND": STATIC_STORAGE}}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: printed on the console by default (password reset links appear in the server log).
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "pilotis@localhost")

# Security headers. The CSP forbids inline scripts; styles may be inline (Plotly sets them).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    if env_bool("DJANGO_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = ["security.W021"] if not env_bool("DJANGO_HSTS_PRELOAD", False) else []

# REST API
# Filter forms (django-filter) offer "Any" as their empty choice, not Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("Any")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ppm.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Safe defaults for every view (ppm/api/defaults.py): JSON bodies only, bounded search, throttles.
    "DEFAULT_PARSER_CLASSES": ["ppm.api.defaults.JSONBodyParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "ppm.api.defaults.SafeSearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["ppm.api.defaults.AnonThrottle", "ppm.api.defaults.UserThrottle"],
    "DEFAULT_PAGINATION_CLASS": "ppm.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ppm.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("PILOTIS_API_ANON_RATE", "60/min"),
        "user": env("PILOTIS_API_USER_RATE", "1200/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pilotis API",
    "DESCRIPTION": "Project portfolio management for public project offices.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets sharing a field name ("kind") get a name of their own instead of a hash.
    "ENUM_NAME_OVERRIDES": {
        "ResourceKindEnum": "resources.models.ResourceKind",
        "AbsenceKindEnum": "resources.models.AbsenceKind",
        "PriceKindEnum": "budgets.models.PriceKind",
        "FundingKindEnum": "budgets.models.FundingKind",
        "ExecutionKindEnum": "budgets.models.ExecutionKind",
        "ItemKindEnum": "governance.models.ItemKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ppm.api.schema.translate_tags",
    ],
    # Deep links put a link inside each operation's toggle button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
}

# Celery: the filesystem broker under var/ by default (no server needed), Redis in production.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", str(VAR_DIR / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Above the longest task's hard time limit, so a running task is never redelivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    # Several installations (or test runs) may share one Redis database: each keeps its keys apart.
    if env("CELERY_BROKER_KEY_PREFIX", ""):
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env("CELERY_BROKER_KEY_PREFIX")
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The one set of time limits: every task reads them (ppm.reports.RELIABLE_TASK_OPTIONS), and a job
# RUNNING past the hard limit is declared stalled (its worker died).
CELERY_TASK_SOFT_TIME_LIMIT = int(env("CELERY_TASK_SOFT_TIME_LIMIT", "120"))
CELERY_TASK_TIME_LIMIT = int(env("CELERY_TASK_TIME_LIMIT", "180"))
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs each step and each page of every PDF at INFO (a 70-page pack: ~90 lines).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Per-person header facts (alert count, menu entries) cached between pages (ppm.usercache); off under tests.
PILOTIS_USER_CACHE = env_bool("PILOTIS_USER_CACHE", not TESTING)
# Django's form renderer, with select boxes written in Python (the same HTML, a fraction of the time).
FORM_RENDERER = "ppm.form_renderer.FastSelectRenderer"

PILOTIS_DEMO = env_bool("PILOTIS_DEMO", DEBUG)
# The address people reach Pilotis at, for the links of e-mails (digests, reminders, report packs):
# by default the first allowed host over HTTPS in production, the local server otherwise.
_FIRST_HOST = ALLOWED_HOSTS[0].lstrip(".") if ALLOWED_HOSTS else ""
_PUBLIC_HOST = "" if _FIRST_HOST in ("", "*", "testserver") else _FIRST_HOST
PILOTIS_SITE_URL = (
    env("PILOTIS_SITE_URL")
    or (
        f"https://{_PUBLIC_HOST}" if _PUBLIC_HOST and not DEBUG else f"http://127.0.0.1:{env('PORT', '8000')}"
    )
).rstrip("/")
# Report jobs (and their files) older than this are deleted by the nightly retention task.
PILOTIS_REPORT_RETENTION_DAYS = int(env("PILOTIS_REPORT_RETENTION_DAYS", "30"))
# Largest file accepted by an import (bytes).
PILOTIS_IMPORT_MAX_BYTES = int(env("PILOTIS_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
# Timesheets: typed and shown in "days" (half-day steps, PILOTIS_TIMESHEET_STEP) or "hours";
# stored in days either way (PILOTIS_HOURS_PER_DAY converts).
PILOTIS_TIMESHEET_UNIT = env("PILOTIS_TIMESHEET_UNIT", "days")
PILOTIS_TIMESHEET_STEP = env("PILOTIS_TIMESHEET_STEP", "0.5")
PILOTIS_HOURS_PER_DAY = env("PILOTIS_HOURS_PER_DAY", "7")
# Capacity plan: months ahead by default, and the share of capacity above which a cell is overloaded.
PILOTIS_CAPACITY_MONTHS = int(env("PILOTIS_CAPACITY_MONTHS", "36"))
PILOTIS_CAPACITY_OVERLOAD = float(env("PILOTIS_CAPACITY_OVERLOAD", "1.0"))
PILOTIS_CAPACITY_UNDERLOAD = float(env("PILOTIS_CAPACITY_UNDERLOAD", "0.7"))
PILOTIS_CAPACITY_DEBOUNCE_SECONDS = int(env("PILOTIS_CAPACITY_DEBOUNCE_SECONDS", "30"))
PILOTIS_TIMESHEET_REMINDER_WEEKS = int(env("PILOTIS_TIMESHEET_REMINDER_WEEKS", "4"))
# Daily rates of generic demand in workload costing, by family: "moe=550,moa=450,amoa=650".
_DAILY_RATES = env("PILOTIS_DEFAULT_DAILY_RATES", "moe=550,moa=450,amoa=650")
PILOTIS_DEFAULT_DAILY_RATES = {
    family.strip().lower(): rate.strip()
    for family, _sep, rate in (item.partition("=") for item in _DAILY_RATES.split(","))
    if family.strip() and rate.strip()
}
