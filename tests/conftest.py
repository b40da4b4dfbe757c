import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.factories import CategoryFactory, ItemFactory, RatingFactory, UserFactory

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


@pytest.fixture
def taste_world(db):
    """Six films in two clusters that users rate together, plus a new user who liked one of each.

    Sci-fi fans rate Alien, Aliens and Predator; drama fans rate Heat, Ran and Brazil.
    """
    scifi, drama = CategoryFactory(name="Sci-Fi", slug="sci-fi"), CategoryFactory(name="Drama", slug="drama")
    films = {
        title: ItemFactory(title=title, categories=[scifi if title in ("Alien", "Aliens", "Predator") else drama])
        for title in ("Alien", "Aliens", "Predator", "Heat", "Ran", "Brazil")
    }
    for n in range(4):
        fan = UserFactory(username=f"scifi-fan-{n}")
        for title in ("Alien", "Aliens", "Predator"):
            RatingFactory(user=fan, item=films[title], value=Decimal("4.5"))
    for n in range(3):
        fan = UserFactory(username=f"drama-fan-{n}")
        for title in ("Heat", "Ran", "Brazil"):
            RatingFactory(user=fan, item=films[title], value=Decimal("4.0"))
    newcomer = UserFactory(username="newcomer")
    RatingFactory(user=newcomer, item=films["Alien"], value=Decimal("5.0"))
    return {"films": films, "newcomer": newcomer, "scifi": scifi, "drama": drama}
