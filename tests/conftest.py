import os
from pathlib import Path

import pytest
from django.core.cache import cache

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("RECSITE_DATASETS", REPO.parent / "shared" / "datasets"))


@pytest.fixture
def ml_latest_small() -> Path:
    """The real MovieLens latest-small, read from shared/ (never copied into the project)."""
    path = DATASETS / "ml-latest-small"
    if not (path / "ratings.csv").is_file():
        pytest.fail(f"{path} is missing: tests read MovieLens from ../shared/datasets (or RECSITE_DATASETS)")
    return path


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings, tmp_path_factory):
    """Production serves hashed static files from a manifest that only `collectstatic` writes."""
    settings.STATIC_ROOT = tmp_path_factory.getbasetemp() / "static"
    settings.STATIC_ROOT.mkdir(exist_ok=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def clean_cache():
    """The real cache (Redis in CI), emptied around the test."""
    cache.clear()
    yield cache
    cache.clear()
