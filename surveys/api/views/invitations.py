"""A campaign's invitations: listing, inviting one respondent, reissuing a link, importing a
file."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.exceptions import ApplicationError
from surveys import selectors, services
from surveys.api.serializers import (
    ImportFailedSerializer,
    ImportReportSerializer,
    InvitationCreatedSerializer,
    InvitationCreateSerializer,
    InvitationImportSerializer,
    InvitationSerializer,
)
from surveys.api.views.common import READ_ERRORS, SurveyAdminApi, _errors

IMPORT_MAX_BYTES = 5 * 1024 * 1024


class CampaignInvitationListApi(SurveyAdminApi):
    serializer_class = InvitationSerializer

    @extend_schema(
        operation_id="v1_campaigns_invitations_list",
        description="The campaign's respondents by municipality, without tokens.",
        responses={200: InvitationSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        campaign = selectors.campaign_get_for(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.invitation_list(campaign=campaign))
        context = {"anonymous": campaign.anonymous}
        return self.get_paginated_response(
            InvitationSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        operation_id="v1_campaigns_invitations_create",
        description="Invite one respondent of one of the campaign's municipalities. The "
        "answer carries the personal `link` — the only time it is shown. An open campaign "
        "e-mails it right away (at its opening time, if that is still ahead); a draft's go "
        "out when it opens. The e-mails carry this same link. A campaign whose closing time "
        "has passed invites nobody (400 `campaign_ended`), a closed one neither (409).",
        request=InvitationCreateSerializer,
        responses={201: InvitationCreatedSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        selectors.campaign_get_for(user=request.user, pk=pk)
        data = InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.invitation_create(
            actor=request.user, campaign_id=pk, **data.validated_data
        )
        return _issued_response(request, pk, issued, status.HTTP_201_CREATED)


def _issued_response(
    request: Request, campaign_id: int, issued: services.IssuedInvitation, code: int
) -> Response:
    invitation = selectors.invitation_get_for(
        user=request.user, campaign_id=campaign_id, pk=issued.invitation.pk
    )
    body = InvitationCreatedSerializer(invitation, context={"link": issued.link}).data
    return Response(body, status=code)


class CampaignInvitationReissueApi(SurveyAdminApi):
    serializer_class = InvitationCreatedSerializer

    @extend_schema(
        operation_id="v1_campaigns_invitations_reissue",
        description="Issue a new link for the invitation (a lost or forwarded link): the "
        "old link stops working at once. The answer carries the new `link` — the only time "
        "it is shown — and the invitation e-mail goes out again with it (when the campaign "
        "is open). Refused for a submitted invitation (409 `already_submitted`) and in a "
        "campaign that is closed (409) or past its closing time (400).",
        request=None,
        responses={200: InvitationCreatedSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int, invitation_pk: int) -> Response:
        selectors.invitation_get_for(user=request.user, campaign_id=pk, pk=invitation_pk)
        issued = services.invitation_reissue(actor=request.user, invitation_id=invitation_pk)
        return _issued_response(request, pk, issued, status.HTTP_200_OK)


class CampaignInvitationImportApi(SurveyAdminApi):
    serializer_class = ImportReportSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="v1_campaigns_invitations_import",
        description="Invite everybody listed in a CSV or XLSX file (`name, position, email, "
        "oktmo`). All or nothing: with any bad row nobody is invited and the 400 report "
        "lists every bad row by its number (the header is row 1). On success the report "
        "lists the invitations with their links, shown only now.",
        request={"multipart/form-data": InvitationImportSerializer},
        responses={
            201: ImportReportSerializer,
            400: OpenApiResponse(ImportFailedSerializer, description="Nobody was invited."),
            **_errors(401, 403, 404, 409),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        selectors.campaign_get_for(user=request.user, pk=pk)
        data = InvitationImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            return self._failed(_("The file is larger than 5 MB."), "file_too_large")
        try:
            report = services.invitations_import(
                actor=request.user, campaign_id=pk, file=upload, filename=upload.name or ""
            )
        except ApplicationError as error:
            if error.status != 400:
                raise
            return self._failed(error.message, error.code)
        if not report.ok:
            return Response(
                {
                    "detail": _("Nobody was invited: correct the rows listed and try again."),
                    "code": "import_failed",
                    **report.as_dict(),
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(report.as_dict(), status=status.HTTP_201_CREATED)

    @staticmethod
    def _failed(message: str, code: str) -> Response:
        body = {
            "detail": message,
            "code": code,
            "ok": False,
            "rows": 0,
            "errors": [{"row": 1, "messages": [message]}],
            "created": [],
        }
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
