"""The strategy services on the real database: every transition and refusal, the rules of
co-editing, and the content helpers they rely on."""

from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import ApplicationError
from core.models import AuditLog, OutboxMessage
from strategies import content, services
from strategies.models import (
    ApprovalRound,
    Comment,
    Revision,
    Section,
    SignOff,
    Strategy,
    StrategyEvent,
)
from tests.municipalities.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

Status = Strategy.Status


def refused(status: int, call, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == status, caught.value.message
    return caught.value


def reload(strategy: Strategy) -> Strategy:
    return Strategy.objects.get(pk=strategy.pk)


def first_section(js) -> Section:
    return js.strategy.sections.order_by("position").first()


def move(js, name: str, who: str = "coordinator-sokolsky", **kwargs) -> Strategy:
    return services.strategy_transition(
        actor=js.users[who], strategy_id=js.strategy.pk, name=name, **kwargs
    )


def sign(js, slug: str, **kwargs) -> SignOff:
    return services.strategy_sign_off(
        actor=js.users[f"approver-{slug}"], strategy_id=js.strategy.pk, **kwargs
    )


def edit(js, body: str, who: str = "editor-sokolsky") -> Section:
    section = Section.objects.get(pk=first_section(js).pk)
    return services.section_update(
        actor=js.users[who], section_id=section.pk, version=section.version, body=body
    )


@pytest.fixture
def js(joint_strategy):
    return joint_strategy


@pytest.fixture
def queued():
    """The e-mails the services owe: the arguments of each outbox row, per task."""

    def rows(task):
        return [message.args for message in OutboxMessage.objects.filter(task=task).order_by("id")]

    return SimpleNamespace(
        approvers=lambda: rows("strategies.notify_approvers"),
        comment=lambda: rows("strategies.notify_comment"),
    )


# --- creation -------------------------------------------------------------------------------


def test_create_builds_the_statutory_skeleton_with_first_revisions(js):
    strategy = js.strategy
    assert strategy.lead == js.sokolsky
    assert dict(strategy.participations.values_list("municipality__oktmo", "role")) == {
        "19638000": "lead",
        "19620000": "partner",
    }
    sections = list(strategy.sections.order_by("position"))
    assert [s.kind for s in sections] == [kind for kind, _ in services.strategy.SKELETON]
    assert all(s.owner is None and s.version == 1 for s in sections)
    assert Revision.objects.filter(section__strategy=strategy, number=1).count() == len(sections)
    assert StrategyEvent.objects.get(strategy=strategy).kind == "created"
    assert AuditLog.objects.filter(action="strategy.create", object_id=str(strategy.pk)).exists()


def test_create_refuses_a_non_coordinator_and_bad_input(js):
    editor = js.users["editor-sokolsky"]
    refused(
        403,
        services.strategy_create,
        actor=editor,
        title="Т",
        start_year=2025,
        end_year=2030,
        participants=[js.sokolsky, js.vologodsky],
    )
    error = refused(
        400,
        services.strategy_create,
        actor=js.users["coordinator-sokolsky"],
        title="",
        start_year=2025,
        end_year=2025,
        participants=[js.sokolsky],
    )
    assert set(error.extra["errors"]) == {"title", "end_year", "participants"}


# --- transitions ----------------------------------------------------------------------------


def test_review_opens_a_round_on_a_frozen_snapshot(js):
    strategy = move(js, "review")
    assert strategy.status == Status.IN_REVIEW
    assert strategy.version == 2
    round_ = ApprovalRound.objects.get(strategy=strategy)
    assert (round_.number, round_.outcome) == (1, "open")
    assert round_.snapshot_hash == content.snapshot_hash(content.strategy_snapshot(strategy))
    event = StrategyEvent.objects.filter(strategy=strategy).latest("id")
    assert (event.kind, event.from_status, event.to_status) == ("review", "draft", "in_review")
    assert event.actor == js.users["coordinator-sokolsky"]


@pytest.mark.parametrize(
    "who", ["coordinator-vologodsky", "editor-sokolsky", "approver-sokolsky", "viewer-sokolsky"]
)
def test_review_by_anybody_but_the_leads_coordinator_is_403(js, who):
    refused(403, move, js, "review", who=who)
    assert reload(js.strategy).status == Status.DRAFT
    assert not ApprovalRound.objects.exists()


def test_adopt_before_approval_is_409(js):
    refused(409, move, js, "adopt")
    move(js, "review")
    error = refused(409, move, js, "adopt")
    assert error.code == "illegal_transition"
    assert reload(js.strategy).status == Status.IN_REVIEW


def test_approve_cannot_be_asked_for(js):
    move(js, "review")
    assert refused(400, move, js, "approve").code == "unknown_transition"


def test_return_needs_a_comment_and_closes_the_round(js):
    move(js, "review")
    error = refused(400, move, js, "return", who="approver-vologodsky")
    assert set(error.extra["errors"]) == {"comment"}
    refused(400, move, js, "return", who="approver-vologodsky", comment="   ")
    # The right is checked before the comment: an editor learns it may not return.
    refused(403, move, js, "return", who="editor-sokolsky")
    strategy = move(js, "return", who="approver-vologodsky", comment="Дополнить SWOT-анализ")
    assert strategy.status == Status.DRAFT
    round_ = ApprovalRound.objects.get()
    assert round_.outcome == "returned"
    assert round_.closed_at is not None
    event = StrategyEvent.objects.filter(kind="return").get()
    assert event.data == {"comment": "Дополнить SWOT-анализ"}


def test_return_from_draft_is_409(js):
    refused(409, move, js, "return", comment="Нет")


def test_a_second_review_opens_round_two(js):
    move(js, "review")
    move(js, "return", comment="Доработать")
    move(js, "review")
    assert list(ApprovalRound.objects.values_list("number", "outcome")) == [
        (2, "open"),
        (1, "returned"),
    ]


def test_sign_off_by_an_approver_of_a_non_participant_is_403(js, member):
    move(js, "review")
    stranger = member(js.cherepovets, "approver")
    refused(403, services.strategy_sign_off, actor=stranger, strategy_id=js.strategy.pk)
    refused(
        403,
        services.strategy_sign_off,
        actor=stranger,
        strategy_id=js.strategy.pk,
        municipality_id=js.cherepovets.pk,
    )
    assert not SignOff.objects.exists()


def test_sign_off_for_another_municipality_is_403(js):
    move(js, "review")
    refused(403, sign, js, "sokolsky", municipality_id=js.vologodsky.pk)
    assert not SignOff.objects.exists()


def test_an_approver_of_two_participants_names_the_one_signing(js, member):
    move(js, "review")
    both = member(js.sokolsky, "approver", username="approver-both")
    member(js.vologodsky, "approver", username="approver-both")
    refused(403, services.strategy_sign_off, actor=both, strategy_id=js.strategy.pk)
    services.strategy_sign_off(
        actor=both, strategy_id=js.strategy.pk, municipality_id=js.vologodsky.pk
    )
    assert list(SignOff.objects.values_list("municipality_id", flat=True)) == [js.vologodsky.pk]


def test_double_sign_off_is_409(js):
    move(js, "review")
    sign(js, "sokolsky")
    assert refused(409, sign, js, "sokolsky").code == "already_signed"
    assert SignOff.objects.count() == 1


def test_sign_off_outside_review_is_409(js):
    refused(409, sign, js, "sokolsky")


def test_sign_off_of_a_text_that_changed_since_it_was_read_is_409(js):
    move(js, "review")
    read = ApprovalRound.objects.get().snapshot_hash
    edit(js, "<p>Поправка</p>")
    error = refused(409, sign, js, "sokolsky", snapshot_hash=read)
    assert error.code == "snapshot_changed"
    assert error.extra["snapshot_hash"] == ApprovalRound.objects.get().snapshot_hash
    sign(js, "sokolsky", snapshot_hash=error.extra["snapshot_hash"])


def test_when_all_have_signed_the_strategy_is_approved(js):
    move(js, "review")
    first = sign(js, "sokolsky", decision_number="45", decision_date="2026-02-20")
    assert reload(js.strategy).status == Status.IN_REVIEW
    assert first.snapshot_hash == ApprovalRound.objects.get().snapshot_hash
    sign(js, "vologodsky")
    strategy = reload(js.strategy)
    assert strategy.status == Status.APPROVED
    round_ = ApprovalRound.objects.get()
    assert round_.outcome == "approved"
    assert round_.closed_at is not None
    approve = StrategyEvent.objects.get(kind="approve")
    assert (approve.from_status, approve.to_status) == ("in_review", "approved")
    assert approve.actor == js.users["approver-vologodsky"]
    assert StrategyEvent.objects.filter(kind="sign_off").count() == 2


def test_adopt_publishes_and_archive_ends(js):
    move(js, "review")
    sign(js, "sokolsky")
    sign(js, "vologodsky")
    refused(409, move, js, "archive")
    refused(403, move, js, "adopt", who="coordinator-vologodsky")
    strategy = move(js, "adopt")
    assert strategy.status == Status.ADOPTED
    assert strategy.adopted_at is not None
    assert strategy.is_published
    refused(403, move, js, "archive", who="approver-sokolsky")
    assert move(js, "archive").status == Status.ARCHIVED
    kinds = list(StrategyEvent.objects.filter(strategy=js.strategy).values_list("kind", flat=True))
    assert kinds == ["created", "review", "sign_off", "sign_off", "approve", "adopt", "archive"]


def test_only_one_open_round_per_strategy_is_a_database_rule(js):
    move(js, "review")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRound.objects.create(
            strategy=js.strategy, number=2, snapshot={}, snapshot_hash="x" * 64
        )
    ApprovalRound.objects.create(
        strategy=js.strategy, number=2, snapshot={}, snapshot_hash="x" * 64, outcome="returned"
    )


# --- a change of content during review ----------------------------------------------------


def test_an_edit_in_review_clears_the_sign_offs_and_notifies_the_approvers(
    js, queued, django_capture_on_commit_callbacks
):
    move(js, "review")
    sign(js, "sokolsky")
    before = ApprovalRound.objects.get().snapshot_hash
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        edit(js, "<p>Новая оценка текущего состояния</p>")
    # The e-mail is owed in the same transaction; the broker hears of it after the commit.
    assert len(callbacks) == 1
    assert queued.approvers() == [[js.strategy.pk, "review"], [js.strategy.pk, "sign_offs_cleared"]]

    round_ = ApprovalRound.objects.get()
    assert round_.snapshot_hash != before
    assert round_.outcome == "open"
    assert not round_.sign_offs.exists()
    event = StrategyEvent.objects.get(kind="content_changed_in_review")
    assert event.data == {"snapshot": round_.snapshot_hash, "cleared_sign_offs": [js.sokolsky.pk]}
    assert event.actor == js.users["editor-sokolsky"]
    assert reload(js.strategy).status == Status.IN_REVIEW


def test_an_edit_in_review_with_nobody_signed_notifies_nobody(
    js, queued, django_capture_on_commit_callbacks
):
    move(js, "review")
    with django_capture_on_commit_callbacks(execute=False):
        edit(js, "<p>Правка</p>")
    assert queued.approvers() == [[js.strategy.pk, "review"]]
    assert StrategyEvent.objects.filter(kind="content_changed_in_review").count() == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda js: services.strategy_update(
                actor=js.users["coordinator-sokolsky"],
                strategy_id=js.strategy.pk,
                version=reload(js.strategy).version,
                title="Стратегия до 2035 года",
            ),
            id="title",
        ),
        pytest.param(
            lambda js: services.section_create(
                actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, title="Новый"
            ),
            id="new-section",
        ),
        pytest.param(
            lambda js: services.sections_reorder(
                actor=js.users["coordinator-sokolsky"],
                strategy_id=js.strategy.pk,
                order=list(js.strategy.sections.order_by("-position").values_list("pk", flat=True)),
            ),
            id="order",
        ),
    ],
)
def test_every_kind_of_change_in_review_clears_the_sign_offs(js, change):
    move(js, "review")
    sign(js, "sokolsky")
    change(js)
    assert not SignOff.objects.exists()
    assert StrategyEvent.objects.filter(kind="content_changed_in_review").exists()


