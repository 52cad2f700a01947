from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.concurrency import expected_version, with_etag
from core.exceptions import ApplicationError
from municipalities import selectors, services
from municipalities.api.queries import (
    IndicatorImportRequest,
    IndicatorValueQuery,
    MunicipalityQuery,
    TownQuery,
)
from municipalities.api.serializers import (
    AgreementSerializer,
    IndicatorSerializer,
    IndicatorValueSerializer,
    MunicipalitySerializer,
    TownSerializer,
)
from municipalities.imports.indicators import indicator_values_import
from municipalities.models import Agreement, Municipality
from municipalities.permissions import can_import_indicators


class PublicReadOnly(permissions.BasePermission):
    """The registry is public reading; nothing here writes."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in permissions.SAFE_METHODS


class QueryFilteredMixin:
    """A list whose query parameters are validated by ``query_class`` (400 with field errors
    when bad) and handed to ``selector``."""

    query_class: type
    selector: Any

    def get_queryset(self) -> QuerySet:
        query = self.query_class(data=self.request.query_params)  # type: ignore[attr-defined]
        query.is_valid(raise_exception=True)
        return self.selector(**query.validated_data)


@extend_schema_view(list=extend_schema(parameters=[MunicipalityQuery]))
class MunicipalityViewSet(QueryFilteredMixin, viewsets.ReadOnlyModelViewSet):
    """Municipal formations (131-FZ) keyed by their 8-digit OKTMO code."""

    serializer_class = MunicipalitySerializer
    query_class = MunicipalityQuery
    selector = staticmethod(selectors.municipality_list)
    permission_classes = [PublicReadOnly]
    lookup_field = "oktmo"
    lookup_value_regex = r"\d{8}"


@extend_schema_view(list=extend_schema(parameters=[TownQuery]))
class TownViewSet(QueryFilteredMixin, viewsets.ReadOnlyModelViewSet):
    """Towns with their population and size class (SP 42.13330.2016)."""

    serializer_class = TownSerializer
    query_class = TownQuery
    selector = staticmethod(selectors.town_list)
    permission_classes = [PublicReadOnly]
    lookup_field = "oktmo"
    lookup_value_regex = r"\d{11}"


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue of socio-economic indicators."""

    serializer_class = IndicatorSerializer
    permission_classes = [PublicReadOnly]
    lookup_field = "code"

    def get_queryset(self) -> QuerySet:
        return selectors.indicator_list()


@extend_schema_view(list=extend_schema(parameters=[IndicatorValueQuery]))
class IndicatorValueViewSet(QueryFilteredMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Values of indicators per municipality and year. A year without a value is a gap."""

    serializer_class = IndicatorValueSerializer
    permission_classes = [PublicReadOnly]
    query_class = IndicatorValueQuery
    selector = staticmethod(selectors.indicator_value_list)

    @extend_schema(
        request={"multipart/form-data": IndicatorImportRequest},
        responses={
            200: OpenApiResponse(description="The import report; values were written."),
            400: OpenApiResponse(
                description="The report with every bad row (line, message); nothing written."
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
        permission_classes=[permissions.IsAuthenticated],
    )
    def import_file(self, request: Request) -> Response:
        """Import values from CSV or XLSX, all or nothing (administrators)."""
        if not can_import_indicators(request.user):
            raise ApplicationError(
                _("Only administrators may import indicator values."),
                status=403,
                code="permission_denied",
            )
        data = IndicatorImportRequest(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = indicator_values_import(
            file=upload,
            filename=upload.name,
            dry_run=data.validated_data["dry_run"],
            actor=request.user,
        )
        return Response(
            report.as_dict(),
            status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST,
        )


class AgreementPermission(permissions.BasePermission):
    """Read for everybody signed in; writes are checked object by object in the services."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


class AgreementViewSet(viewsets.ModelViewSet):
    """Inter-municipal cooperation agreements. Writes need ``If-Match`` with the ETag."""

    serializer_class = AgreementSerializer
    permission_classes = [AgreementPermission]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return selectors.agreement_list(user=self.request.user)

    def get_object(self) -> Agreement:
        return selectors.agreement_get_for(user=self.request.user, pk=self.kwargs["pk"])

    @staticmethod
    def _parties(data: dict) -> list[services.PartyInput] | None:
        if "parties" not in data:
            return None
        by_oktmo = Municipality.objects.in_bulk(
            [p["oktmo"] for p in data["parties"]], field_name="oktmo"
        )
        return [services.PartyInput(by_oktmo[p["oktmo"]], p["role"]) for p in data["parties"]]

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        return with_etag(Response(self.get_serializer(agreement).data), agreement.version)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parties = self._parties(data) or []
        data.pop("parties", None)
        agreement = services.agreement_create(actor=request.user, parties=parties, **data)
        agreement = selectors.agreement_get_for(user=request.user, pk=agreement.pk)
        response = Response(self.get_serializer(agreement).data, status=status.HTTP_201_CREATED)
        return with_etag(response, agreement.version)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        version = expected_version(request)
        serializer = self.get_serializer(
            agreement, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parties = self._parties(data)
        data.pop("parties", None)
        services.agreement_update(
            actor=request.user,
            agreement_id=agreement.pk,
            version=version,
            parties=parties,
            **data,
        )
        agreement = selectors.agreement_get_for(user=request.user, pk=agreement.pk)
        return with_etag(Response(self.get_serializer(agreement).data), agreement.version)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agreement = self.get_object()
        services.agreement_delete(
            actor=request.user, agreement_id=agreement.pk, version=expected_version(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
