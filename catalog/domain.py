"""The catalogue's domain (RECSITE_DOMAIN: language.domain) and the category aliases staff added to it."""

from django.conf import settings

from catalog.models import Category
from language.domain import Domain, domain_load


def catalogue_domain() -> Domain:
    """What the catalogue is about: RECSITE_DOMAIN's words, synonyms and examples (loaded once per process)."""
    return domain_load(settings.RECSITE_DOMAIN)


def category_vocabulary() -> tuple[tuple[str, ...], dict[str, str]]:
    """The catalogue's category names, and staff's aliases (phrase -> category name), in one query."""
    rows = Category.objects.order_by("name", "aliases__phrase").values_list("name", "aliases__phrase")
    names = tuple(dict.fromkeys(name for name, _ in rows))
    return names, {phrase: name for name, phrase in rows if phrase}


def reading_title(title: str) -> str:
    """A catalogue title as people read it ("Shawshank Redemption, The": "The Shawshank Redemption"), for
    pages and messages; the API and the stored `title` keep the catalogue's form."""
    return catalogue_domain().natural_title(title)
