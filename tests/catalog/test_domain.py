"""The catalogue's domain comes from RECSITE_DOMAIN (a name or a TOML file), and staff add aliases to a
category in the admin; requests in words are understood with both, with no code changed."""

import pytest
from django.urls import reverse

from catalog.domain import catalogue_domain, category_vocabulary, reading_title
from catalog.models import CategoryAlias
from recommendations.selectors import intent_parse
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_an_alias_added_in_the_admin_is_understood_at_once(client, admin_user, clean_cache):
    comedy = CategoryFactory(name="Comedy", slug="comedy")
    CategoryFactory(name="Drama", slug="drama")
    assert intent_parse("something to giggle at").categories == ()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:catalog_category_change", args=[comedy.pk]),
        {
            "name": "Comedy",
            "slug": "comedy",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-phrase": "  Giggle  ",
        },
    )

    assert response.status_code == 302
    assert CategoryAlias.objects.get().phrase == "giggle"
    assert category_vocabulary() == (("Comedy", "Drama"), {"giggle": "Comedy"})
    assert intent_parse("something to giggle at").categories == ("Comedy",)
    assert intent_parse("a funny one").categories == ("Comedy",)  # the domain's synonyms stay


def test_the_domain_is_read_from_a_file_the_setting_names(settings, tmp_path, clean_cache):
    books = tmp_path / "books.toml"
    books.write_text(
        'name = "books"\n[item]\nnoun = "book"\nkind = "novel"\nplural = "books"\nwords = ["novel"]\n'
        '[categories]\nlabel = "Subjects"\n[synonyms]\nhumour = ["witty"]\n'
    )
    CategoryFactory(name="Humour", slug="humour")
    settings.RECSITE_DOMAIN = str(books)

    assert catalogue_domain().name == "books"
    parsed = intent_parse("a witty novel")
    assert parsed.categories == ("Humour",)
    assert "novel" not in parsed.residual


def test_titles_read_in_the_order_of_the_domain_the_setting_names(settings, tmp_path):
    assert reading_title("Shawshank Redemption, The") == "The Shawshank Redemption"

    books = tmp_path / "books.toml"
    books.write_text(
        'name = "books"\n[item]\nnoun = "book"\nkind = "novel"\nplural = "books"\n'
        '[categories]\nlabel = "Subjects"\n[titles]\ntrailing_articles = ["Der"]\n'
    )
    settings.RECSITE_DOMAIN = str(books)

    assert reading_title("Zauberberg, Der") == "Der Zauberberg"
    assert reading_title("Shawshank Redemption, The") == "Shawshank Redemption, The"
