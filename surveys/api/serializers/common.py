"""Shared shapes of the survey administration API: error bodies and the named enum fields."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from municipalities.models import Municipality
from municipalities.size_classes import SizeClass
from surveys.models import Campaign, QuestionType

OKTMO_HELP = "8-digit OKTMO code of a municipality."


class SurveyErrorSerializer(serializers.Serializer):
    """The body of every refusal (``core.exceptions.api_exception_handler``)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    # Declared fields leave the class (DRF's metaclass), so Serializer.errors stays intact;
    # the stubs cannot know that.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(),
        required=False,
        help_text="Messages by field, when the input broke a rule.",
    )


class SurveyVersionConflictSerializer(SurveyErrorSerializer):
    current_version = serializers.IntegerField(help_text="The version stored now.")


@extend_schema_field(
    {"type": "string", "enum": QuestionType.values, "description": "Question type."},
    component_name="QuestionTypeEnum",
)
class QuestionTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=QuestionType.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": Campaign.Status.values, "description": "Campaign status."},
    component_name="CampaignStatusEnum",
)
class CampaignStatusField(serializers.ChoiceField):
    """A named enum: the strategy's and the agreement's ``status`` would collide."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Campaign.Status.choices, **kwargs)


# The registry's own enums (its API names them), referred to rather than declared twice.
@extend_schema_field({"$ref": "#/components/schemas/KindEnum"})
class MunicipalityKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Municipality.Kind.choices, **kwargs)


@extend_schema_field({"$ref": "#/components/schemas/SizeClassEnum"})
class SizeClassField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=SizeClass.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": ["up", "down"]}, component_name="QuestionMoveDirectionEnum"
)
class DirectionField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[("up", "up"), ("down", "down")], **kwargs)
