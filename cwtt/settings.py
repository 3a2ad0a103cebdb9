"""Django settings for CWTT, read from the environment.

Two ways to run (decision 0034). Embedded, the default: SQLite under the data directory,
in-process work, and secrets generated once in the data directory, so `cwtt runserver`,
`scripts/demo` and the tests need nothing. Production (`CWTT_ENV=production`, docs/deploy.md):
every secret, the database and the host names come from the environment, and start-up stops
with one message naming each one missing. The helpers fail loudly on a bad value rather than
guessing.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}={value!r} is not a yes/no value (use true or false)")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (for container secrets)."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip() or None
        except OSError as error:
            # Name the variable and the file, never the content.
            raise ImproperlyConfigured(
                f"{name}_FILE names {path}, which cannot be read: {error.strerror}."
            ) from None
    return None


DATA_DIR = Path(os.environ.get("CWTT_DATA_DIR", PROJECT_DIR / "data"))
DEBUG = envbool("CWTT_DEBUG", False)

# Embedded or production (decision 0034, docs/deploy.md). Production is asked for by name rather
# than guessed from the database: the tests run on PostgreSQL too, and need nothing set.
CWTT_ENV = (os.environ.get("CWTT_ENV") or "embedded").strip().lower()
if CWTT_ENV not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"CWTT_ENV={CWTT_ENV!r} must be embedded or production.")
PRODUCTION = CWTT_ENV == "production"

# Secrets every web process and worker must share. Generated per data directory they would differ
# between two machines: notes encrypted on one could not be read on the other, the audit trail
# sealed by one would fail on the other, and research pseudonyms would change.
SHARED_SECRETS = ("SECRET_KEY", "CWTT_ENCRYPTION_KEYS", "CWTT_PSEUDONYM_KEY", "CWTT_AUDIT_KEY")
# Settings production must name itself; their embedded defaults only fit one machine.
PRODUCTION_SETTINGS = ("DATABASE_URL", "ALLOWED_HOSTS")


def missing_for_production() -> list[str]:
    """The secrets and settings production needs that the environment does not give."""
    missing = [name for name in SHARED_SECRETS if not envsecret(name)]
    return missing + [name for name in PRODUCTION_SETTINGS if not os.environ.get(name, "").strip()]


if PRODUCTION:
    # One message naming everything, so a deployer fixes all of it in one go.
    problems = []
    if missing := missing_for_production():
        problems.append(
            "these are not set: "
            + ", ".join(missing)
            + ". Set each in the environment (a secret may instead be in the file named by "
            "NAME_FILE); docs/deploy.md says how to make each secret, and every machine must "
            "have the same ones."
        )
    if DEBUG:
        problems.append("CWTT_DEBUG must be false: debug pages show settings and data.")
    if problems:
        raise ImproperlyConfigured("CWTT_ENV=production, but " + " And ".join(problems))

# The names of secrets taken from files in the data directory (embedded only), which
# `cwtt check --deploy` lists (cwtt/operations/checks.py).
GENERATED_SECRETS: list[str] = []


def local_secret(name: str, make=lambda: secrets.token_urlsafe(50), *, setting: str = "") -> str:
    """A secret generated once per data directory (readable by its owner only), so the demo
    works on a fresh clone and survives restarts. Never in production: start-up stops above
    first. Created with O_EXCL, so two processes starting at once agree."""
    assert not PRODUCTION, "production secrets come from the environment"
    if setting:
        GENERATED_SECRETS.append(setting)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / name
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(make())
    return key_file.read_text().strip()


SECRET_KEY = envsecret("SECRET_KEY") or local_secret("secret_key", setting="SECRET_KEY")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "cwtt.access",
    "cwtt.registry",
    "cwtt.instruments",
    "cwtt.assessments",
    "cwtt.synthetic",
    "cwtt.consent",
    "cwtt.notifications",
    "cwtt.rights",
    "cwtt.notes",
    "cwtt.services",
    "cwtt.cases",
    "cwtt.referrals",
    "cwtt.meetings",
    "cwtt.worklists",
    "cwtt.quality",
    "cwtt.dashboards",
    "cwtt.administration",
    "cwtt.offline",
    "cwtt.jobs",
    "cwtt.operations",
    "cwtt.interop",
    "cwtt.analytics",
    "cwtt.planning",
    "cwtt.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After LocaleMiddleware and AuthenticationMiddleware: the language a person chose wins.
    "cwtt.web.language.PersonLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Pages for a signed-in person are never kept by the browser or a proxy (decision 0027).
    "cwtt.access.middleware.PrivatePagesMiddleware",
    # Ends a sign-in after the idle time; a page's own refreshes do not count (decision 0027).
    "cwtt.access.idle.IdleSignOutMiddleware",
    # After OTPMiddleware: sends people who need a second factor to the code pages.
    "cwtt.access.middleware.SecondFactorMiddleware",
    # After it: a one-time password from a colleague is changed before any other page.
    "cwtt.access.middleware.PasswordChangeDueMiddleware",
    # Writes a refused request for a numbered record (404/403) to the audit trail.
    "cwtt.access.middleware.RefusalAuditMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cwtt.urls"
WSGI_APPLICATION = "cwtt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cwtt.notifications.context_processors.notifications",
                "cwtt.web.navigation.navigation",
                "cwtt.web.language.language_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'cwtt.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the demo's web process read while a generate or rescore writes. Pages
            # are read through a memory map (up to 256 MB of the file) rather than a system
            # call each: a rescore ran about 4% faster (decision 0071).
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456;"
            ),
            # SQLite has one writer. A transaction takes the write lock when it begins, so two
            # phones syncing at once queue for it (up to `timeout` seconds) instead of one
            # failing with "database is locked" when a read turns into a write; and a
            # check-then-insert (one questionnaire per child and wave) cannot interleave.
            "transaction_mode": "IMMEDIATE",
            "timeout": envint("CWTT_SQLITE_TIMEOUT", 20),
        }
    )
    # Tests run on a file beside the database, not in memory, so that they meet SQLite's real
    # locking (tests/offline/test_sync_attacks.py sends from many phones at once).
    _sqlite_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(_sqlite_file.with_name(f"{_sqlite_file.stem}-test.sqlite3"))
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First, as django-axes requires: refuses a locked-out username before the password is
    # checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# How long an e-mailed password-reset link works, in minutes (decision 0055). Welcome links
# from a data manager keep Django's PASSWORD_RESET_TIMEOUT (three days).
CWTT_PASSWORD_RESET_MINUTES = envint("CWTT_PASSWORD_RESET_MINUTES", 60)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# The languages offered in the header's switch, each named in itself: only those whose
# catalogue in cwtt/locale is complete (tests/web/test_translation_catalogues.py; decision 0062).
LANGUAGES = [("en", "English"), ("zu", "isiZulu")]
# Catalogues kept, not yet offered: add a language to LANGUAGES when its catalogue is complete.
CWTT_DRAFT_LANGUAGES = [
    ("st", "Sesotho"),
    ("tn", "Setswana"),
    ("af", "Afrikaans"),
    ("xh", "isiXhosa"),
]
# Translations of the interface (cwtt/locale/README.md says how to add or update one).
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats for the languages Django has none for (cwtt/formats/).
FORMAT_MODULE_PATH = ["cwtt.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Africa/Johannesburg")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("CWTT_STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even when empty
# Serve static files straight from the installed package (no collectstatic step on a fresh
# clone or after `pip install`); `cwtt collectstatic` is only for a proxy that serves them.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Chart.js is a file of the package (cwtt/dashboards/static/vendor/chartjs/), a byte-for-byte
# copy of what package-lock.json pins, so a `pip install` serves charts with no npm (decision
# 0034, amending 0022); tests/dashboards/test_chart_files.py compares it with node_modules.

# --- Signing in and security headers (docs/access.md, "Signing in"; decision 0011)

SESSION_COOKIE_HTTPONLY = True
# Idle expiry: a sign-in ends after this many minutes without a request a person made
# (cwtt/access/idle.py); a page's own refreshes do not count. The cookie lasts a day longer, so
# that this rule, not the cookie's expiry, ends the sign-in and each page is told why.
IDLE_MINUTES = envint("CWTT_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = IDLE_MINUTES * 60 + 24 * 3600
SESSION_SAVE_EVERY_REQUEST = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


def security_settings(*, tls: bool, secure_cookies: bool = False) -> dict[str, object]:
    """The settings that depend on being served over HTTPS. A function, so that the tests can
    check both answers without reloading this module."""
    values: dict[str, object] = {
        "SESSION_COOKIE_SECURE": tls or secure_cookies,
        "CSRF_COOKIE_SECURE": tls or secure_cookies,
        "SECURE_SSL_REDIRECT": tls,
        # One year. Only with TLS: browsers then refuse plain HTTP to this host for that long.
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600 if tls else 0,
        # Hosts under this one too (cwtt.example.org covers x.cwtt.example.org, not
        # example.org): none of them may serve a child's data over plain HTTP (decision 0027).
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": tls,
    }
    if tls:
        # A load balancer's health check often comes over plain HTTP, inside the network.
        values["SECURE_REDIRECT_EXEMPT"] = [r"^health/$"]
        # TLS usually ends at a reverse proxy, which must set X-Forwarded-Proto (and drop a
        # client's own) so that Django knows the request came in over HTTPS.
        values["SECURE_PROXY_SSL_HEADER"] = ("HTTP_X_FORWARDED_PROTO", "https")
    return values


# SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE, SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS and,
# with TLS, SECURE_PROXY_SSL_HEADER. SECURE_COOKIES alone still only marks the cookies secure.
globals().update(
    security_settings(
        tls=envbool("CWTT_TLS", False), secure_cookies=envbool("SECURE_COOKIES", False)
    )
)

# Pages load only this site's own files: no inline or third-party script, no framing, forms
# post only here. No inline styles either: neither style attributes (style-src 'self') nor
# <style> elements (style-src-elem 'self'); what a page computes (a progress bar's width, a
# chart's height) its script sets through the DOM. The PDF templates keep their <style>:
# WeasyPrint reads them, not a browser. See decision 0011.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-elem": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Lockout after repeated failed sign-ins (django-axes). Counted per username, not per IP
# address: a whole school often signs in from one shared address, and one person's typing
# must not lock out their colleagues (decision 0011).
AXES_FAILURE_LIMIT = envint("CWTT_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("CWTT_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns that IP address is not a lockout parameter: deliberate, as above. Failures are
# summed per username whatever the address or browser, so rotating them does not help; trying
# one password on many usernames is what the password rules and the second factor answer.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cwtt.access.lockout.locked_out"
# No usernames, addresses or browser strings in the logs; the audit trail records sign-ins.
AXES_CLIENT_STR_CALLABLE = "cwtt.access.lockout.client_str_for_logs"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no start-up banner on every `cwtt` command

# Second factor (django-otp, TOTP): who needs it is computed from the sensitivity matrix
# (cwtt/access/two_factor.py).
OTP_TOTP_ISSUER = "CWTT"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs carry URLs; ours never hold personal data, but keep them at warning.
        "django.request": {"level": "WARNING"},
        # One line per task started and finished is noise; failures are still logged.
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}

# The instrument published on first setup when none exists yet.
CWTT_DEFAULT_INSTRUMENT = BASE_DIR / "instruments" / "data" / "cwtt_default.md"

# E-mail for notifications: printed to the console unless a mail server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cwtt@localhost")
# Text messages for what cannot wait: printed to the console unless a gateway class is named
# (cwtt/notifications/sms.py).
CWTT_SMS_BACKEND = os.environ.get("CWTT_SMS_BACKEND", "cwtt.notifications.sms.ConsoleSMSBackend")

# Background work (cwtt/jobs, decision 0033): Django's Tasks framework (the django-tasks backport).
# By default tasks wait in this database and `cwtt worker` runs them (django-tasks-db), so the
# embedded install needs nothing else. With CWTT_REDIS_URL set they go to Redis instead and RQ
# runs them (django-tasks-rq): several `cwtt worker` processes on several machines share the queue.
CWTT_REDIS_URL = os.environ.get("CWTT_REDIS_URL", "")
if CWTT_REDIS_URL:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db") + 1, "django_rq")
    RQ_QUEUES = {"default": {"URL": CWTT_REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# How long `cwtt worker` sleeps when there is nothing to do, in seconds.
CWTT_WORKER_SLEEP = envint("CWTT_WORKER_SLEEP", 5)

# Break the glass: how long emergency access to a child outside one's schools lasts.
CWTT_EMERGENCY_ACCESS_HOURS = envint("CWTT_EMERGENCY_ACCESS_HOURS", 3)

# Aggregates for district, provincial and research roles hide counts smaller than this, and
# more cells where totals would give them away (cwtt/access/suppression.py, decision 0013).
CWTT_SMALL_CELL = envint("CWTT_SMALL_CELL", 5)
if CWTT_SMALL_CELL < 1:
    raise ValueError(
        f"CWTT_SMALL_CELL={CWTT_SMALL_CELL} must be at least 1 (5 is usual): it is the smallest "
        "count district, provincial and research roles may see."
    )

# ...and round every count they see to the nearest multiple of this, after deciding what to hide,
# so a live figure never moves by one when one child is assessed (decision 0028; 1: exact).
CWTT_ROUNDING_BASE = envint("CWTT_ROUNDING_BASE", 5)
if CWTT_ROUNDING_BASE < 1:
    raise ValueError(
        f"CWTT_ROUNDING_BASE={CWTT_ROUNDING_BASE} must be at least 1 (5 is usual; 1 shows exact "
        "numbers): district, provincial and research roles see counts rounded to it."
    )


# The key behind research-export pseudonyms (HMAC-SHA256 of a child's id). Whoever holds it
# can link a pseudonym back to a child: never give it to researchers.
# Research exports from the same installation keep each child's pseudonym.
CWTT_PSEUDONYM_KEY = envsecret("CWTT_PSEUDONYM_KEY") or local_secret(
    "pseudonym_key", setting="CWTT_PSEUDONYM_KEY"
)


def _encryption_keys() -> list[str]:
    # Fernet keys for text encrypted at rest (cwtt/access/encryption.py, decision 0012): the
    # first encrypts, all decrypt. Comma-separated in CWTT_ENCRYPTION_KEYS, or one per line (or
    # comma-separated) in the file named by CWTT_ENCRYPTION_KEYS_FILE.
    from cryptography.fernet import Fernet

    value = envsecret("CWTT_ENCRYPTION_KEYS")
    if value is None:
        # Generated once per data directory so the demo works on a fresh clone. Production sets
        # the variable and keeps the key safe: without it the encrypted notes are lost.
        value = local_secret(
            "encryption_key",
            lambda: Fernet.generate_key().decode(),
            setting="CWTT_ENCRYPTION_KEYS",
        )
    keys = [key for key in value.replace("\n", ",").split(",") if key.strip()]
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key.strip())
        except ValueError:
            # Never echo the key: it is a secret even when malformed.
            raise ValueError(
                f"CWTT_ENCRYPTION_KEYS: key number {number} is not a Fernet key (44 characters "
                "of URL-safe base64); make one with `cwtt keys new`."
            ) from None
    if not keys:
        raise ValueError("CWTT_ENCRYPTION_KEYS is set but holds no key.")
    return [key.strip() for key in keys]


CWTT_ENCRYPTION_KEYS = _encryption_keys()

# The audit trail (cwtt/access/audit.py, decision 0026). Each entry is sealed with this key, which
# the database does not hold: someone who can write the database but not read this key cannot
# edit, forge or re-chain entries unseen. Generated once per data directory for the demo;
# production sets CWTT_AUDIT_KEY (or CWTT_AUDIT_KEY_FILE) and keeps it with the other secrets,
# never in the database or its backups. Losing it leaves the trail unverifiable.
CWTT_AUDIT_KEY = envsecret("CWTT_AUDIT_KEY") or local_secret("audit_key", setting="CWTT_AUDIT_KEY")
# Where `cwtt audit seal` appends signed checkpoints of the sealed chain: a file outside the
# database, append-only. Keep a copy somewhere the database's administrators cannot write.
CWTT_AUDIT_CHECKPOINTS = Path(
    os.environ.get("CWTT_AUDIT_CHECKPOINTS") or DATA_DIR / "audit-checkpoints.jsonl"
)

# The retention rule: a child who has exited or transferred is anonymised this many years after
# their last activity (cwtt/rights/retention.py; `cwtt retention apply`).
CWTT_RETENTION_YEARS = envint("CWTT_RETENTION_YEARS", 5)
if CWTT_RETENTION_YEARS < 1:
    raise ValueError(
        f"CWTT_RETENTION_YEARS={CWTT_RETENTION_YEARS} must be at least 1: 0 would remove a "
        "child's identity the day they leave, before anyone could follow up."
    )

# Casework (issue #4). Reviews fall due by the child's current risk level, in days.
CWTT_CASE_REVIEW_DAYS = {
    "high": envint("CWTT_REVIEW_DAYS_HIGH", 30),
    "moderate": envint("CWTT_REVIEW_DAYS_MODERATE", 90),
}
# A provider's feedback link stays valid this many days.
CWTT_FEEDBACK_LINK_DAYS = envint("CWTT_FEEDBACK_LINK_DAYS", 14)
# The referral rules in force (a Markdown table; empty = cwtt/referrals/data/referral_rules.md).
CWTT_REFERRAL_RULES = os.environ.get("CWTT_REFERRAL_RULES", "")
# Two deliveries of the same kind of help this many days apart or less count as help given twice.
CWTT_DOUBLE_DIPPING_DAYS = envint("CWTT_DOUBLE_DIPPING_DAYS", 30)
# Data quality (docs/quality.md): more assessments than this by one person in one day is flagged.
CWTT_QUALITY_MAX_PER_DAY = envint("CWTT_QUALITY_MAX_PER_DAY", 25)
# Imports (decision 0029): a file with more rows than this below its column names is refused
# whole, before anything is checked, so a 300,000-row sheet is never loaded into memory.
CWTT_IMPORT_MAX_ROWS = envint("CWTT_IMPORT_MAX_ROWS", 100_000)
if CWTT_IMPORT_MAX_ROWS < 1:
    raise ValueError(f"CWTT_IMPORT_MAX_ROWS={CWTT_IMPORT_MAX_ROWS} must be at least 1.")

# DHIS2 (docs/exports.md): where `cwtt export dhis2 --post` sends aggregate figures, and the
# mapping file a deployer filled in (empty: the shipped cwtt/interop/dhis2/mapping.json, whose
# placeholders refuse to run until replaced).
CWTT_DHIS2_URL = os.environ.get("CWTT_DHIS2_URL", "").strip().rstrip("/")
if CWTT_DHIS2_URL and not CWTT_DHIS2_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"CWTT_DHIS2_URL={CWTT_DHIS2_URL!r} must start with https:// (the DHIS2 server's address)."
    )
CWTT_DHIS2_USERNAME = os.environ.get("CWTT_DHIS2_USERNAME", "").strip()
CWTT_DHIS2_PASSWORD = envsecret("CWTT_DHIS2_PASSWORD") or ""
CWTT_DHIS2_TIMEOUT = envint("CWTT_DHIS2_TIMEOUT", 60)
if CWTT_DHIS2_TIMEOUT < 1:
    raise ValueError(f"CWTT_DHIS2_TIMEOUT={CWTT_DHIS2_TIMEOUT} must be at least 1 (seconds).")
CWTT_DHIS2_MAPPING = os.environ.get("CWTT_DHIS2_MAPPING", "").strip()

# The REST API under /api/v1/ (docs/api.md, decision 0044). A token from `cwtt user token
# USERNAME` in `Authorization: Token ...`; a signed-in browser session also works for the
# browsable pages, with Django's CSRF check on every write. Bodies are JSON only, at most
# CWTT_API_MAX_BODY bytes.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cwtt.interop.api.permissions.ReadsThroughPolicy"],
    "DEFAULT_PARSER_CLASSES": ["cwtt.interop.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "cwtt.interop.api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Every refusal as {"errors": {where: message}}, like the writes' own.
    "EXCEPTION_HANDLER": "cwtt.interop.api.errors.exception_handler",
}
CWTT_API_MAX_BODY = envint("CWTT_API_MAX_BODY", 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "CWTT API",
    "DESCRIPTION": (
        "Read and write what the CWTT pages show and do, under the same access rules. "
        "Authenticate with `Authorization: Token <key>` (a data manager makes the key with "
        "`cwtt user token USERNAME`). See docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "cwtt.interop.api.serializers.LEVELS",
        "ReferralStatusEnum": "cwtt.referrals.models.Status",
        "CaseStatusEnum": "cwtt.cases.models.Case.Status",
    },
}

# The action queue (cwtt/cases/queue.py, decision 0059): how many new cases each social worker
# or nurse at a school takes on in a month (a school may set its own), and how many children
# must share a need before one group response is proposed instead of a case each.
CWTT_NEW_CASES_PER_WORKER = envint("CWTT_NEW_CASES_PER_WORKER", 4)
CWTT_GROUP_RESPONSE_MIN = envint("CWTT_GROUP_RESPONSE_MIN", 5)
if CWTT_NEW_CASES_PER_WORKER < 1 or CWTT_GROUP_RESPONSE_MIN < 2:
    raise ValueError(
        "CWTT_NEW_CASES_PER_WORKER must be at least 1 and CWTT_GROUP_RESPONSE_MIN at least 2."
    )
