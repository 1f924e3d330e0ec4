"""Reelhouse settings: everything comes from REELHOUSE_* environment variables and DATABASE_URL. Over 400 lines because
Django reads its settings from one module, and each setting is kept beside the variable that sets it."""

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from reelhouse.core.private import private_dir, read_or_create_secret
from reelhouse.core.storage import storage_backend

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"REELHOUSE_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var"))).resolve()
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
DEBUG = env_bool("DEBUG")
# Under the test runner jobs run in-process (ImmediateBackend) and x264 uses its fastest preset.
TESTING = env_bool("TESTING") or "pytest" in Path(sys.argv[0]).name


def _secret_key() -> str:
    """A stable secret for the embedded default: from the environment, else kept in var/secret_key (0600)."""
    if key := env("SECRET_KEY"):
        return key
    return read_or_create_secret(VAR_DIR / "secret_key", get_random_secret_key)


private_dir(VAR_DIR)  # var/ holds the database, mail and secrets: the service's user only
SECRET_KEY = _secret_key()
# Django's test client calls itself 'testserver'; pytest-django's test environment adds it, never production.
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]

# Production behind TLS (REELHOUSE_HTTPS=1): cookies only over https, HSTS, plain http redirected, and the TLS
# proxy's X-Forwarded-Proto trusted (the proxy must set it, and overwrite a client's).
REELHOUSE_HTTPS = env_bool("HTTPS")
if REELHOUSE_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy's health probe may ask over plain http
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD")
# Origins allowed to POST forms besides the host itself, e.g. https://tv.example.com (comma-separated).
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
# Asking browsers' preload lists to hard-code the domain is a separate, hard-to-undo decision: off unless
# REELHOUSE_HSTS_PRELOAD=1, and Django's reminder about it (security.W021) is silenced while it is off.
SILENCED_SYSTEM_CHECKS = [] if env_bool("HSTS_PRELOAD") else ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ninja",  # its Swagger UI files, served from here (the API's /api/v1/docs; no CDN, no inline script)
    "reelhouse.core",
    "reelhouse.accounts",
    "reelhouse.rights",
    "reelhouse.catalog",
    "reelhouse.media",
    "reelhouse.ingest",
    "reelhouse.billing",
    "reelhouse.rewards",
    "reelhouse.playback",
    "reelhouse.notifications",
    "reelhouse.support",
    "reelhouse.helpcentre",
    "reelhouse.backoffice",
    "reelhouse.embedded",
]

MIDDLEWARE = [
    "reelhouse.core.http.StreamConnectionReleaseMiddleware",  # outermost: streams hold no database connection
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # request latency per view, for /metrics
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "reelhouse.core.http.TextGZipMiddleware",  # above whitenoise: its static styles and scripts are compressed too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reelhouse.accounts.middleware.StaffTwoFactorMiddleware",
    "reelhouse.accounts.middleware.ProfileMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "reelhouse.urls"
WSGI_APPLICATION = "reelhouse.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "reelhouse" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "reelhouse.notifications.context_processors.announcement_banners",
            ],
        },
    },
]

# Content Security Policy on every response (django-csp): scripts, styles and everything else from this origin
# only, nothing inline (templates keep scripts and styles in static files), no plugins, no framing, no <base>.
# hls.js plays through MediaSource (blob: media) and may start its transmuxer in a blob: worker. Forms post here;
# Stripe's checkout and customer portal are reached by a redirect after a POST, which Chrome checks against
# form-action. Violations are reported to /csp-report/ and logged (reelhouse.csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "blob:"],
        "media-src": [SELF, "blob:"],
        "worker-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF, "https://checkout.stripe.com", "https://billing.stripe.com"],
        "report-uri": ["/csp-report/"],
    },
}

