"""A worker killed with SIGKILL in the middle of a render: the job still ends succeeded
exactly once, never stuck in running. Real workers, real Redis, real PostgreSQL."""

import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.celery import app as celery_app
from core.documents import services
from core.models import DocumentExport
from tests.conftest import spawn_celery_worker, stop_celery_worker, wait_until
from tests.strategies.big import build_big_strategy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def big_strategy():
    strategy = build_big_strategy()
    return strategy, get_user_model().objects.get(username="coordinator-sokolsky")


def _running(export_id):
    return DocumentExport.objects.filter(pk=export_id, status="running").exists()


def _finished(export_id):
    export = DocumentExport.objects.get(pk=export_id)
    return export if export.is_finished else None


def _files_of(export):
    folder = os.path.join(settings.MEDIA_ROOT, os.path.dirname(export.file.name))
    prefix = f"{export.kind}-{export.object_id}-{export.content_hash[:12]}"
    return [name for name in os.listdir(folder) if name.startswith(prefix)]


def test_a_render_child_killed_midway_is_redelivered_and_succeeds_once(big_strategy, celery_worker):
    strategy, coordinator = big_strategy
    export, created = services.document_export_request(
        kind="strategy", subject=strategy, actor=coordinator
    )
    assert created
    wait_until(lambda: _running(export.pk), timeout=60)
    time.sleep(1)  # well inside a render of about a hundred pages

    stats = celery_app.control.inspect(destination=[celery_worker]).stats()
    (child,) = stats[celery_worker]["pool"]["processes"]
    os.kill(child, signal.SIGKILL)

    done = wait_until(lambda: _finished(export.pk), timeout=180, interval=0.5)
    assert done.status == "succeeded"
    assert done.attempts == 2  # the killed attempt, then the redelivered message
    assert done.pages >= 50
    assert _files_of(done) == [os.path.basename(done.file.name)]


def test_a_whole_worker_killed_midway_is_swept_and_succeeds_once(big_strategy):
    strategy, coordinator = big_strategy
    queue = f"test-fault-{uuid.uuid4().hex[:8]}"
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    process, _node = spawn_celery_worker(queue)
    replacement = None
    try:
        export, _ = services.document_export_request(
            kind="strategy", subject=strategy, actor=coordinator
        )
        wait_until(lambda: _running(export.pk), timeout=60)
        time.sleep(1)
        os.killpg(process.pid, signal.SIGKILL)  # the worker and its child, no goodbye
        process.wait()
        time.sleep(2)
        assert DocumentExport.objects.get(pk=export.pk).status == "running"

        # Its message is unacknowledged in Redis until the visibility timeout; the sweeper,
        # run as if the hard time limit had passed, queues the job for a new worker.
        replacement, _ = spawn_celery_worker(queue)
        later = timezone.now() + timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
        assert services.document_exports_sweep(now=later) == 1

        done = wait_until(lambda: _finished(export.pk), timeout=180, interval=0.5)
        assert done.status == "succeeded"
        assert done.attempts == 2
        assert _files_of(done) == [os.path.basename(done.file.name)]
    finally:
        celery_app.conf.task_default_queue = default_queue
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        if replacement is not None:
            stop_celery_worker(replacement)
