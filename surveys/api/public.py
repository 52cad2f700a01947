"""The respondent's API: the token in the path is the only key. No account, no session and
therefore no CSRF (``authentication_classes = []``); unknown tokens answer 404 and count
toward the per-address rate limit (``surveys.ratelimit``)."""

from typing import Any

from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys import ratelimit
from surveys.models import Invitation, QuestionType
from surveys.services.responses import (
    campaign_state,
    response_for_token,
    response_of,
    response_save,
)

# --- shapes (the version shape is the public contract of surveys.schema) ------------------


class RespondentItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class RespondentScaleSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    min_label = serializers.CharField(allow_blank=True)
    max_label = serializers.CharField(allow_blank=True)


class RespondentConditionSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    option = serializers.IntegerField()


class RespondentQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=QuestionType.choices)
    text = serializers.CharField()
    # Declared fields leave the class (DRF's metaclass), so these names do not shadow the
    # Field attributes of the same name; the stubs cannot know that.
    help_text = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    options = RespondentItemSerializer(many=True, help_text="Choice questions; else empty.")
    rows = RespondentItemSerializer(many=True, help_text="Matrix rows; else empty.")
    has_other = serializers.BooleanField(
        help_text='Offers an "other, please specify" text, answered under "<id>_other".'
    )
    min = serializers.FloatField(allow_null=True, help_text="Number questions: lower bound.")
    max = serializers.FloatField(allow_null=True, help_text="Number questions: upper bound.")
    scale = RespondentScaleSerializer(
        allow_null=True, help_text="Scale and matrix questions: the 1–5 scale."
    )
    condition = RespondentConditionSerializer(
        allow_null=True,
        help_text="Asked only if that earlier question was answered with that option.",
    )


class RespondentQuestionnaireSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    questions = RespondentQuestionSerializer(many=True)


class RespondentCampaignSerializer(serializers.Serializer):
    title = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    open = serializers.BooleanField(help_text="Answers are accepted now.")


ANSWERS_HELP = (
    "Keyed by question id: an option id for single_choice, a list of option ids for "
    "multiple_choice, a number for scale (1–5) and number, a string for short_text (≤ 500) "
    "and long_text (≤ 10,000), {row_id: 1–5} for matrix; the other text of a choice "
    'question under "<id>_other". Answers to questions whose condition does not hold are '
    "dropped."
)


class RespondentResponseSerializer(serializers.Serializer):
    questionnaire = RespondentQuestionnaireSerializer(
        help_text="The frozen questionnaire version the campaign asks."
    )
    answers = serializers.DictField(help_text=ANSWERS_HELP)
    status = serializers.ChoiceField(
        choices=["new", "in_progress", "submitted"],
        help_text="new: nothing saved yet; in_progress: saved, may change; submitted: final.",
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    campaign = RespondentCampaignSerializer()


class RespondentAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(help_text=ANSWERS_HELP + " Replaces what was saved.")
    submit = serializers.BooleanField(
        default=False,
        help_text="true: check required questions too and submit; the response is then final.",
    )


class RespondentErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()


def response_data(invitation: Invitation) -> dict[str, Any]:
    """The body of both methods, from an invitation that carries its campaign, version and
    response (``response_for_token`` or ``response_save``)."""
    campaign = invitation.campaign
    response = response_of(invitation)
    submitted_at = response.submitted_at if response is not None else None
    return {
        # The frozen schema as stored, untouched by a serializer (which would, for one,
        # turn whole bounds into floats).
        "questionnaire": campaign.questionnaire_version.schema,
        "answers": response.answers if response is not None else {},
        "status": response.status if response is not None else "new",
        "submitted_at": (
            serializers.DateTimeField().to_representation(submitted_at) if submitted_at else None
        ),
        "campaign": RespondentCampaignSerializer(
            {
                "title": campaign.title,
                "opens_at": campaign.opens_at,
                "closes_at": campaign.closes_at,
                "open": campaign_state(campaign) == "open",
            }
        ).data,
    }


TOKEN = OpenApiParameter(
    "token",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The token from the invitation link /s/<token>/.",
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=RespondentErrorSerializer, description=description)


NOT_FOUND = _error("No such token (or no longer valid: the administrator issued a new link).")
RATE_LIMITED = _error(
    "Too many unknown tokens from this address: after 20 within 10 minutes the address gets "
    "429 for any token until that window ends (Retry-After, in seconds). Valid tokens are "
    "not counted."
)


class PublicResponseApi(APIView):
    """A respondent's response: read the questionnaire with the saved answers, save them as
    the respondent goes, submit once."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [JSONParser]
    serializer_class = RespondentResponseSerializer

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ratelimit.RateLimited):
            minutes = ratelimit.minutes(exc.retry_after)
            return Response(
                {
                    "detail": ngettext(
                        "Too many unknown survey links from your address. "
                        "Try again in %(minutes)s minute.",
                        "Too many unknown survey links from your address. "
                        "Try again in %(minutes)s minutes.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    "code": "rate_limited",
                },
                status=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Answers are personal: no shared cache keeps them.
        patch_cache_control(response, no_store=True, private=True)
        return response

    @extend_schema(
        operation_id="v1_public_responses_retrieve",
        summary="The questionnaire and the saved answers of a token",
        parameters=[TOKEN],
        responses={200: RespondentResponseSerializer, 404: NOT_FOUND, 429: RATE_LIMITED},
        auth=[],
    )
    def get(self, request: Request, token: str) -> Response:
        invitation = ratelimit.guarded(request, lambda: response_for_token(token=token))
        return Response(response_data(invitation))

    @extend_schema(
        operation_id="v1_public_responses_update",
        summary="Save the answers (the whole object) and optionally submit them",
        parameters=[TOKEN],
        request=RespondentAnswersSerializer,
        responses={
            200: RespondentResponseSerializer,
            400: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description='Answers that break the questionnaire: {"detail", "code": '
                '"invalid_answers", "answers": {"<question id>": ["message"]}} (types, '
                "options, bounds, lengths, unknown questions; on submit also required "
                'questions); or a malformed body: {"answers": ["..."]}. Nothing is saved.',
            ),
            404: NOT_FOUND,
            409: _error(
                "code already_submitted: the response was submitted and is read-only "
                "(a second submit, or any save after it); campaign_closed: the campaign is "
                "closed or past its closing time; campaign_not_open: not open yet."
            ),
            429: RATE_LIMITED,
        },
        auth=[],
    )
    def put(self, request: Request, token: str) -> Response:
        wait = ratelimit.retry_after(request)
        if wait is not None:
            raise ratelimit.RateLimited(wait)
        data = RespondentAnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        response = ratelimit.guarded(
            request,
            lambda: response_save(
                token=token,
                answers=data.validated_data["answers"],
                submit=data.validated_data["submit"],
            ),
        )
        return Response(response_data(response.invitation))
