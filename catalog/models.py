from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse

from language.titles import search_key


def title_search_key(title: str) -> str:
    """Item.search_title for a title; bulk writes (the imports) that skip save() call it themselves."""
    return search_key(title)


class Category(models.Model):
    """A genre or other grouping of items; imported genres become categories."""

    name = models.CharField(max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class CategoryAlias(models.Model):
    """Another word or phrase for a category in requests ("laughs" for Comedy), added by staff to the
    domain's own synonyms (RECSITE_DOMAIN); the request parser and the reason guard both read it."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="aliases")
    phrase = models.CharField(max_length=64, unique=True, help_text="Lower case; matched as whole words.")

    class Meta:
        ordering = ["phrase"]
        verbose_name_plural = "category aliases"

    def __str__(self) -> str:
        return f"{self.phrase} -> {self.category_id}"

    def clean(self) -> None:
        self.phrase = " ".join(self.phrase.lower().split())


class ItemQuerySet(models.QuerySet):
    def active(self) -> "ItemQuerySet":
        return self.filter(is_active=True)


class Item(models.Model):
    """Something we recommend. `source`/`source_id` name where it came from, so imports can upsert."""

    title = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    keywords = models.TextField(blank=True, help_text="Tags and other words that describe the item.")
    categories = models.ManyToManyField(Category, related_name="items", blank=True)
    external_ids = models.JSONField(
        default=dict, blank=True, help_text='Identifiers elsewhere, e.g. {"imdb": "0114709"}.'
    )

    source = models.CharField(max_length=32, default="manual")
    source_id = models.CharField(max_length=64)

    is_active = models.BooleanField(default=True, help_text="Inactive items are hidden from users.")
    is_featured = models.BooleanField(default=False)

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # PostgreSQL full-text search over title (weight A), keywords (B) and description (C), kept current by a
    # trigger on every insert and every update of those columns (imports, the admin, the API alike), with
    # a GIN index (migration 0003). Always empty on SQLite, which searches the fields themselves.
    search = SearchVectorField(null=True, editable=False)
    # The title as the catalogue search compares it (title_search_key: no case, accents or punctuation),
    # written on every save and by the imports; a trigram index serves its substring search on PostgreSQL
    # (migration 0004). A row written by plain SQL gets "" (db_default) until its next save.
    search_title = models.TextField(blank=True, default="", db_default="", editable=False)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="item_unique_source_id"),
        ]
        indexes = [
            models.Index(fields=["title"], name="item_title_idx"),
            models.Index(fields=["year"], name="item_year_idx"),
            models.Index(fields=["is_active", "is_featured"], name="item_active_featured_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def save(self, *args, **kwargs) -> None:
        self.search_title = title_search_key(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_title"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The item's page. It shows what the floors above add (ratings, similar items), so the project's
        urls name it, not this app's."""
        return reverse("item-detail", kwargs={"pk": self.pk})
