"""Shapes of campaigns: output, creation and changes with their target municipalities, and
transitions."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from municipalities.models import Municipality
from surveys.api.serializers.common import (
    OKTMO_HELP,
    CampaignStatusField,
    MunicipalityKindField,
    SizeClassField,
)
from surveys.api.serializers.questionnaires import VersionSummarySerializer
from surveys.models import Campaign, Questionnaire


class CampaignSerializer(serializers.ModelSerializer):
    status = CampaignStatusField(read_only=True)
    questionnaire = serializers.IntegerField(
        source="questionnaire_version.questionnaire_id", read_only=True
    )
    questionnaire_version = VersionSummarySerializer(read_only=True)
    municipalities = serializers.SerializerMethodField()
    invitation_count = serializers.IntegerField(read_only=True, default=0)
    submitted_count = serializers.IntegerField(read_only=True, default=0)
    municipality_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "title",
            "status",
            "questionnaire",
            "questionnaire_version",
            "opens_at",
            "closes_at",
            "municipalities",
            "anonymous",
            "max_reminders",
            "reminder_interval_days",
            "municipality_count",
            "invitation_count",
            "submitted_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField(help_text=OKTMO_HELP)))
    def get_municipalities(self, obj: Campaign) -> list[str]:
        return sorted(m.oktmo for m in obj.municipalities.all())


def _municipalities(oktmos: list[str]) -> list[Municipality]:
    known = Municipality.objects.in_bulk(oktmos, field_name="oktmo")
    unknown = [o for o in oktmos if o not in known]
    if unknown:
        raise serializers.ValidationError(
            [_("Unknown OKTMO code: %(oktmo)s") % {"oktmo": o} for o in unknown]
        )
    return [known[o] for o in dict.fromkeys(oktmos)]


class CampaignTargetsMixin(serializers.Serializer):
    """Target municipalities: listed by OKTMO, and/or chosen by criteria (all the given
    criteria must hold: a region, any of the kinds, any size class of the main town)."""

    municipalities = serializers.ListField(
        child=serializers.RegexField(r"^\d{8}$", help_text=OKTMO_HELP),
        required=False,
        help_text="OKTMO codes of the municipalities to survey.",
    )
    region = serializers.RegexField(
        r"^\d{2}$",
        required=False,
        help_text="Add every municipality of this region (two-digit code) matching the "
        "other criteria.",
    )
    kinds = serializers.ListField(
        child=MunicipalityKindField(),
        required=False,
        help_text="Add municipalities of these kinds (with the other criteria).",
    )
    size_classes = serializers.ListField(
        child=SizeClassField(),
        required=False,
        help_text="Add municipalities whose main town is of these size classes.",
    )

    def validate_municipalities(self, value: list[str]) -> list[str]:
        _municipalities(value)
        return value

    def targets_given(self) -> bool:
        data = self.validated_data
        return any(key in data for key in ("municipalities", "region", "kinds", "size_classes"))

    def target_criteria(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "region": data.get("region"),
            "kinds": data.get("kinds", ()),
            "size_classes": data.get("size_classes", ()),
            "oktmos": data.get("municipalities", ()),
        }


class CampaignCreateSerializer(CampaignTargetsMixin):
    questionnaire = serializers.PrimaryKeyRelatedField(
        queryset=Questionnaire.objects.all(),
        help_text="Id of the questionnaire; its latest published version is frozen in.",
    )
    title = serializers.CharField(max_length=500)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    anonymous = serializers.BooleanField(required=False, default=True)
    max_reminders = serializers.IntegerField(required=False, default=2, min_value=0)
    reminder_interval_days = serializers.IntegerField(required=False, default=3, min_value=1)


class CampaignUpdateSerializer(CampaignTargetsMixin):
    questionnaire = serializers.PrimaryKeyRelatedField(
        queryset=Questionnaire.objects.all(),
        required=False,
        help_text="Freeze this questionnaire's latest published version instead.",
    )
    title = serializers.CharField(max_length=500, required=False)
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    anonymous = serializers.BooleanField(required=False)
    max_reminders = serializers.IntegerField(required=False, min_value=0)
    reminder_interval_days = serializers.IntegerField(required=False, min_value=1)


class CampaignTransitionSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=500, required=False, default="", allow_blank=True, help_text="Why, if needed."
    )
