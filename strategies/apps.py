from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StrategiesConfig(AppConfig):
    name = "strategies"
    verbose_name = _("Joint strategies")

    def ready(self) -> None:
        from core.demo import register_demo_loader
        from core.documents.registry import register_document_kind
        from strategies.documents import strategy_document_kind

        # After the registry (order 10): the demo strategy needs its districts and users.
        register_demo_loader(
            order=20, name="strategies", path="strategies.demo.load_strategies_demo"
        )
        register_document_kind(strategy_document_kind())
