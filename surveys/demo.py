"""The survey demo: a questionnaire on inter-municipal cooperation for heads of local
administrations, published as version 1, and an open, anonymous campaign over the Vologda
Oblast municipalities of the demo registry with one invited head per municipality and
generated answers from about 70 % of them. Everything goes through the services an
administrator and the respondents use, so the answers have their flat ``Answer`` rows.

The answers are invented (seeded, so every run gives the same ones) and the campaign says so
in its title and description.

One invitation is left unanswered for the README: it is given a FIXED, public link
(``DEMO_TOKEN``) by storing that token's hash in place of the derived one. The token is
public and has no entropy to speak of; it is demo data, never a pattern for real invitations
(``surveys.tokens`` derives those). Since this link is not derived from the invitation's salt,
no e-mail ever carries it: the sending services refuse an invitation whose link they cannot
derive (it would be shown as "delivery failed: issue a new link"), and the demo marks every
invitation as sent and asks for no reminders anyway. Issuing a new link for it replaces the
README's link by a derived one.

The demo writes a public link into the database, so it runs only where demo data is allowed
(``DEMO_DATA_ALLOWED``: the demo and test settings), never against a production database.

Idempotent: when the demo campaign exists, nothing happens."""

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone

from core.demo import Log
from municipalities.models import Municipality
from surveys.models import Campaign, Invitation, Question, Questionnaire, QuestionType
from surveys.services import (
    campaign_create,
    campaign_target_municipalities,
    campaign_transition,
    invitation_create,
    question_create,
    questionnaire_create,
    questionnaire_publish,
)
from surveys.services.responses import response_save
from surveys.tokens import token_hash

QUESTIONNAIRE_TITLE = "Межмуниципальное сотрудничество: анкета для глав местных администраций"
QUESTIONNAIRE_DESCRIPTION = (
    "Анкета исследования межмуниципального сотрудничества в Вологодской области. Вопросы "
    "касаются форм сотрудничества, которые использует ваше муниципальное образование, того, "
    "что его сдерживает, и готовности участвовать в совместной стратегии развития. "
    "Заполнение займёт около 10 минут. Демонстрационная анкета JointPlan."
)
CAMPAIGN_TITLE = (
    "Опрос глав администраций о межмуниципальном сотрудничестве (демонстрационные данные)"
)
# Campaigns have no description field: the note goes into the opening event.
CAMPAIGN_NOTE = (
    "Демонстрационные данные: респонденты, адреса и ответы сгенерированы и не являются "
    "результатами реального опроса."
)
REGION = "19"  # Vologda Oblast
# The README's link: http://127.0.0.1:8000/s/<DEMO_TOKEN>/ answers for the head of Sokolsky
# district. 43+ URL-safe characters like a real token, but fixed and public: demo data only.
DEMO_TOKEN = "demo-token-sokolsky-otvet-glavy-administracii-2025"  # noqa: S105
DEMO_SLUG = "sokolsky"
SEED = 20_250_501
SUBMITTED_SHARE = 0.7

FORMS = [
    "Соглашения о передаче осуществления части полномочий",
    "Совет муниципальных образований",
    "Межмуниципальные хозяйственные общества",
    "Некоммерческие организации муниципальных образований",
    "Рамочные соглашения о сотрудничестве",
    "Совместные проекты",
]
OBSTACLES = [
    "Недостаток собственных финансовых ресурсов",
    "Отсутствие опыта реализации совместных проектов и программ",
    "Пробелы в законодательстве",
    "Отсутствие инициативы со стороны партнёров",
    "Недоверие между муниципалитетами",
    "Недостаток информации о возможных партнёрах",
    "Неравные выгоды участников",
]
SPHERES = [
    "ЖКХ и обращение с отходами",
    "Дороги и транспорт",
    "Туризм",
    "Культура",
    "Образование",
    "Здравоохранение",
    "Инвестиции и предпринимательство",
    "Сельское хозяйство",
    "Социальная защита",
]
EFFECT_ROWS = [
    "ЖКХ и обращение с отходами",
    "Дороги и транспорт",
    "Туризм",
    "Культура",
    "Образование",
]
RESPONSIBLE = [
    "Глава муниципального образования",
    "Заместитель главы администрации",
    "Отдел (управление) экономики",
    "Специально никто не назначен",
]


