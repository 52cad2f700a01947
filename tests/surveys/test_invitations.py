"""Invitations: tokens (256 bits, derived from a salt, only the hash kept), adding one,
importing a file all or nothing, issuing a new link, the e-mail after commit with its
delivery record, the sweeper of unsent e-mails and the reminders fanned out one task each."""

import base64
import datetime as dt
import io
import threading
from smtplib import SMTPDataError, SMTPRecipientsRefused, SMTPServerDisconnected
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from openpyxl import Workbook

from core.exceptions import ApplicationError
from core.models import AuditLog
from surveys import services, tasks
from surveys.models import Campaign, Invitation, Response
from surveys.services.invitations import MAX_SEND_ATTEMPTS, SEND_CLAIM_TTL, UNSENT_GRACE
from surveys.tokens import (
    TokenNotDerivable,
    token_derive,
    token_for,
    token_hash,
    token_salt_new,
)
from tests.municipalities.factories import MunicipalityFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_user):
    return admin_user


@pytest.fixture
def queued():
    with mock.patch("surveys.tasks.send_invitation.delay") as delay:
        yield delay


@pytest.fixture
def sokol():
    return MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный округ")


@pytest.fixture
def vologda():
    return MunicipalityFactory(oktmo="19620000", name="Вологодский муниципальный округ")


@pytest.fixture
def campaign(sokol, vologda):
    return CampaignFactory(
        title="Межмуниципальное сотрудничество — 2026", municipalities=[sokol, vologda]
    )


def invite(staff, campaign, **fields):
    fields.setdefault("name", "Петров Пётр Петрович")
    fields.setdefault("position", "Глава округа")
    fields.setdefault("email", "petrov@sokol.example.org")
    fields.setdefault("oktmo", "19638000")
    return services.invitation_create(actor=staff, campaign_id=campaign.pk, **fields)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


# --- tokens -----------------------------------------------------------------------------------


def test_tokens_carry_256_bits_and_hash_to_sha256_hex():
    salts = {token_salt_new() for _ in range(100)}
    assert len(salts) == 100
    tokens = {token_derive(salt) for salt in salts}
    assert len(tokens) == 100
    for salt, token in zip(sorted(salts), [token_derive(s) for s in sorted(salts)], strict=True):
        assert len(bytes.fromhex(salt)) == 32
        assert len(token) == 43  # base64url without padding
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 == 256
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_token_is_the_hmac_of_the_salt_under_a_key_from_the_secret_key(settings):
    settings.SECRET_KEY = "first-secret-key-" + "x" * 40
    salt = "ab" * 32
    expected = base64.urlsafe_b64encode(
        salted_hmac("jointplan.surveys.invitation", salt, algorithm="sha256").digest()
    ).rstrip(b"=")
    assert token_derive(salt) == expected.decode()
    assert token_derive(salt) == token_derive(salt)
    assert token_derive(salt) != token_derive("cd" * 32)
    invitation = InvitationFactory()
    token = token_for(invitation)
    assert token_hash(token) == invitation.token_hash
    # Another secret key derives other links: the database alone gives no working one.
    settings.SECRET_KEY = "second-secret-key-" + "y" * 40
    with pytest.raises(TokenNotDerivable):
        token_for(invitation)
    # A rotated key listed among the fallbacks still re-derives the links sent under it.
    settings.SECRET_KEY_FALLBACKS = ["first-secret-key-" + "x" * 40]
    assert token_for(invitation) == token


def test_a_fixed_link_is_not_derivable():
    invitation = InvitationFactory(token="fixed-link-of-a-demo")
    with pytest.raises(TokenNotDerivable):
        token_for(invitation)


# --- one by one -----------------------------------------------------------------------------


