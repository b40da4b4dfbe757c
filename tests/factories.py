from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import Category, Item
from explanations.models import Explanation
from feedback.models import Rating


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("a-long-test-password")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda category: category.name.lower().replace(" ", "-"))


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Film {n}")
    year = 1995
    source = "test"
    source_id = factory.Sequence(str)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.add(*extracted)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    user = factory.SubFactory(UserFactory)
    item = factory.SubFactory(ItemFactory)
    value = Decimal("4.0")


class ExplanationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Explanation

    key = factory.Sequence(lambda n: f"{n:064x}")
    item = factory.SubFactory(ItemFactory)
    evidence_item_ids = factory.LazyFunction(list)
    model_name = "test-model"
    prompt_version = "test-1"
    status = "ready"
    text = "A fine film."
    source = "generated"
