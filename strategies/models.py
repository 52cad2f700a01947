"""Joint strategies of socio-economic development (172-FZ content) written by two or more
municipalities. Status changes go through ``strategies.transitions`` and ``services`` only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from municipalities.models import Indicator, Municipality


class Strategy(TimeStampedModel, VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("in review")
        APPROVED = "approved", _("approved")
        ADOPTED = "adopted", _("adopted")
        ARCHIVED = "archived", _("archived")

    title = models.CharField(_("title"), max_length=500)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    lead = models.ForeignKey(
        Municipality,
        verbose_name=_("lead municipality"),
        on_delete=models.PROTECT,
        related_name="led_strategies",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    adopted_at = models.DateTimeField(_("adopted"), null=True, blank=True)
    municipalities: "models.ManyToManyField[Municipality, Participation]" = models.ManyToManyField(
        Municipality, through="Participation", related_name="strategies"
    )

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gt=models.F("start_year")), name="strategy_horizon"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)

    @property
    def is_editable(self) -> bool:
        """Content may change only before approval; a change during review restarts it."""
        return self.status in (self.Status.DRAFT, self.Status.IN_REVIEW)

    @property
    def is_published(self) -> bool:
        return self.status in (self.Status.ADOPTED, self.Status.ARCHIVED)


class Participation(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        PARTNER = "partner", _("partner")

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="participations")
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.PARTNER)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["strategy_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "municipality"], name="participation_unique"
            ),
            models.UniqueConstraint(
                fields=["strategy"], condition=Q(role="lead"), name="participation_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} ({self.role})"


class Section(TimeStampedModel, VersionedModel):
    """A chapter of the strategy. ``owner`` is the municipality that writes it; ``None``
    means shared: editors of every participant may write it."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("assessment of the current state")
        SWOT = "swot", _("SWOT analysis")
        MISSION = "mission", _("mission and priorities")
        GOALS = "goals", _("goals and objectives")
        INDICATORS = "indicators", _("target indicators")
        RESULTS = "results", _("expected results")
        FINANCE = "finance", _("financial resources")
        MECHANISM = "mechanism", _("implementation mechanism and monitoring")
        CUSTOM = "custom", _("other section")

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CUSTOM)
    title = models.CharField(_("title"), max_length=300)
    owner = models.ForeignKey(
        Municipality,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_sections",
        help_text=_("Leave empty for a section every participant writes."),
    )
    body = models.TextField(_("text"), blank=True, help_text=_("Sanitised HTML."))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last edited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["strategy_id", "position", "id"]
        indexes = [models.Index(fields=["strategy", "position"])]

    def __str__(self) -> str:
        return self.title


class Revision(models.Model):
    """A saved state of a section: every save writes one, restoring an old one writes a new
    one. ``number`` is the section's version that this state became."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["section_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.section_id} #{self.number}"


class Comment(TimeStampedModel):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("comment"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["section_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class SectionPresence(models.Model):
    """Who has a section open, refreshed by the page while it stays open (best effort)."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["section", "user"], name="presence_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.section_id}"


class Goal(TimeStampedModel, VersionedModel):
    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("goal"), max_length=500)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["strategy_id", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Objective(TimeStampedModel, VersionedModel):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("objective"), max_length=500)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["goal_id", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Measure(TimeStampedModel, VersionedModel):
    """An action of the plan, with the municipalities responsible and its financing."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measures")
    position = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("measure"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    expected_result = models.TextField(_("expected result"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    responsible = models.ManyToManyField(
        Municipality, verbose_name=_("responsible"), related_name="measures"
    )

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["objective_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="measure_years"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Financing(models.Model):
    """Money for a measure in a year from one source, thousand roubles. A participant's own
    budget is the source ``municipal`` with that municipality."""

    class Source(models.TextChoices):
        FEDERAL = "federal", _("federal budget")
        REGIONAL = "regional", _("regional budget")
        MUNICIPAL = "municipal", _("municipal budget")
        EXTRA = "extra", _("extra-budgetary sources")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="financing")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("budget of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount, thousand roubles"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("financing")
        verbose_name_plural = _("financing")
        ordering = ["measure_id", "year", "source", "municipality_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source="municipal", municipality__isnull=False)
                | (~Q(source="municipal") & Q(municipality__isnull=True)),
                name="financing_municipal_budget_names_its_municipality",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="financing_amount_gte_0"),
            models.UniqueConstraint(
                fields=["measure", "source", "year"],
                condition=Q(municipality__isnull=True),
                name="financing_unique_other_sources",
            ),
            models.UniqueConstraint(
                fields=["measure", "municipality", "year"],
                condition=Q(municipality__isnull=False),
                name="financing_unique_municipal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.source}: {self.amount}"


class TargetIndicator(TimeStampedModel, VersionedModel):
    """A target of the strategy: baseline, a target per year, the actual value per year."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("higher is better")
        LOWER = "lower", _("lower is better")

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="target_indicators"
    )
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="target_indicators",
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("registry indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("When linked, the baseline is taken from the registry."),
    )
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=500)
    unit = models.CharField(_("unit"), max_length=64)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=20, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("target indicator")
        verbose_name_plural = _("target indicators")
        ordering = ["strategy_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class TargetValue(models.Model):
    """The target and, once known, the actual value of a target indicator in a year."""

    target_indicator = models.ForeignKey(
        TargetIndicator, on_delete=models.CASCADE, related_name="values"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.DecimalField(
        _("target"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    actual = models.DecimalField(
        _("actual"), max_digits=20, decimal_places=4, null=True, blank=True
    )

    class Meta:
        ordering = ["target_indicator_id", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_indicator", "year"], name="target_value_unique_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.target} / {self.actual}"


class TargetContribution(models.Model):
    """A participant's share of a target in a year, when the target is split."""

    target_indicator = models.ForeignKey(
        TargetIndicator, on_delete=models.CASCADE, related_name="contributions"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)

    class Meta:
        ordering = ["target_indicator_id", "year", "municipality_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_indicator", "municipality", "year"],
                name="target_contribution_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.year}: {self.value}"


class ApprovalRound(models.Model):
    """A review of one frozen state of the strategy. ``snapshot_hash`` identifies the content
    being signed; a content change during the round moves it and clears the sign-offs."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("open")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField(_("round"))
    snapshot_hash = models.CharField(_("content hash"), max_length=64)
    snapshot = models.JSONField(_("content"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval round")
        verbose_name_plural = _("approval rounds")
        ordering = ["strategy_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy"],
                condition=Q(outcome="open"),
                name="approval_round_one_open_per_strategy",
            ),
            models.UniqueConstraint(fields=["strategy", "number"], name="approval_round_number"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id} #{self.number}"


class SignOff(models.Model):
    """A participant's approval of the round's current snapshot, by its approver."""

    round = models.ForeignKey(ApprovalRound, on_delete=models.CASCADE, related_name="sign_offs")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot_hash = models.CharField(_("content hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed"), auto_now_add=True)
    decision_number = models.CharField(_("council decision number"), max_length=64, blank=True)
    decision_date = models.DateField(_("council decision date"), null=True, blank=True)
    decision_file = models.FileField(
        _("council decision (scan)"), upload_to="decisions/%Y/", blank=True
    )

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["round_id", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "municipality"], name="sign_off_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} @ round {self.round_id}"


class StrategyEvent(models.Model):
    """What happened to a strategy: transitions, sign-offs, cleared sign-offs, edits in
    review. The audit trail of the approval."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("strategy event")
        verbose_name_plural = _("strategy events")
        ordering = ["strategy_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}→{self.to_status}"
