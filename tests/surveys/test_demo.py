"""The survey demo loaded by load_demo: the Russian questionnaire on inter-municipal
cooperation, the open demo campaign over the Vologda municipalities with generated answers,
the README's demo link, and that loading twice changes nothing."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from core.models import AuditLog
from municipalities.models import Municipality
from surveys import services
from surveys.demo import CAMPAIGN_TITLE, DEMO_TOKEN, load_surveys_demo
from surveys.models import Answer, Campaign, Invitation, Questionnaire, Response
from surveys.services import campaign_target_municipalities
from surveys.tokens import TokenNotDerivable, token_for, token_hash

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _load() -> None:
    call_command("load_demo", stdout=io.StringIO())
    # Until surveys/apps.py registers the loader with load_demo; afterwards this is a no-op
    # ("already there"), which is what a second run must be anyway.
    load_surveys_demo(lambda line: None)


@pytest.fixture
def demo() -> Campaign:
    _load()
    return Campaign.objects.get(title=CAMPAIGN_TITLE)


def test_the_demo_refuses_to_load_where_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False  # what config.settings.production says
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        load_surveys_demo(lambda line: None)
    assert not Campaign.objects.exists()


def fingerprint() -> dict[str, str]:
    """Every row of every surveys table, hashed: equal fingerprints mean no change."""
    tables = [t for t in connection.introspection.table_names() if t.startswith("surveys_")]
    assert len(tables) >= 9
    result = {}
    with connection.cursor() as cursor:
        for table in [*tables, "core_auditlog"]:
            cursor.execute(f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t")  # noqa: S608
            result[table] = cursor.fetchone()[0]
    return result


def test_the_demo_questionnaire_is_russian_and_published_as_version_1(demo):
    questionnaire = Questionnaire.objects.get()
    assert CYRILLIC.search(questionnaire.title)
    assert list(questionnaire.versions.values_list("number", flat=True)) == [1]
    schema = demo.questionnaire_version.schema
    assert schema["title"] == questionnaire.title
    questions = schema["questions"]
    assert {q["type"] for q in questions} == {
        "single_choice",
        "multiple_choice",
        "scale",
        "number",
        "short_text",
        "long_text",
        "matrix",
    }
    assert all(CYRILLIC.search(q["text"]) for q in questions)
    assert all(CYRILLIC.search(o["text"]) for q in questions for o in q["options"] + q["rows"])
    by_text = {q["text"].split("?")[0]: q for q in questions}
    forms = by_text[
        "Какие формы межмуниципального сотрудничества использует ваше муниципальное образование"
    ]
    assert forms["type"] == "multiple_choice"
    assert forms["has_other"]
    assert [o["text"] for o in forms["options"]] == [
        "Соглашения о передаче осуществления части полномочий",
        "Совет муниципальных образований",
        "Межмуниципальные хозяйственные общества",
        "Некоммерческие организации муниципальных образований",
        "Рамочные соглашения о сотрудничестве",
        "Совместные проекты",
    ]
    obstacles = by_text["Что сдерживает развитие межмуниципального сотрудничества"]
    assert obstacles["has_other"]
    assert len(obstacles["options"]) == 7
    assert obstacles["options"][0]["text"] == "Недостаток собственных финансовых ресурсов"
    readiness = next(q for q in questions if q["type"] == "scale")
    assert readiness["scale"] == {
        "min": 1,
        "max": 5,
        "min_label": "совсем не готовы",
        "max_label": "полностью готовы",
    }
    transfers = next(q for q in questions if q["type"] == "number")
    assert (transfers["min"], transfers["max"]) == (0, 500)
    assert transfers["condition"] == {
        "question": forms["id"],
        "option": forms["options"][0]["id"],
    }
    assert next(q for q in questions if q["type"] == "long_text")["required"] is False


def test_the_demo_campaign_is_open_anonymous_labelled_and_half_answered(demo):
    assert demo.title.endswith("(демонстрационные данные)")
    assert "Демонстрационные данные" in demo.events.get(to_status="open").note
    assert demo.status == "open"
    assert demo.anonymous
    now = timezone.now()
    assert dt.timedelta(days=6) < now - demo.opens_at < dt.timedelta(days=8)
    assert dt.timedelta(days=29) < demo.closes_at - now < dt.timedelta(days=31)
    vologda = set(campaign_target_municipalities(region="19"))
    assert len(vologda) == 41
    assert set(demo.municipalities.all()) == vologda
    invitations = list(demo.invitations.select_related("municipality"))
    assert len(invitations) == 41
    assert {i.municipality for i in invitations} == vologda
    assert all(
        i.email == f"glava.{i.municipality.slug}@example.invalid" and CYRILLIC.search(i.name)
        for i in invitations
    )
    assert all(i.sent_at == demo.opens_at for i in invitations)
    submitted = Response.objects.filter(campaign=demo, status="submitted")
    assert submitted.count() == 29  # about 70 % of 41
    assert Response.objects.filter(campaign=demo).count() == 29
    assert Invitation.objects.filter(campaign=demo, submitted_at__isnull=False).count() == 29


def test_the_demo_answers_went_through_the_submit_path(demo):
    schema = demo.questionnaire_version.schema
    kinds = {q["id"]: q["type"] for q in schema["questions"]}
    for response in Response.objects.filter(campaign=demo).prefetch_related("answer_rows"):
        rows = list(response.answer_rows.all())
        assert rows
        for key, value in response.answers.items():
            if key.endswith("_other"):
                qid = int(key.removesuffix("_other"))
                assert [r.text for r in rows if r.question_id == qid and r.is_other] == [value]
                continue
            qid = int(key)
            mine = [r for r in rows if r.question_id == qid and not r.is_other]
            if kinds[qid] == "multiple_choice":
                assert sorted(r.option_id for r in mine) == sorted(value)
            elif kinds[qid] == "matrix":
                assert {str(r.row_id): int(r.number) for r in mine} == value
            else:
                assert len(mine) == 1
    # Plausible and varied: every question has answers, most choose the first form.
    answered = set(Answer.objects.filter(campaign=demo).values_list("question_id", flat=True))
    assert answered == set(kinds)
    readiness = next(q["id"] for q in schema["questions"] if q["type"] == "scale")
    values = set(
        Answer.objects.filter(campaign=demo, question_id=readiness).values_list("number", flat=True)
    )
    assert len(values) >= 3


def test_the_readme_demo_link_opens_the_form_of_sokolskys_head(demo, client):
    invitation = Invitation.objects.get(token_hash=token_hash(DEMO_TOKEN))
    assert invitation.municipality == Municipality.objects.get(slug="sokolsky")
    assert invitation.submitted_at is None
    assert not Response.objects.filter(invitation=invitation).exists()
    assert len(DEMO_TOKEN) >= 43
    assert re.fullmatch(r"[A-Za-z0-9_\-]+", DEMO_TOKEN)
    response = client.get(f"/s/{DEMO_TOKEN}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Кто в администрации отвечает за межмуниципальное сотрудничество?" in html
    # A fixed link, not derived from the invitation's salt: no e-mail ever carries it (nor
    # another one), so the README's link stays.
    with pytest.raises(TokenNotDerivable):
        token_for(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=None)
    assert services.invitation_send(invitation_id=invitation.pk) is False
    assert mail.outbox == []
    assert Invitation.objects.get(pk=invitation.pk).token_hash == token_hash(DEMO_TOKEN)


def test_the_other_demo_links_are_derived_and_would_be_e_mailed_unchanged(demo):
    invitation = Invitation.objects.filter(campaign=demo).exclude(
        token_hash=token_hash(DEMO_TOKEN)
    )[0]
    assert token_hash(token_for(invitation)) == invitation.token_hash


def test_the_generated_answers_are_the_same_every_time(demo):
    """Seeded: a fresh load produces the very same respondents and answers."""

    def answers():
        return sorted(
            (r.invitation.municipality.oktmo, r.invitation.name, repr(sorted(r.answers.items())))
            for r in Response.objects.filter(campaign__title=CAMPAIGN_TITLE).select_related(
                "invitation__municipality"
            )
        )

    before = answers()
    Campaign.objects.filter(pk=demo.pk).delete()
    load_surveys_demo(lambda line: None)
    assert answers() == before
    assert Questionnaire.objects.count() == 1


def test_loading_the_demo_twice_changes_nothing(demo):
    before = fingerprint()
    audit_rows = AuditLog.objects.count()
    _load()
    assert AuditLog.objects.count() == audit_rows
    assert fingerprint() == before
    assert Campaign.objects.count() == 1
