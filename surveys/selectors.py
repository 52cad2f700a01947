"""Reads of the administration side of surveys. Only administrators see any of it: for
anybody else every selector answers 404 (nothing is revealed to exist)."""

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from municipalities.models import Municipality
from surveys.models import (
    Campaign,
    CampaignEvent,
    Invitation,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)
from surveys.permissions import can_manage_surveys
from surveys.schema import questionnaire_schema, schema_hash


def _require(user: Any) -> None:
    if not can_manage_surveys(user):
        raise Http404


def _versions_prefetch() -> Prefetch:
    # A list shows numbers and dates; the schemas can be large.
    return Prefetch(
        "versions",
        queryset=QuestionnaireVersion.objects.defer("schema").order_by("number"),
    )


def _questions_prefetch() -> Prefetch:
    return Prefetch(
        "questions",
        queryset=Question.objects.order_by("position", "id").prefetch_related("options", "rows"),
    )


def questionnaire_list(*, user: Any) -> QuerySet[Questionnaire]:
    _require(user)
    return Questionnaire.objects.prefetch_related(_versions_prefetch()).order_by(
        "-created_at", "-id"
    )


def questionnaire_get_for(*, user: Any, pk: int) -> Questionnaire:
    """The questionnaire with its versions (without schemas) and its draft questions."""
    _require(user)
    questionnaire = (
        Questionnaire.objects.prefetch_related(_versions_prefetch(), _questions_prefetch())
        .filter(pk=pk)
        .first()
    )
    if questionnaire is None:
        raise Http404
    return questionnaire


def questionnaire_version_get_for(*, user: Any, pk: int) -> QuestionnaireVersion:
    _require(user)
    version = QuestionnaireVersion.objects.select_related("questionnaire").filter(pk=pk).first()
    if version is None:
        raise Http404
    return version


def questionnaire_latest_version(*, questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    """The latest published version (uses prefetched versions when present)."""
    return questionnaire.latest_version


def questionnaire_has_unpublished_changes(*, questionnaire: Questionnaire) -> bool:
    """Whether the draft differs from the latest version (always, when none is published)."""
    latest = (
        QuestionnaireVersion.objects.filter(questionnaire=questionnaire)
        .order_by("-number")
        .values_list("schema_hash", flat=True)
        .first()
    )
    return latest != schema_hash(questionnaire_schema(questionnaire))


def question_get_for(*, user: Any, pk: int) -> Question:
    _require(user)
    question = (
        Question.objects.select_related("questionnaire")
        .prefetch_related("options", "rows")
        .filter(pk=pk)
        .first()
    )
    if question is None:
        raise Http404
    return question


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT over ``queryset`` (filtered on ``OuterRef``): one aggregate per
    relation, never the product of two joined one-to-many relations."""
    counted = queryset.order_by().values("campaign_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _campaigns() -> QuerySet[Campaign]:
    targets = Campaign.municipalities.through.objects.filter(campaign_id=OuterRef("pk"))
    return (
        Campaign.objects.select_related("questionnaire_version__questionnaire")
        .defer("questionnaire_version__schema")
        .annotate(
            invitation_count=_count(Invitation.objects.filter(campaign_id=OuterRef("pk"))),
            submitted_count=_count(
                Response.objects.filter(
                    campaign_id=OuterRef("pk"), status=Response.Status.SUBMITTED
                )
            ),
            municipality_count=_count(targets),
        )
    )


def _with_municipalities(qs: QuerySet[Campaign]) -> QuerySet[Campaign]:
    return qs.prefetch_related(
        Prefetch("municipalities", queryset=Municipality.objects.only("pk", "oktmo", "name"))
    )


def campaign_list(
    *, user: Any, status: str = "", with_municipalities: bool = True
) -> QuerySet[Campaign]:
    """Campaigns, newest first, annotated ``invitation_count``, ``submitted_count`` and
    ``municipality_count``; ``with_municipalities`` prefetches their targets (the API lists
    their OKTMO codes; a page showing only the count does without)."""
    _require(user)
    qs = _campaigns()
    if with_municipalities:
        qs = _with_municipalities(qs)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def campaign_get_for(*, user: Any, pk: int) -> Campaign:
    """The campaign with its municipalities, annotated like ``campaign_list``."""
    _require(user)
    campaign = _with_municipalities(_campaigns()).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def invitation_list(*, campaign: Campaign) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(campaign=campaign)
        .select_related("municipality")
        .order_by("municipality__oktmo", "id")
    )


def invitation_get_for(*, user: Any, campaign_id: int, pk: int) -> Invitation:
    """An invitation of the campaign ``campaign_id``, with its campaign and municipality;
    404 when it belongs to another campaign."""
    _require(user)
    invitation = (
        Invitation.objects.select_related("campaign", "municipality")
        .filter(campaign_id=campaign_id, pk=pk)
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def campaign_event_list(*, campaign: Campaign) -> QuerySet[CampaignEvent]:
    return CampaignEvent.objects.filter(campaign=campaign).select_related("actor")
