"""Importing a dataset (MovieLens, RecBole) into the catalogue, its users and their ratings, and the
demo's staff user. Above catalog and feedback: it writes both."""

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Category, Item, title_search_key
from catalog.services import catalogue_changed
from common.bulk import rows_insert
from datasets import copy_import
from datasets.importers import DatasetError, DatasetItem, open_dataset, read_dataset
from datasets.progress import Progress
from feedback.services import UpsertCounts, rating_bulk_upsert

SOURCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
# Fields an import owns and overwrites; curation (is_active, is_featured, description) is never touched.
IMPORTED_ITEM_FIELDS = copy_import.IMPORTED_ITEM_FIELDS
NAME_CHUNK = 2000  # usernames per IN (...) lookup


@dataclass(frozen=True)
class ImportSummary:
    format: str
    source: str
    items: UpsertCounts
    categories_created: int
    users: int
    users_created: int
    ratings: UpsertCounts
    seconds: float

    def describe(self) -> str:
        items, ratings = self.items, self.ratings
        return (
            f"Imported {self.format} as source '{self.source}' in {self.seconds:.1f} s: "
            f"{items.created + items.updated + items.unchanged} items ({items.created} new, {items.updated} changed), "
            f"{self.categories_created} new categories, {self.users} users ({self.users_created} new), "
            f"{ratings.created + ratings.updated + ratings.unchanged} ratings ({ratings.created} new, "
            f"{ratings.updated} changed, {ratings.unchanged} unchanged)"
        )


def dataset_import(
    *, path: Path, source: str | None = None, show_progress: bool = False, progress: Progress | None = None
) -> ImportSummary:
    """Import a MovieLens or RecBole directory in one transaction. Items are upserted by (source, source
    id), users are `<source>-<id>` with unusable passwords, ratings are upserted per (user, item). A bad
    file raises DatasetError and leaves the database as it was.

    On PostgreSQL the ratings stream through COPY (datasets/copy_import.py): ml-25m in minutes, in bounded
    memory. Elsewhere (the embedded SQLite) the whole dataset is parsed first and written through the ORM.
    `show_progress` draws bars while files are read there; `progress` says what happens, as log lines.
    """
    if source is not None and not SOURCE_PATTERN.fullmatch(source):
        raise DatasetError("--source", f"{source!r} must be 1-32 letters, digits, '-' or '_'")
    progress = progress or Progress(enabled=False)
    started = time.monotonic()
    try:
        if connection.vendor == "postgresql":
            counts = _import_by_copy(Path(path), source, progress)
        else:
            counts = _import_by_orm(Path(path), source, show_progress, progress)
    except OSError as exc:
        raise DatasetError(Path(exc.filename or path).name, f"cannot be read ({exc.strerror})") from None
    return ImportSummary(**counts, seconds=time.monotonic() - started)


def _import_by_copy(path: Path, source: str | None, progress: Progress) -> dict:
    stream = open_dataset(path, source=source)
    progress.say(f"{path}: {stream.format}, {len(stream.items):,} items")
    with transaction.atomic():
        staged = copy_import.ratings_stage(stream=stream, progress=progress)
        category_pks, categories_created = _categories_ensure(stream.items)
        items = copy_import.items_merge(
            source=stream.source, items=stream.items, category_pks=category_pks, progress=progress
        )
        with progress.timed(f"users: {len(staged.user_codes):,} ensured"):
            usernames = [f"{stream.source}-{stream.user_key(code)}" for code in staged.user_codes]
            user_pks, users_created = _users_ensure(stream.source, usernames)
        ratings = copy_import.ratings_merge(staged=staged, user_pks=user_pks, progress=progress)
        # Every item of the source, changed or not: the floors above check what they derived (one task).
        catalogue_changed(item_ids=Item.objects.filter(source=stream.source).values_list("pk", flat=True))
    return {
        "format": stream.format, "source": stream.source, "items": items, "categories_created": categories_created,
        "users": len(usernames), "users_created": users_created, "ratings": ratings,
    }  # fmt: skip


def _import_by_orm(path: Path, source: str | None, show_progress: bool, progress: Progress) -> dict:
    """Parse and validate all of it, then write it through the ORM in one transaction."""
    with progress.timed(f"{path}: reading and checking"):
        dataset = read_dataset(path, source=source, show_progress=show_progress)
    ratings = dataset.ratings
    with transaction.atomic():
        with progress.timed(f"items: writing {len(dataset.items):,}", count=len(dataset.items), unit="items"):
            category_pks, categories_created = _categories_ensure(dataset.items)
            item_counts, item_pks = _items_upsert(dataset.source, dataset.items, category_pks)
        usernames = [f"{dataset.source}-{key}" for key in ratings.user_keys]
        with progress.timed(f"users: ensuring {len(usernames):,}", count=len(usernames), unit="users"):
            user_pks, users_created = _users_ensure(dataset.source, usernames)
        with progress.timed(f"ratings: writing {len(ratings.values):,}", count=len(ratings.values), unit="ratings"):
            rating_counts = rating_bulk_upsert(
                user_ids=user_pks[ratings.user_idx] if len(user_pks) else np.zeros(0, np.int64),
                item_ids=item_pks[ratings.item_idx],
                values=ratings.values,
                timestamps=ratings.timestamps,
                show_progress=show_progress,
            )
        catalogue_changed(item_ids=item_pks.tolist())
    return {
        "format": dataset.format, "source": dataset.source, "items": item_counts,
        "categories_created": categories_created, "users": len(usernames), "users_created": users_created,
        "ratings": rating_counts,
    }  # fmt: skip


