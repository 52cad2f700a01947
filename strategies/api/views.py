"""The strategy API: thin adapters. Reads go through the access selectors (404 for a strategy
the user may not see), writes through the services (they check the rights and the state);
versioned objects travel with ``ETag`` and come back with ``If-Match``."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.concurrency import ETAG_HEADER, IF_MATCH_HEADER, expected_version, with_etag
from core.exceptions import ApplicationError
from strategies import content, permissions, selectors, services
from strategies.api.serializers import (
    CommentCreateSerializer,
    CommentResolveSerializer,
    CommentSerializer,
    ErrorSerializer,
    RevisionDiffQuery,
    RevisionDiffSerializer,
    RevisionSerializer,
    SectionConflictSerializer,
    SectionCreateSerializer,
    SectionOrderSerializer,
    SectionSerializer,
    SectionUpdateSerializer,
    StrategyCreateSerializer,
    StrategyQuery,
    StrategyReturnSerializer,
    StrategySerializer,
    StrategySignOffSerializer,
    StrategyUpdateSerializer,
    VersionConflictSerializer,
)
from strategies.models import Section, Strategy
from strategies.services.sections import UNCHANGED


def _errors(*codes: int, conflict: Any = VersionConflictSerializer) -> dict[int, Any]:
    """Documented refusals: ``{"detail", "code", ...}``, except a malformed request, which
    gets DRF's field errors as the rest of the API does."""
    described = {
        400: 'Bad input: {"<field>": ["..."]} when malformed (types, unknown OKTMO); '
        '{"detail", "code", "errors": {"<field>": ["..."]}} when it breaks a rule.',
        401: "Not signed in.",
        403: "Signed in, but this user may not do it.",
        404: "No such object, or its strategy is not visible to this user.",
        409: "Not possible in the strategy's current status; the detail says why.",
        412: "Stale If-Match: somebody saved a newer version (current_version).",
        428: "If-Match is missing.",
    }
    return {
        code: OpenApiResponse(
            response={400: OpenApiTypes.OBJECT, 412: conflict}.get(code, ErrorSerializer),
            description=described[code],
        )
        for code in codes
    }


READ_ERRORS = _errors(404)


class StrategyApi(generics.GenericAPIView):
    """Base of the strategy endpoints. A published strategy is public, so reading needs no
    account (the selectors answer 404 for anything else); every write does."""

    permission_classes = [IsAuthenticatedOrReadOnly]


# --- strategies ---------------------------------------------------------------------------


