"""Query parameters of the list endpoints: validated (400 with field errors on bad input)
and documented in the OpenAPI schema; the selectors then do the filtering."""

from django.conf import settings
from rest_framework import serializers

from municipalities.models import Municipality
from municipalities.size_classes import SizeClass

SEARCH_HELP = "Part of the name, or the start of the OKTMO code."
REGION_HELP = "Two-digit region code, e.g. 19."


class MunicipalityQuery(serializers.Serializer):
    search = serializers.CharField(required=False, default="", help_text=SEARCH_HELP)
    oktmo = serializers.RegexField(
        r"^\d{8}$", required=False, default="", help_text="Exact 8-digit OKTMO code."
    )
    kind = serializers.ChoiceField(choices=Municipality.Kind.choices, required=False, default="")
    region = serializers.RegexField(r"^\d{2}$", required=False, default="", help_text=REGION_HELP)
    size_class = serializers.ChoiceField(
        choices=SizeClass.choices,
        required=False,
        default="",
        help_text="Size class of the municipality's main town.",
    )


class TownQuery(serializers.Serializer):
    search = serializers.CharField(required=False, default="", help_text=SEARCH_HELP)
    oktmo = serializers.RegexField(
        r"^\d{11}$", required=False, default="", help_text="Exact 11-digit OKTMO code."
    )
    region = serializers.RegexField(r"^\d{2}$", required=False, default="", help_text=REGION_HELP)
    size_class = serializers.ChoiceField(choices=SizeClass.choices, required=False, default="")


class IndicatorValueQuery(serializers.Serializer):
    oktmo = serializers.RegexField(
        r"^\d{8}$", required=False, default="", help_text="8-digit OKTMO of the municipality."
    )
    indicator = serializers.SlugField(
        required=False, default="", help_text="Indicator code, e.g. population."
    )
    year_from = serializers.IntegerField(
        required=False,
        default=None,
        min_value=settings.INDICATOR_YEAR_MIN,
        max_value=settings.INDICATOR_YEAR_MAX,
        help_text="First year, inclusive.",
    )
    year_to = serializers.IntegerField(
        required=False,
        default=None,
        min_value=settings.INDICATOR_YEAR_MIN,
        max_value=settings.INDICATOR_YEAR_MAX,
        help_text="Last year, inclusive.",
    )


class IndicatorImportRequest(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or Windows-1251) or XLSX.")
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Validate and report only; write nothing."
    )
