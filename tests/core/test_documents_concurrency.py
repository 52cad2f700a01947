"""Deliveries of one job at the same time render it once (real connections, PostgreSQL)."""

import threading

import pytest
from django.db import connection

from core.documents import services
from core.models import DocumentExport
from tests.municipalities.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_overlapping_deliveries_render_once_and_succeed(note_kind):
    user = UserFactory()
    # The row alone, not through the request service: its message would reach whichever
    # worker the session has started, a fifth delivery outside this test's control.
    export = DocumentExport.objects.create(
        kind="test_note",
        object_id=user.pk,
        content_hash="0" * 64,
        format="pdf",
        template_version="1",
    )
    barrier = threading.Barrier(4)
    renders = []
    original = services._render_and_store

    def counting(export):
        renders.append(export.pk)
        return original(export)

    services._render_and_store = counting

    def deliver():
        try:
            barrier.wait()
            services.document_export_run(export_id=export.pk)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=deliver) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        services._render_and_store = original
    done = DocumentExport.objects.get(pk=export.pk)
    assert done.status == "succeeded"
    assert renders == [export.pk]  # the others saw the live render and left it alone
    assert done.attempts == 1
