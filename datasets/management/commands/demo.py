import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datasets.demo import DemoDataError, demo_dataset_path
from datasets.importers import DatasetError
from datasets.services import dataset_import, demo_staff_ensure


class Command(BaseCommand):
    help = (
        "Load the demo: import MOVIELENS_PATH, or fetch MovieLens-100K by itself, and create the staff "
        "user 'admin' (its password is printed once). Safe to run again."
    )

    def handle(self, *args, **options):
        try:
            path = Path(settings.MOVIELENS_PATH) if settings.MOVIELENS_PATH else demo_dataset_path(settings.VAR_DIR)
            summary = dataset_import(path=path, show_progress=sys.stderr.isatty())
        except (DemoDataError, DatasetError) as exc:
            raise CommandError(f"{exc}; the demo data was not loaded") from exc
        self.stdout.write(f"{path}: {summary.describe()}")

        password = demo_staff_ensure()
        if password:
            self.stdout.write(self.style.SUCCESS(f"Staff user 'admin' created, password: {password} (shown once)"))
        else:
            self.stdout.write("Staff user 'admin' exists (reset its password: python manage.py changepassword admin)")
