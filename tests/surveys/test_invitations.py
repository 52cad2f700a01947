"""Invitations: tokens (256 bits, only the hash kept), adding one, importing a file all or
nothing, the e-mail after commit, the sweeper of unsent e-mails and the reminders."""

import base64
import datetime as dt
import io
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone
from openpyxl import Workbook

from core.exceptions import ApplicationError
from core.models import AuditLog
from surveys import services, tasks
from surveys.models import Campaign, Invitation, Response
from surveys.services.invitations import UNSENT_GRACE
from surveys.tokens import token_hash, token_new
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
    tokens = {token_new() for _ in range(100)}
    assert len(tokens) == 100
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 256
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# --- one by one -----------------------------------------------------------------------------


def test_an_invitation_gives_its_link_once_and_stores_only_the_hash(staff, campaign, settings):
    settings.SITE_URL = "https://jointplan.example.org"
    issued = invite(staff, campaign)
    assert issued.link == f"https://jointplan.example.org/s/{issued.token}/"
    assert token_of(issued.link) == issued.token
    invitation = Invitation.objects.get()
    assert invitation.token_hash == token_hash(issued.token)
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


def test_an_open_campaign_mails_the_invitation_after_commit(
    staff, campaign, queued, django_capture_on_commit_callbacks
):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issued = invite(staff, campaign)
    assert not queued.called  # nothing before the commit
    for callback in callbacks:
        callback()
    queued.assert_called_once_with(issued.invitation.pk, issued.token)


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
        (issued.invitation.pk, issued.token) for issued in report.created
    )


# --- sending ----------------------------------------------------------------------------------


@pytest.fixture
def open_campaign(campaign):
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.OPEN)
    campaign.refresh_from_db()
    return campaign


def test_the_invitation_e_mail_carries_the_link_and_marks_the_invitation_sent(
    open_campaign, settings
):
    settings.SITE_URL = "https://jointplan.example.org"
    invitation = InvitationFactory(campaign=open_campaign, token="token-1", name="Петров П. П.")
    assert tasks.send_invitation.apply(args=[invitation.pk, "token-1"]).get() is True
    [message] = mail.outbox
    assert message.to == [invitation.email]
    assert open_campaign.title in message.subject
    assert "\n" not in message.subject
    assert "https://jointplan.example.org/s/token-1/" in message.body
    assert "Петров П. П." in message.body
    assert invitation.municipality.name in message.body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    # Delivered twice (acks_late): sent once.
    assert services.invitation_send(invitation_id=invitation.pk, token="token-1") is False
    assert len(mail.outbox) == 1


def test_no_e_mail_with_a_rotated_token_a_closed_campaign_or_a_gone_invitation(open_campaign):
    invitation = InvitationFactory(campaign=open_campaign, token="current")
    assert not services.invitation_send(invitation_id=invitation.pk, token="previous")
    assert not services.invitation_send(invitation_id=10**9, token="current")
    Campaign.objects.filter(pk=open_campaign.pk).update(status=Campaign.Status.CLOSED)
    assert not services.invitation_send(invitation_id=invitation.pk, token="current")
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.sent_at is None


def test_a_failed_send_leaves_the_invitation_unsent(open_campaign):
    invitation = InvitationFactory(campaign=open_campaign, token="current")
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("refused")),
        pytest.raises(OSError, match="refused"),
    ):
        services.invitation_send(invitation_id=invitation.pk, token="current")
    invitation.refresh_from_db()
    assert invitation.sent_at is None


def age(invitation: Invitation, **delta) -> None:
    Invitation.objects.filter(pk=invitation.pk).update(
        updated_at=timezone.now() - dt.timedelta(**delta)
    )


def test_the_sweeper_requeues_old_unsent_invitations_of_open_campaigns_with_new_tokens(
    open_campaign, queued, django_capture_on_commit_callbacks
):
    old = InvitationFactory(campaign=open_campaign, token="lost")
    fresh = InvitationFactory(campaign=open_campaign, token="fresh")
    sent = InvitationFactory(campaign=open_campaign, token="sent", sent_at=timezone.now())
    draft = InvitationFactory(token="draft")  # a draft campaign's
    for invitation in (old, sent, draft):
        age(invitation, minutes=6)
    age(fresh, minutes=4)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_sweep_unsent() == 1
    [call] = queued.call_args_list
    assert call.args[0] == old.pk
    old.refresh_from_db()
    assert old.token_hash == token_hash(call.args[1]) != token_hash("lost")
    # The task still holding the lost token sends nothing now.
    assert not services.invitation_send(invitation_id=old.pk, token="lost")
    # Just queued again: left alone for another grace period.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_sweep_unsent() == 0
    # A grace period later both the re-queued one and the one that was fresh are due.
    assert services.invitations_sweep_unsent(now=timezone.now() + UNSENT_GRACE) == 2
    assert tasks.sweep_unsent_invitations.name == "surveys.sweep_unsent_invitations"


