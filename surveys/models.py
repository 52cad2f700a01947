"""Surveys of municipal officials: questionnaires (an editable draft plus immutable published
versions), campaigns over target municipalities, invitations with hashed tokens, responses and
the flat ``Answer`` copy that results are computed from. Writes go through ``surveys.services``.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from municipalities.models import Municipality
from surveys.tokens import token_salt_new


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("multiple choice")
    SCALE = "scale", _("scale 1–5")
    NUMBER = "number", _("number")
    SHORT_TEXT = "short_text", _("short text")
    LONG_TEXT = "long_text", _("long text")
    MATRIX = "matrix", _("matrix")


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})
# The scale is fixed: every scale question and every matrix row is answered 1..5.
SCALE_MIN = 1
SCALE_MAX = 5


class Questionnaire(TimeStampedModel, VersionedModel):
    """The editable draft is the questionnaire's Question rows; publishing freezes them into a
    new ``QuestionnaireVersion``."""

    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def latest_version(self) -> "QuestionnaireVersion | None":
        """The latest published version (uses prefetched ``versions`` when present)."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "versions" in cache:
            versions = list(cache["versions"])
            return max(versions, key=lambda v: v.number) if versions else None
        return self.versions.order_by("-number").first()


class Question(TimeStampedModel):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    type = models.CharField(_("type"), max_length=16, choices=QuestionType.choices)
    text = models.TextField(_("question"))
    help_text = models.TextField(_("help text"), blank=True)
    required = models.BooleanField(_("required"), default=False)
    has_other = models.BooleanField(
        _("“other” option"),
        default=False,
        help_text=_("Single and multiple choice: an extra “other, please specify” text."),
    )
    min_value = models.DecimalField(
        _("minimum"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    scale_min_label = models.CharField(_("label of 1"), max_length=200, blank=True)
    scale_max_label = models.CharField(_("label of 5"), max_length=200, blank=True)
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("shown only if question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependent_questions",
    )
    condition_option = models.ForeignKey(
        "Option",
        verbose_name=_("was answered with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependent_questions",
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire_id", "position", "id"]
        indexes = [models.Index(fields=["questionnaire", "position"])]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("text"), max_length=500)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class MatrixRow(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("text"), max_length=500)

    class Meta:
        verbose_name = _("matrix row")
        verbose_name_plural = _("matrix rows")
        ordering = ["question_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


class QuestionnaireVersionImmutableError(Exception):
    """A published version was about to be changed."""


class QuestionnaireVersion(models.Model):
    """A frozen, immutable copy of the questionnaire (``surveys.schema``) that campaigns and
    responses point at. Rows are inserted once and never updated."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    schema = models.JSONField(_("schema"))
    schema_hash = models.CharField(_("schema hash"), max_length=64)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["questionnaire_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="questionnaire_version_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="questionnaire_version_number_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise QuestionnaireVersionImmutableError(
                f"Questionnaire version {self.pk} is published and cannot change."
            )
        super().save(*args, **kwargs)


class Campaign(TimeStampedModel, VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("questionnaire version"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    title = models.CharField(_("title"), max_length=500)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("municipalities"), related_name="survey_campaigns"
    )
    anonymous = models.BooleanField(
        _("anonymous"),
        default=True,
        help_text=_("Results never show who answered; small breakdown cells are suppressed."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    max_reminders = models.PositiveSmallIntegerField(_("reminders at most"), default=2)
    reminder_interval_days = models.PositiveSmallIntegerField(
        _("days between reminders"), default=3
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="campaign_period"
            ),
            models.CheckConstraint(
                condition=Q(reminder_interval_days__gte=1), name="campaign_reminder_interval"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_accepting_responses(self) -> bool:
        """Open, and within its period."""
        return self.status == self.Status.OPEN and self.opens_at <= timezone.now() < self.closes_at


class CampaignEvent(models.Model):
    """A status change of a campaign (the transition service writes one per change)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=8, blank=True)
    to_status = models.CharField(_("to"), max_length=8)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")
        ordering = ["campaign_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"


class Invitation(TimeStampedModel):
    """One respondent of a campaign. The link's token (256 bits) is derived from
    ``token_salt`` with a key the database does not hold (``surveys.tokens``) and only its
    sha256 is kept, so a leaked database yields no working links, yet every e-mail carries
    the same link. The delivery fields follow the invitation e-mail: attempts, the last
    error, and when it was given up (a permanent refusal, or too many attempts)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="survey_invitations",
    )
    name = models.CharField(_("name"), max_length=255)
    position = models.CharField(_("position"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    token_salt = models.CharField(
        _("token salt"), max_length=64, default=token_salt_new, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    # A worker took the e-mail at this time and may be talking to the mail server now: a
    # second delivery of the task leaves it alone for a while (no lock is held meanwhile).
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    send_error = models.TextField(_("delivery error"), blank=True)
    send_failed_at = models.DateTimeField(_("delivery failed"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["campaign_id", "id"]
        constraints = [
            # Case-insensitive: Ivanov@Example.org and ivanov@example.org are one person.
            models.UniqueConstraint(
                "campaign", Lower("email"), name="invitation_unique_email_per_campaign"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "submitted_at"]),
            models.Index(fields=["campaign", "municipality"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Response(TimeStampedModel, VersionedModel):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        SUBMITTED = "submitted", _("submitted")

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="responses")
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses"
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["campaign_id", "id"]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        # Not the invitation: in anonymous campaigns the response must not lead to a person.
        return f"{self.campaign_id}/#{self.pk} ({self.status})"


class Answer(models.Model):
    """The flat copy of one submitted answer, written with the submit in one transaction and
    never for partial saves: results are SQL GROUP BYs over these rows. ``question_id``,
    ``option_id`` and ``row_id`` are ids from the version schema, not foreign keys, because
    the draft may later delete those questions."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answer_rows")
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="answer_rows",
        # Both composite indexes below start with campaign_id.
        db_index=False,
    )
    question_id = models.PositiveIntegerField(_("question"))
    option_id = models.PositiveIntegerField(_("option"), null=True, blank=True)
    row_id = models.PositiveIntegerField(_("matrix row"), null=True, blank=True)
    number = models.DecimalField(
        _("number"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    text = models.TextField(_("text"), blank=True)
    is_other = models.BooleanField(_("“other” text"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response_id", "question_id", "id"]
        indexes = [
            models.Index(
                fields=["campaign", "question_id", "option_id"], name="answer_campaign_q_option"
            ),
            models.Index(
                fields=["campaign", "question_id", "row_id"], name="answer_campaign_q_row"
            ),
            # Results list the newest texts of each question, a few hundred of thousands.
            models.Index(
                fields=["campaign", "question_id", "is_other", "-id"],
                name="answer_campaign_q_text",
                condition=~Q(text=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: q{self.question_id}"


# No question, option, matrix row or value, in the unique index of ``AnswerTally``: NULLs are
# distinct in a unique index (SQLite has no NULLS NOT DISTINCT), so they are compared as
# these. Schema ids are positive and answered numbers stay within ±10^16 (Decimal(20, 4)).
TALLY_NO_ID = 0
TALLY_NO_VALUE = -(10**17)


class AnswerTally(models.Model):
    """Running counts of a campaign's submitted answers, one row per cell, added to by the
    submit service in the transaction that writes the ``Answer`` rows
    (``surveys.services.tallies``): results read these few thousand rows instead of every
    answer, however many responses there are.

    A ``answers`` row counts the answers falling into one cell — a question's option, matrix
    row, value or "other" text — among one group of respondents: the whole campaign
    (``dimension`` empty; only these rows keep the ``value``, for distributions and medians)
    or one group of a breakdown dimension (the kind of the respondent's municipality, the
    size class of its main town, its region's code), with ``total`` the sum of the values
    (for means). A ``respondents`` row counts respondents instead: those who answered a
    question, overall or in a group, or, without a question, the respondents of one
    municipality (``dimension`` "municipality", its pk as the group).

    The group is the municipality's AT SUBMIT: a later change of its kind or main town does
    not move answers already given. Rows are only ever added to: submitted responses are not
    deleted one by one (deleting a campaign deletes its tallies)."""

    class Measure(models.TextChoices):
        ANSWERS = "answers", _("answers")
        RESPONDENTS = "respondents", _("respondents")

    class Dimension(models.TextChoices):
        OVERALL = "", _("all respondents")
        KIND = "kind", _("kind of municipality")
        SIZE_CLASS = "size_class", _("size class of the main town")
        REGION = "region", _("region")
        MUNICIPALITY = "municipality", _("municipality")

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="answer_tallies",
        # The unique index starts with campaign_id.
        db_index=False,
    )
    measure = models.CharField(_("what is counted"), max_length=12, choices=Measure.choices)
    dimension = models.CharField(
        _("dimension"), max_length=12, choices=Dimension.choices, blank=True
    )
    # The kind or size class ("" for a municipality without a main town), the region's code
    # or the municipality's pk; "" for the whole campaign.
    group_key = models.CharField(_("group"), max_length=32, blank=True)
    question_id = models.PositiveIntegerField(_("question"), null=True, blank=True)
    option_id = models.PositiveIntegerField(_("option"), null=True, blank=True)
    row_id = models.PositiveIntegerField(_("matrix row"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True, blank=True)
    is_other = models.BooleanField(_("“other” text"), default=False)
    count = models.PositiveIntegerField(_("count"), default=0)
    # Sums of up to millions of values of sixteen digits.
    total = models.DecimalField(_("total"), max_digits=28, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("answer tally")
        verbose_name_plural = _("answer tallies")
        ordering = ["campaign_id", "measure", "dimension", "group_key", "question_id", "id"]
        constraints = [
            # The key the submit's upsert (INSERT … ON CONFLICT) adds to; the expressions are
            # repeated there, in ``surveys.services.tallies``.
            models.UniqueConstraint(
                models.F("campaign"),
                models.F("measure"),
                models.F("dimension"),
                models.F("group_key"),
                Coalesce("question_id", Value(TALLY_NO_ID), output_field=models.IntegerField()),
                Coalesce("option_id", Value(TALLY_NO_ID), output_field=models.IntegerField()),
                Coalesce("row_id", Value(TALLY_NO_ID), output_field=models.IntegerField()),
                # Not a DecimalField: Django would wrap that in casts on SQLite, and the
                # upsert's conflict target must repeat the index's expressions exactly.
                Coalesce("value", Value(TALLY_NO_VALUE), output_field=models.FloatField()),
                models.F("is_other"),
                name="answer_tally_cell",
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.dimension}:{self.group_key}" if self.dimension else "all"
        return f"{self.campaign_id}/{self.measure}/{where}/q{self.question_id}"
