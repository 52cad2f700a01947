"""The demo and development environment: SQLite under var/, tasks run in-process, e-mail to
the console. No service needs to be running."""

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
VAR_DIR.mkdir(exist_ok=True)
