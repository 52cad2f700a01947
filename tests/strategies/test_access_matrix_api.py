"""Who may call which strategy endpoint, as a table: every endpoint × every kind of user ×
the strategy's situation. The tables below are the specification; the test only replays
them.

Users (columns, in this order):
    anon      not signed in
    viewer    viewer of the lead municipality (Sokolsky district)
    editor    editor of the lead
    approver  approver of the lead
    coord     coordinator of the lead
    partner   coordinator of the partner (Vologodsky district)
    outsider  editor of a municipality that does not take part (Cherepovets)
    admin     platform administrator (staff, no membership)

Situations (rows):
    draft     the participants' strategy, a draft
    review    the same, in review (a round is open, nobody has signed)
    foreign   a draft of two other municipalities: nobody above takes part in it
    adopted   the participants' strategy, adopted (published)

A published strategy is public: its text, sections and history are read without an
account. Its comments are not: they stay the participants' working papers.

How to read a refusal: 401 a write (or the comments) without signing in; 404 the strategy
is not visible to the user; 409 the move is impossible in this status, whoever asks (checked
before the actor's right); 403 visible, possible, but not for this user.

Every write sends the right If-Match, so a 412 never hides the answer being tested."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from strategies import services
from tests.municipalities.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = ("anon", "viewer", "editor", "approver", "coord", "partner", "outsider", "admin")
SITUATIONS = ("draft", "review", "foreign", "adopted")
Row = tuple[int, ...]  # one answer per user, in the order of USERS

# fmt: off
#                  anon viewer editor approver coord partner outsider admin
READ: dict[str, Row] = {
    "draft":   (404, 200,   200,   200,     200,  200,    404,     200),
    "review":  (404, 200,   200,   200,     200,  200,    404,     200),
    "foreign": (404, 404,   404,   404,     404,  404,    404,     200),
    "adopted": (200, 200,   200,   200,     200,  200,    200,     200),
}

# The comments: members of the participants and administrators, even once published.
READ_COMMENTS: dict[str, Row] = {
    "draft":   (401, 200,   200,   200,     200,  200,    404,     200),
    "review":  (401, 200,   200,   200,     200,  200,    404,     200),
    "foreign": (401, 404,   404,   404,     404,  404,    404,     200),
    "adopted": (401, 200,   200,   200,     200,  200,    403,     200),
}


def structure(ok: int) -> dict[str, Row]:
    """Strategy fields and the section structure: the lead's coordinator, before approval."""
    return {
        #           anon viewer editor approver coord partner outsider admin
        "draft":   (401, 403,   403,   403,     ok,   403,    404,     403),
        "review":  (401, 403,   403,   403,     ok,   403,    404,     403),
        "foreign": (401, 404,   404,   404,     404,  404,    404,     403),
        "adopted": (401, 409,   409,   409,     409,  409,    409,     409),
    }


# The text of a shared section: editors of any participant, before approval.
TEXT: dict[str, Row] = {
    "draft":   (401, 403,   200,   403,     403,  403,    404,     403),
    "review":  (401, 403,   200,   403,     403,  403,    404,     403),
    "foreign": (401, 404,   404,   404,     404,  404,    404,     403),
    "adopted": (401, 409,   409,   409,     409,  409,    409,     409),
}


def discussion(ok: int) -> dict[str, Row]:
    """Writing comments: members of the participants (not administrators), in any status."""
    return {
        #           anon viewer editor approver coord partner outsider admin
        "draft":   (401, ok,    ok,    ok,      ok,   ok,     404,     403),
        "review":  (401, ok,    ok,    ok,      ok,   ok,     404,     403),
        "foreign": (401, 404,   404,   404,     404,  404,    404,     403),
        "adopted": (401, ok,    ok,    ok,      ok,   ok,     403,     403),
    }


# A transition the table does not allow from the status: 409 for everybody who can see it.
IMPOSSIBLE: dict[str, Row] = {
    "draft":   (401, 409,   409,   409,     409,  409,    404,     409),
    "review":  (401, 409,   409,   409,     409,  409,    404,     409),
    "foreign": (401, 404,   404,   404,     404,  404,    404,     409),
    "adopted": (401, 409,   409,   409,     409,  409,    409,     409),
}


FOREIGN_DRAFT_LEGAL: Row = (401, 404, 404, 404, 404, 404, 404, 403)  # only the admin sees it


