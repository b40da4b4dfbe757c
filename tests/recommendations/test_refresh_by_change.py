"""The refresh reads only what the change needs (the rating change log into the ratings held in memory, the
lists the change can reach) and serving processes then read only the lists it changed."""

import random
from decimal import Decimal

import numpy as np
import pytest

from catalog.models import Item
from feedback.models import Rating, RatingChange
from feedback.services import rating_delete, rating_upsert
from recommendations import rating_memory, serving
from recommendations.models import DirtyItem, ItemColumn, ItemNeighbor, ModelRevision, ModelVersion
from recommendations.services import refresh_change
from recommendations.services.refresh import model_refresh
from recommendations.services.training import model_train
from tests.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _refreshable_algorithm(settings):
    settings.RECSITE_ALGORITHM = "item-knn"


@pytest.fixture
def random_world():
    """30 items and 40 users with random ratings (seeded), bulk-created with no dirty markers."""
    rng = random.Random(7)
    items = [ItemFactory(title=f"Film {n}") for n in range(30)]
    users = [UserFactory(username=f"rater-{n}") for n in range(40)]
    Rating.objects.bulk_create(
        Rating(user=user, item=item, value=Decimal(rng.choice(["1.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"])))
        for user in users
        for item in rng.sample(items, rng.randint(2, 12))
    )
    return {"items": items, "users": users, "rng": rng}


def lists_of(version: ModelVersion) -> dict[int, dict[int, float]]:
    lists: dict[int, dict[int, float]] = {}
    for item, neighbour, score in ItemNeighbor.objects.filter(version=version).values_list(
        "item_id", "neighbor_id", "score"
    ):
        lists.setdefault(item, {})[neighbour] = score
    return lists


def assert_same_lists(refreshed: dict, fitted: dict) -> None:
    assert refreshed.keys() == fitted.keys()
    for item, neighbours in fitted.items():
        assert refreshed[item].keys() == neighbours.keys(), item
        assert np.allclose([refreshed[item][n] for n in neighbours], list(neighbours.values()), rtol=1e-5)


def change_some(world, n: int = 6) -> set[int]:
    """Rate, re-rate and remove ratings through the service (which marks the items dirty)."""
    rng, touched = world["rng"], set()
    for _ in range(n):
        user, item = rng.choice(world["users"]), rng.choice(world["items"])
        rating_upsert(user=user, item=item, value=rng.choice(["1.0", "3.5", "4.5", "5.0"]))
        touched.add(item.pk)
    gone = Rating.objects.order_by("pk").first()
    rating_delete(user=gone.user, item=gone.item)
    return touched | {gone.item_id}


@pytest.mark.parametrize("shrinkage", [0.0, 5.0])
def test_a_refresh_by_change_equals_a_full_fit_when_lists_hold_every_neighbour(random_world, shrinkage):
    params = {"k": 40, "shrinkage": shrinkage}
    version = model_train(params=_params(params))
    touched = change_some(random_world)
    result = model_refresh()
    assert result is not None
    assert result.dirty_items == len(touched)
    refreshed_version = ModelVersion.objects.get(pk=version.pk)
    refreshed, popular = lists_of(refreshed_version), refreshed_version.popular_item_ids
    columns = dict(ItemColumn.objects.filter(version=version).values_list("item_id", "ratings"))

    fitted_version = model_train(params=_params(params))
    assert_same_lists(refreshed, lists_of(fitted_version))
    assert popular == fitted_version.popular_item_ids
    assert columns == dict(ItemColumn.objects.filter(version=fitted_version).values_list("item_id", "ratings"))
    assert refreshed_version.n_ratings == fitted_version.n_ratings == Rating.objects.count()


def test_with_short_lists_a_refresh_keeps_each_list_within_a_full_fits_candidates(random_world):
    version = model_train(params=_params({"k": 3}))
    change_some(random_world, n=10)
    model_refresh()
    fitted = lists_of(model_train(params=_params({"k": 40})))
    for item, neighbours in lists_of(ModelVersion.objects.get(pk=version.pk)).items():
        assert len(neighbours) <= 3
        for neighbour, score in neighbours.items():  # every kept score is the true similarity now
            assert score == pytest.approx(fitted[item][neighbour], rel=1e-5)


