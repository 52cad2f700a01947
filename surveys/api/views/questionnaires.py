"""Questionnaires, their draft questions and published versions."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.concurrency import ETAG_HEADER, with_etag
from surveys import selectors, services
from surveys.api.serializers import (
    QuestionCreateSerializer,
    QuestionMoveSerializer,
    QuestionnaireCreateSerializer,
    QuestionnaireDetailSerializer,
    QuestionnaireSerializer,
    QuestionnaireUpdateSerializer,
    QuestionnaireVersionSerializer,
    QuestionSerializer,
    QuestionUpdateSerializer,
)
from surveys.api.views.common import (
    IF_MATCH_OPTIONAL,
    READ_ERRORS,
    SurveyAdminApi,
    _errors,
    _optional_version,
)


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
