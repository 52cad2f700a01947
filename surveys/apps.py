from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        """The one place for wiring (STYLE.md); Celery finds ``surveys.tasks`` by itself."""
        from core.demo import register_demo_loader
        from core.documents.registry import register_document_kind
        from surveys.documents import campaign_report_kind

        # After the registry (10) and the strategies (20): the campaign needs the Vologda
        # municipalities and the demo "admin" user.
        register_demo_loader(order=30, name="surveys", path="surveys.demo.load_surveys_demo")
        # The survey report (PDF) and the responses (CSV, XLSX) through core.documents.
        register_document_kind(campaign_report_kind())
