"""The action plan and the target indicators over HTTP. Thin adapters: the access
selectors decide what a user sees (404 otherwise), the services decide what they may change.

Lists and creation live under the strategy (``strategies/{id}/goals/``); an item has its own
address (``goals/{id}/``) with its version as ``ETag``; ``PATCH`` and ``DELETE`` need it back
in ``If-Match`` (428 without, 412 when somebody else changed the item meanwhile)."""

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.concurrency import ETAG_HEADER, IF_MATCH_HEADER, expected_version, with_etag
from strategies import plan_selectors, services
from strategies.api.plan_serializers import (
    GoalSerializer,
    MeasureSerializer,
    ObjectiveSerializer,
    TargetIndicatorSerializer,
)
from strategies.models import Goal, Measure, Objective, Strategy, TargetIndicator
from strategies.selectors import strategy_get_for

READ_ERRORS = {404: OpenApiResponse(description="No such item, or its strategy is not yours.")}
WRITE_ERRORS = {
    **READ_ERRORS,
    400: OpenApiResponse(description="Field errors: {detail, code, errors: {field: [...]}}."),
    401: OpenApiResponse(description="Not signed in."),
    403: OpenApiResponse(description="Only editors of the participants change the plan."),
    409: OpenApiResponse(description="The strategy is approved or adopted: content is frozen."),
}
VERSION_ERRORS = {
    412: OpenApiResponse(
        description="Somebody changed the item meanwhile; the body carries current_version."
    ),
    428: OpenApiResponse(description="If-Match is missing."),
}


def _fake(view: Any) -> bool:
    """True while drf-spectacular builds the schema (no request, no URL arguments)."""
    return bool(getattr(view, "swagger_fake_view", False))


