"""Shapes of the survey administration API. Output serializers read what the selectors
prefetched; input serializers check the request's shape only (types, ids and OKTMO codes that
exist) and the services check the rules of the domain."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from municipalities.models import Municipality
from municipalities.size_classes import SizeClass
from surveys.models import (
    Campaign,
    Invitation,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionType,
)

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


# --- questionnaires -------------------------------------------------------------------------


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


# --- campaigns ------------------------------------------------------------------------------


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


# --- invitations ----------------------------------------------------------------------------


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as listed: never its token (the link is shown only when it is made).
    In an anonymous campaign the time of the submission is not given, only whether there
    was one: joined with the time in an export it would tell who gave which answers. Pass
    the campaign's ``anonymous`` in the context (else it is read from the invitation)."""

    oktmo = serializers.CharField(source="municipality.oktmo", read_only=True)
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
    submitted = serializers.SerializerMethodField()
    submitted_at = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "name",
            "position",
            "email",
            "oktmo",
            "municipality_name",
            "sent_at",
            "last_reminded_at",
            "reminder_count",
            "submitted",
            "submitted_at",
            "send_attempts",
            "send_failed_at",
            "send_error",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "send_attempts": {"help_text": "Attempts to deliver the invitation e-mail."},
            "send_failed_at": {
                "help_text": "When the delivery was given up (the address was refused, or "
                "every attempt failed); null while it is not."
            },
            "send_error": {"help_text": "The mail server's answer to the last failed attempt."},
        }

    def _anonymous(self, obj: Invitation) -> bool:
        anonymous = self.context.get("anonymous")
        return obj.campaign.anonymous if anonymous is None else bool(anonymous)

    def get_submitted(self, obj: Invitation) -> bool:
        return obj.submitted_at is not None

    @extend_schema_field(
        {
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "When the answers were submitted; always null in an anonymous "
            "campaign (see `submitted`).",
        }
    )
    def get_submitted_at(self, obj: Invitation) -> str | None:
        if obj.submitted_at is None or self._anonymous(obj):
            return None
        return serializers.DateTimeField().to_representation(obj.submitted_at)


class InvitationCreatedSerializer(InvitationSerializer):
    link = serializers.SerializerMethodField()

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "link"]
        read_only_fields = fields

    def get_link(self, obj: Invitation) -> str:
        """The respondent's personal link, shown only in this answer: it is not stored (the
        e-mails derive it). A lost one is replaced by issuing a new link."""
        return str(self.context["link"])


class InvitationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    position = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    email = serializers.CharField(max_length=254, help_text="Checked by the service.")
    oktmo = serializers.RegexField(
        r"^\d{8}$", help_text="OKTMO of one of the campaign's municipalities."
    )


class InvitationImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV (`;` or `,`, UTF-8 with or without BOM) or XLSX with a header row "
        "`name, position, email, oktmo`."
    )


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number in the file; the header is row 1.")
    messages = serializers.ListField(child=serializers.CharField())


class ImportCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()
    oktmo = serializers.CharField()
    link = serializers.CharField(help_text="Shown only now.")


class ImportReportSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    rows = serializers.IntegerField(help_text="Data rows read.")
    errors = ImportRowErrorSerializer(many=True)  # type: ignore[assignment]
    created = ImportCreatedSerializer(many=True)


class ImportFailedSerializer(ImportReportSerializer):
    detail = serializers.CharField()
    code = serializers.CharField()
