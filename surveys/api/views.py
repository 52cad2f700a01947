"""The survey administration API: thin adapters over ``surveys.selectors`` and
``surveys.services``. Administrators (staff) only: 401 without an account, 403 for anybody
else. Questionnaires and campaigns travel with ``ETag``; a campaign's changes need
``If-Match`` (a questionnaire's take it when given)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import FormParser, MultiPartParser
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
    ImportFailedSerializer,
    ImportReportSerializer,
    InvitationCreatedSerializer,
    InvitationCreateSerializer,
    InvitationImportSerializer,
    InvitationSerializer,
    QuestionCreateSerializer,
    QuestionMoveSerializer,
    QuestionnaireCreateSerializer,
    QuestionnaireDetailSerializer,
    QuestionnaireSerializer,
    QuestionnaireUpdateSerializer,
    QuestionnaireVersionSerializer,
    QuestionSerializer,
    QuestionUpdateSerializer,
    SurveyErrorSerializer,
    SurveyVersionConflictSerializer,
)
from surveys.models import Campaign, Questionnaire
from surveys.permissions import can_manage_surveys

IMPORT_MAX_BYTES = 5 * 1024 * 1024

IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The questionnaire\'s ETag, e.g. "3": when given, a change based on an '
    "older version is refused with 412.",
)


def _errors(*codes: int) -> dict[int, Any]:
    described = {
        400: 'Bad input: {"<field>": ["..."]} when malformed; '
        '{"detail", "code", "errors": {"<field>": ["..."]}} when it breaks a rule.',
        401: "Not signed in.",
        403: "Signed in, but not an administrator.",
        404: "No such object.",
        409: "Not possible in the object's current status; the detail says why.",
        412: "Stale If-Match: somebody saved a newer version (current_version).",
        428: "If-Match is missing.",
    }
    return {
        code: OpenApiResponse(
            response={
                400: OpenApiTypes.OBJECT,
                412: SurveyVersionConflictSerializer,
            }.get(code, SurveyErrorSerializer),
            description=described[code],
        )
        for code in codes
    }


READ_ERRORS = _errors(401, 403, 404)


def _optional_version(request: Request) -> int | None:
    return expected_version(request) if request.headers.get("If-Match") else None


class IsSurveyAdministrator(permissions.BasePermission):
    """Adapter of ``surveys.permissions.can_manage_surveys``."""

    message = "Only administrators run surveys."

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_manage_surveys(request.user)


class SurveyAdminApi(generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated, IsSurveyAdministrator]


# --- questionnaires -------------------------------------------------------------------------


def _questionnaire_response(request: Request, pk: int, code: int = 200) -> Response:
    questionnaire = selectors.questionnaire_get_for(user=request.user, pk=pk)
    changed = selectors.questionnaire_has_unpublished_changes(questionnaire=questionnaire)
    data = QuestionnaireDetailSerializer(
        questionnaire, context={"has_unpublished_changes": changed}
    ).data
    return with_etag(Response(data, status=code), questionnaire.version)


class QuestionnaireListApi(SurveyAdminApi):
    """Questionnaires, newest first, each with its published versions."""

    serializer_class = QuestionnaireSerializer

    @extend_schema(
        operation_id="v1_questionnaires_list",
        responses={200: QuestionnaireSerializer(many=True), **_errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.questionnaire_list(user=request.user))
        return self.get_paginated_response(QuestionnaireSerializer(page, many=True).data)

    @extend_schema(
        operation_id="v1_questionnaires_create",
        request=QuestionnaireCreateSerializer,
        responses={201: QuestionnaireDetailSerializer, **_errors(400, 401, 403)},
        parameters=[ETAG_HEADER],
    )
    def post(self, request: Request) -> Response:
        data = QuestionnaireCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.questionnaire_create(actor=request.user, **data.validated_data)
        return _questionnaire_response(request, created.pk, status.HTTP_201_CREATED)


class QuestionnaireDetailApi(SurveyAdminApi):
    """One questionnaire: its draft questions and its published versions."""

    serializer_class = QuestionnaireDetailSerializer

    @extend_schema(
        operation_id="v1_questionnaires_retrieve",
        responses={200: QuestionnaireDetailSerializer, **READ_ERRORS},
        parameters=[ETAG_HEADER],
    )
    def get(self, request: Request, pk: int) -> Response:
        return _questionnaire_response(request, pk)

    @extend_schema(
        operation_id="v1_questionnaires_partial_update",
        request=QuestionnaireUpdateSerializer,
        responses={200: QuestionnaireDetailSerializer, **_errors(400, 401, 403, 404, 412)},
        parameters=[IF_MATCH_OPTIONAL, ETAG_HEADER],
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Change the draft's title or description (versions keep theirs)."""
        selectors.questionnaire_get_for(user=request.user, pk=pk)
        data = QuestionnaireUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.questionnaire_update(
            actor=request.user,
            questionnaire_id=pk,
            version=_optional_version(request),
            **data.validated_data,
        )
        return _questionnaire_response(request, pk)


