"""Campaigns: their drafts, changes and transitions."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.concurrency import ETAG_HEADER, IF_MATCH_HEADER, expected_version, with_etag
from core.exceptions import ApplicationError
from surveys import selectors, services
from surveys.api.serializers import (
    CampaignCreateSerializer,
    CampaignSerializer,
    CampaignTransitionSerializer,
    CampaignUpdateSerializer,
)
from surveys.api.views.common import READ_ERRORS, SurveyAdminApi, _errors
from surveys.models import Campaign, Questionnaire


def _campaign_response(request: Request, pk: int, code: int = 200) -> Response:
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    return with_etag(Response(CampaignSerializer(campaign).data, status=code), campaign.version)


class CampaignListApi(SurveyAdminApi):
    """Campaigns, newest first. A new one starts as a draft over the questionnaire's latest
    published version; its municipalities are listed by OKTMO and/or chosen by region, kind
    and size class of the main town."""

    serializer_class = CampaignSerializer

    @extend_schema(
        operation_id="v1_campaigns_list",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=Campaign.Status.values, required=False
            )
        ],
        responses={200: CampaignSerializer(many=True), **_errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        status_ = request.query_params.get("status", "")
        if status_ and status_ not in Campaign.Status.values:
            raise ApplicationError(
                _("Unknown status."), extra={"errors": {"status": [_("Unknown status.")]}}
            )
        campaigns = selectors.campaign_list(user=request.user, status=status_)
        page = self.paginate_queryset(campaigns)
        return self.get_paginated_response(CampaignSerializer(page, many=True).data)

    @extend_schema(
        operation_id="v1_campaigns_create",
        request=CampaignCreateSerializer,
        responses={201: CampaignSerializer, **_errors(400, 401, 403)},
        parameters=[ETAG_HEADER],
    )
    def post(self, request: Request) -> Response:
        data = CampaignCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        for key in ("municipalities", "region", "kinds", "size_classes"):
            fields.pop(key, None)
        questionnaire: Questionnaire = fields.pop("questionnaire")
        created = services.campaign_create(
            actor=request.user,
            questionnaire_id=questionnaire.pk,
            municipalities=services.campaign_target_municipalities(**data.target_criteria()),
            **fields,
        )
        return _campaign_response(request, created.pk, status.HTTP_201_CREATED)


class CampaignDetailApi(SurveyAdminApi):
    serializer_class = CampaignSerializer

    @extend_schema(
        operation_id="v1_campaigns_retrieve",
        responses={200: CampaignSerializer, **READ_ERRORS},
        parameters=[ETAG_HEADER],
    )
    def get(self, request: Request, pk: int) -> Response:
        return _campaign_response(request, pk)

    @extend_schema(
        operation_id="v1_campaigns_partial_update",
        description="Change a draft campaign. Sending any of `municipalities`, `region`, "
        "`kinds`, `size_classes` replaces the municipalities with the ones they choose.",
        request=CampaignUpdateSerializer,
        responses={200: CampaignSerializer, **_errors(400, 401, 403, 404, 409, 412, 428)},
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
    )
    def patch(self, request: Request, pk: int) -> Response:
        selectors.campaign_get_for(user=request.user, pk=pk)
        version = expected_version(request)
        data = CampaignUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        for key in ("municipalities", "region", "kinds", "size_classes"):
            fields.pop(key, None)
        if "questionnaire" in fields:
            fields["questionnaire_id"] = fields.pop("questionnaire").pk
        if data.targets_given():
            fields["municipalities"] = services.campaign_target_municipalities(
                **data.target_criteria()
            )
        services.campaign_update(actor=request.user, campaign_id=pk, version=version, **fields)
        return _campaign_response(request, pk)


class CampaignTransitionApi(SurveyAdminApi):
    serializer_class = CampaignSerializer
    transition = ""

    def post(self, request: Request, pk: int) -> Response:
        selectors.campaign_get_for(user=request.user, pk=pk)
        data = CampaignTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.campaign_transition(
            actor=request.user,
            campaign_id=pk,
            name=self.transition,
            note=data.validated_data["note"],
        )
        return _campaign_response(request, pk)


class CampaignOpenApi(CampaignTransitionApi):
    transition = "open"

    @extend_schema(
        operation_id="v1_campaigns_open",
        description="draft → open. Needs at least one municipality and a closing time ahead. "
        "Invitations added while it was a draft are e-mailed now (at the opening time, if "
        "that is still ahead), each with the link shown when it was added.",
        request=CampaignTransitionSerializer,
        responses={200: CampaignSerializer, **_errors(400, 401, 403, 404, 409)},
        parameters=[ETAG_HEADER],
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class CampaignCloseApi(CampaignTransitionApi):
    transition = "close"

    @extend_schema(
        operation_id="v1_campaigns_close",
        description="open → closed: no more answers, invitations or reminders.",
        request=CampaignTransitionSerializer,
        responses={200: CampaignSerializer, **_errors(401, 403, 404, 409)},
        parameters=[ETAG_HEADER],
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)