# --- reminders ------------------------------------------------------------------------------


def sent_days_ago(campaign, days, **fields) -> Invitation:
    return InvitationFactory.create(
        campaign=campaign, sent_at=timezone.now() - dt.timedelta(days=days), **fields
    )


def test_reminders_go_only_to_those_due_and_not_submitted(open_campaign):
    due = sent_days_ago(open_campaign, 4, email="due@example.org")
    sent_days_ago(open_campaign, 2, email="recent@example.org")
    sent_days_ago(open_campaign, 10, email="submitted@example.org", submitted_at=timezone.now())
    submitted_response = sent_days_ago(open_campaign, 10, email="response@example.org")
    ResponseFactory(invitation=submitted_response, status=Response.Status.SUBMITTED)
    in_progress = sent_days_ago(open_campaign, 10, email="progress@example.org")
    ResponseFactory(invitation=in_progress, status=Response.Status.IN_PROGRESS)
    InvitationFactory(campaign=open_campaign, email="never-sent@example.org")
    closed = CampaignFactory(status=Campaign.Status.CLOSED)
    sent_days_ago(closed, 10, email="closed@example.org")
    assert services.invitation_reminders_send() == 2
    assert {m.to[0] for m in mail.outbox} == {"due@example.org", "progress@example.org"}
    due.refresh_from_db()
    assert due.reminder_count == 1
    assert due.last_reminded_at is not None


def test_reminders_respect_the_count_and_the_interval_and_rotate_the_token(open_campaign):
    invitation = sent_days_ago(open_campaign, 3, token="first")
    start = timezone.now()
    links = []
    for day in range(0, 12):
        now = start + dt.timedelta(days=day)
        if services.invitation_reminders_send(now=now):
            links.append((day, mail.outbox[-1].body))
    # Sent 3 days ago, interval 3 days, at most 2: today and three days later.
    assert [day for day, _body in links] == [0, 3]
    invitation.refresh_from_db()
    assert invitation.reminder_count == 2
    tokens = [
        next(line for line in body.splitlines() if "/s/" in line)
        .strip()
        .rstrip("/")
        .rsplit("/", 1)[1]
        for _day, body in links
    ]
    assert tokens[0] != tokens[1]
    assert invitation.token_hash == token_hash(tokens[1])
    assert token_hash("first") not in {invitation.token_hash}
    assert open_campaign.title in mail.outbox[0].subject


def test_a_campaign_without_reminders_sends_none(open_campaign):
    Campaign.objects.filter(pk=open_campaign.pk).update(max_reminders=0)
    sent_days_ago(open_campaign, 30)
    assert services.invitation_reminders_send() == 0


def test_a_failed_reminder_changes_nothing(open_campaign):
    invitation = sent_days_ago(open_campaign, 5, token="kept")
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("down")):
        assert services.invitation_reminders_send() == 0
    invitation.refresh_from_db()
    assert invitation.token_hash == token_hash("kept")
    assert invitation.reminder_count == 0
    assert invitation.last_reminded_at is None


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
        assert services.invitation_reminders_send() == 0  # skipped, not waited for
    finally:
        release.set()
        holder.join(10)
    assert services.invitation_reminders_send() == 1
    assert services.invitation_reminders_send() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_reminder_runs_remind_each_invitee_once(sokol, vologda):
    campaign = CampaignFactory(status=Campaign.Status.OPEN, municipalities=[sokol, vologda])
    invitations = [sent_days_ago(campaign, 5) for _ in range(12)]
    counts: list[int] = []
    barrier = threading.Barrier(3)

    def run():
        try:
            barrier.wait(10)
            counts.append(services.invitation_reminders_send())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(counts) == 12
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
