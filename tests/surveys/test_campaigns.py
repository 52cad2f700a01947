"""Campaigns: the frozen version, choosing municipalities, editing drafts, the transition
table with its events, and what opening does to invitations not yet sent."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import AuditLog
from municipalities.models import Municipality
from surveys import services, tasks
from surveys.models import Campaign, CampaignEvent, Invitation
from surveys.services.campaigns import EXPIRED_NOTE
from surveys.transitions import TRANSITIONS, can_transition
from tests.municipalities.factories import MunicipalityFactory, RegionFactory, TownFactory
from tests.surveys.factories import (
    CampaignFactory,
    InvitationFactory,
    QuestionFactory,
    QuestionnaireFactory,
    QuestionnaireVersionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_user):
    return admin_user


@pytest.fixture
def queued():
    """The e-mail task's ``delay`` replaced: what would go to the broker."""
    with mock.patch("surveys.tasks.send_invitation.delay") as delay:
        yield delay


def published(questionnaire=None):
    questionnaire = questionnaire or QuestionnaireFactory()
    QuestionFactory(questionnaire=questionnaire)
    return QuestionnaireVersionFactory(questionnaire=questionnaire)


def create(staff, questionnaire, **fields):
    now = timezone.now()
    fields.setdefault("title", "Опрос глав администраций")
    fields.setdefault("opens_at", now)
    fields.setdefault("closes_at", now + dt.timedelta(days=14))
    return services.campaign_create(actor=staff, questionnaire_id=questionnaire.pk, **fields)


# --- creating -------------------------------------------------------------------------------


def test_a_campaign_freezes_the_latest_published_version(staff):
    v1 = published()
    questionnaire = v1.questionnaire
    QuestionFactory(questionnaire=questionnaire)
    v2 = QuestionnaireVersionFactory(questionnaire=questionnaire)
    municipality = MunicipalityFactory()
    campaign = create(staff, questionnaire, municipalities=[municipality], anonymous=False)
    assert campaign.questionnaire_version == v2
    assert campaign.status == Campaign.Status.DRAFT
    assert not campaign.anonymous
    assert list(campaign.municipalities.all()) == [municipality]
    assert (campaign.max_reminders, campaign.reminder_interval_days) == (2, 3)
    # A later version leaves the campaign alone.
    QuestionFactory(questionnaire=questionnaire)
    QuestionnaireVersionFactory(questionnaire=questionnaire)
    campaign.refresh_from_db()
    assert campaign.questionnaire_version == v2
    event = CampaignEvent.objects.get(campaign=campaign)
    assert (event.from_status, event.to_status, event.actor) == ("", "draft", staff)
    assert AuditLog.objects.filter(action="campaign.create", object_id=str(campaign.pk)).exists()


def test_an_unpublished_questionnaire_cannot_start_a_campaign(staff):
    questionnaire = QuestionnaireFactory()
    QuestionFactory(questionnaire=questionnaire)
    with pytest.raises(ApplicationError) as excinfo:
        create(staff, questionnaire)
    assert excinfo.value.code == "not_published"
    assert "questionnaire" in excinfo.value.extra["errors"]


def test_the_period_and_reminder_settings_are_checked(staff):
    questionnaire = published().questionnaire
    now = timezone.now()
    with pytest.raises(ApplicationError) as excinfo:
        create(
            staff,
            questionnaire,
            title=" ",
            opens_at=now,
            closes_at=now,
            max_reminders=11,
            reminder_interval_days=0,
        )
    assert set(excinfo.value.extra["errors"]) == {
        "title",
        "closes_at",
        "max_reminders",
        "reminder_interval_days",
    }
    assert not Campaign.objects.exists()


def test_naive_times_are_taken_in_the_site_time_zone(staff):
    questionnaire = published().questionnaire
    campaign = create(
        staff,
        questionnaire,
        opens_at=dt.datetime(2026, 3, 1, 9, 0),  # noqa: DTZ001 - the point of the test
        closes_at=dt.datetime(2026, 3, 15, 18, 0),  # noqa: DTZ001
    )
    assert timezone.localtime(campaign.opens_at).hour == 9


# --- choosing municipalities --------------------------------------------------------------------


