from decimal import Decimal

import pytest

from tests.factories import CategoryFactory, ItemFactory, RatingFactory, UserFactory


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