def test_an_invitation_gives_its_link_once_and_stores_only_the_hash(staff, campaign, settings):
    settings.SITE_URL = "https://jointplan.example.org"
    issued = invite(staff, campaign)
    assert issued.link == f"https://jointplan.example.org/s/{issued.token}/"
    assert token_of(issued.link) == issued.token
    invitation = Invitation.objects.get()
    assert invitation.token_hash == token_hash(issued.token)
    assert token_for(invitation) == issued.token
    assert invitation.municipality.oktmo == "19638000"
    assert (invitation.name, invitation.position) == ("Петров Пётр Петрович", "Глава округа")
    # The token is nowhere in the row, nor in the audit log.
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(i)::text FROM surveys_invitation i")
        [(row,)] = cursor.fetchall()
        cursor.execute(
            "SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') FROM core_auditlog a"
        )
        [(audit,)] = cursor.fetchall()
    assert issued.token not in row
    assert issued.token not in audit
    assert invitation.token_hash in row
    assert AuditLog.objects.filter(action="invitation.create").count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"oktmo": "19701000"}, "oktmo"),  # not one of the campaign's
        ({"oktmo": ""}, "oktmo"),
        ({"name": "  "}, "name"),
        ({"position": "x" * 256}, "position"),
    ],
)
def test_bad_respondents_are_refused_with_field_errors(staff, campaign, fields, field):
    MunicipalityFactory(oktmo="19701000")
    with pytest.raises(ApplicationError) as excinfo:
        invite(staff, campaign, **fields)
    assert excinfo.value.status == 400
    assert field in excinfo.value.extra["errors"]
    assert not Invitation.objects.exists()


def test_an_e_mail_is_invited_once_per_campaign_whatever_its_case(staff, campaign):
    invite(staff, campaign)
    with pytest.raises(ApplicationError) as excinfo:
        invite(staff, campaign, email="Petrov@Sokol.Example.org", oktmo="19620000")
    assert "email" in excinfo.value.extra["errors"]
    # Another campaign may invite the same person.
    other = CampaignFactory(municipalities=list(campaign.municipalities.all()))
    invite(staff, other)
    assert Invitation.objects.count() == 2


def test_a_closed_campaign_invites_nobody(staff, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    with pytest.raises(ApplicationError) as excinfo:
        invite(staff, campaign)
    assert (excinfo.value.status, excinfo.value.code) == (409, "campaign_closed")


@pytest.mark.parametrize("status", [Campaign.Status.DRAFT, Campaign.Status.OPEN])
def test_a_campaign_past_its_closing_time_invites_nobody(staff, campaign, status):
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(
        status=status, opens_at=now - dt.timedelta(days=30), closes_at=now - dt.timedelta(hours=1)
    )
    with translation.override("ru"), pytest.raises(ApplicationError) as excinfo:
        invite(staff, campaign)
    assert (excinfo.value.status, excinfo.value.code) == (400, "campaign_ended")
    assert excinfo.value.message
    with pytest.raises(ApplicationError):
        run_import(staff, campaign, csv_bytes(CSV_ROWS), "x.csv")
    assert not Invitation.objects.exists()


def test_an_open_campaign_mails_the_invitation_after_commit(
    staff, campaign, queued, django_capture_on_commit_callbacks
):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issued = invite(staff, campaign)
    assert not queued.called  # nothing before the commit
    for callback in callbacks:
        callback()
    # Only the id: no secret travels through the broker.
    queued.assert_called_once_with(issued.invitation.pk)


def test_an_open_campaign_before_its_opening_time_mails_at_the_opening_time(
    staff, campaign, queued, django_capture_on_commit_callbacks
):
    opens_at = timezone.now() + dt.timedelta(days=2)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.OPEN, opens_at=opens_at, closes_at=opens_at + dt.timedelta(days=9)
    )
    with django_capture_on_commit_callbacks(execute=True):
        issued = invite(staff, campaign)
    assert not queued.called
    # Not even a task delivered early sends it.
    assert services.invitation_send(invitation_id=issued.invitation.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_sweep_unsent() == 0
        assert services.invitations_sweep_unsent(now=opens_at - dt.timedelta(minutes=1)) == 0
        assert services.invitations_sweep_unsent(now=opens_at + dt.timedelta(minutes=1)) == 1
    queued.assert_called_once_with(issued.invitation.pk)


def test_a_draft_campaign_mails_nothing_yet(
    staff, campaign, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(staff, campaign)
    assert not queued.called


# --- import ---------------------------------------------------------------------------------


CSV_ROWS = [
    ["name", "position", "email", "oktmo"],
    ["Петров Пётр Петрович", "Глава округа", "petrov@sokol.example.org", "19638000"],
    ["Сидорова Анна Ивановна", "Заместитель главы", "sidorova@vologda.example.org", "19620000"],
]


def csv_bytes(rows, delimiter=",", bom=False) -> bytes:
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(staff, campaign, data: bytes, filename: str):
    return services.invitations_import(
        actor=staff, campaign_id=campaign.pk, file=io.BytesIO(data), filename=filename
    )


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (csv_bytes(CSV_ROWS), "respondents.csv"),
        (csv_bytes(CSV_ROWS, delimiter=";"), "respondents.csv"),
        (csv_bytes(CSV_ROWS, delimiter=";", bom=True), "respondents.csv"),
        (csv_bytes(CSV_ROWS, bom=True), "respondents.csv"),
        (xlsx_bytes(CSV_ROWS), "respondents.xlsx"),
    ],
    ids=["comma", "semicolon", "semicolon-bom", "comma-bom", "xlsx"],
)
def test_an_import_invites_everybody_and_reports_their_links(staff, campaign, data, filename):
    report = run_import(staff, campaign, data, filename)
    assert report.ok, report.errors
    assert report.rows == 2
    created = report.as_dict()["created"]
    assert [(c["name"], c["oktmo"]) for c in created] == [
        ("Петров Пётр Петрович", "19638000"),
        ("Сидорова Анна Ивановна", "19620000"),
    ]
    for item in created:
        invitation = Invitation.objects.get(pk=item["id"])
        assert invitation.token_hash == token_hash(token_of(item["link"]))
    assert Invitation.objects.get(email="sidorova@vologda.example.org").position == (
        "Заместитель главы"
    )
    assert AuditLog.objects.filter(action="invitation.import").count() == 1


