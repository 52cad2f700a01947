from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategiesConfig(AppConfig):
    name = "strategies"
    verbose_name = _("Joint strategies")

    def ready(self) -> None:
        from core.demo import register_demo_loader

        # After the registry (order 10): the demo strategy needs its districts and users.
        register_demo_loader(
            order=20, name="strategies", path="strategies.demo.load_strategies_demo"
        )
