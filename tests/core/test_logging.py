"""Personal survey links never reach the log: their token is written as <token>."""

import io
import logging

import pytest

from core.logging import RedactSecretPaths

pytestmark = pytest.mark.django_db

TOKEN = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4"


@pytest.fixture
def console():
    """The project's console handler (settings.LOGGING), writing into a buffer."""
    (handler,) = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretPaths) for f in handler.filters)
    ]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_a_refused_survey_link_is_logged_without_its_token(client, api_client, console):
    assert client.get(f"/s/{TOKEN}/").status_code == 404
    assert api_client.get(f"/api/v1/public/responses/{TOKEN}/").status_code == 404
    logged = console.getvalue()
    assert "Not Found: /s/<token>/" in logged
    assert "Not Found: /api/v1/public/responses/<token>/" in logged
    assert TOKEN not in logged


def test_other_paths_are_logged_as_they_are(client, console):
    client.get("/registry/00000000/")
    assert "/registry/00000000/" in console.getvalue()


def test_the_development_server_logs_request_lines_without_the_token(console):
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /s/{TOKEN}/ HTTP/1.1", 200, 26573)
    logged = console.getvalue()
    assert '"GET /s/<token>/ HTTP/1.1" 200' in logged
    assert TOKEN not in logged
