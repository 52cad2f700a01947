"""Fixtures shared by every test. Tests run on real PostgreSQL and Redis (config.settings.test)."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from rest_framework.test import APIClient

from tests.municipalities.factories import MembershipFactory, UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def member(db):
    """Make a user holding ``role`` in ``municipality``: ``member(municipality, "editor")``."""

    def make(municipality, role, username=None):
        user = UserFactory(username=username or f"{role}-{municipality.oktmo}")
        MembershipFactory(user=user, municipality=municipality, role=role)
        return user

    return make


def spawn_celery_worker(queue: str, **extra_env: str) -> tuple[subprocess.Popen, str]:
    """Start a real Celery worker process (prefork, one child) consuming only ``queue``, on
    the test database, and wait until it answers a ping. Returns the process (the leader of
    a session of its own, so that ``os.killpg`` reaches its children too) and its node name."""
    from django.conf import settings

    from config.celery import app

    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **extra_env,
    }
    node = f"{queue}@localhost"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=WARNING",
            "-n",
            node,
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[node], timeout=1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("The Celery worker did not start")
    return process, node


def stop_celery_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test Redis and the test database.

    It consumes a queue of its own, so it never takes a message meant for another worker.
    Tests that use it also need ``transactional_db``: the worker is another process and sees
    only committed rows. Yields the worker's node name."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    process, node = spawn_celery_worker(queue)
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield node
    finally:
        stop_celery_worker(process)
        app.conf.task_default_queue = previous_queue


@contextlib.contextmanager
def broker_down():
    """Point the Celery app at a port nobody listens on: a really unreachable broker."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from config.celery import app

    original = app.conf.broker_url

    def switch(url):
        app.conf.broker_url = url
        app._pool = None  # connections are pooled per URL: drop them
        app.amqp._producer_pool = None

    switch(f"redis://127.0.0.1:{port}/0")
    try:
        yield
    finally:
        switch(original)


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll ``predicate`` until it returns something truthy (for work done by a worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def joint_strategy(db, member):
    """A draft strategy of Sokolsky (lead) and Vologodsky districts, made through the
    service, with one user per role in each and a non-participant editor (Cherepovets).
    Returns a namespace: strategy, sokolsky, vologodsky, cherepovets, and users by
    ``"<role>-<slug>"`` in ``users``."""
    from types import SimpleNamespace

    from strategies.services import strategy_create
    from tests.municipalities.factories import MunicipalityFactory

    sokolsky = MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный район")
    vologodsky = MunicipalityFactory(oktmo="19620000", name="Вологодский муниципальный район")
    cherepovets = MunicipalityFactory(
        oktmo="19730000", name="городской округ город Череповец", kind="urban_okrug"
    )
    users = {}
    for slug, municipality in (("sokolsky", sokolsky), ("vologodsky", vologodsky)):
        for role in ("viewer", "editor", "approver", "coordinator"):
            users[f"{role}-{slug}"] = member(municipality, role, username=f"{role}-{slug}")
    users["editor-cherepovets"] = member(cherepovets, "editor", username="editor-cherepovets")
    users["coordinator-cherepovets"] = member(
        cherepovets, "coordinator", username="coordinator-cherepovets"
    )
    strategy = strategy_create(
        actor=users["coordinator-sokolsky"],
        title="Стратегия совместного развития Сокольского и Вологодского районов до 2030 года",
        start_year=2025,
        end_year=2030,
        participants=[sokolsky, vologodsky],
    )
    return SimpleNamespace(
        strategy=strategy,
        sokolsky=sokolsky,
        vologodsky=vologodsky,
        cherepovets=cherepovets,
        users=users,
    )