def test_xlsx_numbers_and_russian_headers_are_understood(staff, campaign):
    rows = [
        ["ФИО", "Должность", "E-mail", "ОКТМО"],
        ["Петров П. П.", "Глава", "petrov@sokol.example.org", 19638000],
        ["Сидорова А. И.", None, "sidorova@vologda.example.org", 19620000.0],
    ]
    report = run_import(staff, campaign, xlsx_bytes(rows), "list.xlsx")
    assert report.ok, report.errors
    assert Invitation.objects.get(email="sidorova@vologda.example.org").position == ""


def test_one_bad_row_invites_nobody_and_the_report_names_every_bad_row(staff, campaign):
    invite(staff, campaign, email="taken@example.org")
    rows = [
        CSV_ROWS[0],
        CSV_ROWS[1],  # row 2: fine
        ["", "Глава", "nobody@example.org", "19638000"],  # row 3: no name
        ["Иванов И. И.", "Глава", "ivanov@", "19638000"],  # row 4: bad e-mail
        ["Кузнецов К. К.", "Глава", "k@example.org", "45000000"],  # row 5: not a target
        ["Петров-2", "Глава", "PETROV@sokol.example.org", "19620000"],  # row 6: twice in file
        ["Занятый", "Глава", "taken@example.org", "19620000"],  # row 7: already invited
        ["", "", "", ""],  # blank: skipped
    ]
    report = run_import(staff, campaign, csv_bytes(rows, delimiter=";"), "list.csv")
    assert not report.ok
    assert report.created == []
    assert [e.row for e in report.errors] == [3, 4, 5, 6, 7]
    messages = {e.row: " ".join(e.messages) for e in report.errors}
    assert "имя" in messages[3]
    assert "ivanov@" in messages[4]
    assert "45000000" in messages[5]
    assert "PETROV@sokol.example.org" in messages[6]
    assert "taken@example.org" in messages[7]
    assert Invitation.objects.count() == 1  # only the one invited before
    assert not AuditLog.objects.filter(action="invitation.import").exists()


def test_messages_of_the_report_are_translated(staff, campaign):
    from django.utils import translation

    rows = [CSV_ROWS[0], ["Иванов", "Глава", "bad", "19638000"]]
    with translation.override("ru"):
        report = run_import(staff, campaign, csv_bytes(rows), "list.csv")
    with translation.override("en"):
        english = run_import(staff, campaign, csv_bytes(rows), "list.csv")
    assert report.errors[0].row == english.errors[0].row == 2
    assert "bad" in report.errors[0].messages[0]


