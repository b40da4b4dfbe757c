import pytest
from django.db import IntegrityError, transaction

from recengine.model import KnnParams
from recommendations.models import ItemNeighbor, ModelVersion
from recommendations.services import training
from recommendations.services.training import model_train

pytestmark = pytest.mark.django_db


def test_training_writes_an_active_version_with_its_neighbours(taste_world):
    films = taste_world["films"]

    version = model_train(algorithm="item-knn", params=KnnParams(k=2))

    assert version.status == ModelVersion.Status.ACTIVE
    assert (version.n_users, version.n_items, version.n_ratings) == (8, 6, 22)
    assert version.params["k"] == 2
    neighbours_of_alien = ItemNeighbor.objects.filter(version=version, item=films["Alien"]).order_by("-score")
    assert {n.neighbor.title for n in neighbours_of_alien} == {"Aliens", "Predator"}
    assert version.n_neighbors == ItemNeighbor.objects.filter(version=version).count() == 12
    assert version.popular_item_ids[0] == films["Alien"].pk  # rated most, and well


def test_a_new_version_retires_the_old_and_old_ones_are_pruned(taste_world):
    versions = [model_train() for _ in range(4)]

    statuses = dict(ModelVersion.objects.values_list("pk", "status"))

    assert statuses == {
        versions[1].pk: "retired",
        versions[2].pk: "retired",
        versions[3].pk: "active",
    }
    assert not ItemNeighbor.objects.filter(version_id=versions[0].pk).exists()


def test_only_one_version_can_be_active(taste_world):
    model_train()
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.create(params={}, n_users=0, n_items=0, n_ratings=0, status="active")


def test_a_failed_training_leaves_the_active_version_serving(taste_world, monkeypatch):
    serving = model_train()

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(training, "rows_insert", broken)
    with pytest.raises(OSError, match="disk full"):
        model_train()

    assert list(ModelVersion.objects.values_list("pk", "status")) == [(serving.pk, "active")]