@dataclass(frozen=True)
class Spec:
    """One question of the demo questionnaire, as the builder's form would send it."""

    key: str
    type: str
    text: str
    required: bool = False
    help_text: str = ""
    options: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()
    has_other: bool = False
    min_value: int | None = None
    max_value: int | None = None
    scale_min_label: str = ""
    scale_max_label: str = ""
    condition: tuple[str, int] | None = None  # (key of an earlier question, option index)


QUESTIONS = [
    Spec(
        "responsible",
        QuestionType.SINGLE_CHOICE,
        "Кто в администрации отвечает за межмуниципальное сотрудничество?",
        required=True,
        options=tuple(RESPONSIBLE),
        has_other=True,
    ),
    Spec(
        "forms",
        QuestionType.MULTIPLE_CHOICE,
        "Какие формы межмуниципального сотрудничества использует ваше муниципальное образование?",
        required=True,
        help_text="Отметьте все подходящие варианты.",
        options=tuple(FORMS),
        has_other=True,
    ),
    Spec(
        "transfers",
        QuestionType.NUMBER,
        "Сколько соглашений о передаче полномочий действует сейчас?",
        required=True,
        help_text="Считайте соглашения и с районом, и с поселениями, и с соседями.",
        min_value=0,
        max_value=500,
        condition=("forms", 0),
    ),
    Spec(
        "obstacles",
        QuestionType.MULTIPLE_CHOICE,
        "Что сдерживает развитие межмуниципального сотрудничества?",
        required=True,
        help_text="Отметьте все подходящие варианты.",
        options=tuple(OBSTACLES),
        has_other=True,
    ),
    Spec(
        "spheres",
        QuestionType.MULTIPLE_CHOICE,
        "В каких сферах межмуниципальное сотрудничество нужнее всего?",
        required=True,
        help_text="Отметьте не более трёх сфер.",
        options=tuple(SPHERES),
    ),
    Spec(
        "effect",
        QuestionType.MATRIX,
        "Оцените эффект сотрудничества в сферах, где оно уже есть",
        help_text="Пропустите строки, где сотрудничества нет.",
        rows=tuple(EFFECT_ROWS),
        scale_min_label="эффекта нет",
        scale_max_label="значительный эффект",
    ),
    Spec(
        "readiness",
        QuestionType.SCALE,
        "Насколько ваше муниципальное образование готово участвовать в разработке "
        "совместной стратегии социально-экономического развития с соседями?",
        required=True,
        scale_min_label="совсем не готовы",
        scale_max_label="полностью готовы",
    ),
    Spec(
        "partners",
        QuestionType.SHORT_TEXT,
        "С какими муниципальными образованиями вы сотрудничаете чаще всего?",
    ),
    Spec(
        "comment",
        QuestionType.LONG_TEXT,
        "Что помогло бы развитию сотрудничества? Ваш комментарий",
    ),
]

# How often each option is chosen by the generated respondents.
FORM_WEIGHTS = [0.85, 0.55, 0.1, 0.15, 0.4, 0.35]
OBSTACLE_WEIGHTS = [0.85, 0.5, 0.4, 0.35, 0.2, 0.3, 0.25]
SPHERE_WEIGHTS = [0.7, 0.6, 0.45, 0.2, 0.2, 0.25, 0.35, 0.15, 0.1]
READINESS = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5]
OTHER_FORMS = [
    "Совместные закупки техники для содержания дорог",
    "Соглашение о совместном использовании полигона ТКО",
]
OTHER_OBSTACLES = [
    "Нехватка кадров в администрации",
    "Сложность согласования с областными органами власти",
]
OTHER_RESPONSIBLE = ["Управление делами администрации", "Комитет по развитию территорий"]
PARTNERS = [
    "Соседние районы и областной центр",
    "Поселения района",
    "Вологда, Череповец",
    "Городские поселения района",
]
COMMENTS = [
    "Нужна методическая поддержка области при подготовке соглашений и типовые формы.",
    "Помогли бы областные субсидии на совместные проекты нескольких муниципалитетов.",
    "Важно закрепить в законе порядок распределения затрат и выгод между участниками.",
    "Нужна площадка для обмена опытом между главами и специалистами администраций.",
    "Сотрудничество сдерживает нехватка специалистов, способных готовить заявки и проекты.",
    "Полезен был бы реестр действующих соглашений с результатами их исполнения.",
]
SURNAMES = [
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Васильев", "Васильева"),
    ("Соколов", "Соколова"),
    ("Новиков", "Новикова"),
    ("Морозов", "Морозова"),
    ("Волков", "Волкова"),
    ("Лебедев", "Лебедева"),
    ("Беляев", "Беляева"),
    ("Комаров", "Комарова"),
    ("Орлов", "Орлова"),
]
FIRST_NAMES = {
    "m": ["Александр", "Сергей", "Андрей", "Дмитрий", "Николай", "Владимир", "Игорь"],
    "f": ["Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана"],
}
PATRONYMICS = {
    "m": ["Иванович", "Петрович", "Николаевич", "Сергеевич", "Владимирович", "Алексеевич"],
    "f": ["Ивановна", "Петровна", "Николаевна", "Сергеевна", "Владимировна", "Алексеевна"],
}
POSITIONS: dict[str, str] = {
    Municipality.Kind.URBAN_OKRUG: "Глава города",
    Municipality.Kind.MUNICIPAL_DISTRICT: "Глава района",
    Municipality.Kind.MUNICIPAL_OKRUG: "Глава округа",
    Municipality.Kind.URBAN_SETTLEMENT: "Глава городского поселения",
    Municipality.Kind.RURAL_SETTLEMENT: "Глава сельского поселения",
}


