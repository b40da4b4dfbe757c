import math
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recengine.model import KnnParams
from recommendations.selectors import evidence_item_ids, recommendations_for_user, similar_items
from recommendations.services.training import model_train
from tests.factories import ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


def titles(recommendations):
    return [r.item.title for r in recommendations]


def test_a_user_gets_items_like_the_ones_they_rated_with_evidence(taste_world):
    model_train(algorithm="item-knn", params=KnnParams(k=3))

    top = recommendations_for_user(user=taste_world["newcomer"], n=2)

    assert set(titles(top)) == {"Aliens", "Predator"}
    assert all(r.source == "knn" for r in top)
    assert [(e.title, e.share) for e in top[0].evidence] == [("Alien", 1.0)]


def test_rated_and_inactive_items_never_come_back(taste_world):
    model_train()
    taste_world["films"]["Aliens"].is_active = False
    taste_world["films"]["Aliens"].save()

    top = recommendations_for_user(user=taste_world["newcomer"], n=10)

    assert "Alien" not in titles(top)
    assert "Aliens" not in titles(top)
    assert len(top) == 4  # Predator from similarity, then the dramas as popular fill
    assert top[0].item.title == "Predator"
    assert {r.source for r in top[1:]} == {"popular"}


def test_categories_restrict_the_list(taste_world):
    model_train()

    top = recommendations_for_user(user=taste_world["newcomer"], n=10, categories=["drama"])

    assert set(titles(top)) == {"Heat", "Ran", "Brazil"}


def test_cold_start_and_anonymous_users_get_the_popular_list(taste_world):
    version = model_train()
    popular_titles = [taste_world_title(taste_world, pk) for pk in version.popular_item_ids[:3]]

    assert titles(recommendations_for_user(user=UserFactory(), n=3)) == popular_titles
    assert titles(recommendations_for_user(user=AnonymousUser(), n=3)) == popular_titles
    assert titles(recommendations_for_user(user=None, n=3)) == popular_titles


def taste_world_title(world, pk):
    return next(film.title for film in world["films"].values() if film.pk == pk)


def test_before_any_training_the_most_rated_items_are_shown(taste_world):
    top = recommendations_for_user(user=taste_world["newcomer"], n=2)

    assert titles(top) == ["Aliens", "Predator"]  # four ratings each, the newcomer rated Alien
    assert {r.source for r in top} == {"popular"}


def test_items_rated_after_training_are_excluded_too(taste_world):
    model_train()
    late = ItemFactory(title="Late arrival")
    RatingFactory(user=taste_world["newcomer"], item=taste_world["films"]["Predator"], value=Decimal("4.0"))
    RatingFactory(user=taste_world["newcomer"], item=late, value=Decimal("4.0"))

    assert "Predator" not in titles(recommendations_for_user(user=taste_world["newcomer"], n=10))


def test_a_new_active_version_is_picked_up_without_a_restart(taste_world):
    model_train(algorithm="item-knn", params=KnnParams(k=1))
    first = recommendations_for_user(user=taste_world["newcomer"], n=2)
    model_train(algorithm="item-knn", params=KnnParams(k=3))

    second = recommendations_for_user(user=taste_world["newcomer"], n=2)

    assert [r.source for r in first] == ["knn", "popular"]  # one neighbour each
    assert [r.source for r in second] == ["knn", "knn"]


def test_the_number_of_queries_does_not_grow_with_ratings_or_n(taste_world):
    model_train()
    recommendations_for_user(user=taste_world["newcomer"], n=1)  # load the model into this process

    def count(user, n):
        with CaptureQueriesContext(connection) as queries:
            recommendations_for_user(user=user, n=n)
        return len(queries)

    heavy = UserFactory()
    for film in list(taste_world["films"].values())[:5]:
        RatingFactory(user=heavy, item=film)
    assert count(taste_world["newcomer"], 1) == count(heavy, 5) == count(taste_world["newcomer"], 5)


def test_similar_items_are_the_active_neighbours(taste_world):
    model_train(algorithm="item-knn", params=KnnParams(k=5))
    films = taste_world["films"]
    films["Predator"].is_active = False
    films["Predator"].save()

    similar = similar_items(item=films["Alien"], n=5)

    assert [s.item.title for s in similar] == ["Aliens"]
    assert similar[0].score == pytest.approx(4 / math.sqrt(5 * 4))  # 4 common raters of 5 and 4


def test_evidence_cites_only_items_the_user_liked(taste_world):
    """A low rating still counts in the score, but "because you liked" never names it."""
    films, newcomer = taste_world["films"], taste_world["newcomer"]
    RatingFactory(user=newcomer, item=films["Heat"], value=Decimal("2.0"))
    model_train()

    recommended = {r.item.title: r for r in recommendations_for_user(user=newcomer, n=10)}

    assert "Ran" in recommended  # led there by Heat, which counts in the score
    cited = {e.title for r in recommended.values() for e in r.evidence}
    assert cited == {"Alien"}
    assert evidence_item_ids(user=newcomer, item=films["Ran"]) == []
    assert evidence_item_ids(user=newcomer, item=films["Aliens"]) == [films["Alien"].pk]