def test_target_municipalities_by_region_kind_size_class_or_one_by_one():
    vologda = RegionFactory(code="19", name="Вологодская область")
    arkhangelsk = RegionFactory(code="11", name="Архангельская область")
    okrug = MunicipalityFactory(
        region=vologda, oktmo="19701000", kind=Municipality.Kind.URBAN_OKRUG
    )
    okrug.main_town = TownFactory(region=vologda, municipality=okrug, population=300_000)
    okrug.save()
    district = MunicipalityFactory(region=vologda, oktmo="19638000")
    district.main_town = TownFactory(region=vologda, municipality=district, population=20_000)
    district.save()
    no_town = MunicipalityFactory(region=vologda, oktmo="19620000")
    abolished = MunicipalityFactory(
        region=vologda, oktmo="19642000", valid_to=dt.date(2022, 12, 31)
    )
    northern = MunicipalityFactory(region=arkhangelsk, oktmo="11605000")

    def chosen(**criteria):
        return set(services.campaign_target_municipalities(**criteria))

    assert chosen() == set()
    assert chosen(region="19") == {okrug, district, no_town}  # not the abolished one
    assert chosen(region=vologda) == chosen(region="19")
    assert chosen(kinds=[Municipality.Kind.URBAN_OKRUG]) == {okrug}
    assert chosen(size_classes=["small"]) == {district}
    assert chosen(size_classes=["small", "large"]) == {district, okrug}
    assert chosen(region="11", kinds=[Municipality.Kind.MUNICIPAL_DISTRICT]) == {northern}
    assert chosen(region="11", size_classes=["small"]) == set()
    # One by one, on top of the criteria, and even an abolished one when asked by its code.
    assert chosen(oktmos=["19642000", "11605000"]) == {abolished, northern}
    assert chosen(kinds=[Municipality.Kind.URBAN_OKRUG], oktmos=["11605000"]) == {okrug, northern}


def test_target_municipalities_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    for n in range(5):
        MunicipalityFactory(oktmo=f"1963{n}000")
    with django_assert_max_num_queries(1):
        assert len(list(services.campaign_target_municipalities(region="19"))) == 5


# --- editing --------------------------------------------------------------------------------


def test_a_draft_is_edited_with_its_version_and_the_change_is_audited(staff):
    campaign = create(staff, published().questionnaire)
    municipality = MunicipalityFactory()
    updated = services.campaign_update(
        actor=staff,
        campaign_id=campaign.pk,
        version=campaign.version,
        title="Новое название",
        municipalities=[municipality],
        max_reminders=0,
    )
    assert updated.version == campaign.version + 1
    assert updated.title == "Новое название"
    assert list(updated.municipalities.all()) == [municipality]
    audit = AuditLog.objects.get(action="campaign.update")
    assert audit.before["title"] == "Опрос глав администраций"
    assert audit.after["municipalities"] == [municipality.oktmo]
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_update(actor=staff, campaign_id=campaign.pk, version=1, title="x")
    assert excinfo.value.status == 412


def test_an_unchanged_update_keeps_the_version(staff):
    campaign = create(staff, published().questionnaire)
    same = services.campaign_update(
        actor=staff, campaign_id=campaign.pk, title=campaign.title, anonymous=True
    )
    assert same.version == campaign.version
    assert not AuditLog.objects.filter(action="campaign.update").exists()


def test_an_update_can_refreeze_a_newer_version(staff):
    version = published()
    campaign = create(staff, version.questionnaire)
    QuestionFactory(questionnaire=version.questionnaire)
    newer = QuestionnaireVersionFactory(questionnaire=version.questionnaire)
    updated = services.campaign_update(
        actor=staff, campaign_id=campaign.pk, questionnaire_id=version.questionnaire_id
    )
    assert updated.questionnaire_version == newer


def test_a_municipality_with_invitations_cannot_be_removed(staff):
    invitation = InvitationFactory(campaign=create(staff, published().questionnaire))
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_update(
            actor=staff, campaign_id=invitation.campaign_id, municipalities=[MunicipalityFactory()]
        )
    assert invitation.municipality.oktmo in excinfo.value.extra["errors"]["municipalities"][0]


def test_only_a_draft_can_be_edited(staff, queued):
    campaign = CampaignFactory(municipalities=[MunicipalityFactory()])
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_update(actor=staff, campaign_id=campaign.pk, title="Другое")
    assert (excinfo.value.status, excinfo.value.code) == (409, "not_editable")


# --- transitions ------------------------------------------------------------------------------


def test_the_transition_table():
    assert {name: (set(t.sources), t.target) for name, t in TRANSITIONS.items()} == {
        "open": ({"draft"}, "open"),
        "close": ({"open"}, "closed"),
    }
    campaign = Campaign(status=Campaign.Status.DRAFT)
    assert can_transition(campaign, "open")
    assert not can_transition(campaign, "close")
    assert not can_transition(campaign, "reopen")


def test_draft_open_closed_with_an_event_for_every_move(staff, queued):
    campaign = CampaignFactory(municipalities=[MunicipalityFactory()])
    opened = services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    assert opened.status == "open"
    assert opened.version == campaign.version + 1
    closed = services.campaign_transition(
        actor=staff, campaign_id=campaign.pk, name="close", note="Сбор завершён"
    )
    assert closed.status == "closed"
    events = list(
        CampaignEvent.objects.filter(campaign=campaign).values_list(
            "from_status", "to_status", "actor", "note"
        )
    )
    assert events == [
        ("draft", "open", staff.pk, ""),
        ("open", "closed", staff.pk, "Сбор завершён"),
    ]
    assert list(
        AuditLog.objects.filter(object_id=str(campaign.pk)).values_list("action", flat=True)
    ) == ["campaign.close", "campaign.open"]  # newest first