def _admin() -> Any:
    return get_user_model().objects.get(username="admin")


def _questionnaire(admin: Any, log: Log) -> Questionnaire:
    """The demo questionnaire with version 1 published (built once; reused afterwards)."""
    existing = Questionnaire.objects.filter(title=QUESTIONNAIRE_TITLE).first()
    if existing is not None and existing.versions.exists():
        return existing
    questionnaire = existing or questionnaire_create(
        actor=admin, title=QUESTIONNAIRE_TITLE, description=QUESTIONNAIRE_DESCRIPTION
    )
    made: dict[str, Question] = {}
    for spec in QUESTIONS:
        condition: dict[str, int | None] = {}
        if spec.condition is not None:
            source = made[spec.condition[0]]
            condition = {
                "condition_question_id": source.pk,
                "condition_option_id": list(source.options.all())[spec.condition[1]].pk,
            }
        made[spec.key] = question_create(
            actor=admin,
            questionnaire_id=questionnaire.pk,
            type=spec.type,
            text=spec.text,
            help_text=spec.help_text,
            required=spec.required,
            has_other=spec.has_other,
            min_value=spec.min_value,
            max_value=spec.max_value,
            scale_min_label=spec.scale_min_label,
            scale_max_label=spec.scale_max_label,
            options=list(spec.options) or None,
            rows=list(spec.rows) or None,
            **condition,
        )
    version = questionnaire_publish(actor=admin, questionnaire_id=questionnaire.pk)
    log(f"questionnaire: {len(QUESTIONS)} questions, version {version.number} published")
    return questionnaire


def _person(rng: random.Random) -> str:
    sex = rng.choice("mf")
    surname = rng.choice(SURNAMES)[0 if sex == "m" else 1]
    return f"{surname} {rng.choice(FIRST_NAMES[sex])} {rng.choice(PATRONYMICS[sex])}"


def _chosen(
    rng: random.Random, ids: list[int], weights: list[float], at_most: int = 0
) -> list[int]:
    chosen = [pk for pk, weight in zip(ids, weights, strict=True) if rng.random() < weight]
    if not chosen:
        chosen = [ids[0]]
    if at_most and len(chosen) > at_most:
        chosen = rng.sample(chosen, at_most)
    return chosen


