"""Campaigns: creating one over a frozen questionnaire version, choosing its municipalities,
editing it while a draft, and moving it through ``draft → open → closed`` (by hand, or closed
by the beat task once its closing time has passed)."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log_write, model_snapshot
from core.concurrency import check_version
from core.exceptions import ApplicationError
from municipalities.models import Municipality, Region
from surveys.models import Campaign, CampaignEvent, QuestionnaireVersion
from surveys.services.invitations import invitations_queue_unsent
from surveys.services.questionnaires import UNSET
from surveys.transitions import TRANSITIONS

CAMPAIGN_FIELDS = [
    "title",
    "questionnaire_version",
    "opens_at",
    "closes_at",
    "anonymous",
    "max_reminders",
    "reminder_interval_days",
]
MAX_REMINDERS = 10
MAX_INTERVAL_DAYS = 60
# The note of the event written when the closing time closes a campaign (the page shows it
# translated).
EXPIRED_NOTE = "expired"


def lock_campaign(campaign_id: int, version: int | None = None) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_for_update(), pk=campaign_id)
    if version is not None:
        check_version(campaign, version)
    return campaign


def campaign_target_municipalities(
    *,
    region: Region | str | None = None,
    kinds: Sequence[str] = (),
    size_classes: Sequence[str] = (),
    oktmos: Sequence[str] = (),
) -> QuerySet[Municipality]:
    """Municipalities to survey: those matching all the given criteria (a region, any of
    ``kinds``, any of the size classes of their main town), plus any picked one by one by
    OKTMO. Criteria select only formations in existence; a municipality picked by its code is
    taken as asked. Nothing asked → nothing chosen."""
    criteria = Q()
    if region:
        criteria &= Q(region__code=region) if isinstance(region, str) else Q(region=region)
    if kinds:
        criteria &= Q(kind__in=list(kinds))
    if size_classes:
        # The main town is the municipality's most populous one (set by the registry import).
        criteria &= Q(main_town__size_class__in=list(size_classes))
    chosen = Q(pk__in=[])
    if criteria:
        today = timezone.localdate()
        chosen |= criteria & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    if oktmos:
        chosen |= Q(oktmo__in=list(oktmos))
    return Municipality.objects.filter(chosen).order_by("oktmo")


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _validate(
    *,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    max_reminders: int,
    reminder_interval_days: int,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the campaign a title.")]
    if closes_at <= opens_at:
        errors["closes_at"] = [_("The campaign must close after it opens.")]
    if not 0 <= max_reminders <= MAX_REMINDERS:
        errors["max_reminders"] = [
            _("Between 0 and %(n)s reminders.") % {"n": MAX_REMINDERS},
        ]
    if not 1 <= reminder_interval_days <= MAX_INTERVAL_DAYS:
        errors["reminder_interval_days"] = [
            _("Between 1 and %(n)s days.") % {"n": MAX_INTERVAL_DAYS},
        ]
    return errors


def _latest_published(questionnaire_id: int) -> QuestionnaireVersion:
    version = (
        QuestionnaireVersion.objects.filter(questionnaire_id=questionnaire_id)
        .defer("schema")
        .order_by("-number")
        .first()
    )
    if version is None:
        message = _("Publish the questionnaire before starting a campaign with it.")
        raise ApplicationError(
            message, code="not_published", extra={"errors": {"questionnaire": [message]}}
        )
    return version


def _state(campaign: Campaign) -> dict[str, Any]:
    return {
        **model_snapshot(campaign, CAMPAIGN_FIELDS),
        "municipalities": sorted(campaign.municipalities.values_list("oktmo", flat=True)),
    }


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    questionnaire_id: int,
    title: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    municipalities: Iterable[Municipality] = (),
    anonymous: bool = True,
    max_reminders: int = 2,
    reminder_interval_days: int = 3,
) -> Campaign:
    """A draft campaign over the questionnaire's latest published version, frozen in: later
    versions do not change it."""
    version = _latest_published(questionnaire_id)
    opens_at, closes_at = _aware(opens_at), _aware(closes_at)
    errors = _validate(
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        max_reminders=max_reminders,
        reminder_interval_days=reminder_interval_days,
    )
    if errors:
        raise ApplicationError(_("The campaign has errors."), extra={"errors": errors})
    campaign = Campaign.objects.create(
        questionnaire_version=version,
        title=title.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        anonymous=anonymous,
        max_reminders=max_reminders,
        reminder_interval_days=reminder_interval_days,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    campaign.municipalities.set(list(municipalities))
    CampaignEvent.objects.create(
        campaign=campaign,
        from_status="",
        to_status=campaign.status,
        actor=campaign.created_by,
        note="created",
    )
    audit_log_write(actor=actor, action="campaign.create", obj=campaign, after=_state(campaign))
    return campaign


@transaction.atomic
def campaign_update(
    *,
    actor: Any,
    campaign_id: int,
    version: int | None = None,
    title: str = UNSET,
    opens_at: dt.datetime = UNSET,
    closes_at: dt.datetime = UNSET,
    anonymous: bool = UNSET,
    municipalities: Iterable[Municipality] = UNSET,
    max_reminders: int = UNSET,
    reminder_interval_days: int = UNSET,
    questionnaire_id: int = UNSET,
) -> Campaign:
    """Change a draft campaign (an open one keeps what its respondents were told).
    ``questionnaire_id`` freezes that questionnaire's latest published version anew."""
    campaign = lock_campaign(campaign_id, version)
    if not campaign.is_editable:
        raise ApplicationError(
            _("The campaign is %(status)s: only a draft can be changed.")
            % {"status": campaign.get_status_display()},
            status=409,
            code="not_editable",
        )
    before = _state(campaign)
    if questionnaire_id is not UNSET:
        campaign.questionnaire_version = _latest_published(questionnaire_id)
    if title is not UNSET:
        campaign.title = title.strip()
    if opens_at is not UNSET:
        campaign.opens_at = _aware(opens_at)
    if closes_at is not UNSET:
        campaign.closes_at = _aware(closes_at)
    if anonymous is not UNSET:
        campaign.anonymous = anonymous
    if max_reminders is not UNSET:
        campaign.max_reminders = max_reminders
    if reminder_interval_days is not UNSET:
        campaign.reminder_interval_days = reminder_interval_days
    errors = _validate(
        title=campaign.title,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        max_reminders=campaign.max_reminders,
        reminder_interval_days=campaign.reminder_interval_days,
    )
    if municipalities is not UNSET:
        chosen = list(municipalities)
        invited = set(
            campaign.invitations.exclude(municipality__in=chosen).values_list(
                "municipality__oktmo", flat=True
            )
        )
        if invited:
            errors["municipalities"] = [
                _("Respondents are invited from %(oktmo)s: remove their invitations first.")
                % {"oktmo": ", ".join(sorted(invited))}
            ]
    if errors:
        raise ApplicationError(_("The campaign has errors."), extra={"errors": errors})
    if municipalities is not UNSET:
        campaign.municipalities.set(chosen)
    after = _state(campaign)
    if after == before:
        return campaign
    campaign.version += 1
    campaign.save()
    audit_log_write(actor=actor, action="campaign.update", obj=campaign, before=before, after=after)
    return campaign


