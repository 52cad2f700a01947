"""Shapes of invitations: as listed, as created (with the link), and the file import."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from surveys.models import Invitation


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
