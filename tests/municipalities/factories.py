import factory
from django.contrib.auth.models import User

from municipalities.models import (
    Agreement,
    AgreementParty,
    Indicator,
    IndicatorValue,
    Membership,
    Municipality,
    Region,
    Town,
)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("demo12345")


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "19"
    name = "Вологодская область"
    name_en = "Vologda Oblast"


class MunicipalityFactory(factory.django.DjangoModelFactory[Municipality]):
    class Meta:
        model = Municipality

    region = factory.SubFactory(RegionFactory)
    oktmo = factory.Sequence(lambda n: f"19{600000 + n * 2:06d}"[:8])
    name = factory.Sequence(lambda n: f"Муниципальный район № {n}")
    kind = Municipality.Kind.MUNICIPAL_DISTRICT


class TownFactory(factory.django.DjangoModelFactory[Town]):
    class Meta:
        model = Town

    region = factory.SubFactory(RegionFactory)
    oktmo = factory.Sequence(lambda n: f"19{n:06d}001"[:11])
    name = factory.Sequence(lambda n: f"Город {n}")
    population = 30_000


class IndicatorFactory(factory.django.DjangoModelFactory[Indicator]):
    class Meta:
        model = Indicator
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"indicator_{n}")
    name = factory.Sequence(lambda n: f"Показатель {n}")
    unit = "чел."
    category = Indicator.Category.DEMOGRAPHY


class IndicatorValueFactory(factory.django.DjangoModelFactory[IndicatorValue]):
    class Meta:
        model = IndicatorValue

    municipality = factory.SubFactory(MunicipalityFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    year = 2021
    value = 1000


class AgreementFactory(factory.django.DjangoModelFactory[Agreement]):
    class Meta:
        model = Agreement

    title = factory.Sequence(lambda n: f"Соглашение о сотрудничестве № {n}")
    legal_form = Agreement.LegalForm.FRAMEWORK
    sphere = Agreement.Sphere.TOURISM
    status = Agreement.Status.ACTIVE


class AgreementPartyFactory(factory.django.DjangoModelFactory[AgreementParty]):
    class Meta:
        model = AgreementParty

    agreement = factory.SubFactory(AgreementFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    role = AgreementParty.Role.MEMBER


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    role = Membership.Role.EDITOR