def test_a_header_without_the_needed_columns_is_reported_as_row_1(staff, campaign):
    report = run_import(staff, campaign, csv_bytes([["fio", "mail"], ["a", "b"]]), "x.csv")
    assert not report.ok
    assert report.errors[0].row == 1
    assert "name, email, oktmo" in report.errors[0].messages[0]


def test_a_file_listing_nobody_is_refused(staff, campaign):
    report = run_import(staff, campaign, csv_bytes([CSV_ROWS[0]]), "x.csv")
    assert not report.ok
    assert report.errors[0].messages


def test_an_unreadable_file_is_refused(staff, campaign):
    with pytest.raises(ApplicationError) as excinfo:
        run_import(staff, campaign, b"not a workbook", "x.xlsx")
    assert excinfo.value.code == "unreadable_file"
    with pytest.raises(ApplicationError):
        run_import(staff, campaign, b"a,b", "x.pdf")


def test_an_import_into_an_open_campaign_mails_everybody_after_commit(
    staff, campaign, queued, django_capture_on_commit_callbacks
):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(staff, campaign, csv_bytes(CSV_ROWS), "x.csv")
    assert sorted(c.args for c in queued.call_args_list) == sorted(
        (issued.invitation.pk,) for issued in report.created
    )


# --- a new link -------------------------------------------------------------------------------


def test_a_new_link_replaces_the_old_one_and_is_mailed_again(
    staff, campaign, queued, django_capture_on_commit_callbacks
):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        first = invite(staff, campaign)
    Invitation.objects.filter(pk=first.invitation.pk).update(
        sent_at=timezone.now(), send_attempts=1
    )
    queued.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.invitation_reissue(actor=staff, invitation_id=first.invitation.pk)
    assert second.token != first.token
    assert second.link.endswith(f"/s/{second.token}/")
    invitation = Invitation.objects.get()
    assert invitation.token_hash == token_hash(second.token)
    assert token_for(invitation) == second.token
    assert not Invitation.objects.filter(token_hash=token_hash(first.token)).exists()
    # Sent afresh, with the new link.
    assert (invitation.sent_at, invitation.send_attempts) == (None, 0)
    queued.assert_called_once_with(invitation.pk)
    audit = AuditLog.objects.get(action="invitation.reissue")
    assert audit.actor == staff
    assert first.token not in str(audit.after)
    assert second.token not in str(audit.after)


def test_a_new_link_in_a_draft_waits_for_the_opening(
    staff, campaign, queued, django_capture_on_commit_callbacks
):
    first = invite(staff, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_reissue(actor=staff, invitation_id=first.invitation.pk)
    assert not queued.called


def test_no_new_link_for_a_submitted_invitation_or_a_closed_campaign(staff, campaign):
    issued = invite(staff, campaign)
    Invitation.objects.filter(pk=issued.invitation.pk).update(submitted_at=timezone.now())
    with pytest.raises(ApplicationError) as excinfo:
        services.invitation_reissue(actor=staff, invitation_id=issued.invitation.pk)
    assert (excinfo.value.status, excinfo.value.code) == (409, "already_submitted")
    other = invite(staff, campaign, email="other@example.org")
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CLOSED)
    with pytest.raises(ApplicationError) as excinfo:
        services.invitation_reissue(actor=staff, invitation_id=other.invitation.pk)
    assert excinfo.value.code == "campaign_closed"
    assert Invitation.objects.get(pk=other.invitation.pk).token_hash == token_hash(other.token)
    assert not AuditLog.objects.filter(action="invitation.reissue").exists()


# --- sending ----------------------------------------------------------------------------------


@pytest.fixture
def open_campaign(campaign):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    campaign.refresh_from_db()
    return campaign


def link_in(body: str) -> str:
    return next(line for line in body.splitlines() if "/s/" in line).strip()


