"""The test environment: real PostgreSQL and Redis, as in production."""

import tempfile
import uuid

from config.settings.base import *  # noqa: F403
from config.settings.base import REDIS_URL, env

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/jointplan"),
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
# Messages stay in memory (django.core.mail.outbox) unless a test starts a worker with a real
# SMTP server in EMAIL_URL.
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = False
# Messages of tests that run no worker go to a queue nobody consumes (never a developer's
# worker on the same Redis); tests with a worker give it a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="jointplan-tests-unconsumed")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Redis, as in production (rate limits must hold across processes), under a prefix of this
# run's own so that parallel runs never see each other's counters.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
}
# Files of this run only (exported documents are named by content hash, and a file left by
# an earlier run would make storage pick another name). Workers started by the tests get
# the same directory through the environment.
MEDIA_ROOT = env("MEDIA_ROOT", default="") or tempfile.mkdtemp(prefix="jointplan-test-media-")
