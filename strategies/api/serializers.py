"""Shapes of the strategy API. Output serializers read what the selectors prefetched;
input serializers check the request's shape only (types, OKTMO codes that exist) and the
services check the rules of the domain."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from municipalities.models import Municipality
from strategies import selectors
from strategies.models import Comment, Participation, Revision, Section, Strategy

OKTMO_REGEX = r"^\d{8}$"
OKTMO_HELP = "8-digit OKTMO code of a municipality."


def oktmo_field(**kwargs: Any) -> serializers.RegexField:
    kwargs.setdefault("help_text", OKTMO_HELP)
    return serializers.RegexField(OKTMO_REGEX, **kwargs)


def municipalities_by_oktmo(oktmos: list[str]) -> dict[str, Municipality]:
    """The municipalities of ``oktmos``; a ValidationError names every unknown code."""
    known = Municipality.objects.in_bulk(oktmos, field_name="oktmo")
    unknown = [o for o in oktmos if o not in known]
    if unknown:
        raise serializers.ValidationError(
            [_("Unknown OKTMO code: %(oktmo)s") % {"oktmo": o} for o in unknown]
        )
    return known


class ErrorSerializer(serializers.Serializer):
    """The body of every refusal (``core.exceptions.api_exception_handler``)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    # Declared fields leave the class (DRF's metaclass), so Serializer.errors stays intact;
    # the stubs cannot know that.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by field, when the input broke a rule.",
    )


class VersionConflictSerializer(ErrorSerializer):
    current_version = serializers.IntegerField(help_text="The version stored now.")


# --- strategies ---------------------------------------------------------------------------


class ParticipantSerializer(serializers.Serializer):
    oktmo = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Participation.Role.choices)
    signed_off = serializers.BooleanField(
        help_text="Whether its approver has signed the current round's text."
    )


class StrategySerializer(serializers.ModelSerializer):
    lead = serializers.CharField(source="lead.oktmo", read_only=True, help_text=OKTMO_HELP)
    participants = serializers.SerializerMethodField()
    snapshot_hash = serializers.SerializerMethodField()

    class Meta:
        model = Strategy
        fields = [
            "id",
            "title",
            "status",
            "start_year",
            "end_year",
            "summary",
            "lead",
            "participants",
            "version",
            "snapshot_hash",
            "adopted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ParticipantSerializer(many=True))
    def get_participants(self, obj: Strategy) -> list[dict[str, Any]]:
        signed = selectors.signed_municipality_ids(strategy=obj)
        return [
            {
                "oktmo": p.municipality.oktmo,
                "name": p.municipality.name,
                "role": p.role,
                "signed_off": p.municipality_id in signed,
            }
            for p in obj.participations.all()
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_snapshot_hash(self, obj: Strategy) -> str | None:
        """SHA-256 of the text being signed (in review) or signed (approved and after);
        null for a draft. Send it back with a sign-off to sign exactly that text."""
        round_ = selectors.signing_round(strategy=obj)
        return round_.snapshot_hash if round_ else None


class StrategyQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Strategy.Status.choices, required=False, default="")
    municipality = serializers.RegexField(
        OKTMO_REGEX,
        required=False,
        default="",
        help_text="OKTMO of a participant: only the strategies it takes part in.",
    )


class StrategyCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500)
    start_year = serializers.IntegerField(help_text="First year of the horizon.")
    end_year = serializers.IntegerField(help_text="Last year of the horizon.")
    participants = serializers.ListField(
        child=oktmo_field(),
        min_length=2,
        help_text="OKTMO codes of the municipalities, the creator's own among them: it leads.",
    )
    summary = serializers.CharField(required=False, default="", allow_blank=True)

    def validate_participants(self, value: list[str]) -> list[Municipality]:
        known = municipalities_by_oktmo(value)
        return [known[o] for o in value]


class StrategyUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, required=False)
    start_year = serializers.IntegerField(required=False)
    end_year = serializers.IntegerField(required=False)
    summary = serializers.CharField(required=False, allow_blank=True)


# --- transitions --------------------------------------------------------------------------


