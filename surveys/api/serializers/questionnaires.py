"""Shapes of questionnaires, their questions and published versions."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from surveys.api.serializers.common import DirectionField, QuestionTypeField
from surveys.models import Question, Questionnaire, QuestionnaireVersion


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = QuestionnaireVersion
        fields = ["id", "number", "published_at"]
        read_only_fields = fields


class ItemSerializer(serializers.Serializer):
    """An option of a choice question or a row of a matrix."""

    id = serializers.IntegerField()
    text = serializers.CharField()


class ConditionSerializer(serializers.Serializer):
    question = serializers.IntegerField(help_text="Id of an earlier choice question.")
    option = serializers.IntegerField(help_text="Id of one of that question's options.")


class QuestionSerializer(serializers.ModelSerializer):
    type = QuestionTypeField(read_only=True)
    options = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()
    condition = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "questionnaire",
            "position",
            "type",
            "text",
            "help_text",
            "required",
            "has_other",
            "min_value",
            "max_value",
            "scale_min_label",
            "scale_max_label",
            "options",
            "rows",
            "condition",
        ]
        read_only_fields = fields

    @extend_schema_field(ItemSerializer(many=True))
    def get_options(self, obj: Question) -> list[dict[str, Any]]:
        return [{"id": o.pk, "text": o.text} for o in obj.options.all()]

    @extend_schema_field(ItemSerializer(many=True))
    def get_rows(self, obj: Question) -> list[dict[str, Any]]:
        return [{"id": r.pk, "text": r.text} for r in obj.rows.all()]

    @extend_schema_field(ConditionSerializer(allow_null=True))
    def get_condition(self, obj: Question) -> dict[str, int] | None:
        if obj.condition_question_id is None or obj.condition_option_id is None:
            return None
        return {"question": obj.condition_question_id, "option": obj.condition_option_id}


class QuestionnaireSerializer(serializers.ModelSerializer):
    versions = VersionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Questionnaire
        fields = ["id", "title", "description", "version", "versions", "created_at", "updated_at"]
        read_only_fields = fields


class QuestionnaireDetailSerializer(QuestionnaireSerializer):
    questions = QuestionSerializer(many=True, read_only=True)
    has_unpublished_changes = serializers.SerializerMethodField()

    class Meta(QuestionnaireSerializer.Meta):
        fields = [*QuestionnaireSerializer.Meta.fields, "has_unpublished_changes", "questions"]
        read_only_fields = fields

    def get_has_unpublished_changes(self, obj: Questionnaire) -> bool:
        """Whether the draft differs from the latest published version."""
        return bool(self.context.get("has_unpublished_changes"))


class QuestionnaireCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, default="", allow_blank=True)


class QuestionnaireUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": "The text of a new option (row)."},
            {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "text": {"type": "string"}},
                "required": ["text"],
                "description": "An existing option (row) by id, kept with its id; "
                "without id a new one.",
            },
        ]
    }
)
class ItemInputField(serializers.Field):
    """An option or a matrix row in a request: a plain text or ``{"id", "text"}``."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            return data
        if isinstance(data, dict) and isinstance(data.get("text"), str):
            item_id = data.get("id")
            if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, int)):
                raise serializers.ValidationError(_("The id must be an integer."))
            return {"id": item_id, "text": data["text"]}
        raise serializers.ValidationError(_("Give a text, or an object with id and text."))

    def to_representation(self, value: Any) -> Any:
        return value


class QuestionWriteSerializer(serializers.Serializer):
    """Adding (every field but ``type`` and ``text`` optional) and changing (every field
    optional) a question. ``options`` and ``rows`` are the complete new lists."""

    type = QuestionTypeField()
    text = serializers.CharField()
    help_text = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]
    required = serializers.BooleanField(required=False)  # type: ignore[assignment]
    has_other = serializers.BooleanField(
        required=False, help_text="Choice questions: an extra “other, please specify” text."
    )
    min_value = serializers.DecimalField(
        max_digits=20, decimal_places=4, required=False, allow_null=True
    )
    max_value = serializers.DecimalField(
        max_digits=20, decimal_places=4, required=False, allow_null=True
    )
    scale_min_label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    scale_max_label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    options = serializers.ListField(child=ItemInputField(), required=False)
    rows = serializers.ListField(child=ItemInputField(), required=False)
    condition = ConditionSerializer(
        required=False,
        allow_null=True,
        help_text="Show the question only if an earlier choice question was answered with "
        "this option; null for always.",
    )

    def service_fields(self) -> dict[str, Any]:
        """The validated data as the services' keyword arguments."""
        data = dict(self.validated_data)
        if "condition" in data:
            condition = data.pop("condition")
            data["condition_question_id"] = condition["question"] if condition else None
            data["condition_option_id"] = condition["option"] if condition else None
        return data


class QuestionCreateSerializer(QuestionWriteSerializer):
    def service_fields(self) -> dict[str, Any]:
        data = super().service_fields()
        # A new question's options and rows are all new: only their texts count.
        for key in ("options", "rows"):
            if key in data:
                data[key] = [i if isinstance(i, str) else i["text"] for i in data[key]]
        return data


class QuestionUpdateSerializer(QuestionWriteSerializer):
    type = QuestionTypeField(required=False)
    text = serializers.CharField(required=False)


class QuestionMoveSerializer(serializers.Serializer):
    direction = DirectionField()


class QuestionnaireVersionSerializer(serializers.ModelSerializer):
    """A published version: its metadata and the frozen schema (``title``, ``description``,
    ``questions``) at the top level."""

    title = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    questions = serializers.SerializerMethodField()

    class Meta:
        model = QuestionnaireVersion
        fields = [
            "id",
            "questionnaire",
            "number",
            "published_at",
            "schema_hash",
            "title",
            "description",
            "questions",
        ]
        read_only_fields = fields

    def get_title(self, obj: QuestionnaireVersion) -> str:
        return str(obj.schema.get("title", ""))

    def get_description(self, obj: QuestionnaireVersion) -> str:
        return str(obj.schema.get("description", ""))

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "type": {"$ref": "#/components/schemas/QuestionTypeEnum"},
                    "text": {"type": "string"},
                    "help_text": {"type": "string"},
                    "required": {"type": "boolean"},
                    "options": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "has_other": {"type": "boolean"},
                    "min": {"type": "number", "nullable": True},
                    "max": {"type": "number", "nullable": True},
                    "scale": {
                        "type": "object",
                        "nullable": True,
                        "properties": {
                            "min": {"type": "integer"},
                            "max": {"type": "integer"},
                            "min_label": {"type": "string"},
                            "max_label": {"type": "string"},
                        },
                    },
                    "condition": {
                        "allOf": [{"$ref": "#/components/schemas/Condition"}],
                        "nullable": True,
                    },
                },
            },
        }
    )
    def get_questions(self, obj: QuestionnaireVersion) -> list[dict[str, Any]]:
        return list(obj.schema.get("questions", []))
