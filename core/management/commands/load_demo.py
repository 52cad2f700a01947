from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.demo import demo_loaders


class Command(BaseCommand):
    help = (
        "Load the Vologda Oblast demo: registry, indicators, agreements and demo users "
        "(password demo12345). Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            # Demo users share a published password and the demo survey a public link.
            raise CommandError("Demo data is not allowed with these settings (production).")
        with transaction.atomic():
            for loader in demo_loaders():
                self.stdout.write(f"{loader.name}…")
                loader.load(lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
