from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from municipalities.models import (
    Agreement,
    AgreementParty,
    Indicator,
    IndicatorValue,
    Municipality,
    Town,
)
from municipalities.size_classes import SizeClass


class MunicipalitySerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    # DRF's metaclass takes declared fields off the class, so this does not shadow
    # Field.parent at run time; the stubs cannot know that.
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent.oktmo", read_only=True, allow_null=True, default=None
    )
    size_class = serializers.SerializerMethodField()

    class Meta:
        model = Municipality
        fields = [
            "id",
            "oktmo",
            "name",
            "name_en",
            "kind",
            "region",
            "region_name",
            "parent",
            "size_class",
            "valid_from",
            "valid_to",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=SizeClass.choices, allow_null=True))
    def get_size_class(self, obj: Municipality) -> str | None:
        """The size class of the municipality's main town, if it has one."""
        return obj.main_town.size_class if obj.main_town else None


class TownSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    municipality = serializers.CharField(
        source="municipality.oktmo", read_only=True, allow_null=True, default=None
    )
    size_class = serializers.ChoiceField(choices=SizeClass.choices, read_only=True)

    class Meta:
        model = Town
        fields = [
            "oktmo",
            "okato",
            "name",
            "population",
            "population_year",
            "size_class",
            "region",
            "municipality",
            "latitude",
            "longitude",
        ]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "name_en",
            "unit",
            "category",
            "direction",
            "additive",
            "source",
            "description",
        ]


class IndicatorValueSerializer(serializers.ModelSerializer):
    oktmo = serializers.CharField(source="municipality.oktmo", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    value = serializers.FloatField(read_only=True)

    class Meta:
        model = IndicatorValue
        fields = ["oktmo", "indicator", "year", "value", "source"]


class AgreementPartySerializer(serializers.Serializer):
    oktmo = serializers.CharField(max_length=8)
    name = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(
        choices=AgreementParty.Role.choices, default=AgreementParty.Role.MEMBER
    )

    def to_representation(self, instance: AgreementParty) -> dict:
        return {
            "oktmo": instance.municipality.oktmo,
            "name": instance.municipality.name,
            "role": instance.role,
        }


class AgreementSerializer(serializers.ModelSerializer):
    parties = AgreementPartySerializer(many=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "title",
            "number",
            "legal_form",
            "sphere",
            "signed_on",
            "valid_from",
            "valid_to",
            "budget",
            "status",
            "description",
            "parties",
            "version",
        ]
        read_only_fields = ["id", "version"]

    def validate_parties(self, value: list[dict]) -> list[dict]:
        oktmos = [item["oktmo"] for item in value]
        known = dict(Municipality.objects.filter(oktmo__in=oktmos).values_list("oktmo", "pk"))
        unknown = [o for o in oktmos if o not in known]
        if unknown:
            raise serializers.ValidationError(
                [_("Unknown OKTMO code: %(oktmo)s") % {"oktmo": o} for o in unknown]
            )
        return value
