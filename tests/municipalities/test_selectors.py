import pytest

from municipalities import selectors
from municipalities.models import Agreement
from tests.municipalities.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    MembershipFactory,
    MunicipalityFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_districts_towns_include_those_of_its_settlements():
    district = MunicipalityFactory(oktmo="19638000")
    sokol = MunicipalityFactory(oktmo="19638101", kind="urban_settlement", parent=district)
    kadnikov = MunicipalityFactory(oktmo="19638104", kind="urban_settlement", parent=district)
    TownFactory(name="Сокол", population=36_400, municipality=sokol)
    TownFactory(name="Кадников", population=4_500, municipality=kadnikov)
    TownFactory(name="Вологда", population=310_300, municipality=MunicipalityFactory())

    towns = selectors.municipality_towns(municipality=district)
    assert [t.name for t in towns] == ["Сокол", "Кадников"]
    assert [t.name for t in selectors.municipality_towns(municipality=kadnikov)] == ["Кадников"]


def test_agreement_list_hides_other_municipalities_drafts():
    own, other = MunicipalityFactory(), MunicipalityFactory()
    user = UserFactory()
    MembershipFactory(user=user, municipality=own, role="viewer")
    own_draft = AgreementFactory(status=Agreement.Status.DRAFT)
    AgreementPartyFactory(agreement=own_draft, municipality=own)
    AgreementPartyFactory(agreement=own_draft, municipality=other)
    foreign_draft = AgreementFactory(status=Agreement.Status.DRAFT)
    AgreementPartyFactory(agreement=foreign_draft, municipality=other)
    active = AgreementFactory(status=Agreement.Status.ACTIVE)
    AgreementPartyFactory(agreement=active, municipality=other)

    visible = set(selectors.agreement_list(user=user))
    assert visible == {own_draft, active}
    assert set(selectors.agreement_list(user=user, municipality=other)) == {own_draft, active}
