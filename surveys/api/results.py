"""Results and exports of a campaign (administrators only: 401 without an account, 403 for
anybody else, 404 for an unknown campaign).

- ``GET campaigns/{id}/results/`` — ``surveys.results.campaign_results`` as it stands
  (served from a cache that any new response or invitation invalidates). The response
  carries an ``ETag``; a poll with ``If-None-Match`` gets 304 while nothing has changed.
- ``POST campaigns/{id}/exports/`` with ``{"format": "csv" | "xlsx" | "pdf"}`` — a job of
  the document pipeline: 202 with the new job, or 200 with the existing one when the same
  content was already asked for. Poll ``GET exports/{id}/`` (``Location``) until
  ``download_url`` is set.

The serializers below describe the results' shape for the OpenAPI schema only; the data is
the dictionary ``campaign_results`` builds.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import DocumentExportSerializer
from core.documents.services import document_export_request
from surveys import selectors
from surveys.api.serializers import SurveyErrorSerializer
from surveys.api.views import IsSurveyAdministrator
from surveys.documents import KIND
from surveys.models import QuestionType
from surveys.results import campaign_results_live

# --- the shape, for the schema -------------------------------------------------------------


class ResultOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    count = serializers.IntegerField(help_text="Respondents who chose the option.")
    share = serializers.FloatField(
        help_text="count / respondents (all submitted responses of the campaign). Options of a "
        "multiple choice are counted each on its own, so their shares need not add up to 1."
    )


class DistributionItemSerializer(serializers.Serializer):
    value = serializers.FloatField()
    count = serializers.IntegerField()


class MatrixRowResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    answered = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    distribution = DistributionItemSerializer(many=True, help_text="Counts of 1…5.")


class BreakdownOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="count / respondents of the group.")


class BreakdownRowMeanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)


class BreakdownEntrySerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="Kind of municipality, size class of its main town ('' when unknown) or "
        "region code."
    )
    # Declared fields leave the class (DRF's metaclass), so this does not shadow Field.label;
    # the stubs cannot know that.
    label = serializers.CharField()  # type: ignore[assignment]
    suppressed = serializers.BooleanField(
        help_text="Anonymous campaigns: fewer than 3 respondents of the group answered the "
        "question, and the entry carries no numbers at all."
    )
    respondents = serializers.IntegerField(
        required=False, help_text="Respondents of the group who answered the question."
    )
    options = BreakdownOptionSerializer(many=True, required=False, help_text="Choice questions.")
    other_count = serializers.IntegerField(required=False)
    other_share = serializers.FloatField(required=False)
    mean = serializers.FloatField(required=False, allow_null=True, help_text="Scale, number.")
    rows = BreakdownRowMeanSerializer(many=True, required=False, help_text="Matrix.")


class BreakdownsSerializer(serializers.Serializer):
    kind = BreakdownEntrySerializer(many=True)
    size_class = BreakdownEntrySerializer(many=True)
    region = BreakdownEntrySerializer(many=True)


class QuestionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=QuestionType.choices)
    text = serializers.CharField()
    answered = serializers.IntegerField(help_text="Respondents who answered the question.")
    options = ResultOptionSerializer(many=True, help_text="Empty unless a choice question.")
    other_count = serializers.IntegerField(required=False, help_text="Choice with “other”.")
    other_share = serializers.FloatField(required=False)
    other_texts = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Newest first, at most 500."
    )
    other_texts_total = serializers.IntegerField(required=False)
    mean = serializers.FloatField(required=False, allow_null=True, help_text="Scale, number.")
    median = serializers.FloatField(required=False, allow_null=True, help_text="Scale, number.")
    distribution = DistributionItemSerializer(
        many=True, required=False, help_text="Scale: counts of 1…5; number: of each value."
    )
    min = serializers.FloatField(required=False, allow_null=True, help_text="Number.")
    max = serializers.FloatField(required=False, allow_null=True, help_text="Number.")
    scale = serializers.DictField(required=False, help_text="Scale, matrix: the labelled ends.")
    rows = MatrixRowResultSerializer(many=True, required=False, help_text="Matrix.")
    texts = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Short and long text: newest first, at most 500, without names.",
    )
    texts_total = serializers.IntegerField(required=False)
    breakdowns = BreakdownsSerializer(required=False, help_text="Not for texts.")


class MunicipalityResultSerializer(serializers.Serializer):
    oktmo = serializers.CharField()
    name = serializers.CharField()
    invited = serializers.IntegerField()
    respondents = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)


class CampaignSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    anonymous = serializers.BooleanField()


class CampaignResultsSerializer(serializers.Serializer):
    campaign = CampaignSummarySerializer()
    respondents = serializers.IntegerField(help_text="Submitted responses.")
    invited = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    suppression_threshold = serializers.IntegerField(
        allow_null=True, help_text="Anonymous campaigns: smallest group shown in breakdowns."
    )
    questions = QuestionResultSerializer(many=True)
    municipalities = MunicipalityResultSerializer(many=True)


class CampaignResultsQuery(serializers.Serializer):
    breakdown = serializers.BooleanField(
        default=True, help_text="Include breakdowns by kind, size class and region."
    )


class CampaignExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=["csv", "xlsx", "pdf"],
        help_text="csv / xlsx: every response, a row each; pdf: the results report.",
    )


ERRORS = {
    401: OpenApiResponse(SurveyErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(SurveyErrorSerializer, description="Not an administrator."),
    404: OpenApiResponse(SurveyErrorSerializer, description="No such campaign."),
}


# --- views -----------------------------------------------------------------------------------


class CampaignResultsApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsSurveyAdministrator]

    @extend_schema(
        operation_id="v1_campaigns_results",
        summary="Results of a campaign so far",
        parameters=[
            CampaignResultsQuery,
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag of results read before: 304 while nothing changed.",
            ),
        ],
        responses={
            200: CampaignResultsSerializer,
            304: OpenApiResponse(description="Unchanged since the ETag sent."),
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        query = CampaignResultsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        campaign = selectors.campaign_get_for(user=request.user, pk=pk)
        results, fingerprint = campaign_results_live(
            campaign=campaign, breakdown=query.validated_data["breakdown"]
        )
        etag = f'"{fingerprint[:32]}-{int(query.validated_data["breakdown"])}"'
        if request.headers.get("If-None-Match") == etag:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(results)
        response["ETag"] = etag
        # Who may read it is decided per request.
        response["Cache-Control"] = "private, no-cache"
        return response


class CampaignExportCreateApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsSurveyAdministrator]

    @extend_schema(
        operation_id="v1_campaigns_exports_create",
        summary="Export the responses (CSV, XLSX) or the results report (PDF)",
        request=CampaignExportRequestSerializer,
        responses={
            202: OpenApiResponse(DocumentExportSerializer, description="A new job."),
            200: OpenApiResponse(
                DocumentExportSerializer, description="The job already made for this content."
            ),
            400: OpenApiResponse(SurveyErrorSerializer, description="Unknown format."),
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        campaign = selectors.campaign_get_for(user=request.user, pk=pk)
        data = CampaignExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        export, created = document_export_request(
            kind=KIND, subject=campaign, format=data.validated_data["format"], actor=request.user
        )
        export.refresh_from_db()  # tasks run in-process (the demo) may have finished it
        response = Response(
            DocumentExportSerializer(export, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        )
        response["Location"] = reverse("export-detail", args=[export.pk])
        return response