def test_the_invitation_e_mail_carries_the_link_and_marks_the_invitation_sent(
    open_campaign, settings
):
    settings.SITE_URL = "https://jointplan.example.org"
    invitation = InvitationFactory(campaign=open_campaign, name="Петров П. П.")
    assert tasks.send_invitation.apply(args=[invitation.pk]).get() is True
    [message] = mail.outbox
    assert message.to == [invitation.email]
    assert open_campaign.title in message.subject
    assert "\n" not in message.subject
    assert link_in(message.body) == f"https://jointplan.example.org/s/{token_for(invitation)}/"
    assert "Петров П. П." in message.body
    assert invitation.municipality.name in message.body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert (invitation.send_attempts, invitation.sending_since, invitation.send_error) == (
        1,
        None,
        "",
    )
    # Delivered twice (acks_late): sent once.
    assert services.invitation_send(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


def test_no_e_mail_for_a_closed_campaign_or_a_gone_invitation(open_campaign):
    invitation = InvitationFactory(campaign=open_campaign)
    assert not services.invitation_send(invitation_id=10**9)
    Campaign.objects.filter(pk=open_campaign.pk).update(status=Campaign.Status.CLOSED)
    assert not services.invitation_send(invitation_id=invitation.pk)
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert (invitation.sent_at, invitation.send_attempts) == (None, 0)


def test_an_e_mail_another_worker_is_sending_is_left_to_it(open_campaign):
    invitation = InvitationFactory(campaign=open_campaign)
    Invitation.objects.filter(pk=invitation.pk).update(sending_since=timezone.now())
    assert services.invitation_send(invitation_id=invitation.pk) is False
    assert mail.outbox == []
    # A claim older than any task may run belongs to a worker that died.
    Invitation.objects.filter(pk=invitation.pk).update(
        sending_since=timezone.now() - SEND_CLAIM_TTL - dt.timedelta(seconds=1)
    )
    assert services.invitation_send(invitation_id=invitation.pk) is True
    assert len(mail.outbox) == 1


def test_a_link_that_cannot_be_derived_is_never_mailed(open_campaign):
    """Like the demo's fixed link, or one made before links were derived: another link in
    the e-mail would not work, so the delivery is marked failed with what to do."""
    invitation = InvitationFactory(campaign=open_campaign, token="fixed-link")
    assert services.invitation_send(invitation_id=invitation.pk) is False
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.send_failed_at is not None
    assert "выдайте новую ссылку" in invitation.send_error
    assert invitation.token_hash == token_hash("fixed-link")


def test_a_transient_failure_is_recorded_and_tried_again_later(
    open_campaign, queued, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(campaign=open_campaign)
    with mock.patch(
        "django.core.mail.EmailMessage.send", side_effect=OSError("Connection refused")
    ):
        assert services.invitation_send(invitation_id=invitation.pk) is False
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    assert invitation.send_attempts == 1
    assert invitation.sending_since is None  # not claimed any more: a retry may take it
    assert invitation.send_failed_at is None
    assert invitation.send_error == "OSError: Connection refused"
    # The sweeper waits twice the grace after a failed attempt.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_sweep_unsent(now=timezone.now() + UNSENT_GRACE) == 0
        later = timezone.now() + 2 * UNSENT_GRACE + dt.timedelta(seconds=1)
        assert services.invitations_sweep_unsent(now=later) == 1
    queued.assert_called_once_with(invitation.pk)
    assert services.invitation_send(invitation_id=invitation.pk) is True
    invitation.refresh_from_db()
    assert (invitation.send_attempts, invitation.send_error) == (2, "")
    assert invitation.sent_at is not None


def test_an_address_refused_for_good_fails_at_once(open_campaign):
    invitation = InvitationFactory(campaign=open_campaign, email="nobody@sokol.example.org")
    refused = SMTPRecipientsRefused(
        {"nobody@sokol.example.org": (550, b"5.1.1 <nobody@sokol.example.org>: User unknown")}
    )
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=refused):
        assert services.invitation_send(invitation_id=invitation.pk) is False
    invitation.refresh_from_db()
    assert invitation.send_failed_at is not None
    assert invitation.send_attempts == 1
    assert "550 5.1.1" in invitation.send_error
    assert "User unknown" in invitation.send_error
    # Given up: neither the sweeper nor a late task tries again.
    assert services.invitations_sweep_unsent(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert services.invitation_send(invitation_id=invitation.pk) is False


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (SMTPRecipientsRefused({"a@example.org": (450, b"mailbox busy")}), False),
        (SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), True),
        (SMTPDataError(554, b"5.7.1 rejected"), True),
        (SMTPDataError(451, b"try again later"), False),
        (SMTPServerDisconnected("gone"), False),
        (TimeoutError("timed out"), False),
    ],
    ids=["450", "550", "data-554", "data-451", "disconnected", "timeout"],
)
def test_only_5xx_refusals_are_permanent(open_campaign, error, permanent):
    invitation = InvitationFactory(campaign=open_campaign)
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=error):
        services.invitation_send(invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert (invitation.send_failed_at is not None) is permanent
    assert invitation.send_error


def test_the_delivery_is_given_up_after_the_last_attempt(open_campaign):
    invitation = InvitationFactory(campaign=open_campaign)
    Invitation.objects.filter(pk=invitation.pk).update(send_attempts=MAX_SEND_ATTEMPTS - 1)
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("down")):
        assert services.invitation_send(invitation_id=invitation.pk) is False
    invitation.refresh_from_db()
    assert invitation.send_attempts == MAX_SEND_ATTEMPTS
    assert invitation.send_failed_at is not None


