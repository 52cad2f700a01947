"""The survey report as a document of ``core.documents``: the ``campaign_report`` kind.

- PDF: ``templates/surveys/pdf/report.html`` with ``build_context`` — a cover (title,
  period, questionnaire and its version, respondents, response rate), the response rate per
  municipality, and per question its table, chart, mean and median, breakdowns (with the
  suppressed cells of anonymous campaigns) and texts.
- CSV and XLSX: every submitted response, one row each (``surveys.exports``).

``content_hash`` is the fingerprint of what results depend on (``results_fingerprint``:
the campaign's status and version, its submitted responses — how many and the latest — and
its invitations), so a new response makes a new file and an unchanged campaign reuses it.
Only administrators may request, poll or download.

Registered in ``SurveysConfig.ready()`` with
``register_document_kind(campaign_report_kind())``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from core.documents.registry import DocumentKind, files_fingerprint
from surveys.exports import WRITERS
from surveys.models import Campaign
from surveys.permissions import can_manage_surveys
from surveys.results import K_ANONYMITY, campaign_results, results_fingerprint, results_state
from surveys.results.display import municipality_rows, question_views, summary

KIND = "campaign_report"
TEMPLATE = "surveys/pdf/report.html"
# Everything that shapes the printed file besides the content: when any of it changes,
# files rendered before are not reused.
TEMPLATE_VERSION = "campaign-report-" + files_fingerprint(
    settings.BASE_DIR / "templates" / "surveys" / "pdf",
    settings.BASE_DIR / "static" / "pdf",
    settings.BASE_DIR / "static" / "fonts",
    settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.mo",
    settings.BASE_DIR / "core" / "charts.py",
    settings.BASE_DIR / "surveys" / "charts.py",
    settings.BASE_DIR / "surveys" / "results",
    settings.BASE_DIR / "surveys" / "exports.py",
    Path(__file__),
)
LANGUAGE = "ru"
# The width of the text column of an A4 page with the GOST margins, in CSS pixels.
CHART_WIDTH = 600
# Texts printed per question; all of them are in the CSV and XLSX exports.
PDF_TEXTS = 100


def build_context(campaign: Campaign) -> dict[str, Any]:
    """Everything the PDF prints, in Russian, in a fixed number of queries."""
    with translation.override(LANGUAGE):
        campaign = Campaign.objects.select_related("questionnaire_version__questionnaire").get(
            pk=campaign.pk
        )
        state = results_state(campaign)
        results = campaign_results(campaign=campaign)
        questions = question_views(results, chart_width=CHART_WIDTH)
        for question in questions:
            texts = question.texts + question.more_texts
            question.texts, question.more_texts = texts[:PDF_TEXTS], []
        last = parse_datetime(state["last_submitted"]) if state["last_submitted"] else None
        version = campaign.questionnaire_version
        return {
            "language": LANGUAGE,
            "campaign": campaign,
            "title": campaign.title,
            "questionnaire_title": version.questionnaire.title,
            "version_number": version.number,
            "opens_on": timezone.localdate(campaign.opens_at),
            "closes_on": timezone.localdate(campaign.closes_at),
            "status_label": campaign.get_status_display(),
            "anonymous": campaign.anonymous,
            "threshold": K_ANONYMITY,
            "summary": summary(results),
            "respondents": results["respondents"],
            "questions": questions,
            "municipalities": municipality_rows(results),
            "as_of": _local(last),
            "pdf_texts": PDF_TEXTS,
        }


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def content_hash(campaign: Campaign) -> str:
    return results_fingerprint(campaign)


def can_view(user: Any, campaign: Campaign) -> bool:
    return can_manage_surveys(user)


def filename(campaign: Campaign, format: str) -> str:
    # Latin only: safe in every file system and Content-Disposition header.
    what = "results" if format == "pdf" else "responses"
    return f"survey-{campaign.pk}-{what}.{format}"


def subject_url(campaign: Campaign) -> str:
    return reverse("surveys:campaign_results", args=[campaign.pk])


def campaign_report_kind() -> DocumentKind:
    return DocumentKind(
        name=KIND,
        label=gettext_lazy("Survey results"),
        model=Campaign,
        template_version=TEMPLATE_VERSION,
        content_hash=content_hash,
        can_view=can_view,
        filename=filename,
        template=TEMPLATE,
        build_context=build_context,
        writers=WRITERS,
        subject_url=subject_url,
    )


__all__ = [
    "KIND",
    "TEMPLATE_VERSION",
    "build_context",
    "campaign_report_kind",
    "content_hash",
    "filename",
]