def test_a_save_that_changes_nothing_keeps_the_sign_offs(js):
    move(js, "review")
    sign(js, "sokolsky")
    section = first_section(js)
    services.section_update(
        actor=js.users["editor-sokolsky"],
        section_id=section.pk,
        version=section.version,
        body=section.body,
    )
    assert SignOff.objects.count() == 1


def test_review_notifies_the_approvers_after_commit(js, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        move(js, "review")
    assert len(callbacks) == 1
    assert queued.approvers() == [[js.strategy.pk, "review"]]


# --- sections -------------------------------------------------------------------------------


def test_section_save_writes_a_revision_and_refuses_a_stale_version(js):
    section = first_section(js)
    saved = edit(js, "<p>Первый вариант</p>")
    assert saved.version == 2
    error = refused(
        412,
        services.section_update,
        actor=js.users["editor-vologodsky"],
        section_id=section.pk,
        version=1,
        body="<p>Поверх чужого</p>",
    )
    assert error.extra == {"current_version": 2}
    assert list(section.revisions.values_list("number", "body")) == [
        (2, "<p>Первый вариант</p>"),
        (1, ""),
    ]


def test_a_save_by_somebody_without_rights_is_refused_even_when_it_changes_nothing(js):
    section = first_section(js)
    refused(
        403,
        services.section_update,
        actor=js.users["viewer-sokolsky"],
        section_id=section.pk,
        version=1,
        body=section.body,
    )


def test_owner_is_for_the_leads_coordinator(js):
    section = first_section(js)
    refused(
        403,
        services.section_update,
        actor=js.users["editor-sokolsky"],
        section_id=section.pk,
        version=1,
        owner=js.sokolsky,
    )
    refused(
        400,
        services.section_update,
        actor=js.users["coordinator-sokolsky"],
        section_id=section.pk,
        version=1,
        owner=js.cherepovets,
    )
    saved = services.section_update(
        actor=js.users["coordinator-sokolsky"],
        section_id=section.pk,
        version=1,
        owner=js.vologodsky,
    )
    assert (saved.owner, saved.version) == (js.vologodsky, 2)
    refused(403, edit, js, "<p>Не мой раздел</p>", who="editor-sokolsky")
    assert edit(js, "<p>Наш раздел</p>", who="editor-vologodsky").version == 3


def test_restore_makes_an_old_revision_current_as_a_new_one(js):
    edit(js, "<p>Вариант А</p>")
    edit(js, "<p>Вариант Б</p>")
    section = first_section(js)
    old = section.revisions.get(number=2)
    restored = services.revision_restore(
        actor=js.users["editor-vologodsky"], revision_id=old.pk, version=3
    )
    assert (restored.body, restored.version) == ("<p>Вариант А</p>", 4)
    newest = section.revisions.get(number=4)
    assert (newest.body, newest.author) == ("<p>Вариант А</p>", js.users["editor-vologodsky"])
    refused(
        412,
        services.revision_restore,
        actor=js.users["editor-vologodsky"],
        revision_id=old.pk,
        version=3,
    )


def test_structure_is_for_the_leads_coordinator(js):
    editor, coordinator = js.users["editor-sokolsky"], js.users["coordinator-sokolsky"]
    refused(403, services.section_create, actor=editor, strategy_id=js.strategy.pk, title="Х")
    section = services.section_create(
        actor=coordinator,
        strategy_id=js.strategy.pk,
        title="Туризм",
        owner=js.vologodsky,
        body="<p>Маршрут «Сокол — Вологда»</p><script>x</script>",
    )
    assert section.body == "<p>Маршрут «Сокол — Вологда»</p>"
    assert section.position == max(js.strategy.sections.values_list("position", flat=True))
    assert section.revisions.get().number == 1
    refused(400, services.section_create, actor=coordinator, strategy_id=js.strategy.pk, title=" ")
    ids = list(js.strategy.sections.values_list("pk", flat=True))
    refused(403, services.sections_reorder, actor=editor, strategy_id=js.strategy.pk, order=ids)
    refused(
        400, services.sections_reorder, actor=coordinator, strategy_id=js.strategy.pk, order=ids[1:]
    )
    refused(403, services.section_delete, actor=editor, section_id=section.pk, version=1)
    services.section_delete(actor=coordinator, section_id=section.pk, version=1)
    assert not Section.objects.filter(pk=section.pk).exists()
    assert StrategyEvent.objects.filter(kind__in=["section_added", "section_removed"]).count() == 2


def test_content_of_an_approved_strategy_cannot_change(js):
    move(js, "review")
    sign(js, "sokolsky")
    sign(js, "vologodsky")
    assert refused(409, edit, js, "<p>Поздно</p>").code == "not_editable"
    refused(
        409,
        services.section_create,
        actor=js.users["coordinator-sokolsky"],
        strategy_id=js.strategy.pk,
        title="Поздно",
    )


# --- comments -------------------------------------------------------------------------------


def test_comments_are_for_members_of_the_participants(js, queued):
    section = first_section(js)
    refused(
        403,
        services.comment_create,
        actor=js.users["editor-cherepovets"],
        section_id=section.pk,
        body="Можно и нам?",
    )
    error = refused(
        400,
        services.comment_create,
        actor=js.users["viewer-sokolsky"],
        section_id=section.pk,
        body=" ",
    )
    assert set(error.extra["errors"]) == {"body"}
    comment = services.comment_create(
        actor=js.users["viewer-vologodsky"], section_id=section.pk, body="Уточните цифры"
    )
    other = services.section_create(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, title="Другой"
    )
    refused(
        400,
        services.comment_create,
        actor=js.users["viewer-sokolsky"],
        section_id=other.pk,
        body="Ответ не туда",
        parent_id=comment.pk,
    )


def test_a_comment_queues_its_e_mail_after_commit(js, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = services.comment_create(
            actor=js.users["viewer-vologodsky"], section_id=first_section(js).pk, body="Вопрос"
        )
    assert len(callbacks) == 1  # the broker hears of it only after the commit
    assert queued.comment() == [[comment.pk]]


def test_resolve_and_reopen(js, queued):
    comment = services.comment_create(
        actor=js.users["viewer-vologodsky"], section_id=first_section(js).pk, body="Вопрос"
    )
    refused(
        403, services.comment_resolve, actor=js.users["editor-cherepovets"], comment_id=comment.pk
    )
    resolved = services.comment_resolve(actor=js.users["editor-sokolsky"], comment_id=comment.pk)
    assert resolved.resolved_by == js.users["editor-sokolsky"]
    assert resolved.resolved_at is not None
    reopened = services.comment_resolve(
        actor=js.users["viewer-vologodsky"], comment_id=comment.pk, resolved=False
    )
    assert (reopened.resolved_at, reopened.resolved_by) == (None, None)
    assert Comment.objects.get(pk=comment.pk).resolved_at is None


# --- content --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Текст<script>alert(1)</script></p>", "<p>Текст</p>"),
        ('<p onclick="steal()">Текст</p>', "<p>Текст</p>"),
        ('<a href="javascript:alert(1)">ссылка</a>', '<a rel="noopener noreferrer">ссылка</a>'),
        ('<a href="file:///etc/passwd">файл</a>', '<a rel="noopener noreferrer">файл</a>'),
        ('<img src="x" onerror="steal()">', ""),
        ("<style>p{}</style><iframe src='https://x'></iframe>", ""),
    ],
)
def test_sanitize_body_strips_what_could_run_or_read_files(dirty, clean):
    assert content.sanitize_body(dirty) == clean


