"""Log hygiene: secrets that travel in URL paths (personal survey links) never reach a log.

Django logs the path of every 4xx/5xx answer ("Bad Request: /s/<token>/"), runserver logs
every request line. The patterns come from settings (``LOG_REDACTED_PATHS``), so core needs
to know no app."""

import logging
import re
from functools import cache

from django.conf import settings


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in settings.LOG_REDACTED_PATHS)


def redact(text: str) -> str:
    for pattern in _patterns():
        text = pattern.sub(lambda match: match.group(0).replace(match.group(1), "<token>"), text)
    return text


class RedactSecretPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
