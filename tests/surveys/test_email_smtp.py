"""End to end: an invitation e-mail leaves through a real Celery worker and a real SMTP
server on localhost, the link in it is the one shown when the invitation was made and it
opens the form; an address the server refuses is marked "delivery failed" with its answer."""

import re

import pytest
from rest_framework.test import APIClient

from surveys import services
from surveys.models import Campaign, Invitation
from surveys.tokens import token_hash
from tests.conftest import wait_until
from tests.municipalities.factories import MunicipalityFactory, UserFactory
from tests.surveys.conftest import UNKNOWN_MAILBOX
from tests.surveys.factories import CampaignFactory

LINK = re.compile(r"https://jointplan\.example\.org/s/([A-Za-z0-9_-]{43})/")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_invitation_reaches_the_respondent_through_smtp(smtp_server, smtp_worker):
    handler, _port = smtp_server
    handler.messages.clear()
    admin = UserFactory(username="smtp-admin", is_staff=True)
    sokol = MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный округ")
    campaign = CampaignFactory(
        title="Межмуниципальное сотрудничество в Вологодской области",
        municipalities=[sokol],
        status=Campaign.Status.OPEN,
    )
    issued = services.invitation_create(
        actor=admin,
        campaign_id=campaign.pk,
        name="Петров Пётр Петрович",
        position="Глава округа",
        email="petrov@sokol.example.org",
        oktmo="19638000",
    )
    # The worker got the task after the commit, sent the message and marked the invitation.
    wait_until(lambda: handler.messages, timeout=60)
    wait_until(lambda: Invitation.objects.get(pk=issued.invitation.pk).sent_at, timeout=30)
    [(recipients, message)] = handler.messages
    assert recipients == ["petrov@sokol.example.org"]
    assert message["To"] == "petrov@sokol.example.org"
    subject = str(message["Subject"])
    assert "Межмуниципальное сотрудничество в Вологодской области" in subject
    body = message.get_content()
    assert "Петров Пётр Петрович" in body
    assert "Сокольский муниципальный округ" in body
    [token] = LINK.findall(body)
    assert token == issued.token
    invitation = Invitation.objects.get(pk=issued.invitation.pk)
    assert invitation.token_hash == token_hash(token)
    assert (invitation.send_attempts, invitation.send_error) == (1, "")
    # The link opens the form.
    assert APIClient().get(f"/api/v1/public/responses/{token}/").status_code == 200


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_address_the_server_refuses_is_marked_failed_at_once(smtp_server, smtp_worker):
    handler, _port = smtp_server
    handler.messages.clear()
    admin = UserFactory(username="smtp-admin-2", is_staff=True)
    sokol = MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный округ")
    campaign = CampaignFactory(municipalities=[sokol], status=Campaign.Status.OPEN)
    issued = services.invitation_create(
        actor=admin,
        campaign_id=campaign.pk,
        name="Несуществующий адресат",
        email=f"{UNKNOWN_MAILBOX}sokol.example.org",
        oktmo="19638000",
    )
    wait_until(lambda: Invitation.objects.get(pk=issued.invitation.pk).send_failed_at, timeout=60)
    invitation = Invitation.objects.get(pk=issued.invitation.pk)
    assert invitation.sent_at is None
    assert invitation.send_attempts == 1
    assert "550" in invitation.send_error
    assert "User unknown" in invitation.send_error
    assert handler.messages == []