def test_the_refresh_reads_the_changes_not_the_ratings(random_world, monkeypatch):
    model_train(params=_params({"k": 5}))
    monkeypatch.setattr(rating_memory, "LOADS", {"full": 0, "changes": 0})
    change_some(random_world, n=2)
    model_refresh()  # the first refresh in a process loads every rating once
    user, item = random_world["users"][0], random_world["items"][0]
    Rating.objects.filter(user=user).exclude(item=item).first().delete()  # as a cascade would: no service
    rating_upsert(user=user, item=item, value="0.5")

    assert model_refresh() is not None
    assert rating_memory.LOADS == {"full": 1, "changes": 2}
    held = rating_memory.ratings_in_memory()
    assert held.nnz == Rating.objects.count()
    user_index = held.user_pks.tolist().index(user.pk)
    items, values = held.by_user.row(user_index)
    assert dict(zip(held.item_pks[items].tolist(), values.tolist(), strict=True)) == {
        pk: float(value) for pk, value in Rating.objects.filter(user=user).values_list("item_id", "value")
    }


def test_the_columns_a_refresh_keeps_are_those_it_wrote(random_world):
    version = model_train(params=_params({"k": 3}))
    for n in (2, 3):
        change_some(random_world, n=n)
        model_refresh()
        version.refresh_from_db()
        kept = refresh_change.columns_all(version)
        refresh_change.columns_forget()
        read = refresh_change.columns_all(version)
        for name in ("pks", "norms", "floors", "counts", "sums"):
            np.testing.assert_allclose(getattr(kept, name), getattr(read, name), rtol=1e-6, err_msg=name)


def test_a_first_import_says_reload_all_and_the_refresh_does(random_world, monkeypatch):
    model_train(params=_params({"k": 5}))
    monkeypatch.setattr(rating_memory, "LOADS", {"full": 0, "changes": 0})
    change_some(random_world, n=1)
    model_refresh()
    RatingChange.objects.create(user_id=None, item_id=None)
    change_some(random_world, n=1)

    model_refresh()

    assert rating_memory.LOADS["full"] == 2


def test_a_refresh_records_its_changed_lists_and_serving_reads_only_those(random_world, monkeypatch):
    model_train(params=_params({"k": 5}))
    monkeypatch.setattr(serving, "_serving", None)
    monkeypatch.setattr(serving, "LOADS", serving.Counter())
    before = serving.serving_model()
    new_item = ItemFactory(title="Brand new")  # rated for the first time after the fit
    for user in random_world["users"][:5]:
        rating_upsert(user=user, item=new_item, value="5.0")
    change_some(random_world)
    result = model_refresh()

    revision = ModelRevision.objects.get(version_id=result.version_id, revision=result.revision)
    assert new_item.pk in revision.changed_item_ids
    after = serving.serving_model()
    assert serving.LOADS == {"full": 1, "changes": 1}
    assert after.revision == result.revision != before.revision
    assert new_item.pk in after.item_ids.tolist()
    assert after.item_ids[: len(before.item_ids)].tolist() == before.item_ids.tolist()  # no index moved

    monkeypatch.setattr(serving, "_serving", None)
    whole = serving.serving_model()  # what a new process loads
    assert serving.LOADS["full"] == 2
    for item in Item.objects.all():
        assert _similar_pks(after, item.pk) == _similar_pks(whole, item.pk)
    popular_after = [int(after.item_ids[i]) for i in after.model.popular]
    assert popular_after == [int(whole.item_ids[i]) for i in whole.model.popular]


def test_a_process_further_behind_than_the_kept_revisions_loads_the_whole_version(random_world, monkeypatch):
    version = model_train(params=_params({"k": 5}))
    monkeypatch.setattr(serving, "_serving", None)
    monkeypatch.setattr(serving, "LOADS", serving.Counter())
    serving.serving_model()
    change_some(random_world, n=2)
    model_refresh()
    ModelRevision.objects.filter(version=version).delete()  # pruned
    assert serving.serving_model().revision == 1
    assert serving.LOADS == {"full": 2}


def test_a_refresh_that_finds_the_version_moved_on_writes_nothing_and_keeps_the_markers(random_world, monkeypatch):
    version = model_train(params=_params({"k": 5}))
    touched = change_some(random_world, n=2)
    read = refresh_change.ratings_in_memory

    def racing_read():
        ModelVersion.objects.filter(pk=version.pk).update(revision=7)  # another refresh committed meanwhile
        return read()

    monkeypatch.setattr(refresh_change, "ratings_in_memory", racing_read)
    lists = lists_of(version)
    assert model_refresh() is None
    assert lists_of(version) == lists
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == touched


def _params(given: dict):
    from recengine.model import KnnParams

    return KnnParams(**given)


def _similar_pks(model: serving.ServingModel, pk: int) -> list[tuple[int, float]]:
    index, known = model.index_of(np.array([pk]))
    if not known.any():
        return []
    return [(int(model.item_ids[i]), round(score, 6)) for i, score in model.model.similar(int(index[0]), n=50)]
