"""Who may open which strategy page: every page and form endpoint × every kind of asker ×
own draft, foreign draft, own adopted and foreign adopted strategy, as one explicit table.

"Own" is a strategy of Sokolsky (lead) and Vologodsky districts, whose staff are the askers;
"foreign" one of Kirillov and Belozersk districts, where none of them works. The viewer,
editor and approver work in Vologodsky (a partner), the lead coordinator in Sokolsky, the
partner coordinator in Vologodsky; the outsider is an editor of Cherepovets, which takes
part in neither. Each request runs in a savepoint that is rolled back, so that one asker's
successful write does not change what the next one meets.

Outcomes: a status code, or ``LOGIN`` (redirect to the sign-in page), ``DONE`` (redirect
with a success message: the write happened) and ``REFUSED`` (redirect with an error
message: the service refused the move, e.g. 409 for an illegal transition).
"""

import pytest
from django.conf import settings
from django.contrib.messages import constants, get_messages
from django.db import transaction
from django.urls import reverse

from strategies import services
from strategies.models import Strategy
from tests.municipalities.factories import MunicipalityFactory
from tests.strategies.factories import CommentFactory

pytestmark = pytest.mark.django_db

LOGIN, DONE, REFUSED = "login", "done", "refused"
STOP = 286  # htmx "stop polling": the presence poll of an anonymous page

ACTORS = (
    "anonymous",
    "viewer",
    "editor",
    "approver",
    "lead_coordinator",
    "partner_coordinator",
    "outsider_editor",
    "admin",
)
USERS = {
    "viewer": "viewer-vologodsky",
    "editor": "editor-vologodsky",
    "approver": "approver-vologodsky",
    "lead_coordinator": "coordinator-sokolsky",
    "partner_coordinator": "coordinator-vologodsky",
    "outsider_editor": "editor-cherepovets",
}
KINDS = ("own_draft", "foreign_draft", "own_adopted", "foreign_adopted")

