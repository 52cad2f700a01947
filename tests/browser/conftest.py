"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

No browser is downloaded (``playwright install`` is never run): the system chromium is
launched by path. Run them with ``pytest tests/browser`` or select them with ``-m browser``.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread, and Django refuses database
# calls from a thread with a running loop unless told that this is deliberate. The tests
# only create their data there; the live server handles requests in its own thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--headless",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # Russian, as the site's users: the tests find things by role, id and data, not by
    # interface text, so they hold whether or not the Russian catalogue is compiled.
    return {**browser_context_args, "locale": "ru-RU"}
