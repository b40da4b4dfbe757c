import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datasets.demo import DemoDataError, demo_dataset_path, env_file_ensure, env_file_settings
from datasets.importers import DatasetError
from datasets.progress import Progress
from datasets.services import dataset_import, demo_staff_ensure


class Command(BaseCommand):
    help = (
        "Load the demo: import MOVIELENS_PATH, or fetch MovieLens-100K by itself, and create the staff "
        "user 'admin' (its password is printed once); in development, write the env file (.env) a new shell "
        "reads, unless there is one. Safe to run again."
    )

    def handle(self, *args, **options):
        self._env_file()
        try:
            path = Path(settings.MOVIELENS_PATH) if settings.MOVIELENS_PATH else demo_dataset_path(settings.VAR_DIR)
            summary = dataset_import(path=path, show_progress=sys.stderr.isatty(), progress=Progress(after=5.0))
        except (DemoDataError, DatasetError) as exc:
            raise CommandError(f"{exc}; the demo data was not loaded") from exc
        self.stdout.write(f"{path}: {summary.describe()}")

        password = demo_staff_ensure()
        if password:
            self.stdout.write(self.style.SUCCESS(f"Staff user 'admin' created, password: {password} (shown once)"))
        else:
            self.stdout.write("Staff user 'admin' exists (reset its password: python manage.py changepassword admin)")

    def _env_file(self) -> None:
        """In development, the settings a new shell needs (debug, a secret key, where the demo's state is)."""
        if not settings.DEBUG or not settings.ENV_FILE:
            return
        path = Path(settings.ENV_FILE)
        values = env_file_settings(environ=os.environ, file_broker=settings.RECSITE_FILE_BROKER)
        if env_file_ensure(path=path, values=values):
            self.stdout.write(f"Wrote {path}: {', '.join(values)} for new shells (the environment wins over it)")
        else:
            self.stdout.write(f"Kept {path} as it is (delete it to have the demo write a new one)")
