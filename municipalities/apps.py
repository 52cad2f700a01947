from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MunicipalitiesConfig(AppConfig):
    name = "municipalities"
    verbose_name = _("Municipal registry")

    def ready(self) -> None:
        from core.demo import register_demo_loader

        register_demo_loader(
            order=10, name="registry", path="municipalities.demo.load_registry_demo"
        )
