from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, VersionedModel
from municipalities.oktmo import validate_locality_oktmo, validate_municipality_oktmo
from municipalities.size_classes import SizeClass, size_class_expression


class Region(TimeStampedModel):
    """A subject of the Russian Federation; ``code`` is the two-digit OKTMO/OKATO prefix."""

    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    federal_district = models.CharField(_("federal district"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{2}$"), name="region_code_two_digits"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(TimeStampedModel):
    """A municipal formation (131-FZ), keyed by its 8-digit OKTMO code."""

    class Kind(models.TextChoices):
        URBAN_OKRUG = "urban_okrug", _("urban okrug")
        URBAN_OKRUG_WITH_DIVISION = "urban_okrug_with_division", _("urban okrug with division")
        INTRACITY_DISTRICT = "intracity_district", _("intracity district")
        MUNICIPAL_OKRUG = "municipal_okrug", _("municipal okrug")
        MUNICIPAL_DISTRICT = "municipal_district", _("municipal district")
        URBAN_SETTLEMENT = "urban_settlement", _("urban settlement")
        RURAL_SETTLEMENT = "rural_settlement", _("rural settlement")
        FEDERAL_CITY_TERRITORY = (
            "federal_city_territory",
            _("intracity territory of a federal city"),
        )

    oktmo = models.CharField(
        _("OKTMO"),
        max_length=8,
        unique=True,
        validators=[validate_municipality_oktmo],
        help_text=_("8 digits; the first two are the region's code."),
    )
    name = models.CharField(_("name"), max_length=255, db_index=True)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    slug = models.SlugField(
        _("short name"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Latin short name used in user names, e.g. sokolsky."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="municipalities"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The municipal district a settlement belongs to."),
    )
    main_town = models.ForeignKey(
        "Town",
        verbose_name=_("main town"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The largest town on its territory; its size class classifies it."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Set when the formation was abolished or transformed."),
    )
    predecessors = models.ManyToManyField(
        "self",
        verbose_name=_("predecessors"),
        symmetrical=False,
        blank=True,
        related_name="successors",
        help_text=_("Formations this one replaced, so that indicator series continue."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["oktmo"]
        constraints = [
            models.CheckConstraint(
                condition=Q(oktmo__regex=r"^[0-9]{8}$"), name="municipality_oktmo_8_digits"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="municipality_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.oktmo and self.region_id is not None:
            region = self.region
            if not self.oktmo.startswith(region.code):
                raise ValidationError(
                    {
                        "oktmo": gettext(
                            "The first two digits of the OKTMO code must be the region's "
                            "code %(code)s."
                        )
                        % {"code": region.code}
                    }
                )
        if self.parent_id is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": gettext("A municipality cannot contain itself.")})


class Town(TimeStampedModel):
    """A town (city) keyed by its 11-digit OKTMO code, with its population."""

    oktmo = models.CharField(
        _("OKTMO"), max_length=11, unique=True, validators=[validate_locality_oktmo]
    )
    okato = models.CharField(_("OKATO"), max_length=11, blank=True)
    name = models.CharField(_("name"), max_length=255, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="towns"
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="towns",
    )
    population = models.PositiveIntegerField(_("population, persons"))
    population_year = models.PositiveSmallIntegerField(_("population as of year"), null=True)
    size_class = models.GeneratedField(
        expression=size_class_expression("population"),
        output_field=models.CharField(max_length=8, choices=SizeClass.choices),
        db_persist=True,
        verbose_name=_("size class"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    kladr_id = models.CharField(_("KLADR code"), max_length=20, blank=True)
    fias_id = models.CharField(_("FIAS id"), max_length=36, blank=True)

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(oktmo__regex=r"^[0-9]{11}$"), name="town_oktmo_11_digits"
            ),
        ]
        indexes = [models.Index(fields=["size_class"])]

    def __str__(self) -> str:
        return self.name

    @property
    def size_class_label(self) -> str:
        # A GeneratedField gets no get_size_class_display().
        return str(SizeClass(self.size_class).label) if self.size_class else ""


class Indicator(TimeStampedModel):
    """An entry of the catalogue of socio-economic indicators."""

    class Category(models.TextChoices):
        DEMOGRAPHY = "demography", _("demography")
        ECONOMY = "economy", _("economy")
        BUDGET = "budget", _("budget")
        SOCIAL = "social", _("social sphere")
        INFRASTRUCTURE = "infrastructure", _("infrastructure")
        ENVIRONMENT = "environment", _("environment")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("higher is better")
        LOWER = "lower", _("lower is better")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    unit = models.CharField(_("unit"), max_length=64)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    additive = models.BooleanField(
        _("additive"),
        default=False,
        help_text=_("Values of several municipalities add up (population, budget totals)."),
    )
    source = models.CharField(_("source"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.name}, {self.unit}"


class IndicatorValue(models.Model):
    """The value of an indicator for a municipality in a year. A year without a row is a gap
    (unknown), never a zero."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="indicator_values",
        # The unique constraint below starts with municipality_id and serves its lookups.
        db_index=False,
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    source = models.CharField(_("source"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["municipality_id", "indicator_id", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "indicator", "year"],
                name="indicator_value_unique_per_year",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=settings.INDICATOR_YEAR_MIN)
                & Q(year__lte=settings.INDICATOR_YEAR_MAX),
                name="indicator_value_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year}: {self.value}"


class Agreement(TimeStampedModel, VersionedModel):
    """An inter-municipal cooperation (IMC) arrangement and its legal form."""

    class LegalForm(models.TextChoices):
        TRANSFER_OF_POWERS = "transfer_of_powers", _("transfer of powers (131-FZ art. 15 part 4)")
        COUNCIL = "council", _("council or association of municipalities")
        BUSINESS_COMPANY = "business_company", _("inter-municipal business company")
        NON_COMMERCIAL = "non_commercial", _("non-commercial organisation")
        FRAMEWORK = "framework", _("framework cooperation agreement")
        JOINT_PROJECT = "joint_project", _("joint project")

    class Sphere(models.TextChoices):
        WASTE = "waste", _("waste management")
        ROADS = "roads", _("roads")
        TRANSPORT = "transport", _("transport")
        TOURISM = "tourism", _("tourism")
        CULTURE = "culture", _("culture")
        EDUCATION = "education", _("education")
        HEALTH = "health", _("health")
        INVESTMENT = "investment", _("investment")
        UTILITIES = "utilities", _("utilities")
        ADMINISTRATION = "administration", _("public administration")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("in force")
        EXPIRED = "expired", _("expired")
        TERMINATED = "terminated", _("terminated")

    title = models.CharField(_("title"), max_length=500)
    number = models.CharField(_("number"), max_length=64, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=32, choices=LegalForm.choices)
    sphere = models.CharField(_("sphere"), max_length=32, choices=Sphere.choices)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    budget = models.DecimalField(
        _("budget, roubles"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Total financing over the whole term, if any."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    description = models.TextField(_("description"), blank=True)
    document = models.FileField(
        _("document"), upload_to="agreements/%Y/", blank=True, help_text=_("Scanned text.")
    )
    municipalities: "models.ManyToManyField[Municipality, AgreementParty]" = models.ManyToManyField(
        Municipality,
        through="AgreementParty",
        related_name="agreements",
        verbose_name=_("parties"),
    )

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="agreement_valid_period",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0), name="agreement_budget_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgreementParty(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("lead party")
        MEMBER = "member", _("member")
        TRANSFERS_POWERS = "transfers", _("transfers powers")
        RECEIVES_POWERS = "receives", _("receives powers")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["agreement_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "municipality"], name="agreement_party_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.get_role_display()}"


class Membership(TimeStampedModel):
    """A user's role in a municipality. One user may hold several roles, in several places."""

    class Role(models.TextChoices):
        VIEWER = "viewer", _("viewer")
        EDITOR = "editor", _("editor")
        APPROVER = "approver", _("approver")
        COORDINATOR = "coordinator", _("coordinator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["municipality_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.municipality}"
