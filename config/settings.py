"""Settings, read from the environment.

Development (DEBUG=1, what `make run` and `make test` use) works with no configuration: SQLite
under var/, an embedded Celery broker, and keys generated once into var/. With DEBUG off the app
is in production mode: it refuses to start without its secrets and keys, and
`manage.py check --deploy --fail-level WARNING` passes.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from casework.encryption import Keyring, KeyringError, generate_key

from .env import (
    development_secret,
    env_bool,
    env_int,
    env_list,
    env_str,
    random_secret_key,
    reminder_sweep_seconds,
    report_snapshot_seconds,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", default=False)
PRODUCTION = not DEBUG


def _secret(name, make_value, what):
    """A secret from the environment; in development, generated once into var/."""
    value = env_str(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} is not set ({what}). Production mode (DEBUG off) needs it in the environment "
            f"or in a file named by {name}_FILE; see docs/ARCHITECTURE.md. For local development "
            "run with DEBUG=1 (make run does), which generates development values under var/."
        )
    return development_secret(VAR_DIR, f"dev-{name.lower().replace('_', '-')}", make_value)


SECRET_KEY = _secret("SECRET_KEY", random_secret_key, "Django's signing secret")

# Encryption keys are independent of SECRET_KEY: rotating one never touches the other.
FIELD_ENCRYPTION_KEYS = _secret("FIELD_ENCRYPTION_KEYS", lambda: f"dev1:{generate_key()}", "the field encryption keyring")
FIELD_ENCRYPTION_ACTIVE_KEY = env_str("FIELD_ENCRYPTION_ACTIVE_KEY")
BLIND_INDEX_KEY = _secret("BLIND_INDEX_KEY", lambda: f"bdev1:{generate_key()}", "the blind-index keyring")
BLIND_INDEX_ACTIVE_KEY = env_str("BLIND_INDEX_ACTIVE_KEY")

# Parse now so that a production process with a broken keyring never starts; the system check
# casework.E001 reports the same problem for `manage.py check`.
try:
    Keyring.parse(FIELD_ENCRYPTION_KEYS, FIELD_ENCRYPTION_ACTIVE_KEY)
    Keyring.parse(BLIND_INDEX_KEY, BLIND_INDEX_ACTIVE_KEY)
except KeyringError as error:
    if PRODUCTION:
        raise ImproperlyConfigured(f"Encryption keys are unusable: {error}.") from None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: list the host names this site answers to, comma-separated.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "django_otp",
    "axes",
    "csp",
    "casework",
    "referrals",
    "followup",
    "config.apps.WiringConfig",  # last: wires the apps together once they are ready
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "casework.middleware.LanguageMiddleware",
    "casework.middleware.AccessContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "casework.middleware.SessionLimitsMiddleware",
    "casework.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "casework.context_processors.navigation",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))}
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be understood: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; the timeout waits out short locks.
    # IMMEDIATE: a transaction takes the write lock when it begins, so one that read first and then
    # writes waits its turn instead of failing at once with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    # A file, not memory: the Celery worker of the integration tests must see the test database.
    # One per process, so that two test runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "casework.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out usernames and addresses
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # No anonymous guardian user: anonymous people see nothing.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after 5 failures, counted per username and, separately, per address; the cool-off
# starts at 15 minutes and doubles with each further lockout within a day (casework.lockout).
# Supervisors and administrators pass a TOTP code after their password (casework.two_factor);
# the issuer is the name authenticator apps show beside the code.
TWO_FACTOR_ISSUER = env_str("TWO_FACTOR_ISSUER") or "Casework"
TWO_FACTOR_THROTTLE_SECONDS = 1  # after n wrong codes in a row, the next try waits 2^(n-1) times this

# Aggregates: a count from 1 to k-1 is shown as "<k" (DOMAIN.md section 13).
STATISTICS_MIN_CELL = env_int("STATISTICS_MIN_CELL", 11, minimum=2)

# The views over several offices read figures that beat recomputes every REPORT_SNAPSHOT_SECONDS
# (config/snapshots.py), kept in a database table that every process shares.
REPORT_SNAPSHOT_SECONDS = report_snapshot_seconds()
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "snapshots": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "report_snapshots"},
}

# Break-the-glass: hours a supervisor may read a case outside their offices.
BREAK_THE_GLASS_HOURS = env_int("BREAK_THE_GLASS_HOURS", 4, minimum=1)

# Data retention (Ley 29733): whole years a closed case keeps its personal data; after that the
# daily task asks the office's supervisors to approve its erasure (casework.retention).
RETENTION_YEARS = env_int("RETENTION_YEARS", 10, minimum=1)

# Follow-up reminders (followup.reminders): the sweep runs every REMINDER_SWEEP_SECONDS (beat,
# config/celery.py); an email not sent within its lease is dispatched again, the lease doubling
# with each attempt. SITE_URL is the address the emails link to.
REMINDER_SWEEP_SECONDS = reminder_sweep_seconds()
REMINDER_DELIVERY_LEASE_SECONDS = env_int("REMINDER_DELIVERY_LEASE_SECONDS", 600, minimum=1)
SITE_URL = env_str("SITE_URL") or f"http://{ALLOWED_HOSTS[0] if ALLOWED_HOSTS else 'localhost'}:8000"

# Email: the console in development, SMTP in production (EMAIL_HOST, EMAIL_PORT, ...).
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "casework@localhost"

AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = "casework.lockout.cool_off"
AXES_HANDLER = "casework.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # its log lines would carry the username typed
# Behind the TLS proxy: the client's address as the proxy saw it (casework/addresses.py), for the
# lockout and the access log. The proxies' own addresses; the default is a proxy on this machine.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
AXES_CLIENT_IP_CALLABLE = "casework.addresses.client_address"

# --- Languages and time --------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/Lima"
USE_TZ = True

# dumpdata writes encrypted fields as ciphertext in every format (casework/serializers).
SERIALIZATION_MODULES = {fmt: f"casework.serializers.{fmt}" for fmt in ("python", "json", "jsonl")}

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# No inline script or style, no other origin: every asset is served by the app itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Celery --------------------------------------------------------------------------------
# With REDIS_URL the real Redis broker is used; without it, kombu's filesystem transport, which
# needs no server, so a laptop still delivers reminders. Both run the same tasks.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Longer than any task runs; tasks are never scheduled far ahead (the database is the schedule).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Security ------------------------------------------------------------------------------
# Sessions end after 30 idle minutes (each request renews them) and 12 hours after sign-in
# whatever happens (casework.middleware.SessionLimitsMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: only over HTTPS, only for this host, never shared with a subdomain.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Logging: events carry ids only; never a name or other personal data --------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
}