def age(invitation: Invitation, **delta) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(
        updated_at=timezone.now() - dt.timedelta(**delta)
    )


def test_the_sweeper_requeues_old_unsent_invitations_of_open_campaigns_with_the_same_link(
    open_campaign, queued, django_capture_on_commit_callbacks
):
    old = InvitationFactory(campaign=open_campaign)
    fresh = InvitationFactory(campaign=open_campaign)
    sent = InvitationFactory(campaign=open_campaign, sent_at=timezone.now())
    failed = InvitationFactory(campaign=open_campaign, send_failed_at=timezone.now())
    claimed = InvitationFactory(campaign=open_campaign, sending_since=timezone.now())
    tired = InvitationFactory(campaign=open_campaign, send_attempts=MAX_SEND_ATTEMPTS)
    draft = InvitationFactory()  # a draft campaign's
    for invitation in (old, sent, failed, claimed, tired, draft):
        age(invitation, minutes=6)
    age(fresh, minutes=4)
    hashes = dict(Invitation.objects.values_list("pk", "token_hash"))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_sweep_unsent() == 1
    queued.assert_called_once_with(old.pk)
    # Nothing rotated: the link shown and e-mailed before still works.
    assert dict(Invitation.objects.values_list("pk", "token_hash")) == hashes
    # No attempt left, its last one abandoned by a dead worker: given up, not left waiting.
    tired.refresh_from_db()
    assert tired.send_failed_at is not None
    assert tired.send_error
    # Just queued again: left alone for another grace period.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_sweep_unsent() == 0
    # A grace period later both the re-queued one and the one that was fresh are due.
    assert services.invitations_sweep_unsent(now=timezone.now() + UNSENT_GRACE) == 2
    assert tasks.sweep_unsent_invitations.name == "surveys.sweep_unsent_invitations"