def _categories_ensure(items: list[DatasetItem]) -> tuple[dict[str, int], int]:
    """Primary keys of the categories the items name (matched by slug, then by name), creating the
    missing ones; returns them by name with the number created."""
    names = sorted({name for item in items for name in item.categories})
    pk_by_slug = dict(Category.objects.values_list("slug", "pk"))
    pk_by_name = {name.casefold(): pk for name, pk in Category.objects.values_list("name", "pk")}
    missing: dict[str, Category] = {}
    for name in names:
        slug = slugify(name) or "category"
        if slug not in pk_by_slug and name.casefold() not in pk_by_name:
            missing.setdefault(slug, Category(name=name, slug=slug))
    if missing:
        Category.objects.bulk_create(missing.values())
        pk_by_slug = dict(Category.objects.values_list("slug", "pk"))
    resolved = {name: pk_by_slug.get(slugify(name) or "category") or pk_by_name[name.casefold()] for name in names}
    return resolved, len(missing)


def _items_upsert(
    source: str, items: list[DatasetItem], category_pks: dict[str, int]
) -> tuple[UpsertCounts, np.ndarray]:
    """Create new items, update changed ones, add missing categories; returns the counts and the
    primary key of each dataset item, in dataset order."""
    existing = {
        item.source_id: item for item in Item.objects.filter(source=source).only("source_id", *IMPORTED_ITEM_FIELDS)
    }
    to_create, to_update = [], []
    now = timezone.now()
    for parsed in items:
        fields = {
            "title": parsed.title,
            "search_title": title_search_key(parsed.title),
            "year": parsed.year,
            "keywords": parsed.keywords,
            "external_ids": parsed.external_ids,
        }
        item = existing.get(parsed.source_id)
        if item is None:
            to_create.append(Item(source=source, source_id=parsed.source_id, **fields))
        elif any(getattr(item, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(item, name, value)
            item.updated = now
            to_update.append(item)
    Item.objects.bulk_create(to_create, batch_size=2000)
    Item.objects.bulk_update(to_update, [*IMPORTED_ITEM_FIELDS, "updated"], batch_size=500)

    pk_by_source_id = dict(Item.objects.filter(source=source).values_list("source_id", "pk"))
    item_categories = Item.categories.through
    linked = set(item_categories.objects.filter(item__source=source).values_list("item_id", "category_id"))
    wanted = {(pk_by_source_id[parsed.source_id], category_pks[name]) for parsed in items for name in parsed.categories}
    item_categories.objects.bulk_create(
        [item_categories(item_id=item_id, category_id=category_id) for item_id, category_id in sorted(wanted - linked)],
        batch_size=5000,
    )
    pks = np.array([pk_by_source_id[parsed.source_id] for parsed in items], dtype=np.int64)
    unchanged = len(items) - len(to_create) - len(to_update)
    return UpsertCounts(len(to_create), len(to_update), unchanged), pks


def _users_ensure(source: str, usernames: list[str]) -> tuple[np.ndarray, int]:
    """Make a user for every name missing, with an unusable password (COPY on PostgreSQL: ml-25m has
    162,000); returns their pks, in order."""
    user_model = get_user_model()
    too_long = next((name for name in usernames if len(name) > 150), None)
    if too_long:
        raise DatasetError(source, f"user name {too_long[:40]!r}... is longer than 150 characters")
    pk_by_name = _user_pks(user_model, usernames)
    missing = [name for name in usernames if name not in pk_by_name]
    if missing:
        fields = [field.attname for field in user_model._meta.concrete_fields if not field.primary_key]
        new = (user_model(username=name, password=make_password(None)) for name in missing)
        rows_insert(
            model=user_model, fields=fields, rows=[tuple(getattr(user, name) for name in fields) for user in new]
        )
        pk_by_name |= _user_pks(user_model, missing)
    return np.array([pk_by_name[name] for name in usernames], dtype=np.int64), len(missing)


def _user_pks(user_model, usernames: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for begin in range(0, len(usernames), NAME_CHUNK):
        chunk = usernames[begin : begin + NAME_CHUNK]
        found.update(user_model.objects.filter(username__in=chunk).values_list("username", "pk"))
    return found


def demo_staff_ensure(*, username: str = "admin") -> str | None:
    """Create the demo's staff user with a random password and return it; None if the user exists."""
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        return None
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(username=username, email="", password=password)
    return password
