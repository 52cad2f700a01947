"""Fixtures of the survey tests: a real SMTP server on localhost and a Celery worker that
sends through it."""

import socket
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import spawn_celery_worker, stop_celery_worker

SMTP_SITE_URL = "https://jointplan.example.org"


# Recipients the SMTP server refuses for good, as a real one refuses an unknown mailbox.
UNKNOWN_MAILBOX = "nobody@"


class StoringHandler:
    """Keeps every message the SMTP server accepts, parsed, with its envelope recipients;
    refuses recipients starting with ``UNKNOWN_MAILBOX`` with 550."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address.startswith(UNKNOWN_MAILBOX):
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[StoringHandler, int]]:
    """An SMTP server on 127.0.0.1 (aiosmtpd) that stores what it receives."""
    handler = StoringHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def smtp_worker(django_db_setup, django_db_blocker, smtp_server):
    """A real Celery worker like ``tests.conftest.celery_worker`` (its own queue, the test
    database) whose e-mail goes to ``smtp_server``: config.settings.test keeps messages in
    memory unless EMAIL_URL names a server."""
    from config.celery import app

    _handler, port = smtp_server
    process, node = spawn_celery_worker(
        f"test-smtp-{uuid.uuid4().hex[:8]}",
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        # The worker writes the links: they must name the site the test expects.
        SITE_URL=SMTP_SITE_URL,
    )
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = node.split("@", 1)[0]
    try:
        yield node
    finally:
        stop_celery_worker(process)
        app.conf.task_default_queue = previous_queue