def test_the_sweeper_queues_big_campaigns_in_batches(
    open_campaign, queued, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("surveys.services.invitations.SWEEP_BATCH", 4)
    monkeypatch.setattr("surveys.services.invitations.SWEEP_MAX_PER_RUN", 8)
    invitations = [InvitationFactory(campaign=open_campaign) for _ in range(10)]
    for invitation in invitations:
        age(invitation, minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_sweep_unsent() == 8
        assert services.invitations_sweep_unsent() == 2
    assert sorted(c.args[0] for c in queued.call_args_list) == sorted(i.pk for i in invitations)


def test_an_unreachable_broker_leaves_the_invitation_to_the_sweeper(
    staff, open_campaign, django_capture_on_commit_callbacks
):
    with (
        mock.patch("surveys.tasks.send_invitation.delay", side_effect=ConnectionError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        issued = invite(staff, open_campaign)  # no error for the administrator
    invitation = Invitation.objects.get(pk=issued.invitation.pk)
    assert invitation.sent_at is None
    assert services.invitations_sweep_unsent(now=timezone.now() + UNSENT_GRACE) == 1


# --- reminders ------------------------------------------------------------------------------


def sent_days_ago(campaign, days, **fields) -> Invitation:
    return InvitationFactory.create(
        campaign=campaign, sent_at=timezone.now() - dt.timedelta(days=days), **fields
    )


def remind_everybody(now=None) -> int:
    """What the beat task and its fanned-out tasks do, in this process."""
    return sum(
        services.invitation_remind(invitation_id=invitation_id, now=now)
        for invitation_id in services.invitation_reminders_due(now=now)
    )


def test_reminders_go_only_to_those_due_and_not_submitted(open_campaign):
    due = sent_days_ago(open_campaign, 4, email="due@example.org")
    sent_days_ago(open_campaign, 2, email="recent@example.org")
    sent_days_ago(open_campaign, 10, email="submitted@example.org", submitted_at=timezone.now())
    submitted_response = sent_days_ago(open_campaign, 10, email="response@example.org")
    ResponseFactory(invitation=submitted_response, status=Response.Status.SUBMITTED)
    in_progress = sent_days_ago(open_campaign, 10, email="progress@example.org")
    ResponseFactory(invitation=in_progress, status=Response.Status.IN_PROGRESS)
    sent_days_ago(open_campaign, 10, email="failed@example.org", send_failed_at=timezone.now())
    InvitationFactory(campaign=open_campaign, email="never-sent@example.org")
    closed = CampaignFactory(status=Campaign.Status.CLOSED)
    sent_days_ago(closed, 10, email="closed@example.org")
    now = timezone.now()
    expired = CampaignFactory(
        status=Campaign.Status.OPEN,
        opens_at=now - dt.timedelta(days=20),
        closes_at=now - dt.timedelta(minutes=1),
    )
    sent_days_ago(expired, 10, email="expired@example.org")
    assert sorted(services.invitation_reminders_due()) == sorted([due.pk, in_progress.pk])
    assert remind_everybody() == 2
    assert {m.to[0] for m in mail.outbox} == {"due@example.org", "progress@example.org"}
    due.refresh_from_db()
    assert due.reminder_count == 1
    assert due.last_reminded_at is not None


def test_no_reminder_before_the_opening_time(open_campaign):
    sent_days_ago(open_campaign, 10)
    Campaign.objects.filter(pk=open_campaign.pk).update(
        opens_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert services.invitation_reminders_due() == []
    assert remind_everybody() == 0


def test_selecting_the_reminders_due_costs_the_same_for_few_and_many(
    open_campaign, django_assert_max_num_queries
):
    for _ in range(30):
        sent_days_ago(open_campaign, 5)
    CampaignFactory(status=Campaign.Status.OPEN)
    with django_assert_max_num_queries(3):  # the campaigns, then the ids of each
        assert len(services.invitation_reminders_due()) == 30


def test_the_beat_task_queues_one_task_per_invitation_due(open_campaign):
    due = [sent_days_ago(open_campaign, 5) for _ in range(3)]
    sent_days_ago(open_campaign, 1)
    with mock.patch("surveys.tasks.send_reminder.delay") as queued:
        assert tasks.send_reminders.apply().get() == 3
    assert sorted(c.args for c in queued.call_args_list) == sorted((i.pk,) for i in due)
    assert mail.outbox == []  # the beat task itself sends nothing
    assert tasks.send_reminder.apply(args=[due[0].pk]).get() is True
    assert len(mail.outbox) == 1


def test_reminders_respect_the_count_and_the_interval_and_keep_the_link(open_campaign):
    invitation = sent_days_ago(open_campaign, 3)
    link = f"/s/{token_for(invitation)}/"
    start = timezone.now()
    bodies = []
    for day in range(0, 12):
        now = start + dt.timedelta(days=day)
        if remind_everybody(now=now):
            bodies.append((day, mail.outbox[-1].body))
    # Sent 3 days ago, interval 3 days, at most 2: today and three days later.
    assert [day for day, _body in bodies] == [0, 3]
    invitation.refresh_from_db()
    assert invitation.reminder_count == 2
    # The same link every time, and the text no longer says earlier links stopped working.
    for _day, body in bodies:
        assert link_in(body).endswith(link)
        assert "no longer work" not in body
    assert invitation.token_hash == token_hash(link.split("/")[2])
    assert open_campaign.title in mail.outbox[0].subject


def test_a_campaign_without_reminders_sends_none(open_campaign):
    Campaign.objects.filter(pk=open_campaign.pk).update(max_reminders=0)
    sent_days_ago(open_campaign, 30)
    assert remind_everybody() == 0


def test_a_reminder_delivered_twice_is_sent_once(open_campaign):
    invitation = sent_days_ago(open_campaign, 5)
    assert services.invitation_remind(invitation_id=invitation.pk) is True
    assert services.invitation_remind(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


def test_a_reminder_checks_again_when_it_runs(open_campaign):
    invitation = sent_days_ago(open_campaign, 5)
    [due] = services.invitation_reminders_due()
    # Closed (or answered) between the selection and the task.
    Campaign.objects.filter(pk=open_campaign.pk).update(status=Campaign.Status.CLOSED)
    assert services.invitation_remind(invitation_id=due) is False
    Campaign.objects.filter(pk=open_campaign.pk).update(status=Campaign.Status.OPEN)
    Invitation.objects.filter(pk=invitation.pk).update(submitted_at=timezone.now())
    assert services.invitation_remind(invitation_id=due) is False
    assert mail.outbox == []


def test_a_failed_reminder_is_given_back(open_campaign):
    invitation = sent_days_ago(open_campaign, 5)
    hash_before = invitation.token_hash
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("down")):
        assert remind_everybody() == 0
    invitation.refresh_from_db()
    assert invitation.token_hash == hash_before
    assert invitation.reminder_count == 0
    assert invitation.last_reminded_at is None
    assert invitation.send_failed_at is None
    # The next run sends it.
    assert remind_everybody() == 1


def test_a_reminder_refused_for_good_marks_the_delivery_failed(open_campaign):
    invitation = sent_days_ago(open_campaign, 5)
    refused = SMTPRecipientsRefused({invitation.email: (550, b"User unknown")})
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=refused):
        assert remind_everybody() == 0
    invitation.refresh_from_db()
    assert invitation.send_failed_at is not None
    assert invitation.reminder_count == 0
    assert services.invitation_reminders_due(now=timezone.now() + dt.timedelta(days=9)) == []


@pytest.mark.django_db(transaction=True)
def test_a_reminder_locked_by_another_run_is_skipped_not_doubled(sokol, vologda):
    campaign = CampaignFactory(status=Campaign.Status.OPEN, municipalities=[sokol, vologda])
    invitation = sent_days_ago(campaign, 5)
    locked = threading.Event()
    release = threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Invitation.objects.select_for_update().get(pk=invitation.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(10)
    try:
        # Skipped, not waited for.
        assert services.invitation_remind(invitation_id=invitation.pk) is False
    finally:
        release.set()
        holder.join(10)
    assert services.invitation_remind(invitation_id=invitation.pk) is True
    assert services.invitation_remind(invitation_id=invitation.pk) is False


@pytest.mark.django_db(transaction=True)
def test_concurrent_reminder_tasks_remind_each_invitee_once(sokol, vologda):
    """The beat task ran twice before the workers caught up: every invitation has two
    reminder tasks, run by three workers at once."""
    campaign = CampaignFactory(status=Campaign.Status.OPEN, municipalities=[sokol, vologda])
    invitations = [sent_days_ago(campaign, 5) for _ in range(12)]
    ids = services.invitation_reminders_due() * 2
    counts: list[int] = []
    barrier = threading.Barrier(3)

    def run(share):
        try:
            barrier.wait(10)
            counts.append(sum(services.invitation_remind(invitation_id=pk) for pk in share))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(ids[n::3],)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Skipped locks may leave some for the next run, never a double.
    assert sum(counts) + remind_everybody() == 12
    assert len(mail.outbox) == 12
    assert sorted(m.to[0] for m in mail.outbox) == sorted(i.email for i in invitations)
    assert set(Invitation.objects.values_list("reminder_count", flat=True)) == {1}


def test_an_import_takes_a_fixed_number_of_queries(
    staff, campaign, queued, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    rows = [CSV_ROWS[0]] + [
        [f"Респондент {n}", "Специалист", f"r{n}@example.org", "19638000"] for n in range(200)
    ]
    with django_capture_on_commit_callbacks(execute=True), django_assert_max_num_queries(10):
        report = run_import(staff, campaign, csv_bytes(rows), "many.csv")
        report.as_dict()
    assert report.ok
    assert len(report.created) == 200
    assert queued.call_count == 200


def test_the_task_names_beat_schedules(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in (
        tasks.send_reminders,
        tasks.sweep_unsent_invitations,
        tasks.close_expired_campaigns,
    ):
        assert task.name in scheduled
