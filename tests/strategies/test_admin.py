"""The strategy admin: every page opens, nothing is editable, and its actions go through the
transition service with the admin user's own rights."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from strategies import services
from strategies.models import (
    ApprovalRound,
    Comment,
    Goal,
    Measure,
    Objective,
    Revision,
    Strategy,
    StrategyEvent,
    TargetIndicator,
)
from tests.strategies.factories import MeasureFactory, TargetIndicatorFactory

pytestmark = pytest.mark.django_db

MODELS = [
    Strategy,
    Revision,
    Comment,
    ApprovalRound,
    StrategyEvent,
    Goal,
    Objective,
    Measure,
    TargetIndicator,
]


@pytest.fixture
def filled(joint_strategy):
    js = joint_strategy
    section = js.strategy.sections.first()
    services.comment_create(actor=js.users["viewer-sokolsky"], section_id=section.pk, body="Да")
    services.strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, name="review"
    )
    services.strategy_sign_off(actor=js.users["approver-sokolsky"], strategy_id=js.strategy.pk)
    measure = MeasureFactory(objective__goal__strategy=js.strategy)
    TargetIndicatorFactory(strategy=js.strategy, objective=measure.objective)
    return js


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_page_opens_read_only(client, admin_user, filled, model):
    client.force_login(admin_user)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model.objects.first()
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == 403


def run_action(client, action, strategy):
    return client.post(
        reverse("admin:strategies_strategy_changelist"),
        {"action": action, "_selected_action": [strategy.pk]},
        follow=True,
    )


def test_actions_call_the_service_with_the_users_own_rights(client, admin_user, joint_strategy):
    js = joint_strategy
    client.force_login(admin_user)
    # A platform administrator is not the lead's coordinator: refused, with the reason.
    response = run_action(client, "open_review", js.strategy)
    shown = [str(m) for m in response.context["messages"]]
    assert any(js.strategy.title in m for m in shown)
    assert Strategy.objects.get(pk=js.strategy.pk).status == "draft"

    coordinator = js.users["coordinator-sokolsky"]
    coordinator.is_staff = True
    coordinator.save()
    coordinator.user_permissions.add(Permission.objects.get(codename="view_strategy"))
    client.force_login(coordinator)
    run_action(client, "open_review", js.strategy)
    assert Strategy.objects.get(pk=js.strategy.pk).status == "in_review"
    response = run_action(client, "adopt", js.strategy)
    assert Strategy.objects.get(pk=js.strategy.pk).status == "in_review"
    assert len(list(response.context["messages"])) == 1
    for slug in ("sokolsky", "vologodsky"):
        services.strategy_sign_off(actor=js.users[f"approver-{slug}"], strategy_id=js.strategy.pk)
    run_action(client, "adopt", js.strategy)
    assert Strategy.objects.get(pk=js.strategy.pk).status == "adopted"
    run_action(client, "archive", js.strategy)
    assert Strategy.objects.get(pk=js.strategy.pk).status == "archived"
    moves = StrategyEvent.objects.filter(strategy=js.strategy, actor=coordinator)
    assert list(moves.values_list("kind", flat=True)) == ["created", "review", "adopt", "archive"]