DATABASE_URL = os.environ.get("DATABASE_URL", "")
# PostgreSQL connections (docs/operations.md, "PostgreSQL connections"). REELHOUSE_PG_POOL: a pool of connections in
# each process (psycopg_pool through Django's OPTIONS["pool"]): "min:max" connections, "on" for 2:8 (a gunicorn
# gthread worker's 8 threads each hold one during a request, so max = threads), "off"/unset for one persistent
# connection per thread (conn_max_age 60 s). REELHOUSE_PG_PGBOUNCER=1 when DATABASE_URL is a pgbouncer in
# transaction mode: consecutive transactions of one connection may run on different server connections, so nothing
# may outlive a transaction on the server (no prepared statements, no WITH HOLD cursors, no startup options).
REELHOUSE_PG_PGBOUNCER = env_bool("PG_PGBOUNCER")


def pg_pool_sizes(value: str) -> tuple[int, int] | None:
    """REELHOUSE_PG_POOL's (min_size, max_size), or None for no pool."""
    value = value.strip().lower()
    if value in {"", "0", "off", "no", "false"}:
        return None
    if value in {"1", "on", "yes", "true"}:
        return 2, 8
    low, sep, high = value.partition(":")
    if not (sep and low.isdigit() and high.isdigit()) or not 0 <= int(low) <= int(high) or int(high) < 1:
        raise ImproperlyConfigured(f"REELHOUSE_PG_POOL={value!r}: expected 'min:max' connections (e.g. 2:8, "
                                   "max at least 1 and not below min), 'on' (2:8) or 'off'")
    return int(low), int(high)


