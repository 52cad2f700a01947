"""Rate limit on guessing survey tokens.

A token has 256 bits, so guessing one is hopeless; the limit keeps scanners from hammering the
database all the same and makes them visible. Lookups of unknown tokens are counted per client
address in the cache (Redis in production, so the count holds across processes): after
``MISS_LIMIT`` misses within a window of ``WINDOW_SECONDS``, started by the first miss, every
survey request of that address — page or API, any token, valid or not — answers 429 until the
window ends. Valid tokens are never counted, so respondents behind one office NAT are hurt
only when somebody there keeps trying unknown links.
"""

import math
import time
from collections.abc import Callable
from typing import TypeVar

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import Http404, HttpRequest

MISS_LIMIT = 20
WINDOW_SECONDS = 10 * 60
_PREFIX = "surveys:token-misses:"

T = TypeVar("T")


class RateLimited(Exception):
    """The client address has used up its misses; ``retry_after`` seconds remain."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def minutes(seconds: int) -> int:
    """``retry_after`` rounded up to whole minutes, for people."""
    return max(1, math.ceil(seconds / 60))


def client_address(request: HttpRequest) -> str:
    """The address the limit is kept for: the one django-axes uses for sign-in lockouts, so
    one setting (``AXES_IPWARE_*``, ``AXES_CLIENT_IP_CALLABLE``) serves both behind a
    proxy."""
    return get_client_ip_address(request) or "unknown"


def cache_keys(address: str) -> tuple[str, str]:
    """The cache keys of an address: its miss count and the end of its window."""
    key = _PREFIX + address
    return key, key + ":until"


def _keys(request: HttpRequest) -> tuple[str, str]:
    return cache_keys(client_address(request))


def retry_after(request: HttpRequest) -> int | None:
    """Seconds until the request's address may look up tokens again; None if it may now."""
    count_key, until_key = _keys(request)
    values = cache.get_many([count_key, until_key])
    if values.get(count_key, 0) < MISS_LIMIT:
        return None
    until = values.get(until_key)
    if until is None:
        return WINDOW_SECONDS
    return max(1, math.ceil(until - time.time()))


def record_miss(request: HttpRequest) -> None:
    """Count one lookup of an unknown token for the request's address."""
    count_key, until_key = _keys(request)
    if cache.add(count_key, 1, WINDOW_SECONDS):
        cache.set(until_key, time.time() + WINDOW_SECONDS, WINDOW_SECONDS)
        return
    try:
        cache.incr(count_key)
    except ValueError:
        # The window ended between add() and incr(): this miss opens a new one.
        cache.add(count_key, 1, WINDOW_SECONDS)
        cache.set(until_key, time.time() + WINDOW_SECONDS, WINDOW_SECONDS)


def guarded(request: HttpRequest, lookup: Callable[[], T]) -> T:
    """Run ``lookup`` (anything that finds an invitation by token and raises ``Http404``
    when there is none) under the limit: ``RateLimited`` for an address that has used up its
    misses, and each ``Http404`` is counted before it goes on."""
    wait = retry_after(request)
    if wait is not None:
        raise RateLimited(wait)
    try:
        return lookup()
    except Http404:
        record_miss(request)
        raise
