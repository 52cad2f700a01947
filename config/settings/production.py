"""Production: PostgreSQL, Redis, real workers. Refuses to start without a secret key and
passes ``manage.py check --deploy``."""

from config.settings.base import *  # noqa: F403
from config.settings.base import MIDDLEWARE, REDIS_URL, env

SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: a missing key stops the start
# After rotating the key, list the old one here: survey links (derived with it) keep working.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
DEBUG = False
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address (login lockouts, the survey links' rate limit) is the one the proxy in
# front appends to X-Forwarded-For; without this every visitor would share the proxy's
# address and one bad actor would lock everybody out.
AXES_IPWARE_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=1)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# Links in e-mails (survey invitations) must point at the real site: no default here.
SITE_URL = env("SITE_URL").rstrip("/")
# Demo data (public passwords, a public survey link) must never reach a real database.
DEMO_DATA_ALLOWED = False
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Static files straight from gunicorn, compressed and with hashed names.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