def test_sanitize_body_keeps_the_markup_of_a_document():
    html = (
        "<h2>Анализ</h2><h3>Население</h3>"
        "<ul><li><strong>жирный</strong> и <em>курсив</em></li></ul><ol><li>один</li></ol>"
        '<table><thead><tr><th scope="col">Год</th></tr></thead>'
        '<tbody><tr><td colspan="2">2024</td></tr></tbody></table>'
        '<p><a href="https://vologda-oblast.ru/" title="Портал">портал</a></p>'
    )
    clean = content.sanitize_body(html)
    for kept in (
        "<h2>Анализ</h2>",
        "<h3>Население</h3>",
        "<li><strong>жирный</strong> и <em>курсив</em></li>",
        "<ol><li>один</li></ol>",
        '<th scope="col">Год</th>',
        '<td colspan="2">2024</td>',
        'href="https://vologda-oblast.ru/"',
        'rel="noopener noreferrer"',
    ):
        assert kept in clean


def test_word_diff_marks_insertions_and_deletions_and_escapes():
    diff = content.word_diff(
        "<p>Население района снижается</p>",
        "<p>Население района <b>медленно</b> растёт &lt;x&gt;</p>",
    )
    assert diff == "Население района <del>снижается</del> <ins>медленно растёт &lt;x&gt;</ins>"
    assert content.word_diff("<p>без изменений</p>", "<p>без изменений</p>") == "без изменений"


