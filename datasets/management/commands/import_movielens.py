import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from datasets.importers import DatasetError
from datasets.progress import Progress
from datasets.services import dataset_import


class Command(BaseCommand):
    help = (
        "Import a MovieLens directory (ml-latest/ml-25m CSV, ml-100k, ml-1m) or RecBole atomic files. "
        "All of it is validated before anything is written; running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="directory holding the dataset's files")
        parser.add_argument(
            "--source",
            help="namespace for item ids and user names (default: 'ml' for CSV, else the format's name)",
        )
        lines = parser.add_mutually_exclusive_group()
        lines.add_argument(
            "--no-progress",
            action="store_true",
            help="no progress lines (by default an import still running after 5 s logs each step, and every 5 s "
            "of a long one, to stderr)",
        )
        lines.add_argument("--progress", action="store_true", help="progress lines from the start")

    def handle(self, *args, path: str, source: str | None, no_progress: bool, progress: bool, **options):
        show_progress = not no_progress and sys.stderr.isatty()
        lines = Progress(enabled=not no_progress, after=0.0 if progress else 5.0)
        try:
            summary = dataset_import(path=Path(path), source=source, show_progress=show_progress, progress=lines)
        except DatasetError as exc:
            raise CommandError(f"{exc}; nothing was imported") from exc
        except DatabaseError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(f"the database refused the import ({reason}); nothing was imported") from exc
        self.stdout.write(summary.describe())