REELHOUSE_PG_POOL = pg_pool_sizes(env("PG_POOL"))
REELHOUSE_PG_POOL_TIMEOUT = float(env("PG_POOL_TIMEOUT", "10"))  # seconds a request waits for a pool connection
# Seconds a streaming response (segment, download) may make no progress before its connection is dropped and its
# server thread freed (core.http.StreamConnectionReleaseMiddleware; nginx's send_timeout is 60 s too).
REELHOUSE_STREAM_SEND_TIMEOUT_S = float(env("STREAM_SEND_TIMEOUT_S", "60"))
# PostgreSQL itself (postgresql://user@host:port/name) for pg_dump and pg_restore when DATABASE_URL is a pgbouncer.
REELHOUSE_PG_DIRECT_URL = env("PG_DIRECT_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if REELHOUSE_PG_POOL else 60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        if REELHOUSE_PG_POOL:
            # Django hands a request's connection back to the pool when the request ends (persistent connections
            # and a pool exclude each other); a thread waits up to REELHOUSE_PG_POOL_TIMEOUT (10 s) for a free one,
            # then the request fails (PoolTimeout).
            options["pool"] = {"min_size": REELHOUSE_PG_POOL[0], "max_size": REELHOUSE_PG_POOL[1],
                               "timeout": REELHOUSE_PG_POOL_TIMEOUT}
        if REELHOUSE_PG_PGBOUNCER:
            # Server-side cursors (QuerySet.iterator) are WITH HOLD cursors outside a transaction: they would stay on
            # a server connection that pgbouncer hands to another client after each transaction.
            DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        else:
            # No JIT: the pages' queries are short index scans, and PostgreSQL's JIT compiled a home-page query whose
            # estimated cost crossed jit_above_cost in 363 ms of its 416 ms (measured on the seeded catalog).
            # pgbouncer refuses this startup option: set it on the database there (ALTER DATABASE … SET jit = off).
            options["options"] = "-c jit=off"
        # Server-side binding lets psycopg prepare a statement it has run 5 times on a connection, so the hot
        # pages' queries are planned once per connection: the home page's union took 3.9 ms to plan and 4.6 ms to
        # run, continue watching 3.7 ms to plan and 0.2 ms to run (EXPLAIN ANALYZE on the seeded catalog).
        # REELHOUSE_PG_PREPARE=0 turns server-side binding off. Behind pgbouncer the statements are bound on the
        # server but never prepared (a prepared statement lives on one server connection).
        if env_bool("PG_PREPARE", True):
            options.setdefault("server_side_binding", True)
            if not REELHOUSE_PG_PGBOUNCER:
                options.setdefault("prepare_threshold", 5)
else:
    # Embedded default: SQLite in WAL mode; IMMEDIATE transactions so writers queue instead of failing.
    DATABASES = {
        "default": {
            "ENGINE": "reelhouse.core.sqlite",  # Django's, with the files 0600
            "NAME": VAR_DIR / "reelhouse.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
            # Persistent connections, one per server thread: a new SQLite connection per request costs its opening,
            # the PRAGMAs above and the file-mode checks (reelhouse.core.sqlite), about 7 ms of CPU per heartbeat
            # (bench/heartbeat.py). Backups and restores go through SQLite's online backup API, which other open
            # connections see as one more writer.
            "CONN_MAX_AGE": 60,
            # Tests use a real WAL file, as `make run` does (an in-memory shared-cache database fails with "table
            # is locked" instead of waiting when the browser tests' live server still answers a request); one per
            # process, so parallel runs never share it.
            "TEST": {"NAME": env("TEST_SQLITE_NAME") or str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "reelhouse.accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is slow and takes ~100 MiB per hash on purpose; the suite hashes thousands of passwords (every account a
    # fixture makes, every sign-in, ten recovery codes per two-factor set-up). Tests hash with Django's fast MD5 hasher,
    # as Django's documentation advises for tests; Argon2 hashes still verify. tests/core/test_production.py proves a
    # production start hashes with the bounded Argon2 hasher, tests/accounts/test_password_hashing.py its bound.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
REELHOUSE_STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", not TESTING)  # tests that need it switch it on
REELHOUSE_STAFF_SESSION_SECONDS = int(env("STAFF_SESSION_SECONDS", str(8 * 3600)))  # operators sign in again after
# Rate limits (reelhouse/core/throttle.py): attempts per 15 minutes before a lockout that doubles each time.
REELHOUSE_SIGNIN_ATTEMPTS = int(env("SIGNIN_ATTEMPTS", "5"))  # wrong passwords per account
REELHOUSE_SIGNIN_ATTEMPTS_PER_CLIENT = int(env("SIGNIN_ATTEMPTS_PER_CLIENT", "20"))  # per address, all accounts
REELHOUSE_SECOND_STEP_ATTEMPTS = int(env("SECOND_STEP_ATTEMPTS", "5"))  # wrong codes per account
REELHOUSE_PIN_ATTEMPTS = int(env("PIN_ATTEMPTS", "5"))  # wrong profile PINs (or owner confirmations)
REELHOUSE_MAILS_PER_ADDRESS = int(env("MAILS_PER_ADDRESS", "3"))  # sign-up/reset/verification mails per hour
REELHOUSE_MAILS_PER_CLIENT = int(env("MAILS_PER_CLIENT", "10"))  # the same, per client address per hour
REELHOUSE_NOTICES_PER_CLIENT = int(env("NOTICES_PER_CLIENT", "5"))  # notices filed on the public form per hour
REELHOUSE_SUPPORT_REQUESTS_PER_CLIENT = int(env("SUPPORT_REQUESTS_PER_CLIENT", "5"))  # support requests per hour
REELHOUSE_DEVICE_CODE_ATTEMPTS = int(env("DEVICE_CODE_ATTEMPTS", "5"))  # wrong TV codes per account
REELHOUSE_DEVICE_CODE_ATTEMPTS_PER_CLIENT = int(env("DEVICE_CODE_ATTEMPTS_PER_CLIENT", "10"))  # per address
REELHOUSE_API_REQUESTS_PER_MINUTE = int(env("API_REQUESTS_PER_MINUTE", "600"))  # per device token or web session
REELHOUSE_API_BAD_TOKENS_PER_CLIENT = int(env("API_BAD_TOKENS_PER_CLIENT", "30"))  # unknown/revoked, per 15 min
# TV sign-in with a code (RFC 8628): how long a code lives, and how often the TV may ask whether it was approved.
REELHOUSE_DEVICE_CODE_SECONDS = int(env("DEVICE_CODE_SECONDS", str(10 * 60)))
REELHOUSE_DEVICE_POLL_SECONDS = int(env("DEVICE_POLL_SECONDS", "5"))
REELHOUSE_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))  # proxies whose X-Forwarded-For is believed
# Argon2 checks running at once per process (each holds ~100 MiB); 0: no bound.
REELHOUSE_PASSWORD_CHECKS_AT_ONCE = int(env("PASSWORD_CHECKS_AT_ONCE", "2"))
# The cache holds sign-in lockouts and PIN attempts, so every web process must share it: a database table here.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "reelhouse_cache"}}
# Mail: files under var/mail on the embedded default (read them there); SMTP when REELHOUSE_SMTP_HOST is set.
DEFAULT_FROM_EMAIL = env("MAIL_FROM", "Reelhouse <no-reply@localhost>")
if env("SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = env("SMTP_HOST"), int(env("SMTP_PORT", "587"))
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = env("SMTP_USER"), env("SMTP_PASSWORD")
    EMAIL_USE_TLS = env_bool("SMTP_TLS", True)
else:
    EMAIL_BACKEND = "reelhouse.core.mail.PrivateFileEmailBackend"  # 0600 files in a 0700 folder
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# Outgoing mail is queued (notifications.OutgoingMail) and retried with backoff: attempts before a mail is given up,
# the first retry's wait in seconds (doubling each time, capped at REELHOUSE_MAIL_BACKOFF_MAX_S).
REELHOUSE_MAIL_MAX_ATTEMPTS = int(env("MAIL_MAX_ATTEMPTS", "8"))
REELHOUSE_MAIL_BACKOFF_S = float(env("MAIL_BACKOFF_S", "60"))
REELHOUSE_MAIL_BACKOFF_MAX_S = float(env("MAIL_BACKOFF_MAX_S", "21600"))
# Reminder mails (notifications/reminders.py): days before a monthly renewal, days before a prepaid term ends,
# hours before a download expires.
REELHOUSE_RENEWAL_REMINDER_DAYS = int(env("RENEWAL_REMINDER_DAYS", "3"))
REELHOUSE_PREPAID_ENDING_DAYS = int(env("PREPAID_ENDING_DAYS", "7"))
REELHOUSE_DOWNLOAD_EXPIRY_HOURS = int(env("DOWNLOAD_EXPIRY_HOURS", "48"))
# Where subscribers reach this server (https://tv.example.com): every absolute link in mail starts with it (core.http.
# site_url), so none follows a request's Host header. Unset: links in mail sent from a request follow its scheme and
# host (https behind a TLS proxy with REELHOUSE_HTTPS=1), others (receipts, unsubscribe) the embedded default's.
SITE_URL_SET = bool(env("SITE_URL"))
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The support desk (reelhouse/support): the address subscribers write to (replies come from it), its mailbox (an
# IMAP URL imaps://user:password@host:993/INBOX, or a local Maildir folder), polled every SUPPORT_POLL_SECONDS,
# attachments and raw mail under SUPPORT_FILES_DIR (outside the web root), business hours for the service levels.
REELHOUSE_SUPPORT_EMAIL = env("SUPPORT_EMAIL", "support@localhost")
REELHOUSE_SUPPORT_IMAP_URL = env("SUPPORT_IMAP_URL")
REELHOUSE_SUPPORT_MAILDIR = env("SUPPORT_MAILDIR")
REELHOUSE_SUPPORT_POLL_SECONDS = float(env("SUPPORT_POLL_SECONDS", "60"))
REELHOUSE_SUPPORT_FILES_DIR = Path(env("SUPPORT_FILES_DIR", str(VAR_DIR / "support"))).resolve()
REELHOUSE_SUPPORT_HOURS = env("SUPPORT_HOURS", "09:00-17:00")
REELHOUSE_SUPPORT_DAYS = env("SUPPORT_DAYS", "0-4")  # Monday = 0
REELHOUSE_SUPPORT_TIMEZONE = env("SUPPORT_TIMEZONE", "UTC")
# Whose business days count for counter-notice restoration (10 to 14 business days, public holidays excluded).
REELHOUSE_OPERATOR_COUNTRY = env("OPERATOR_COUNTRY", "US").strip().upper()
REELHOUSE_COUNTER_RESTORE_BUSINESS_DAYS = int(env("COUNTER_RESTORE_BUSINESS_DAYS", "10"))  # 10..14 (DMCA 512(g))
# Repeat infringers (rights.strikes): strikes against one source (watch folder, feed, licensor) before its ingest is
# suspended until an operator lifts it.
REELHOUSE_STRIKES_BEFORE_SUSPENSION = int(env("STRIKES_BEFORE_SUSPENSION", "3"))
# Licence lifecycle (rights.lifecycle): operators are mailed (and listed in the back office) this many days before a
# licence ends, once per licence per threshold; subscribers see "Leaving soon" for titles whose licence in their
# territory ends within REELHOUSE_LEAVING_SOON_DAYS.
REELHOUSE_LICENCE_WARN_DAYS = sorted({int(d) for d in env("LICENCE_WARN_DAYS", "30,7").split(",") if d.strip()},
                                     reverse=True)
REELHOUSE_LEAVING_SOON_DAYS = int(env("LEAVING_SOON_DAYS", "30"))
LOGIN_REDIRECT_URL = "accounts:profiles"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "reelhouse" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"  # collectstatic target in production; whitenoise finders serve in place
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "reelhouse" / "static"]
# whitenoise serves straight from the app folders (no collectstatic step for the embedded default).
# Media (sources, packages, downloads, artwork): local disk under MEDIA_ROOT, or an S3-compatible bucket with
# REELHOUSE_STORAGE_URL=s3://<bucket>[/<prefix>]?endpoint=http://host:port and REELHOUSE_S3_ACCESS_KEY /
# REELHOUSE_S3_SECRET_KEY (docs/operations.md, reelhouse/core/storage.py).
STORAGES = {
    "default": storage_backend(env("STORAGE_URL"), access_key=env("S3_ACCESS_KEY"), secret_key=env("S3_SECRET_KEY")),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": env("TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend" if TESTING
                       else "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "transcode", "ingest", "feeds"],  # one per job kind that can take long
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Structured (structlog, reelhouse/core/logs.py): readable lines, or JSON with REELHOUSE_LOG_FORMAT=json.
    "formatters": {"plain": {"()": "reelhouse.core.logs.formatter", "json": env("LOG_FORMAT", "console") == "json"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"reelhouse": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")}},
}

# --- Reelhouse ---------------------------------------------------------------------------------
# Operations (docs/operations.md): who may scrape /metrics (networks, or `Authorization: Bearer <token>`); how old
# the scheduler's heartbeat may be before /readyz answers 503.
REELHOUSE_METRICS_NETWORKS = [n.strip() for n in env("METRICS_NETWORKS", "127.0.0.0/8,::1/128").split(",") if n.strip()]
REELHOUSE_METRICS_TOKEN = env("METRICS_TOKEN", "")
REELHOUSE_SCHEDULER_STALE_S = float(env("SCHEDULER_STALE_S", "60"))
REELHOUSE_FFMPEG = env("FFMPEG", "")  # empty: imageio-ffmpeg's pinned binary
# How long each web process keeps the home page's shared rows (trending, recently added, genres, top 10); 0 = off.
REELHOUSE_HOME_CACHE_SECONDS = int(env("HOME_CACHE_SECONDS", "0" if TESTING else "30"))
REELHOUSE_X264_PRESET = env("X264_PRESET", "ultrafast" if TESTING else "veryfast")
# Images from outside (artwork, NFO thumbs) with more pixels than this are refused: decompression bombs
REELHOUSE_MAX_IMAGE_PIXELS = int(env("MAX_IMAGE_PIXELS", "50000000"))
# Per-title ladder: a VMAF complexity probe picks each rung's CRF (sources of 2 minutes and more)
REELHOUSE_ADAPTIVE_LADDER = env_bool("ADAPTIVE_LADDER", True)
# Seconds a signed stream URL lives: about two heartbeat intervals (the player renews it with every heartbeat)
REELHOUSE_STREAM_TOKEN_TTL = int(env("STREAM_TOKEN_TTL", "60"))
# An nginx edge (deploy/nginx/, docs/edge.md) that checks stream and download tokens itself: its base URL
# (scheme://host[:port], no path) and its keys "kid:secret,kid:secret" (the first signs). Empty: Django serves them.
REELHOUSE_EDGE_URL = env("EDGE_URL", "").strip().rstrip("/")
REELHOUSE_EDGE_KEYS = env("EDGE_KEYS", "")
if REELHOUSE_EDGE_URL:  # the player fetches playlists, segments and sprites from the edge's origin
    for _directive in ("img-src", "media-src", "connect-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive].append(REELHOUSE_EDGE_URL)
# Threads per gunicorn web worker (`reelhouse run`; docs/operations.md, "Web threads"). The app's own requests are
# short and CPU-bound, and a process's threads take turns on one GIL: past a few per process they mostly wait for
# each other (bench/load.py at 3,700 viewers with an edge, heartbeat p99: 8 threads 3.5 s, 3 threads 0.25 s, 2
# threads 0.20 s). With an edge the app serves no segments: 3, one spare for a thread waiting on storage or the
# write lock. Without one the app sends every segment itself and a slow client holds its thread while its send
# blocks (up to the send timeout, core.http), so 8.
REELHOUSE_WEB_THREADS = int(env("WEB_THREADS", "3" if REELHOUSE_EDGE_URL else "8"))
REELHOUSE_DEFAULT_TERRITORY = env("DEFAULT_TERRITORY", "US")
REELHOUSE_SCAN_INTERVAL = float(env("SCAN_INTERVAL", "5"))  # seconds between watch folder scans
REELHOUSE_STABLE_SECONDS = float(env("STABLE_SECONDS", "2"))  # a file unchanged this long is complete
REELHOUSE_WATCH_NOTIFY = env_bool("WATCH_NOTIFY", True)  # inotify notifications besides the periodic scan
REELHOUSE_WATCH_REFRESH = float(env("WATCH_REFRESH", "5"))  # seconds between re-reads of the watched sources
REELHOUSE_TMDB_API_KEY = "" if TESTING else env("TMDB_API_KEY", "")  # empty: no online metadata (never in tests)
REELHOUSE_TMDB_URL = env("TMDB_URL", "https://api.themoviedb.org/3")
REELHOUSE_TMDB_LANGUAGE = env("TMDB_LANGUAGE", "en-US")
# Partner feeds: limits, networks an on-premises partner may live in (besides public addresses), its private CA.
REELHOUSE_FEED_TIMEOUT = float(env("FEED_TIMEOUT", "30"))  # seconds a feed or download may stay silent
REELHOUSE_FEED_MAX_BYTES = int(env("FEED_MAX_BYTES", str(200 * 1024**3)))  # one delivery
REELHOUSE_FEED_MAX_MANIFEST_BYTES = int(env("FEED_MAX_MANIFEST_BYTES", str(10 * 1024**2)))  # the feed document
REELHOUSE_FEED_MAX_FETCH_BYTES = int(env("FEED_MAX_FETCH_BYTES", str(500 * 1024**3)))  # all downloads of a fetch
REELHOUSE_FEED_REJECTED_RETENTION_DAYS = float(env("FEED_REJECTED_RETENTION_DAYS", "30"))
REELHOUSE_FEED_ALLOWED_NETWORKS = env("FEED_ALLOWED_NETWORKS", "")  # e.g. "10.20.0.0/16"; empty: public only
REELHOUSE_FEED_CA_FILE = env("FEED_CA_FILE", "")
REELHOUSE_FEED_MAX_REDIRECTS = int(env("FEED_MAX_REDIRECTS", "5"))
REELHOUSE_FIELD_KEY = env("FIELD_KEY", "")  # Fernet key for secrets kept at rest (feed tokens); empty: from SECRET_KEY
REELHOUSE_DEMO_DIR = Path(env("DEMO_DIR", str(VAR_DIR / "demo"))).resolve()
REELHOUSE_DEMO_PASSWORD = env("DEMO_PASSWORD", "")
REELHOUSE_DEMO_SECONDS = float(env("DEMO_SECONDS", "15"))  # length of each demo clip
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")  # empty: vouchers and operator payments only
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# Background jobs (core.jobs): a worker silent for JOB_LEASE_S loses its job; retries wait BACKOFF_S, 2x, 4x...
REELHOUSE_JOB_LEASE_S = float(env("JOB_LEASE_S", "60"))
REELHOUSE_JOB_MAX_ATTEMPTS = int(env("JOB_MAX_ATTEMPTS", "3"))
REELHOUSE_JOB_BACKOFF_S = float(env("JOB_BACKOFF_S", "30"))
