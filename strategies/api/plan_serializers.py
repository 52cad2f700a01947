"""Shapes of the action plan and the target indicators in the API. Serializers check the
shape of a request only; the rules (participants, years, rights) are the services'."""

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from municipalities.models import Indicator, Municipality
from strategies import monitoring
from strategies.models import (
    Financing,
    Goal,
    Measure,
    Objective,
    Strategy,
    TargetIndicator,
)

YEAR = re.compile(r"^\d{4}$")


class StrategyScopedMixin:
    """Limits the related plan items a request may name to those of the strategy in the
    serializer's context (another strategy's goal is then "not found", a 400)."""

    scoped: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        strategy: Strategy | None = self.context.get("strategy")  # type: ignore[attr-defined]
        for name, scope in self.scoped.items():
            field = self.fields[name]  # type: ignore[attr-defined]
            field.queryset = (
                scope(strategy) if strategy is not None else field.queryset.model.objects.none()
            )


class GoalSerializer(serializers.ModelSerializer):
    """A goal of the action plan."""

    class Meta:
        model = Goal
        fields = ["id", "strategy", "position", "title", "description", "version"]
        read_only_fields = ["id", "strategy", "version"]
        extra_kwargs = {"position": {"required": False}}


class ObjectiveSerializer(StrategyScopedMixin, serializers.ModelSerializer):
    """An objective under a goal (``goal``: a goal of the same strategy)."""

    goal = serializers.PrimaryKeyRelatedField(queryset=Goal.objects.none())
    scoped = {"goal": lambda strategy: Goal.objects.filter(strategy=strategy)}

    class Meta:
        model = Objective
        fields = ["id", "goal", "position", "title", "description", "version"]
        read_only_fields = ["id", "version"]
        extra_kwargs = {"position": {"required": False}}


class WholeRowSerializer(serializers.Serializer):
    """A row of a list that replaces the stored one. DRF skips missing required fields in a
    partial update (PATCH) even inside nested rows; a row must still be whole."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {
            name: [_("This field is required.")]
            for name, field in self.fields.items()
            if field.required and field.source not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class FinancingSerializer(WholeRowSerializer):
    """Thousand roubles from one source in one year. ``oktmo`` names the budget for the
    source ``municipal`` and is null for the others."""

    # DRF's metaclass takes declared fields off the class, so this does not shadow
    # Field.source at run time; the stubs cannot know that.
    source = serializers.ChoiceField(choices=Financing.Source.choices)  # type: ignore[assignment]
    oktmo = serializers.SlugRelatedField(
        source="municipality",
        slug_field="oktmo",
        queryset=Municipality.objects.all(),
        allow_null=True,
        default=None,
    )
    year = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class MeasureSerializer(StrategyScopedMixin, serializers.ModelSerializer):
    """A measure of the action plan. ``responsible`` and ``financing``, when written,
    replace the lists; years lie within the strategy's horizon."""

    objective = serializers.PrimaryKeyRelatedField(queryset=Objective.objects.none())
    responsible = serializers.SlugRelatedField(
        many=True,
        slug_field="oktmo",
        queryset=Municipality.objects.all(),
        required=False,
        help_text="OKTMO codes of the participants responsible for the measure.",
    )
    financing = FinancingSerializer(many=True, required=False)
    total = serializers.SerializerMethodField(help_text="All financing, thousand roubles.")
    scoped = {"objective": lambda strategy: Objective.objects.filter(goal__strategy=strategy)}

    class Meta:
        model = Measure
        fields = [
            "id",
            "objective",
            "position",
            "title",
            "description",
            "expected_result",
            "start_year",
            "end_year",
            "responsible",
            "financing",
            "total",
            "version",
        ]
        read_only_fields = ["id", "version"]
        extra_kwargs = {"position": {"required": False}}

    @extend_schema_field(serializers.DecimalField(max_digits=18, decimal_places=2))
    def get_total(self, measure: Measure) -> Decimal:
        return sum((row.amount for row in measure.financing.all()), Decimal("0.00"))


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "number", "nullable": True},
        "description": 'Values by year: {"2025": 15, "2030": 60}.',
    }
)
class YearValuesField(serializers.Field):
    """``{"<year>": value}`` for one column of the target indicator's values. Written, the
    map replaces the column: a year left out (or null) has no value."""

    def __init__(self, *, column: str, **kwargs: Any) -> None:
        self.column = column
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, target: TargetIndicator) -> dict[str, Decimal]:
        known = ((row.year, getattr(row, self.column)) for row in target.values.all())
        return {str(year): value for year, value in known if value is not None}

    def to_internal_value(self, data: Any) -> dict[str, dict[int, Decimal | None]]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Expected an object of values by year."))
        number = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
        values: dict[int, Decimal | None] = {}
        for key, value in data.items():
            if not YEAR.match(str(key)):
                raise serializers.ValidationError(_("%(key)s is not a year.") % {"key": key})
            try:
                values[int(key)] = number.run_validation(value)
            except serializers.ValidationError as error:
                raise serializers.ValidationError({key: error.detail}) from error
        # source "*": the returned mapping is merged into the validated data.
        return {str(self.field_name): values}


class ContributionSerializer(WholeRowSerializer):
    """A participant's share of the target in a year."""

    oktmo = serializers.SlugRelatedField(
        source="municipality", slug_field="oktmo", queryset=Municipality.objects.all()
    )
    year = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=20, decimal_places=4)


class TargetIndicatorSerializer(StrategyScopedMixin, serializers.ModelSerializer):
    """A target indicator: baseline, targets and actual values by year, an optional split
    into the participants' contributions, and the monitoring status."""

    objective = serializers.PrimaryKeyRelatedField(
        queryset=Objective.objects.none(), allow_null=True, required=False
    )
    indicator = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Indicator.objects.all(),
        allow_null=True,
        required=False,
        help_text="Code of the registry indicator. When linked, name, unit and direction "
        "default to the indicator's and the baseline comes from the registry.",
    )
    targets = YearValuesField(column="target", required=False)
    actuals = YearValuesField(
        column="actual",
        required=False,
        help_text="Monitoring: may be changed in any status, also after adoption.",
    )
    contributions = ContributionSerializer(many=True, required=False)
    status = serializers.SerializerMethodField(
        help_text="Status of the latest year with an actual value against the target "
        "interpolated for that year: on track, at risk (missed by at most 5 % of the "
        "target) or off track."
    )
    status_year = serializers.SerializerMethodField()
    scoped = {"objective": lambda strategy: Objective.objects.filter(goal__strategy=strategy)}

    class Meta:
        model = TargetIndicator
        fields = [
            "id",
            "objective",
            "indicator",
            "position",
            "name",
            "unit",
            "direction",
            "baseline_year",
            "baseline_value",
            "targets",
            "actuals",
            "contributions",
            "status",
            "status_year",
            "version",
        ]
        read_only_fields = ["id", "version"]
        extra_kwargs = {
            "position": {"required": False},
            "name": {"required": False},
            "unit": {"required": False},
            "direction": {"required": False},
        }

    @extend_schema_field(
        serializers.ChoiceField(choices=monitoring.TargetStatus.choices, allow_null=True)
    )
    def get_status(self, target: TargetIndicator) -> str | None:
        return monitoring.latest_status(target)[1]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_status_year(self, target: TargetIndicator) -> int | None:
        return monitoring.latest_status(target)[0]