# page → kind → outcome per asker, in the order of ACTORS:
#   anonymous, viewer, editor, approver, lead coord., partner coord., outsider editor, admin
R = (200, 200, 200, 200, 200, 200, 200, 200)  # readable by everybody
MATRIX: dict[str, dict[str, tuple]] = {
    "strategy_detail": {
        "own_draft": (404, 200, 200, 200, 200, 200, 404, 200),
        "foreign_draft": (404, 404, 404, 404, 404, 404, 404, 200),
        "own_adopted": R,
        "foreign_adopted": R,
    },
    "section_detail": {
        "own_draft": (404, 200, 200, 200, 200, 200, 404, 200),
        "foreign_draft": (404, 404, 404, 404, 404, 404, 404, 200),
        "own_adopted": R,
        "foreign_adopted": R,
    },
    "section_history": {
        "own_draft": (404, 200, 200, 200, 200, 200, 404, 200),
        "foreign_draft": (404, 404, 404, 404, 404, 404, 404, 200),
        "own_adopted": R,
        "foreign_adopted": R,
    },
    "section_edit GET": {
        "own_draft": (LOGIN, 403, 200, 403, 403, 403, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "section_edit POST": {
        "own_draft": (LOGIN, 403, DONE, 403, 403, 403, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "revision_restore": {
        "own_draft": (LOGIN, 403, DONE, 403, 403, 403, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "comment_create": {
        "own_draft": (LOGIN, DONE, DONE, DONE, DONE, DONE, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, DONE, DONE, DONE, DONE, DONE, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "comment_resolve": {
        "own_draft": (LOGIN, DONE, DONE, DONE, DONE, DONE, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, DONE, DONE, DONE, DONE, DONE, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "section_presence": {
        "own_draft": (STOP, 200, 200, 200, 200, 200, 404, 200),
        "foreign_draft": (STOP, 404, 404, 404, 404, 404, 404, 200),
        "own_adopted": (STOP, 200, 200, 200, 200, 200, 403, 200),
        "foreign_adopted": (STOP, 403, 403, 403, 403, 403, 403, 200),
    },
    "review": {
        "own_draft": (LOGIN, 403, 403, 403, DONE, 403, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, 403, 403, 403, REFUSED, 403, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "return": {
        "own_draft": (LOGIN, 403, 403, REFUSED, REFUSED, 403, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, 403, 403, REFUSED, REFUSED, 403, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "adopt": {
        "own_draft": (LOGIN, 403, 403, 403, REFUSED, 403, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, 403, 403, 403, REFUSED, 403, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "archive": {
        "own_draft": (LOGIN, 403, 403, 403, REFUSED, 403, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, 403, 403, 403, DONE, 403, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
    "sign_off": {
        "own_draft": (LOGIN, 403, 403, REFUSED, 403, 403, 404, 403),
        "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
        "own_adopted": (LOGIN, 403, 403, REFUSED, 403, 403, 403, 403),
        "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    },
}
STRUCTURE_GET = {
    "own_draft": (LOGIN, 403, 403, 403, 200, 403, 404, 403),
    "foreign_draft": (LOGIN, 404, 404, 404, 404, 404, 404, 403),
    "own_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
    "foreign_adopted": (LOGIN, 403, 403, 403, 403, 403, 403, 403),
}
STRUCTURE_POST = {**STRUCTURE_GET, "own_draft": (LOGIN, 403, 403, 403, DONE, 403, 404, 403)}
MATRIX.update(
    {
        "strategy_structure": STRUCTURE_GET,
        "section_create GET": STRUCTURE_GET,
        "section_delete GET": STRUCTURE_GET,
        "section_create POST": STRUCTURE_POST,
        "section_move": STRUCTURE_POST,
        "section_owner": STRUCTURE_POST,
        "section_delete POST": STRUCTURE_POST,
    }
)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _adopt(strategy, coordinator, approvers):
    services.strategy_transition(actor=coordinator, strategy_id=strategy.pk, name="review")
    for approver in approvers:
        services.strategy_sign_off(actor=approver, strategy_id=strategy.pk)
    services.strategy_transition(actor=coordinator, strategy_id=strategy.pk, name="adopt")
    strategy.refresh_from_db()
    assert strategy.status == Strategy.Status.ADOPTED


def _furnish(strategy, editor):
    """An edit (so that revision 1 can be restored) and a comment, before any review."""
    first = strategy.sections.order_by("position", "id").first()
    services.section_update(
        actor=editor, section_id=first.pk, version=first.version, body="<p>Первый текст.</p>"
    )
    CommentFactory(section=first, author=editor)


@pytest.fixture
def world(joint_strategy, member, admin_user):
    js = joint_strategy

    def build(kind):
        if kind.startswith("own"):
            strategy = js.strategy
            _furnish(strategy, js.users["editor-sokolsky"])
            if kind == "own_adopted":
                _adopt(
                    strategy,
                    js.users["coordinator-sokolsky"],
                    [js.users["approver-sokolsky"], js.users["approver-vologodsky"]],
                )
        else:
            kirillov = MunicipalityFactory(oktmo="19628000", name="Кирилловский район")
            belozersk = MunicipalityFactory(oktmo="19608000", name="Белозерский район")
            coordinator = member(kirillov, "coordinator")
            strategy = services.strategy_create(
                actor=coordinator,
                title="Стратегия Кириллова и Белозерска",
                start_year=2025,
                end_year=2030,
                participants=[kirillov, belozersk],
            )
            _furnish(strategy, member(belozersk, "editor"))
            if kind == "foreign_adopted":
                _adopt(
                    strategy,
                    coordinator,
                    [member(kirillov, "approver"), member(belozersk, "approver")],
                )
        users = {actor: js.users[name] for actor, name in USERS.items()}
        users["admin"] = admin_user
        return strategy, users

    return build


def _request(page, strategy):
    """(method, url, data) of ``page`` on ``strategy``."""
    first, second = list(strategy.sections.order_by("position", "id")[:2])
    revision = first.revisions.get(number=1)
    comment = first.comments.first()

    def url(name, *args):
        return reverse(f"strategies:{name}", args=[strategy.pk, *args])

    section_page = {
        "section_detail": ("get", url("section_detail", first.pk), None),
        "section_history": ("get", url("section_history", first.pk), None),
        "section_edit GET": ("get", url("section_edit", first.pk), None),
        "section_edit POST": (
            "post",
            url("section_edit", first.pk),
            {"title": first.title, "body": "<p>Новый текст.</p>", "version": first.version},
        ),
        "revision_restore": (
            "post",
            url("revision_restore", first.pk, revision.pk),
            {"version": first.version},
        ),
        "comment_create": ("post", url("comment_create", first.pk), {"body": "Замечание"}),
        "comment_resolve": (
            "post",
            url("comment_resolve", first.pk, comment.pk),
            {"resolved": "1"},
        ),
        "section_presence": ("post", url("section_presence", first.pk), None),
        "section_delete GET": ("get", url("section_delete", second.pk), None),
        "section_delete POST": (
            "post",
            url("section_delete", second.pk),
            {"version": second.version},
        ),
        "section_move": ("post", url("section_move", second.pk), {"direction": "up"}),
        "section_owner": (
            "post",
            url("section_owner", second.pk),
            {"owner": strategy.lead_id, "version": second.version},
        ),
    }
    strategy_page = {
        "strategy_detail": ("get", url("strategy_detail"), None),
        "strategy_structure": ("get", url("strategy_structure"), None),
        "section_create GET": ("get", url("section_create"), None),
        "section_create POST": (
            "post",
            url("section_create"),
            {"title": "Новый раздел", "kind": "custom", "owner": ""},
        ),
        "review": ("post", url("strategy_transition", "review"), None),
        "return": ("post", url("strategy_transition", "return"), {"comment": "Доработать"}),
        "adopt": ("post", url("strategy_transition", "adopt"), None),
        "archive": ("post", url("strategy_transition", "archive"), None),
        # Vologodsky: the approver's own municipality, a participant of the own strategies.
        "sign_off": (
            "post",
            url("strategy_sign_off"),
            {"municipality": strategy.participations.order_by("id").last().municipality_id},
        ),
    }
    return {**section_page, **strategy_page}[page]


def _outcome(response):
    if response.status_code != 302:
        return response.status_code
    if response["Location"].startswith(reverse("login")):
        return LOGIN
    levels = [m.level for m in get_messages(response.wsgi_request)]
    return REFUSED if levels and levels[-1] == constants.ERROR else DONE


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("page", sorted(MATRIX))
def test_page_access(client, world, page, kind):
    strategy, users = world(kind)
    method, url_, data = _request(page, strategy)
    expected = dict(zip(ACTORS, MATRIX[page][kind], strict=True))
    got = {}
    for actor in ACTORS:
        client.logout()
        if actor != "anonymous":
            client.force_login(users[actor])
        client.cookies.pop("messages", None)
        with transaction.atomic():
            response = getattr(client, method)(url_, data or {})
            got[actor] = _outcome(response)
            transaction.set_rollback(True)
    assert got == expected


CREATE_EXPECTED = {
    "anonymous": LOGIN,
    "viewer": 403,
    "editor": 403,
    "approver": 403,
    "lead_coordinator": 200,
    "partner_coordinator": 200,
    "outsider_editor": 403,
    "admin": 403,  # administrators run the platform, strategies belong to municipalities
}


def test_create_page_access(client, world):
    _strategy, users = world("own_draft")
    got = {}
    for actor in ACTORS:
        client.logout()
        if actor != "anonymous":
            client.force_login(users[actor])
        got[actor] = _outcome(client.get(reverse("strategies:strategy_create")))
    assert got == CREATE_EXPECTED


@pytest.mark.parametrize("actor", ACTORS)
def test_list_never_shows_a_draft_the_asker_may_not_see(client, world, joint_strategy, actor):
    own_draft, users = world("own_draft")
    foreign_draft, _users = world("foreign_draft")
    own_adopted = services.strategy_create(
        actor=users["lead_coordinator"],
        title="Вторая стратегия Сокола и Вологды",
        start_year=2025,
        end_year=2030,
        participants=[joint_strategy.sokolsky, joint_strategy.vologodsky],
    )
    _adopt(
        own_adopted,
        users["lead_coordinator"],
        [joint_strategy.users["approver-sokolsky"], users["approver"]],
    )
    if actor != "anonymous":
        client.force_login(users[actor])
    html = client.get(reverse("strategies:strategy_list")).content.decode()
    # Drafts: participants' members and administrators only.
    sees_own_draft = actor in {
        "viewer",
        "editor",
        "approver",
        "lead_coordinator",
        "partner_coordinator",
        "admin",
    }
    assert (own_draft.title in html) is sees_own_draft
    assert (foreign_draft.title in html) is (actor == "admin")
    # Adopted: everybody.
    assert own_adopted.title in html
    # Filtering by status never widens what is visible.
    html = client.get(reverse("strategies:strategy_list"), {"status": "draft"}).content.decode()
    assert (foreign_draft.title in html) is (actor == "admin")
    assert own_adopted.title not in html
