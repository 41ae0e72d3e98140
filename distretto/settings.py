"""Distretto settings: one file, every knob an environment variable with a safe default."""

import ipaddress
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("DISTRETTO_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Comma-separated IP networks (CIDR); one that is not stops the start, named."""
    networks = env_list(name, "")
    for text in networks:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {text!r} is not an IP network such as 10.0.0.0/8 or 127.0.0.1."
            ) from None
    return networks


def _secret_key() -> str:
    """SECRET_KEY from the environment, else generated once into var/ and reused."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # ninja's own copy of Swagger UI, served from here rather than a CDN (the
    # Content-Security-Policy allows scripts from this site only).
    "ninja",
    "csp",
    "distretto.core",
    "distretto.territory",
    "distretto.accounts",
    "distretto.loyalty",
    "distretto.signage",
    "distretto.checkins",
    "distretto.catalog",
    "distretto.multiservice",
    "distretto.energy",
    "distretto.privacy",
    "distretto.observatory",
]

MIDDLEWARE = [
    "distretto.core.metrics.MetricsMiddleware",
    "distretto.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "distretto.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "distretto.accounts.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "distretto.urls"
ASGI_APPLICATION = "distretto.asgi.application"

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
                "distretto.core.context_processors.platform",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite (WAL, busy timeout, IMMEDIATE transactions so that writers queue instead of
# failing) is the embedded default; PostgreSQL through DATABASE_URL in production.
SQLITE_PATH = VAR_DIR / "distretto.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=30000;PRAGMA foreign_keys=ON;"
        ),
    }
    # A file, not :memory:, so that tests with real parallel clients share it; one
    # file per process keeps parallel pytest runs (xdist workers) apart.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"distretto-test-{os.getpid()}.sqlite3")
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI each request runs in its own thread, so persistent per-thread
    # connections cannot be reused; psycopg's pool hands warm connections to them.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "20")),
            "timeout": 10,
        }
    }
# The POS till's fast path (loyalty/fastpath.py) posts on the event loop through a pool
# of its own, per worker process: this many connections at most.
LOYALTY_TILL_POOL_SIZE = int(os.environ.get("LOYALTY_TILL_POOL_SIZE", "4"))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Optional services ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
MQTT_URL = os.environ.get("MQTT_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "distretto",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Failed token requests allowed per username and per client address in the window.
TOKEN_RATE_LIMIT = int(os.environ.get("TOKEN_RATE_LIMIT", "5"))
TOKEN_RATE_WINDOW_S = int(os.environ.get("TOKEN_RATE_WINDOW_S", "900"))

# The page login (/accounts/login/) counts its failures in the same throttle.
# A staff member's session (any role but cardholder) ends this long after signing in.
STAFF_SESSION_AGE_S = int(os.environ.get("STAFF_SESSION_AGE_S", str(8 * 3600)))

# --- HTTP hardening (core/security.py) ---------------------------------------------------
SECURE_COOKIES = env_bool("SECURE_COOKIES")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# Behind HTTPS, browsers are told to use nothing else for a year (uvicorn reads the
# proxy's X-Forwarded-Proto from the addresses in FORWARDED_ALLOW_IPS).
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if SECURE_COOKIES else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"


def _origin(url_template: str) -> str:
    """``https://host`` of a URL template such as the map tiles'; empty if none."""
    parts = url_template.split("/")
    return "/".join(parts[:3]) if url_template.startswith(("http://", "https://")) else ""


# Scripts from this site only, or inline with the request's nonce ({{ CSP_NONCE }});
# inline style attributes stay allowed (they cannot run code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        # A totem's "web page" content shows another site in a frame.
        "frame-src": ["'self'", "https:"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
# Browser features a page may use: none, except these pages (by URL name).
PERMISSIONS_POLICY_ALLOW = {
    "checkins:checkin": ["geolocation"],
    "catalog:near": ["geolocation"],
    "loyalty:till": ["camera"],
}

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "it"
# French and German serve tourists on the public catalogue pages; the interface
# falls back to Italian (LANGUAGE_CODE) where they have no translation.
LANGUAGES = [("it", "Italiano"), ("en", "English"), ("fr", "Français"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Our corrections to Django's locale formats (distretto/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["distretto.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Rome")
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Map tiles are fetched by the browser, never by the server; empty disables the layer.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
if _origin(MAP_TILE_URL):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_origin(MAP_TILE_URL))

# --- Metrics (core/metrics.py): /metrics for Prometheus ------------------------------------
# Scrapers present METRICS_TOKEN as a bearer token, or come from METRICS_ALLOW_NETWORKS
# (comma-separated CIDR); with neither set, /metrics answers 404.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOW_NETWORKS = env_networks("METRICS_ALLOW_NETWORKS")

# --- Logging: one JSON line per request on stdout ---------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "distretto.core.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {
        "distretto": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}

# --- Check-ins: thresholds of the presence decision (checkins/decision.py) --------------
CHECKINS_LOW_ACCURACY_M = float(os.environ.get("CHECKINS_LOW_ACCURACY_M", "150"))
CHECKINS_ACCURACY_CAP_M = float(os.environ.get("CHECKINS_ACCURACY_CAP_M", "100"))
CHECKINS_MAX_SPEED_KMH = float(os.environ.get("CHECKINS_MAX_SPEED_KMH", "150"))
CHECKINS_MAX_ATTEMPTS_PER_HOUR = int(os.environ.get("CHECKINS_MAX_ATTEMPTS_PER_HOUR", "20"))
# Days a check-in keeps its precise position and accuracy; then `distretto privacy
# retention` (daily) keeps only the venue and the decision.
CHECKINS_PRECISE_RETENTION_DAYS = int(os.environ.get("CHECKINS_PRECISE_RETENTION_DAYS", "30"))

DISTRETTO_REQUIRE_SERVICES = env_bool("DISTRETTO_REQUIRE_SERVICES")
# Uploaded media served by the app itself (embedded default); off behind a proxy.
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)