EXPECTED: dict[str, dict[str, Row]] = {
    "strategy.get":       READ,
    "strategy.patch":     structure(200),
    "sections.list":      READ,
    "sections.create":    structure(201),
    "sections.order":     structure(200),
    "section.get":        READ,
    "section.patch":      TEXT,
    "section.delete":     structure(204),
    "revisions.list":     READ,
    "revisions.diff":     READ,
    "revisions.restore":  TEXT,
    "comments.list":      READ_COMMENTS,
    "comments.create":    discussion(201),
    "comment.resolve":    discussion(200),
    # A transition is refused with 409 outside the statuses it starts from (IMPOSSIBLE);
    # the rows below are where it may start. The foreign strategy is a draft too.
    #                                anon viewer editor approver coord partner outsider admin
    "review":   {**IMPOSSIBLE, "draft":   (401, 403, 403,   403,     200,  403,   404,     403),
                               "foreign": FOREIGN_DRAFT_LEGAL},
    "sign-off": {**IMPOSSIBLE, "review":  (401, 403, 403,   200,     403,  403,   404,     403)},
    "return":   {**IMPOSSIBLE, "review":  (401, 403, 403,   200,     200,  403,   404,     403)},
    "adopt":    IMPOSSIBLE,  # legal from "approved" only, which no situation here is
    "archive":  {**IMPOSSIBLE, "adopted": (401, 403, 403,   403,     200,  403,   403,     403)},
}
# fmt: on

# Creating a strategy of Sokolsky and Vologodsky: a coordinator of one of them.
#               anon viewer editor approver coord partner outsider admin
CREATE = dict(zip(USERS, (401, 403, 403, 403, 201, 201, 403, 403), strict=True))


# --- the world --------------------------------------------------------------------------------


@pytest.fixture
def world(joint_strategy, member, request):
    """The joint strategy of Sokolsky and Vologodsky in the situation asked for, with one
    edit of its first section (revisions 1 and 2) and one comment, plus the foreign draft."""
    js = joint_strategy
    kirillov = MunicipalityFactory(oktmo="19628000", name="Кирилловский муниципальный район")
    belozersk = MunicipalityFactory(oktmo="19608000", name="Белозерский муниципальный округ")
    foreign = services.strategy_create(
        actor=member(kirillov, "coordinator", username="coordinator-kirillov"),
        title="Стратегия Кирилловского и Белозерского",
        start_year=2025,
        end_year=2030,
        participants=[kirillov, belozersk],
    )
    editor_of = {js.strategy.pk: js.users["editor-sokolsky"]}
    editor_of[foreign.pk] = member(kirillov, "editor", username="editor-kirillov")
    for strategy in (js.strategy, foreign):
        section = strategy.sections.order_by("position").first()
        services.section_update(
            actor=editor_of[strategy.pk],
            section_id=section.pk,
            version=1,
            body="<p>Численность населения снижается.</p>",
        )
        services.comment_create(
            actor=editor_of[strategy.pk], section_id=section.pk, body="Нужны данные за 2024 год"
        )

    situation = request.param
    coordinator = js.users["coordinator-sokolsky"]
    if situation in ("review", "adopted"):
        services.strategy_transition(actor=coordinator, strategy_id=js.strategy.pk, name="review")
    if situation == "adopted":
        for slug in ("sokolsky", "vologodsky"):
            services.strategy_sign_off(
                actor=js.users[f"approver-{slug}"], strategy_id=js.strategy.pk
            )
        services.strategy_transition(actor=coordinator, strategy_id=js.strategy.pk, name="adopt")

    users = {
        "anon": None,
        "viewer": js.users["viewer-sokolsky"],
        "editor": js.users["editor-sokolsky"],
        "approver": js.users["approver-sokolsky"],
        "coord": coordinator,
        "partner": js.users["coordinator-vologodsky"],
        "outsider": js.users["editor-cherepovets"],
        "admin": UserFactory(username="platform-admin", is_staff=True),
    }
    strategy = foreign if situation == "foreign" else js.strategy
    strategy.refresh_from_db()
    return {"situation": situation, "users": users, "strategy": strategy}


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def call(client: APIClient, endpoint: str, strategy):
    """One request to ``endpoint`` about ``strategy``, well formed and with the right If-Match,
    so that only the user and the situation decide the answer."""
    section = strategy.sections.order_by("position").first()
    comment = section.comments.first()
    s, sec = f"/api/v1/strategies/{strategy.pk}/", f"/api/v1/sections/{section.pk}/"
    strategy_etag, section_etag = f'"{strategy.version}"', f'"{section.version}"'
    order = list(strategy.sections.order_by("-position").values_list("pk", flat=True))
    requests = {
        "strategy.get": lambda: client.get(s),
        "strategy.patch": lambda: client.patch(
            s, {"summary": "Краткое содержание"}, format="json", HTTP_IF_MATCH=strategy_etag
        ),
        "sections.list": lambda: client.get(f"{s}sections/"),
        "sections.create": lambda: client.post(
            f"{s}sections/", {"title": "Туристские маршруты"}, format="json"
        ),
        "sections.order": lambda: client.post(
            f"{s}sections/order/", {"order": order}, format="json"
        ),
        "section.get": lambda: client.get(sec),
        "section.patch": lambda: client.patch(
            sec, {"body": "<p>Новый текст</p>"}, format="json", HTTP_IF_MATCH=section_etag
        ),
        "section.delete": lambda: client.delete(sec, HTTP_IF_MATCH=section_etag),
        "revisions.list": lambda: client.get(f"{sec}revisions/"),
        "revisions.diff": lambda: client.get(f"{sec}revisions/diff/", {"from": 1, "to": 2}),
        "revisions.restore": lambda: client.post(
            f"{sec}revisions/1/restore/", HTTP_IF_MATCH=section_etag
        ),
        "comments.list": lambda: client.get(f"{sec}comments/"),
        "comments.create": lambda: client.post(
            f"{sec}comments/", {"body": "Согласны"}, format="json"
        ),
        "comment.resolve": lambda: client.post(
            f"/api/v1/comments/{comment.pk}/resolve/", {"resolved": True}, format="json"
        ),
        "review": lambda: client.post(f"{s}review/"),
        "sign-off": lambda: client.post(f"{s}sign-off/", {}, format="json"),
        "return": lambda: client.post(f"{s}return/", {"comment": "Доработать"}, format="json"),
        "adopt": lambda: client.post(f"{s}adopt/"),
        "archive": lambda: client.post(f"{s}archive/"),
    }
    return requests[endpoint]()


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("world", SITUATIONS, indirect=True)
@pytest.mark.parametrize("endpoint", list(EXPECTED))
def test_access_matrix(world, endpoint, user):
    expected = EXPECTED[endpoint][world["situation"]][USERS.index(user)]
    response = call(client_for(world["users"][user]), endpoint, world["strategy"])
    assert response.status_code == expected, (endpoint, world["situation"], user, response.content)


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("world", ["draft"], indirect=True)
def test_who_may_start_a_strategy(world, user):
    response = client_for(world["users"][user]).post(
        "/api/v1/strategies/",
        {
            "title": "Вторая совместная стратегия",
            "start_year": 2026,
            "end_year": 2036,
            "participants": ["19638000", "19620000"],
        },
        format="json",
    )
    assert response.status_code == CREATE[user], response.content