@transaction.atomic
def campaign_transition(*, actor: Any, campaign_id: int, name: str, note: str = "") -> Campaign:
    """Move the campaign by the transition ``name`` (``open``, ``close``) and write the event
    (``actor`` None: the system). Opening needs at least one municipality and a closing time
    still ahead; it queues the invitation e-mails that have not gone out yet (at the opening
    time, when that is still ahead)."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ApplicationError(_("Unknown action."), code="unknown_transition")
    campaign = lock_campaign(campaign_id)
    if campaign.status not in transition.sources:
        raise ApplicationError(
            _("A campaign that is %(status)s cannot be moved this way (%(action)s).")
            % {"status": campaign.get_status_display(), "action": name},
            status=409,
            code="illegal_transition",
        )
    if name == "open":
        errors: dict[str, list[str]] = {}
        if not campaign.municipalities.exists():
            errors["municipalities"] = [_("Choose at least one municipality to survey.")]
        if campaign.closes_at <= timezone.now():
            errors["closes_at"] = [_("The closing time has passed: set a later one.")]
        if errors:
            raise ApplicationError(
                _("The campaign cannot open yet."), code="not_ready", extra={"errors": errors}
            )
    before = campaign.status
    campaign.status = transition.target
    campaign.version += 1
    campaign.save(update_fields=["status", "version", "updated_at"])
    CampaignEvent.objects.create(
        campaign=campaign,
        from_status=before,
        to_status=campaign.status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:500],
    )
    audit_log_write(
        actor=actor,
        action=f"campaign.{name}",
        obj=campaign,
        before={"status": before},
        after={"status": campaign.status},
    )
    if name == "open":
        invitations_queue_unsent(campaign=campaign)
    return campaign


def campaigns_close_expired(*, now: dt.datetime | None = None) -> int:
    """Close the open campaigns whose closing time has passed, each through
    ``campaign_transition`` by the system (its event row and audit entry), so that lists stop
    showing them open. The beat task runs this. Returns how many it closed."""
    now = now or timezone.now()
    expired = Campaign.objects.filter(status=Campaign.Status.OPEN, closes_at__lte=now)
    closed = 0
    for campaign_id in expired.order_by("pk").values_list("pk", flat=True):
        try:
            campaign_transition(
                actor=None, campaign_id=campaign_id, name="close", note=EXPIRED_NOTE
            )
        except ApplicationError:
            continue  # closed by hand meanwhile
        closed += 1
    return closed