class StrategyListApi(StrategyApi):
    """Strategies the user may see: those of the user's municipalities in any status,
    everybody's once adopted. A coordinator starts a new one; the coordinator's
    municipality among the participants leads it."""

    serializer_class = StrategySerializer

    def get_queryset(self) -> QuerySet[Strategy]:
        query = StrategyQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.strategy_list(user=self.request.user, **query.validated_data)

    @extend_schema(
        operation_id="v1_strategies_list",
        parameters=[StrategyQuery],
        responses={200: StrategySerializer(many=True), **_errors(400)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(StrategySerializer(page, many=True).data)

    @extend_schema(
        operation_id="v1_strategies_create",
        request=StrategyCreateSerializer,
        responses={201: StrategySerializer, **_errors(400, 401, 403)},
        parameters=[ETAG_HEADER],
    )
    def post(self, request: Request) -> Response:
        if not permissions.can_create_strategy(request.user):
            raise ApplicationError(
                _("Only a coordinator of one of the participants may start a joint strategy."),
                status=403,
                code="permission_denied",
            )
        data = StrategyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.strategy_create(actor=request.user, **data.validated_data)
        strategy = selectors.strategy_get_for(user=request.user, pk=created.pk)
        response = Response(StrategySerializer(strategy).data, status=status.HTTP_201_CREATED)
        return with_etag(response, strategy.version)


class StrategyDetailApi(StrategyApi):
    """One strategy. Its ETag is the strategy's own version (title, horizon, summary,
    status); sections carry versions of their own."""

    serializer_class = StrategySerializer

    @extend_schema(
        operation_id="v1_strategies_retrieve",
        responses={200: StrategySerializer, **READ_ERRORS},
        parameters=[ETAG_HEADER],
    )
    def get(self, request: Request, pk: int) -> Response:
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        return with_etag(Response(StrategySerializer(strategy).data), strategy.version)

    @extend_schema(
        operation_id="v1_strategies_partial_update",
        request=StrategyUpdateSerializer,
        responses={200: StrategySerializer, **_errors(400, 401, 403, 404, 409, 412, 428)},
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Change the title, horizon or summary (the lead's coordinator, before approval)."""
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        version = expected_version(request)
        data = StrategyUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.strategy_update(
            actor=request.user, strategy_id=strategy.pk, version=version, **data.validated_data
        )
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        return with_etag(Response(StrategySerializer(strategy).data), strategy.version)


class StrategyTransitionApi(StrategyApi):
    """Base of the transition endpoints: POST moves the strategy by ``transition`` and
    answers with the strategy."""

    serializer_class = StrategySerializer
    transition = ""

    def post(self, request: Request, pk: int) -> Response:
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        self.perform(request, strategy)
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        return with_etag(Response(StrategySerializer(strategy).data), strategy.version)

    def perform(self, request: Request, strategy: Strategy) -> None:
        services.strategy_transition(
            actor=request.user, strategy_id=strategy.pk, name=self.transition
        )


TRANSITION_RESPONSES = {200: StrategySerializer, **_errors(401, 403, 404, 409)}


def _transition_schema(operation_id: str, description: str, **kwargs: Any) -> Any:
    return extend_schema(
        operation_id=operation_id,
        description=description,
        request=kwargs.pop("request", None),
        responses=kwargs.pop("responses", TRANSITION_RESPONSES),
        parameters=[ETAG_HEADER],
        **kwargs,
    )


class StrategyReviewApi(StrategyTransitionApi):
    transition = "review"

    @_transition_schema(
        "v1_strategies_review",
        "Open the review (draft → in_review): the content is frozen as a snapshot and an "
        "approval round starts. The lead's coordinator.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class StrategyReturnApi(StrategyTransitionApi):
    transition = "return"

    @_transition_schema(
        "v1_strategies_return",
        "Send the strategy in review back to draft with a comment; the round closes and "
        "its sign-offs lapse. An approver of a participant or the lead's coordinator.",
        request=StrategyReturnSerializer,
        responses={**TRANSITION_RESPONSES, **_errors(400)},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, strategy: Strategy) -> None:
        data = StrategyReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.strategy_transition(
            actor=request.user,
            strategy_id=strategy.pk,
            name=self.transition,
            comment=data.validated_data["comment"],
        )


class StrategyAdoptApi(StrategyTransitionApi):
    transition = "adopt"

    @_transition_schema(
        "v1_strategies_adopt",
        "Mark the approved strategy adopted, which publishes it. The lead's coordinator.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class StrategyArchiveApi(StrategyTransitionApi):
    transition = "archive"

    @_transition_schema(
        "v1_strategies_archive",
        "Archive an adopted strategy (it stays published). The lead's coordinator.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class StrategySignOffApi(StrategyTransitionApi):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @_transition_schema(
        "v1_strategies_sign_off",
        "Sign the text under review for one participant, optionally with its council "
        "decision (send the scan as multipart/form-data). An approver of that participant "
        "only. The last missing sign-off approves the strategy.",
        request={
            "application/json": StrategySignOffSerializer,
            "multipart/form-data": StrategySignOffSerializer,
        },
        responses={**TRANSITION_RESPONSES, **_errors(400)},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def perform(self, request: Request, strategy: Strategy) -> None:
        data = StrategySignOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        municipality = fields.pop("municipality", None)
        services.strategy_sign_off(
            actor=request.user,
            strategy_id=strategy.pk,
            municipality_id=municipality.pk if municipality else None,
            **fields,
        )


# --- sections -----------------------------------------------------------------------------


class StrategySectionListApi(StrategyApi):
    """The sections of a strategy in document order. The lead's coordinator adds new ones."""

    serializer_class = SectionSerializer

    @extend_schema(
        operation_id="v1_strategies_sections_list",
        responses={200: SectionSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.section_list(strategy=strategy))
        return self.get_paginated_response(SectionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="v1_strategies_sections_create",
        request=SectionCreateSerializer,
        responses={201: SectionSerializer, **_errors(400, 401, 403, 404, 409)},
        parameters=[ETAG_HEADER],
    )
    def post(self, request: Request, pk: int) -> Response:
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        data = SectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        parent_id = fields.pop("parent")
        parent = None
        if parent_id is not None:
            parent = strategy.sections.filter(pk=parent_id).first()
            if parent is None:
                message = _("The parent section belongs to another strategy.")
                raise ApplicationError(message, extra={"errors": {"parent": [message]}})
        created = services.section_create(
            actor=request.user, strategy_id=strategy.pk, parent=parent, **fields
        )
        section = selectors.section_get_for(user=request.user, pk=created.pk)
        response = Response(SectionSerializer(section).data, status=status.HTTP_201_CREATED)
        return with_etag(response, section.version)


class StrategySectionOrderApi(StrategyApi):
    serializer_class = SectionSerializer
    pagination_class = None  # answers with all the sections

    @extend_schema(
        operation_id="v1_strategies_sections_order",
        request=SectionOrderSerializer,
        responses={200: SectionSerializer(many=True), **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Put the sections in a new order (the lead's coordinator); answers with them all
        in that order."""
        strategy = selectors.strategy_get_for(user=request.user, pk=pk)
        data = SectionOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.sections_reorder(
            actor=request.user, strategy_id=strategy.pk, order=data.validated_data["order"]
        )
        sections = selectors.section_list(strategy=strategy)
        return Response(SectionSerializer(sections, many=True).data)


class SectionDetailApi(StrategyApi):
    """One section. Editors of its owner municipality (of any participant when it is
    shared) change its text; the lead's coordinator reassigns and removes it. Writes need
    ``If-Match``; a stale one is refused with 412 and the section as it is now."""

    serializer_class = SectionSerializer

    @extend_schema(
        operation_id="v1_sections_retrieve",
        responses={200: SectionSerializer, **READ_ERRORS},
        parameters=[ETAG_HEADER],
    )
    def get(self, request: Request, pk: int) -> Response:
        section = selectors.section_get_for(user=request.user, pk=pk)
        return with_etag(Response(SectionSerializer(section).data), section.version)

    @extend_schema(
        operation_id="v1_sections_partial_update",
        request=SectionUpdateSerializer,
        responses={
            200: SectionSerializer,
            **_errors(400, 401, 403, 404, 409, 412, 428, conflict=SectionConflictSerializer),
        },
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
    )
    def patch(self, request: Request, pk: int) -> Response:
        section = selectors.section_get_for(user=request.user, pk=pk)
        version = expected_version(request)
        data = SectionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "owner" not in fields:
            fields["owner"] = UNCHANGED
        with conflict_shows_current(request, section):
            services.section_update(
                actor=request.user, section_id=section.pk, version=version, **fields
            )
        section = selectors.section_get_for(user=request.user, pk=pk)
        return with_etag(Response(SectionSerializer(section).data), section.version)

    @extend_schema(
        operation_id="v1_sections_destroy",
        responses={204: None, **_errors(401, 403, 404, 409, 412, 428)},
        parameters=[IF_MATCH_HEADER],
    )
    def delete(self, request: Request, pk: int) -> Response:
        section = selectors.section_get_for(user=request.user, pk=pk)
        services.section_delete(
            actor=request.user, section_id=section.pk, version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@contextmanager
def conflict_shows_current(request: Request, section: Section) -> Iterator[None]:
    """Turn a 412 on a section into one that also carries the section as stored now, so
    that the client can show both texts and merge instead of overwriting."""
    try:
        yield
    except ApplicationError as exc:
        if exc.status == status.HTTP_412_PRECONDITION_FAILED:
            current = selectors.section_get_for(user=request.user, pk=section.pk)
            exc.extra = {**exc.extra, "current": SectionSerializer(current).data}
        raise


# --- revisions ----------------------------------------------------------------------------


class SectionRevisionListApi(StrategyApi):
    """Every saved state of a section, newest first."""

    serializer_class = RevisionSerializer

    @extend_schema(
        operation_id="v1_sections_revisions_list",
        responses={200: RevisionSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        section = selectors.section_get_for(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.revision_list(section=section))
        return self.get_paginated_response(RevisionSerializer(page, many=True).data)


class SectionRevisionDiffApi(StrategyApi):
    serializer_class = RevisionDiffSerializer

    @extend_schema(
        operation_id="v1_sections_revisions_diff",
        parameters=[RevisionDiffQuery],
        responses={200: RevisionDiffSerializer, **_errors(400, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The texts of two revisions compared word by word."""
        section = selectors.section_get_for(user=request.user, pk=pk)
        query = RevisionDiffQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        numbers = query.validated_data["from"], query.validated_data["to"]
        old, new = (selectors.revision_get(section=section, number=n) for n in numbers)
        if old is None or new is None:
            raise Http404
        return Response(
            {
                "from": old.number,
                "to": new.number,
                "diff": str(content.word_diff(old.body, new.body)),
            }
        )


class SectionRevisionRestoreApi(StrategyApi):
    serializer_class = SectionSerializer

    @extend_schema(
        operation_id="v1_sections_revisions_restore",
        request=None,
        responses={
            200: SectionSerializer,
            **_errors(401, 403, 404, 409, 412, 428, conflict=SectionConflictSerializer),
        },
        parameters=[IF_MATCH_HEADER, ETAG_HEADER],
    )
    def post(self, request: Request, pk: int, number: int) -> Response:
        """Make an old revision the section's text again, saved as a new revision.
        ``If-Match`` holds the section's current version."""
        section = selectors.section_get_for(user=request.user, pk=pk)
        revision = selectors.revision_get(section=section, number=number)
        if revision is None:
            raise Http404
        version = expected_version(request)
        with conflict_shows_current(request, section):
            services.revision_restore(actor=request.user, revision_id=revision.pk, version=version)
        section = selectors.section_get_for(user=request.user, pk=pk)
        return with_etag(Response(SectionSerializer(section).data), section.version)


# --- comments -----------------------------------------------------------------------------


class SectionCommentListApi(StrategyApi):
    """The comment threads of a section, oldest first (``parent`` links an answer to the
    comment it answers). Members of the participants comment; the editors of the section's
    municipality are e-mailed."""

    serializer_class = CommentSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_sections_comments_list",
        responses={200: CommentSerializer(many=True), **_errors(401, 403, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Members of the participants and administrators read the comments (an adopted
        strategy is public, its discussion is not)."""
        section = selectors.section_get_for(user=request.user, pk=pk)
        if not permissions.can_see_discussion(request.user, section.strategy):
            raise ApplicationError(
                _("Only members of the participating municipalities read the comments."),
                status=403,
                code="permission_denied",
            )
        page = self.paginate_queryset(selectors.comment_list(section=section))
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(
        operation_id="v1_sections_comments_create",
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, **_errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        section = selectors.section_get_for(user=request.user, pk=pk)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            actor=request.user,
            section_id=section.pk,
            body=data.validated_data["body"],
            parent_id=data.validated_data["parent"],
        )
        comment = selectors.comment_get_for(user=request.user, pk=comment.pk)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentResolveApi(StrategyApi):
    serializer_class = CommentSerializer
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="v1_comments_resolve",
        request=CommentResolveSerializer,
        responses={200: CommentSerializer, **_errors(400, 401, 403, 404)},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Resolve a comment (``{"resolved": true}``) or reopen it (``false``)."""
        comment = selectors.comment_get_for(user=request.user, pk=pk)
        data = CommentResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.comment_resolve(
            actor=request.user, comment_id=comment.pk, resolved=data.validated_data["resolved"]
        )
        comment = selectors.comment_get_for(user=request.user, pk=pk)
        return Response(CommentSerializer(comment).data)
