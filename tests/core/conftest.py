"""A document kind of the tests' own, so that the pipeline is tested without any app: it
renders a user's "note" (the user name and a body kept on the test) and only that user may
see it."""

import hashlib
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from core.documents import registry

TEMPLATES_DIR = django_settings.BASE_DIR / "tests" / "core" / "templates"


@pytest.fixture
def note_kind(settings, tmp_path):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]}
    ]
    settings.MEDIA_ROOT = tmp_path
    state = SimpleNamespace(body="<p>Текст записки.</p>", fail=False, writes=0)

    def build_context(user):
        if state.fail:
            raise RuntimeError("broken template data")
        return {"title": f"Записка {user.username}", "body": state.body}

    def write_csv(user, output):
        state.writes += 1
        output.write(f"name\n{user.username}\n".encode())

    kind = registry.DocumentKind(
        name="test_note",
        label="note",
        model=get_user_model(),
        template_version="1",
        content_hash=lambda user: hashlib.sha256((user.username + state.body).encode()).hexdigest(),
        can_view=lambda user, subject: getattr(user, "pk", None) == subject.pk,
        filename=lambda user, format: f"note-{user.pk}.{format}",
        template="core_tests/note.html",
        build_context=build_context,
        writers={"csv": write_csv},
        subject_url=lambda user: "/",
    )
    registry.register_document_kind(kind)
    yield state
    registry._KINDS.pop("test_note", None)