@pytest.mark.parametrize(
    ("status", "name"),
    [("draft", "close"), ("open", "open"), ("closed", "open"), ("closed", "close")],
)
def test_illegal_moves_are_refused_with_409(staff, status, name):
    campaign = CampaignFactory(status=status, municipalities=[MunicipalityFactory()])
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_transition(actor=staff, campaign_id=campaign.pk, name=name)
    assert (excinfo.value.status, excinfo.value.code) == (409, "illegal_transition")
    campaign.refresh_from_db()
    assert campaign.status == status
    assert not CampaignEvent.objects.filter(campaign=campaign).exists()


def test_an_unknown_transition_is_refused(staff):
    campaign = CampaignFactory()
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="approve")
    assert excinfo.value.code == "unknown_transition"


def test_opening_needs_a_municipality_and_a_future_closing_time(staff):
    now = timezone.now()
    campaign = CampaignFactory(opens_at=now - dt.timedelta(days=10), closes_at=now)
    with pytest.raises(ApplicationError) as excinfo:
        services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    assert set(excinfo.value.extra["errors"]) == {"municipalities", "closes_at"}
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_opening_mails_invitations_not_sent_yet_with_their_links(
    staff, queued, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory()
    waiting = InvitationFactory(campaign=campaign)
    already = InvitationFactory(campaign=campaign, sent_at=timezone.now())
    hashes = dict(Invitation.objects.values_list("pk", "token_hash"))
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    queued.assert_called_once_with(waiting.pk)
    # Nothing rotated: the links shown when they were added are the ones e-mailed.
    assert dict(Invitation.objects.values_list("pk", "token_hash")) == hashes
    assert Invitation.objects.get(pk=already.pk).sent_at == already.sent_at


def test_opening_ahead_of_the_opening_time_mails_nothing_yet(
    staff, queued, django_capture_on_commit_callbacks
):
    opens_at = timezone.now() + dt.timedelta(days=1)
    campaign = CampaignFactory(opens_at=opens_at)
    waiting = InvitationFactory(campaign=campaign)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    assert not queued.called
    # The sweeper mails it once the opening time has come.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_sweep_unsent(now=opens_at + dt.timedelta(minutes=1)) == 1
    queued.assert_called_once_with(waiting.pk)


def test_nothing_is_queued_when_opening_fails(staff, queued, django_capture_on_commit_callbacks):
    campaign = CampaignFactory(closes_at=timezone.now() + dt.timedelta(days=1))
    InvitationFactory(campaign=campaign)
    campaign.municipalities.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    assert not queued.called


def test_is_accepting_responses_follows_status_and_period():
    now = timezone.now()
    campaign = Campaign(
        status="open", opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(hours=1)
    )
    assert campaign.is_accepting_responses
    campaign.opens_at = now + dt.timedelta(minutes=5)
    assert not campaign.is_accepting_responses
    campaign.opens_at, campaign.status = now - dt.timedelta(hours=1), "closed"
    assert not campaign.is_accepting_responses


# --- closing at the closing time -------------------------------------------------------------


def test_open_campaigns_past_their_closing_time_are_closed_by_the_system(staff):
    now = timezone.now()
    expired = CampaignFactory(
        status=Campaign.Status.OPEN,
        opens_at=now - dt.timedelta(days=10),
        closes_at=now - dt.timedelta(minutes=1),
    )
    running = CampaignFactory(status=Campaign.Status.OPEN)
    draft = CampaignFactory(
        opens_at=now - dt.timedelta(days=10), closes_at=now - dt.timedelta(minutes=1)
    )
    assert tasks.close_expired_campaigns.apply().get() == 1
    assert tasks.close_expired_campaigns.name == "surveys.close_expired_campaigns"
    assert Campaign.objects.get(pk=expired.pk).status == Campaign.Status.CLOSED
    assert Campaign.objects.get(pk=running.pk).status == Campaign.Status.OPEN
    assert Campaign.objects.get(pk=draft.pk).status == Campaign.Status.DRAFT
    event = CampaignEvent.objects.get(campaign=expired)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "open",
        "closed",
        None,
        EXPIRED_NOTE,
    )
    audit = AuditLog.objects.get(action="campaign.close")
    assert audit.actor is None
    assert audit.object_id == str(expired.pk)
    # Nothing left to close.
    assert services.campaigns_close_expired() == 0
    # Ahead of time: a later run closes the running one at its closing time.
    assert services.campaigns_close_expired(now=running.closes_at) == 1
