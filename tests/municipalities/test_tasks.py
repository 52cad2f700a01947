import pytest

from config.celery import app
from municipalities.models import Municipality, Town
from municipalities.tasks import link_towns
from tests.conftest import wait_until
from tests.municipalities.factories import MunicipalityFactory, TownFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_celery_is_configured_not_to_lose_tasks():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_real_worker_links_towns_to_municipalities(celery_worker):
    district = MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный район")
    settlement = MunicipalityFactory(
        oktmo="19638101", name="город Сокол", kind="urban_settlement", parent=district
    )
    sokol = TownFactory(oktmo="19638101001", name="Сокол", population=36_400)
    TownFactory(oktmo="19638104001", name="Кадников", population=4_500)

    link_towns.delay()

    wait_until(lambda: Town.objects.get(pk=sokol.pk).municipality_id == settlement.pk)
    district = wait_until(
        lambda: Municipality.objects.filter(pk=district.pk, main_town=sokol).first()
    )
    assert district.main_town.name == "Сокол"