class PlanListApi(generics.ListCreateAPIView):
    """The items of one strategy (read: whoever may see the strategy) and adding one."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    model: ClassVar[type[Model]]
    selector: ClassVar[Callable[..., QuerySet[Any]]]
    getter: ClassVar[Callable[..., Any]]

    def get_strategy(self) -> Strategy:
        if not hasattr(self, "_strategy"):
            self._strategy = strategy_get_for(user=self.request.user, pk=self.kwargs["strategy_id"])
        return self._strategy

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not _fake(self):
            context["strategy"] = self.get_strategy()
        return context

    def filters(self) -> dict[str, Any]:
        return {}

    def get_queryset(self) -> QuerySet[Any]:
        if _fake(self):
            return self.model._default_manager.none()
        return type(self).selector(strategy=self.get_strategy(), **self.filters())

    def create_item(self, strategy: Strategy, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        strategy = self.get_strategy()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = self.create_item(strategy, dict(serializer.validated_data))
        item = type(self).getter(user=request.user, pk=item.pk)
        response = Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)
        return with_etag(response, item.version)


class PlanItemApi(generics.GenericAPIView):
    """One item: read it with its ETag, change it or remove it with If-Match."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    getter: ClassVar[Callable[..., Any]]

    def strategy_of(self, item: Any) -> Strategy:
        raise NotImplementedError

    def update_item(self, item: Any, version: int, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def delete_item(self, item: Any, version: int) -> None:
        raise NotImplementedError

    def load(self, pk: int) -> Any:
        return type(self).getter(user=self.request.user, pk=pk)

    def represent(self, item: Any) -> Response:
        serializer = self.get_serializer(item, context={"strategy": self.strategy_of(item)})
        return with_etag(Response(serializer.data), item.version)

    def get(self, request: Request, pk: int) -> Response:
        return self.represent(self.load(pk))

    def patch(self, request: Request, pk: int) -> Response:
        item = self.load(pk)
        version = expected_version(request)
        serializer = self.get_serializer(
            item, data=request.data, partial=True, context={"strategy": self.strategy_of(item)}
        )
        serializer.is_valid(raise_exception=True)
        self.update_item(item, version, dict(serializer.validated_data))
        return self.represent(self.load(pk))

    def delete(self, request: Request, pk: int) -> Response:
        item = self.load(pk)
        self.delete_item(item, expected_version(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def list_schemas(serializer: type[serializers.Serializer], query: Any = None) -> Any:
    """The schema of a list-and-create view (a class decorator)."""
    return extend_schema_view(
        get=extend_schema(
            responses={200: serializer(many=True), **READ_ERRORS},
            parameters=[query] if query is not None else None,
        ),
        post=extend_schema(
            request=serializer,
            responses={201: serializer, **WRITE_ERRORS},
            parameters=[ETAG_HEADER],
        ),
    )


def item_schemas(serializer: type[serializers.Serializer]) -> Any:
    """The schema of an item view (a class decorator)."""
    return extend_schema_view(
        **{
            "get": extend_schema(
                responses={200: serializer, **READ_ERRORS}, parameters=[ETAG_HEADER]
            ),
            "patch": extend_schema(
                request=serializer,
                responses={200: serializer, **WRITE_ERRORS, **VERSION_ERRORS},
                parameters=[IF_MATCH_HEADER, ETAG_HEADER],
            ),
            "delete": extend_schema(
                responses={204: None, **WRITE_ERRORS, **VERSION_ERRORS},
                parameters=[IF_MATCH_HEADER],
            ),
        }
    )


# Goals


@list_schemas(GoalSerializer)
class GoalListApi(PlanListApi):
    """Goals of the strategy, in order."""

    serializer_class = GoalSerializer
    model = Goal
    selector = staticmethod(plan_selectors.goal_list)
    getter = staticmethod(plan_selectors.goal_get_for)

    def create_item(self, strategy: Strategy, data: dict[str, Any]) -> Goal:
        return services.goal_create(actor=self.request.user, strategy_id=strategy.pk, **data)


@item_schemas(GoalSerializer)
class GoalApi(PlanItemApi):
    """A goal of the strategy's action plan."""

    serializer_class = GoalSerializer
    queryset = Goal.objects.none()
    getter = staticmethod(plan_selectors.goal_get_for)

    def strategy_of(self, item: Goal) -> Strategy:
        return item.strategy

    def update_item(self, item: Goal, version: int, data: dict[str, Any]) -> None:
        services.goal_update(actor=self.request.user, goal_id=item.pk, version=version, **data)

    def delete_item(self, item: Goal, version: int) -> None:
        services.goal_delete(actor=self.request.user, goal_id=item.pk, version=version)


# Objectives


class ObjectiveQuery(serializers.Serializer):
    goal = serializers.IntegerField(required=False, help_text="Only the objectives of this goal.")


def _objective_data(data: dict[str, Any]) -> dict[str, Any]:
    if "goal" in data:
        data["goal_id"] = data.pop("goal").pk
    return data


@list_schemas(ObjectiveSerializer, ObjectiveQuery)
class ObjectiveListApi(PlanListApi):
    """Objectives of the strategy, goal by goal."""

    serializer_class = ObjectiveSerializer
    model = Objective
    selector = staticmethod(plan_selectors.objective_list)
    getter = staticmethod(plan_selectors.objective_get_for)

    def filters(self) -> dict[str, Any]:
        query = ObjectiveQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return {"goal_id": query.validated_data.get("goal")}

    def create_item(self, strategy: Strategy, data: dict[str, Any]) -> Objective:
        return services.objective_create(actor=self.request.user, **_objective_data(data))


@item_schemas(ObjectiveSerializer)
class ObjectiveApi(PlanItemApi):
    """An objective under a goal."""

    serializer_class = ObjectiveSerializer
    queryset = Objective.objects.none()
    getter = staticmethod(plan_selectors.objective_get_for)

    def strategy_of(self, item: Objective) -> Strategy:
        return item.goal.strategy

    def update_item(self, item: Objective, version: int, data: dict[str, Any]) -> None:
        services.objective_update(
            actor=self.request.user, objective_id=item.pk, version=version, **_objective_data(data)
        )

    def delete_item(self, item: Objective, version: int) -> None:
        services.objective_delete(actor=self.request.user, objective_id=item.pk, version=version)


# Measures


class MeasureQuery(serializers.Serializer):
    objective = serializers.IntegerField(
        required=False, help_text="Only the measures of this objective."
    )


def _measure_data(data: dict[str, Any]) -> dict[str, Any]:
    if "objective" in data:
        data["objective_id"] = data.pop("objective").pk
    if "financing" in data:
        data["financing"] = [
            services.FinancingRow(
                row["source"], row.get("municipality"), row["year"], row["amount"]
            )
            for row in data["financing"]
        ]
    return data


@list_schemas(MeasureSerializer, MeasureQuery)
class MeasureListApi(PlanListApi):
    """Measures of the action plan with the municipalities responsible and their
    financing, thousand roubles."""

    serializer_class = MeasureSerializer
    model = Measure
    selector = staticmethod(plan_selectors.measure_list)
    getter = staticmethod(plan_selectors.measure_get_for)

    def filters(self) -> dict[str, Any]:
        query = MeasureQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return {"objective_id": query.validated_data.get("objective")}

    def create_item(self, strategy: Strategy, data: dict[str, Any]) -> Measure:
        return services.measure_create(actor=self.request.user, **_measure_data(data))


@item_schemas(MeasureSerializer)
class MeasureApi(PlanItemApi):
    """A measure. ``responsible`` and ``financing``, when sent, replace the lists."""

    serializer_class = MeasureSerializer
    queryset = Measure.objects.none()
    getter = staticmethod(plan_selectors.measure_get_for)

    def strategy_of(self, item: Measure) -> Strategy:
        return item.objective.goal.strategy

    def update_item(self, item: Measure, version: int, data: dict[str, Any]) -> None:
        services.measure_update(
            actor=self.request.user, measure_id=item.pk, version=version, **_measure_data(data)
        )

    def delete_item(self, item: Measure, version: int) -> None:
        services.measure_delete(actor=self.request.user, measure_id=item.pk, version=version)


# Target indicators


def _target_data(data: dict[str, Any]) -> dict[str, Any]:
    if "objective" in data:
        objective = data.pop("objective")
        data["objective_id"] = objective.pk if objective is not None else None
    if "contributions" in data:
        data["contributions"] = [
            services.ContributionRow(row["municipality"], row["year"], row["value"])
            for row in data["contributions"]
        ]
    return data


@list_schemas(TargetIndicatorSerializer)
class TargetIndicatorListApi(PlanListApi):
    """Target indicators with baseline, targets and actuals by year, and the monitoring
    status of the latest actual."""

    serializer_class = TargetIndicatorSerializer
    model = TargetIndicator
    selector = staticmethod(plan_selectors.target_indicator_list)
    getter = staticmethod(plan_selectors.target_indicator_get_for)

    def create_item(self, strategy: Strategy, data: dict[str, Any]) -> TargetIndicator:
        return services.target_indicator_create(
            actor=self.request.user, strategy_id=strategy.pk, **_target_data(data)
        )


@item_schemas(TargetIndicatorSerializer)
class TargetIndicatorApi(PlanItemApi):
    """A target indicator. ``targets``, ``actuals`` and ``contributions``, when sent,
    replace what there was. After approval only ``actuals`` may be sent (monitoring)."""

    serializer_class = TargetIndicatorSerializer
    queryset = TargetIndicator.objects.none()
    getter = staticmethod(plan_selectors.target_indicator_get_for)

    def strategy_of(self, item: TargetIndicator) -> Strategy:
        return item.strategy

    def update_item(self, item: TargetIndicator, version: int, data: dict[str, Any]) -> None:
        services.target_indicator_update(
            actor=self.request.user,
            target_indicator_id=item.pk,
            version=version,
            **_target_data(data),
        )

    def delete_item(self, item: TargetIndicator, version: int) -> None:
        services.target_indicator_delete(
            actor=self.request.user, target_indicator_id=item.pk, version=version
        )