# --- lists ------------------------------------------------------------------------------------

# fmt: off
#              anon   viewer editor approver coord  partner outsider admin
LISTED = {
    "draft":   (False, True,  True,  True,    True,  True,   False,   True),
    "review":  (False, True,  True,  True,    True,  True,   False,   True),
    "foreign": (False, False, False, False,   False, False,  False,   True),
    "adopted": (True,  True,  True,  True,    True,  True,   True,    True),
}
# fmt: on


@pytest.fixture
def every_situation(joint_strategy, member):
    """One strategy in each situation at once, for the lists."""
    js = joint_strategy
    coordinator = js.users["coordinator-sokolsky"]

    def joint(title):
        return services.strategy_create(
            actor=coordinator,
            title=title,
            start_year=2025,
            end_year=2030,
            participants=[js.sokolsky, js.vologodsky],
        )

    review, adopted = joint("В рассмотрении"), joint("Принятая")
    for strategy in (review, adopted):
        services.strategy_transition(actor=coordinator, strategy_id=strategy.pk, name="review")
    for slug in ("sokolsky", "vologodsky"):
        services.strategy_sign_off(actor=js.users[f"approver-{slug}"], strategy_id=adopted.pk)
    services.strategy_transition(actor=coordinator, strategy_id=adopted.pk, name="adopt")
    kirillov = MunicipalityFactory(oktmo="19628000")
    foreign = services.strategy_create(
        actor=member(kirillov, "coordinator"),
        title="Чужая",
        start_year=2025,
        end_year=2030,
        participants=[kirillov, MunicipalityFactory(oktmo="19608000")],
    )
    users = {
        "anon": None,
        "viewer": js.users["viewer-sokolsky"],
        "editor": js.users["editor-sokolsky"],
        "approver": js.users["approver-sokolsky"],
        "coord": coordinator,
        "partner": js.users["coordinator-vologodsky"],
        "outsider": js.users["editor-cherepovets"],
        "admin": UserFactory(username="platform-admin", is_staff=True),
    }
    strategies = {"draft": js.strategy, "review": review, "foreign": foreign, "adopted": adopted}
    return users, strategies


@pytest.mark.parametrize("user", USERS)
def test_lists_never_show_a_draft_the_user_may_not_see(every_situation, user):
    users, strategies = every_situation
    client = client_for(users[user])
    expected = {strategies[s].pk for s in SITUATIONS if LISTED[s][USERS.index(user)]}
    listed = client.get("/api/v1/strategies/").json()
    assert {s["id"] for s in listed["results"]} == expected
    assert listed["count"] == len(expected)
    for status in ("draft", "in_review", "adopted"):
        filtered = client.get("/api/v1/strategies/", {"status": status}).json()["results"]
        assert {s["id"] for s in filtered} <= expected
        assert all(s["status"] == status for s in filtered)