def _answers(rng: random.Random, schema: dict[str, Any]) -> dict[str, Any]:
    """A plausible, complete set of answers in the public shape."""
    q = {spec.key: question for spec, question in zip(QUESTIONS, schema["questions"], strict=True)}

    def option_ids(key: str) -> list[int]:
        return [o["id"] for o in q[key]["options"]]

    answers: dict[str, Any] = {}
    key = str(q["responsible"]["id"])
    if rng.random() < 0.1:
        answers[f"{key}_other"] = rng.choice(OTHER_RESPONSIBLE)
    else:
        answers[key] = rng.choices(option_ids("responsible"), weights=[3, 5, 4, 1])[0]
    forms = _chosen(rng, option_ids("forms"), FORM_WEIGHTS)
    answers[str(q["forms"]["id"])] = forms
    if rng.random() < 0.1:
        answers[f"{q['forms']['id']}_other"] = rng.choice(OTHER_FORMS)
    if option_ids("forms")[0] in forms:
        answers[str(q["transfers"]["id"])] = rng.randint(1, 14)
    answers[str(q["obstacles"]["id"])] = _chosen(rng, option_ids("obstacles"), OBSTACLE_WEIGHTS)
    if rng.random() < 0.12:
        answers[f"{q['obstacles']['id']}_other"] = rng.choice(OTHER_OBSTACLES)
    answers[str(q["spheres"]["id"])] = _chosen(
        rng, option_ids("spheres"), SPHERE_WEIGHTS, at_most=3
    )
    answers[str(q["effect"]["id"])] = {
        str(row["id"]): rng.choice([2, 3, 3, 4, 4, 5] if index < 2 else [1, 2, 3, 3, 4])
        for index, row in enumerate(q["effect"]["rows"])
        if index < 2 or rng.random() < 0.5
    }
    answers[str(q["readiness"]["id"])] = rng.choice(READINESS)
    if rng.random() < 0.5:
        answers[str(q["partners"]["id"])] = rng.choice(PARTNERS)
    if rng.random() < 0.4:
        answers[str(q["comment"]["id"])] = rng.choice(COMMENTS)
    return answers


def _campaign(admin: Any, questionnaire: Questionnaire) -> Campaign:
    now = timezone.now().replace(second=0, microsecond=0)
    return campaign_create(
        actor=admin,
        questionnaire_id=questionnaire.pk,
        title=CAMPAIGN_TITLE,
        opens_at=now - dt.timedelta(days=7),
        closes_at=now + dt.timedelta(days=30),
        municipalities=campaign_target_municipalities(region=REGION),
        anonymous=True,
        # No reminders: the respondents and their addresses are invented.
        max_reminders=0,
    )


def load_surveys_demo(log: Log) -> None:
    if not settings.DEMO_DATA_ALLOWED:
        raise CommandError(
            "The survey demo gives an invitation a fixed, public link: it is never loaded "
            "into a production database (DEMO_DATA_ALLOWED is off)."
        )
    if Campaign.objects.filter(title=CAMPAIGN_TITLE).exists():
        log("survey campaign: already there")
        return
    admin = _admin()
    questionnaire = _questionnaire(admin, log)
    campaign = _campaign(admin, questionnaire)
    rng = random.Random(SEED)  # noqa: S311 - demo answers, not secrets
    tokens: dict[int, str] = {}
    demo_invitation = None
    for municipality in campaign.municipalities.order_by("oktmo"):
        issued = invitation_create(
            actor=admin,
            campaign_id=campaign.pk,
            name=_person(rng),
            position=POSITIONS.get(municipality.kind, "Глава муниципального образования"),
            email=f"glava.{municipality.slug or municipality.oktmo}@example.invalid",
            oktmo=municipality.oktmo,
        )
        tokens[issued.invitation.pk] = issued.token
        if municipality.slug == DEMO_SLUG:
            demo_invitation = issued.invitation
    # The demo pretends the invitations went out when the campaign opened a week ago: no
    # e-mail goes to the example.invalid addresses, since opening (below) finds nothing
    # unsent. No service backdates a send, hence the direct update.
    invitations = Invitation.objects.filter(campaign=campaign)
    invitations.update(sent_at=campaign.opens_at)
    if demo_invitation is not None:
        Invitation.objects.filter(pk=demo_invitation.pk).update(token_hash=token_hash(DEMO_TOKEN))
        tokens.pop(demo_invitation.pk)
    campaign_transition(actor=admin, campaign_id=campaign.pk, name="open", note=CAMPAIGN_NOTE)
    schema = campaign.questionnaire_version.schema
    answering = sorted(tokens)
    submitted = rng.sample(answering, round(SUBMITTED_SHARE * (len(answering) + 1)))
    for invitation_id in sorted(submitted):
        response_save(token=tokens[invitation_id], answers=_answers(rng, schema), submit=True)
    log(
        f"survey campaign: open, {len(answering) + 1} invited, {len(submitted)} answered; "
        f"demo link /s/{DEMO_TOKEN}/"
    )
