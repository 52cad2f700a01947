"""What the strategy kind is called, which template prints it, in which language, and the
version of everything that shapes the file besides the content."""

from pathlib import Path

from django.conf import settings

from core.documents.registry import files_fingerprint

KIND = "strategy"
TEMPLATE = "strategies/pdf/strategy.html"
# Everything that shapes the printed file besides the content: when any of it changes,
# files rendered before are not reused.
TEMPLATE_VERSION = "strategy-" + files_fingerprint(
    settings.BASE_DIR / "templates" / "strategies" / "pdf",
    settings.BASE_DIR / "static" / "pdf",
    settings.BASE_DIR / "static" / "fonts",
    settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.mo",
    settings.BASE_DIR / "core" / "charts.py",
    Path(__file__).parent,
)
LANGUAGE = "ru"