class QuestionnaireQuestionCreateApi(SurveyAdminApi):
    serializer_class = QuestionSerializer

    @extend_schema(
        operation_id="v1_questionnaires_questions_create",
        description="Add a question at the end of the draft. Choice questions need at least "
        "two options, a matrix one row; a number's bounds must be ordered; a condition "
        "names an earlier choice question and one of its options.",
        request=QuestionCreateSerializer,
        responses={201: QuestionSerializer, **_errors(400, 401, 403, 404, 412)},
        parameters=[IF_MATCH_OPTIONAL],
    )
    def post(self, request: Request, pk: int) -> Response:
        selectors.questionnaire_get_for(user=request.user, pk=pk)
        version = _optional_version(request)
        data = QuestionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.question_create(
            actor=request.user, questionnaire_id=pk, version=version, **data.service_fields()
        )
        question = selectors.question_get_for(user=request.user, pk=created.pk)
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionnairePublishApi(SurveyAdminApi):
    serializer_class = QuestionnaireVersionSerializer

    @extend_schema(
        operation_id="v1_questionnaires_publish",
        description="Freeze the draft as the next immutable version. Refused for an empty "
        "draft, invalid questions (400) and a draft equal to the latest version (409).",
        request=None,
        responses={201: QuestionnaireVersionSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        selectors.questionnaire_get_for(user=request.user, pk=pk)
        version = services.questionnaire_publish(actor=request.user, questionnaire_id=pk)
        return Response(
            QuestionnaireVersionSerializer(version).data, status=status.HTTP_201_CREATED
        )


class QuestionnaireVersionDetailApi(SurveyAdminApi):
    serializer_class = QuestionnaireVersionSerializer

    @extend_schema(
        operation_id="v1_questionnaire_versions_retrieve",
        description="A published version: the frozen questionnaire campaigns and responses "
        "refer to.",
        responses={200: QuestionnaireVersionSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        version = selectors.questionnaire_version_get_for(user=request.user, pk=pk)
        return Response(QuestionnaireVersionSerializer(version).data)


class QuestionDetailApi(SurveyAdminApi):
    """A question of a draft. Published versions never change with it."""

    serializer_class = QuestionSerializer

    @extend_schema(
        operation_id="v1_questions_retrieve", responses={200: QuestionSerializer, **READ_ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        question = selectors.question_get_for(user=request.user, pk=pk)
        return Response(QuestionSerializer(question).data)

    @extend_schema(
        operation_id="v1_questions_partial_update",
        description="Change any field. `options` and `rows`, when sent, are the complete new "
        "lists: send `{id, text}` to keep an existing one (its id stays), a plain text for a "
        "new one. Conditions of later questions on removed options are dropped.",
        request=QuestionUpdateSerializer,
        responses={200: QuestionSerializer, **_errors(400, 401, 403, 404, 412)},
        parameters=[IF_MATCH_OPTIONAL],
    )
    def patch(self, request: Request, pk: int) -> Response:
        selectors.question_get_for(user=request.user, pk=pk)
        data = QuestionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.question_update(
            actor=request.user,
            question_id=pk,
            version=_optional_version(request),
            **data.service_fields(),
        )
        question = selectors.question_get_for(user=request.user, pk=pk)
        return Response(QuestionSerializer(question).data)

    @extend_schema(
        operation_id="v1_questions_destroy",
        description="Remove the question from the draft; questions shown depending on it "
        "become unconditional.",
        responses={204: None, **_errors(401, 403, 404, 412)},
        parameters=[IF_MATCH_OPTIONAL],
    )
    def delete(self, request: Request, pk: int) -> Response:
        selectors.question_get_for(user=request.user, pk=pk)
        services.question_delete(
            actor=request.user, question_id=pk, version=_optional_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionMoveApi(SurveyAdminApi):
    serializer_class = QuestionSerializer

    @extend_schema(
        operation_id="v1_questions_move",
        description="Swap the question with its neighbour above or below.",
        request=QuestionMoveSerializer,
        responses={200: QuestionSerializer, **_errors(400, 401, 403, 404, 412)},
        parameters=[IF_MATCH_OPTIONAL],
    )
    def post(self, request: Request, pk: int) -> Response:
        selectors.question_get_for(user=request.user, pk=pk)
        data = QuestionMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.question_move(
            actor=request.user,
            question_id=pk,
            direction=data.validated_data["direction"],
            version=_optional_version(request),
        )
        question = selectors.question_get_for(user=request.user, pk=pk)
        return Response(QuestionSerializer(question).data)


# --- campaigns ------------------------------------------------------------------------------


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


# --- invitations ----------------------------------------------------------------------------


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
