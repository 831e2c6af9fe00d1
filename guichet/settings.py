"""Guichet settings: one module, every knob from an environment variable.

The defaults give the embedded run (SQLite, a database task queue, local files,
console SMS and e-mail). `GUICHET_DEPLOYMENT=production` turns on everything a
public deployment needs and refuses to start without a real secret key.
See docs/operator-guide.md for every variable.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GUICHET_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


DEPLOYMENT = os.environ.get("GUICHET_DEPLOYMENT", "embedded")
if DEPLOYMENT not in {"embedded", "production"}:
    raise ImproperlyConfigured("GUICHET_DEPLOYMENT must be 'embedded' or 'production'.")
PRODUCTION = DEPLOYMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    SECRET_KEY = "embedded-insecure-key-for-local-demo-only-0123456789abcdefghijklmnop"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "guichet.core.admin_site.GuichetAdminConfig",  # django.contrib.admin behind the staff TOTP step
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "guichet.core",
    "guichet.audit",
    "guichet.accounts",
    "guichet.catalog",
    "guichet.dossiers",
    "guichet.notifications",
    "guichet.payments",
    "guichet.portal",
    "guichet.backoffice",
    "guichet.denunciations",
    "guichet.demo",  # demo accounts and pages: inert unless GUICHET_DEMO (below)
    "guichet.permits",
    "rest_framework",  # the partner verification API only (guichet.verifier)
    "drf_spectacular",
    "guichet.verifier",
]

MIDDLEWARE = [
    # First: denunciation pages lose the address and browser string before anything reads them.
    "guichet.denunciations.privacy.DenunciationPrivacyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "guichet.core.middleware.StaticFilesMiddleware",  # WhiteNoise, collected files first
    "guichet.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "guichet.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "guichet.core.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "guichet.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "guichet.urls"
WSGI_APPLICATION = "guichet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "guichet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guichet.core.context_processors.site",
            ],
        },
    }
]

# Database: DATABASE_URL, or the embedded SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'guichet.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        # A connection kept between requests is checked before reuse, so a database
        # restart costs one reconnection instead of errors on every stale connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL let the web process and the worker write side by side.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: French first, English complete.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "guichet" / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Africa/Lome")
USE_TZ = True

# Static files are served by WhiteNoise; media (uploads) never publicly: only through
# permission-checked views. `collectstatic` writes gzip copies beside each file, which
# WhiteNoise sends to browsers that accept them. Production: content-hashed names (cached
# for a year) from STATIC_ROOT only. Embedded: `make run` collects into var/static and those
# files (and their gzip copies) are served first; the app folders fill in anything not
# collected, so tests and a bare runserver need no collectstatic (decision 0016).
STATIC_URL = "/static/"
STATIC_ROOT = Path(
    os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles" if PRODUCTION else VAR_DIR / "static")
)
# The site-wide stylesheet and script belong to no single app.
STATICFILES_DIRS = [BASE_DIR / "guichet" / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Embedded runs serve static files through the finders; STATIC_ROOT exists only after collectstatic.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
STORAGES = {
    "default": {"BACKEND": os.environ.get("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Cache (rate limits): local memory by default, Redis at scale (CACHE_URL=redis://...).
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "guichet.core.cache.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith("redis")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "guichet"}
    )
}

# Background work through the Django tasks API.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
SCHEDULER_TICK_SECONDS = env_int("SCHEDULER_TICK_SECONDS", 15)
# A task still marked running after this long was left by a worker that died: requeued.
TASK_STALE_SECONDS = env_int("GUICHET_TASK_STALE_MINUTES", 15) * 60

# Sessions and security.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
# Signed out after this long without a request (IdleTimeoutMiddleware), staff sooner.
STAFF_IDLE_SECONDS = env_int("GUICHET_STAFF_IDLE_MINUTES", 30) * 60
CITIZEN_IDLE_SECONDS = env_int("GUICHET_CITIZEN_IDLE_MINUTES", 60) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host-: the browser keeps these cookies only if sent over HTTPS, for the whole site
    # and this exact host (no Domain): a sibling subdomain cannot plant or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Mail: console by default (the message is also kept in the outbox table).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Guichet MSPC <no-reply@guichet.example>")

# Guichet's own knobs.
GUICHET: dict[str, Any] = {
    "SITE_NAME": os.environ.get("GUICHET_SITE_NAME", "Guichet"),
    "STAFF_IDLE_SECONDS": STAFF_IDLE_SECONDS,
    "TASK_STALE_SECONDS": TASK_STALE_SECONDS,
    "CITIZEN_IDLE_SECONDS": CITIZEN_IDLE_SECONDS,
    # Where the Django admin sends people to sign in (password, then TOTP): a URL name.
    "STAFF_SIGN_IN_URL_NAME": "backoffice:sign_in",
    # Public address used in SMS and e-mails (links to a dossier).
    "BASE_URL": os.environ.get("GUICHET_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
    "ADMINISTRATION_CODE": os.environ.get("GUICHET_ADMINISTRATION", "mspc"),
    "DEFAULT_PHONE_REGION": os.environ.get("GUICHET_PHONE_REGION", "TG"),
    "SMS_CHANNEL": os.environ.get("GUICHET_SMS_CHANNEL", "console"),
    "EMAIL_CHANNEL": os.environ.get("GUICHET_EMAIL_CHANNEL", "django"),
    # Outbox bodies holding one-time codes are redacted once sent, except in the
    # embedded demo where the staff outbox page is how a demo reads the codes.
    "KEEP_SENSITIVE_MESSAGES": env_bool("GUICHET_KEEP_SENSITIVE_MESSAGES", default=not PRODUCTION),
    "NOTIFICATION_MAX_ATTEMPTS": env_int("GUICHET_NOTIFICATION_MAX_ATTEMPTS", 6),
    "OTP_LENGTH": 6,
    "OTP_TTL_SECONDS": env_int("GUICHET_OTP_TTL_SECONDS", 600),
    "OTP_MAX_ATTEMPTS": env_int("GUICHET_OTP_MAX_ATTEMPTS", 5),
    "OTP_MAX_PER_TARGET_PER_HOUR": env_int("GUICHET_OTP_MAX_PER_TARGET_PER_HOUR", 5),
    "OTP_MAX_PER_IP_PER_HOUR": env_int("GUICHET_OTP_MAX_PER_IP_PER_HOUR", 30),
    # Failed staff passwords tolerated per username and per address in 15 minutes.
    "STAFF_SIGN_IN_MAX_FAILURES": env_int("GUICHET_STAFF_SIGN_IN_MAX_FAILURES", 5),
    "STAFF_SIGN_IN_MAX_FAILURES_PER_IP": env_int("GUICHET_STAFF_SIGN_IN_MAX_FAILURES_PER_IP", 30),
    # Wrong receipt codes tolerated per reference and per address in an hour.
    "RECEIPT_MAX_ATTEMPTS": env_int("GUICHET_RECEIPT_MAX_ATTEMPTS", 10),
    # Reverse proxies in front of the web processes whose X-Forwarded-For is trusted.
    "TRUSTED_PROXIES": env_int("GUICHET_TRUSTED_PROXIES", 0),
    "OTP_RESEND_SECONDS": env_int("GUICHET_OTP_RESEND_SECONDS", 30),
    "DOSSIER_ACCESS_HOURS": env_int("GUICHET_DOSSIER_ACCESS_HOURS", 2),
    "TOTP_ISSUER": os.environ.get("GUICHET_TOTP_ISSUER", "Guichet MSPC"),
    "CATALOG_DIR": Path(os.environ.get("GUICHET_CATALOG_DIR", BASE_DIR / "guichet" / "catalog" / "services")),
    # Togo's public holidays come from the `holidays` package (guichet/core/workdays.py); these
    # add days (YYYY-MM-DD, comma separated) and remove days (a holiday moved by decree).
    "PUBLIC_HOLIDAYS": env_list("GUICHET_PUBLIC_HOLIDAYS", ""),
    "PUBLIC_HOLIDAYS_REMOVED": env_list("GUICHET_PUBLIC_HOLIDAYS_REMOVED", ""),
    # The authorization procedures (numbers the ministry has not published; see the operator guide).
    "CRIMINAL_RECORD_MAX_AGE_MONTHS": env_int("GUICHET_CRIMINAL_RECORD_MAX_AGE_MONTHS", 3),
    "EVENT_LEAD_DAYS": env_int("GUICHET_EVENT_LEAD_DAYS", 7),
    "EVENT_MAX_DAYS": env_int("GUICHET_EVENT_MAX_DAYS", 7),
    "EVENT_SECURITY_PHONE": os.environ.get("GUICHET_EVENT_SECURITY_PHONE", "117"),
    "ENTRY_LEAD_DAYS": env_int("GUICHET_ENTRY_LEAD_DAYS", 7),
    "PASSPORT_MIN_VALIDITY_MONTHS": env_int("GUICHET_PASSPORT_MIN_VALIDITY_MONTHS", 6),
    "TINTED_WINDOWS_VALIDITY_DAYS": env_int("GUICHET_TINTED_WINDOWS_VALIDITY_DAYS", 365),
    # Uploads: all files of one dossier together; the virus scan (clamd) is off unless set.
    "UPLOAD_MAX_TOTAL_MB": env_int("GUICHET_UPLOAD_MAX_TOTAL_MB", 40),
    # ...and the room each item of a repeating group (a traveller) adds to it.
    "UPLOAD_MAX_TOTAL_MB_PER_ITEM": env_int("GUICHET_UPLOAD_MAX_TOTAL_MB_PER_ITEM", 15),
    "CLAMD_ADDRESS": os.environ.get("GUICHET_CLAMD_ADDRESS", ""),
    "CLAMD_TIMEOUT_SECONDS": env_int("GUICHET_CLAMD_TIMEOUT_SECONDS", 30),
    # Fee amounts in whole FCFA that service files name with `setting:` (decision 0020); the
    # ministry published the tinted-window ones only. GUICHET_FEE_<NAME> overrides one.
    "FEES": {
        name: env_int(f"GUICHET_FEE_{name.upper()}", default)
        for name, default in {
            "tinted_windows_review": 10_000,
            "tinted_windows_stamp": 2_000,
            "event_file_fee": 5_000,
            "event_agent_hour": 2_000,
            "entry_15_days": 35_000,
            "entry_30_days": 45_000,
            "entry_90_days": 65_000,
        }.items()
    },
    # Agents a unit can commit on one day (capacity calendar): "police=40,gendarmerie=60".
    "UNIT_CAPACITY": {
        code.strip(): int(number)
        for code, _sep, number in (item.partition("=") for item in env_list("GUICHET_UNIT_CAPACITY", ""))
        if number.strip()
    },
    "UNIT_CAPACITY_DEFAULT": env_int("GUICHET_UNIT_CAPACITY_DEFAULT", 40),
}

# Online payment (guichet.payments; docs/operator-guide.md "Payments"). Embedded: the local
# sandbox gateway started by `make run` and its test token; production: nothing by default
# (a system check refuses to start without the real address and token).
GUICHET_PAYMENTS: dict[str, Any] = {
    "PAYGATE_URL": os.environ.get("PAYGATE_URL", "" if PRODUCTION else "http://127.0.0.1:8010").rstrip("/"),
    "PAYGATE_AUTH_TOKEN": os.environ.get("PAYGATE_AUTH_TOKEN", "" if PRODUCTION else "sandbox-paygate-token"),
    "FEDAPAY_URL": os.environ.get("FEDAPAY_URL", "" if PRODUCTION else "http://127.0.0.1:8011").rstrip("/"),
    "FEDAPAY_SECRET_KEY": os.environ.get("FEDAPAY_SECRET_KEY", "" if PRODUCTION else "sk_sandbox_guichet"),
    "FEDAPAY_WEBHOOK_SECRET": os.environ.get(
        "FEDAPAY_WEBHOOK_SECRET", "" if PRODUCTION else "wh_sandbox_guichet"
    ),
    "HTTP_TIMEOUT_SECONDS": env_int("GUICHET_PAYMENT_HTTP_TIMEOUT_SECONDS", 10),
    "PENDING_TIMEOUT_MINUTES": env_int("GUICHET_PAYMENT_PENDING_TIMEOUT_MINUTES", 10),
    "POLL_FIRST_SECONDS": env_int("GUICHET_PAYMENT_POLL_FIRST_SECONDS", 20),
    "POLL_MAX_SECONDS": env_int("GUICHET_PAYMENT_POLL_MAX_SECONDS", 3600),
    "POLL_GIVE_UP_HOURS": env_int("GUICHET_PAYMENT_POLL_GIVE_UP_HOURS", 72),
    "BREAKER_FAILURES": env_int("GUICHET_PAYMENT_BREAKER_FAILURES", 5),
    "BREAKER_OPEN_SECONDS": env_int("GUICHET_PAYMENT_BREAKER_OPEN_SECONDS", 300),
}

# Issued permits (guichet/permits, decisions 0027-0028). Private signing keys live outside the
# database: PEM files in KEYS_DIR (default VAR_DIR/keys) or GUICHET_PERMIT_KEY_<KID> variables.
GUICHET_PERMITS: dict[str, Any] = {
    "ISSUER": os.environ.get("GUICHET_PERMIT_ISSUER", "MSPC"),
    "KEYS_DIR": os.environ.get("GUICHET_PERMIT_KEYS_DIR", ""),
    # Outside production a missing key is created at the first permit of its type (tests, demo).
    "CREATE_MISSING_KEYS": not PRODUCTION and env_bool("GUICHET_PERMIT_CREATE_MISSING_KEYS", default=True),
    "MAX_OFFLINE_HOURS": env_int("GUICHET_VERIFIER_MAX_OFFLINE_HOURS", 72),
    "TRUST_LIST_CACHE_SECONDS": env_int("GUICHET_TRUST_LIST_CACHE_SECONDS", 60),
    # How long a web process trusts its own reading of keys and revocations before it asks the
    # shared cache whether they changed: a revocation reaches every process within this time
    # (the revoking process at once). 0: ask at every check.
    "TRUST_RECHECK_MS": env_int("GUICHET_TRUST_RECHECK_MS", 1000),
    # Validity when a service file does not say (`issues: {validity_days: N}`).
    "DEFAULT_VALIDITY_DAYS": env_int("GUICHET_PERMIT_DEFAULT_VALIDITY_DAYS", 365),
}

# The embedded demo (guichet.demo): seed_demo, totp_code and the page of demo sign-in codes.
# Never in production, whatever the environment says.
GUICHET_DEMO = not PRODUCTION and env_bool("GUICHET_DEMO", default=True)
# Denunciations (guichet/denunciations, decisions 0023-0024). Argon2id costs: memory in KiB.
GUICHET_DENUNCIATIONS: dict[str, Any] = {
    "KDF_OPSLIMIT": env_int("GUICHET_DENUNCIATION_KDF_OPSLIMIT", 3),
    "KDF_MEMLIMIT_KIB": env_int("GUICHET_DENUNCIATION_KDF_MEMLIMIT_KIB", 64 * 1024),
    # Argon2id derivations running at once in one web process (each takes KDF_MEMLIMIT_KIB).
    "KDF_CONCURRENCY": env_int("GUICHET_DENUNCIATION_KDF_CONCURRENCY", 2),
    # How long a receipt code waits for a free derivation before "busy, try again in a minute".
    "RECEIPT_WAIT_SECONDS": env_int("GUICHET_DENUNCIATION_RECEIPT_WAIT_SECONDS", 5),
    "RETENTION_DAYS": env_int("GUICHET_DENUNCIATION_RETENTION_DAYS", 3 * 365),
    "ACCESS_MINUTES": env_int("GUICHET_DENUNCIATION_ACCESS_MINUTES", 30),
    "RECEIPT_FREE_ATTEMPTS": env_int("GUICHET_DENUNCIATION_RECEIPT_FREE_ATTEMPTS", 5),
    "MAX_FILES": env_int("GUICHET_DENUNCIATION_MAX_FILES", 5),
    "MAX_FILE_MB": env_int("GUICHET_DENUNCIATION_MAX_FILE_MB", 10),  # a photo or a PDF
    "MAX_VIDEO_MB": env_int("GUICHET_DENUNCIATION_MAX_VIDEO_MB", 50),
    "MAX_AUDIO_MB": env_int("GUICHET_DENUNCIATION_MAX_AUDIO_MB", 20),
    # All the files of one sending together: a larger request is dropped unread.
    "MAX_SENDING_MB": env_int("GUICHET_DENUNCIATION_MAX_SENDING_MB", 60),
    # mat2, ffmpeg or ffprobe on one evidence file, each (decision 0031); longer is a refusal.
    "CLEAN_TIMEOUT_SECONDS": env_int("GUICHET_DENUNCIATION_CLEAN_TIMEOUT_SECONDS", 60),
    # Where a plaintext file waits for the cleaning tools; empty: /dev/shm (RAM) when present.
    "EVIDENCE_TEMP_DIR": os.environ.get("GUICHET_DENUNCIATION_EVIDENCE_TEMP_DIR", ""),
    "QUICK_EXIT_URL": os.environ.get("GUICHET_QUICK_EXIT_URL", "https://www.google.com/search?q=meteo+lome"),
    "INSPECTION_UNIT": os.environ.get("GUICHET_INSPECTION_UNIT", "inspection"),
    # Units whose members are also barred from a report accusing the key unit (chain of command).
    "CHAIN_OF_COMMAND": {},
}
# Files one dossier may hold, all document fields together (each field has its own limit).
GUICHET_MAX_DOCUMENTS_PER_DOSSIER = env_int("GUICHET_MAX_DOCUMENTS_PER_DOSSIER", 30)

# Permit verification (guichet/verifier, decisions 0029-0030): the public page and the partner API.
GUICHET_VERIFIER: dict[str, Any] = {
    # Permit numbers typed on the public page that match nothing, free before each waits 2, 4, 8 ... s.
    "NUMBER_FREE_MISSES": env_int("GUICHET_VERIFIER_NUMBER_FREE_MISSES", 20),
    # Requests per minute one partner system may make to the API.
    "PARTNER_RATE": os.environ.get("GUICHET_VERIFIER_PARTNER_RATE", "600/min"),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guichet permit verification API",
    "DESCRIPTION": "For partner systems (police, border): verify a permit's QR text, look up valid permits.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
CSRF_FAILURE_VIEW = "guichet.core.views.csrf_failure"
FORMAT_MODULE_PATH = ["guichet.formats"]