def test_snapshot_hash_follows_the_content(js):
    snapshot = content.strategy_snapshot(js.strategy)
    same = content.strategy_snapshot(js.strategy)
    assert content.snapshot_hash(snapshot) == content.snapshot_hash(same)
    edit(js, "<p>Изменение</p>")
    assert content.snapshot_hash(content.strategy_snapshot(js.strategy)) != content.snapshot_hash(
        snapshot
    )


def test_a_non_participant_owner_is_refused_at_creation(js):
    foreign = MunicipalityFactory(oktmo="19628000")
    refused(
        400,
        services.section_create,
        actor=js.users["coordinator-sokolsky"],
        strategy_id=js.strategy.pk,
        title="Чужой",
        owner=foreign,
    )


def test_strategy_update_that_changes_nothing_keeps_the_version(js):
    coordinator = js.users["coordinator-sokolsky"]
    same = services.strategy_update(
        actor=coordinator, strategy_id=js.strategy.pk, version=1, title=js.strategy.title
    )
    assert same.version == 1
    changed = services.strategy_update(
        actor=coordinator, strategy_id=js.strategy.pk, version=1, title="  Стратегия до 2035  "
    )
    assert (changed.title, changed.version) == ("Стратегия до 2035", 2)
    assert AuditLog.objects.filter(action="strategy.update").count() == 1
