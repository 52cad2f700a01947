from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from core.demo import demo_loaders


class Command(BaseCommand):
    help = (
        "Load the Vologda Oblast demo: registry, indicators, agreements and demo users "
        "(password demo12345). Running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for loader in demo_loaders():
                self.stdout.write(f"{loader.name}…")
                loader.load(lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(self.style.SUCCESS("Demo data is loaded."))