class StrategySignOffSerializer(serializers.Serializer):
    municipality = oktmo_field(
        required=False,
        help_text="OKTMO of the participant signing; may be left out by an approver of "
        "only one participant.",
    )
    decision_number = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )
    decision_date = serializers.DateField(required=False, allow_null=True, default=None)
    decision_file = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Scan of the council decision (multipart/form-data only).",
    )
    snapshot_hash = serializers.CharField(
        max_length=64,
        required=False,
        allow_null=True,
        default=None,
        help_text="The strategy's snapshot_hash when you read it: if the text has changed "
        "since, the sign-off is refused (409).",
    )

    def validate_municipality(self, value: str) -> Municipality:
        return municipalities_by_oktmo([value])[value]


class StrategyReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="Why the strategy goes back to draft.")


# --- sections -----------------------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "enum": Section.Kind.values, "description": "Statutory part (172-FZ)."},
    component_name="SectionKindEnum",
)
class SectionKindField(serializers.ChoiceField):
    """A named enum in the schema: the registry's municipality ``kind`` would collide."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Section.Kind.choices, **kwargs)


class SectionSerializer(serializers.ModelSerializer):
    kind = SectionKindField(read_only=True)
    owner = serializers.CharField(
        source="owner.oktmo",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="OKTMO of the municipality that writes it; null for a shared section.",
    )
    updated_by = serializers.CharField(
        source="updated_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Section
        fields = [
            "id",
            "strategy",
            "title",
            "kind",
            "owner",
            "body",
            "version",
            "position",
            "parent",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields


class SectionWriteSerializer(serializers.Serializer):
    """Fields common to creating and changing a section. ``owner``: an OKTMO, or null for
    shared; left out, it stays as it is."""

    title = serializers.CharField(max_length=300)
    body = serializers.CharField(
        required=False, allow_blank=True, help_text="HTML; stored sanitised."
    )
    owner = oktmo_field(required=False, allow_null=True)

    def validate_owner(self, value: str | None) -> Municipality | None:
        return None if value is None else municipalities_by_oktmo([value])[value]


class SectionCreateSerializer(SectionWriteSerializer):
    kind = SectionKindField(default=Section.Kind.CUSTOM)
    # DRF's metaclass takes declared fields off the class, so this does not shadow
    # Field.parent at run time; the stubs cannot know that.
    parent = serializers.IntegerField(  # type: ignore[assignment]
        required=False, allow_null=True, default=None, help_text="Id of the enclosing section."
    )


class SectionUpdateSerializer(SectionWriteSerializer):
    title = serializers.CharField(max_length=300, required=False)
    note = serializers.CharField(
        max_length=255,
        required=False,
        default="",
        allow_blank=True,
        help_text="What changed, for the history.",
    )


class SectionOrderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=False,
        help_text="Ids of all the strategy's sections, in their new order.",
    )


class SectionConflictSerializer(VersionConflictSerializer):
    current = SectionSerializer(help_text="The section as stored now, to merge with.")


# --- revisions ----------------------------------------------------------------------------


class RevisionSerializer(serializers.ModelSerializer):
    author = serializers.CharField(
        source="author.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Revision
        fields = ["number", "author", "created_at", "title", "body", "note"]
        read_only_fields = fields


class RevisionDiffQuery(serializers.Serializer):
    """``from`` is a Python keyword, so the fields are added in ``get_fields``."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.IntegerField(min_value=1, help_text="The older revision."),
            "to": serializers.IntegerField(min_value=1, help_text="The newer revision."),
        }


class RevisionDiffSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.IntegerField(),
            "to": serializers.IntegerField(),
            "diff": serializers.CharField(
                help_text="The text compared word by word: escaped words, removed ones in "
                "<del>, added ones in <ins>."
            ),
        }


# --- comments -----------------------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.CharField(
        source="author.username", read_only=True, allow_null=True, default=None
    )
    resolved = serializers.SerializerMethodField()
    resolved_by = serializers.CharField(
        source="resolved_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "section",
            "parent",
            "author",
            "body",
            "created_at",
            "resolved",
            "resolved_at",
            "resolved_by",
        ]
        read_only_fields = fields

    def get_resolved(self, obj: Comment) -> bool:
        return obj.resolved_at is not None


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="Plain text.")
    parent = serializers.IntegerField(  # type: ignore[assignment]  # see SectionCreate…
        required=False, allow_null=True, default=None, help_text="Id of the comment answered."
    )


class CommentResolveSerializer(serializers.Serializer):
    resolved = serializers.BooleanField(
        default=True, help_text="true to resolve the thread, false to reopen it."
    )
