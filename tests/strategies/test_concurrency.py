"""Nobody overwrites anybody: two people save the same version of a section at the same
moment, each over its own database connection. One save wins; the other is refused with
412 and nothing of it is written."""

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from strategies.models import Revision, Section

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_two_saves_of_one_version_give_one_200_and_one_412(joint_strategy):
    section = joint_strategy.strategy.sections.order_by("position").first()
    url = f"/api/v1/sections/{section.pk}/"
    writers = {
        "editor-sokolsky": "<p>Сокольский район: население 47 тыс. человек.</p>",
        "editor-vologodsky": "<p>Вологодский район: население 52 тыс. человек.</p>",
    }
    clients = {name: client_for(joint_strategy.users[name]) for name in writers}
    both_have_read = threading.Barrier(len(writers), timeout=30)
    answers: dict[str, tuple[int, dict]] = {}

    def write(name: str) -> None:
        try:
            client = clients[name]
            etag = client.get(url)["ETag"]
            # Both read the same version before either writes.
            both_have_read.wait()
            response = client.patch(url, {"body": writers[name]}, format="json", HTTP_IF_MATCH=etag)
            answers[name] = (response.status_code, response.json())
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=write, args=(name,)) for name in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(status for status, _ in answers.values()) == [200, 412]
    winner = next(name for name, (status, _) in answers.items() if status == 200)
    loser_body = next(body for status, body in answers.values() if status == 412)
    assert loser_body["code"] == "version_conflict"
    assert loser_body["current_version"] == 2
    assert loser_body["current"]["body"] == writers[winner]

    stored = Section.objects.get(pk=section.pk)
    assert (stored.version, stored.body) == (2, writers[winner])
    revisions = Revision.objects.filter(section=section)
    assert list(revisions.values_list("number", flat=True)) == [2, 1]
    assert revisions.get(number=2).author == joint_strategy.users[winner]
