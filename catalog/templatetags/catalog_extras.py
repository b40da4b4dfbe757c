"""{% load catalog_extras %}: titles as people read them, and items' covers.

{{ item.title|reading_title }}    "Shawshank Redemption, The" -> "The Shawshank Redemption"
{% item_cover item %}             the cover's <img> (sizes: "card", the default; "small"; "large")
{% cover_url item %}              its URL alone: {% url 'catalog:cover' item.pk %} with ?v=<its ETag>
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from catalog import domain
from catalog.selectors import cover_facts

register = template.Library()

COVER_SIZES = {"small": (48, 72), "card": (96, 144), "large": (200, 300)}


@register.filter
def reading_title(title) -> str:
    """A catalogue title in reading order (the domain's title conventions, RECSITE_DOMAIN)."""
    return domain.reading_title(str(title)) if title else ""


@register.simple_tag
def cover_url(item) -> str:
    """The cover's URL, versioned by what it is drawn from: cached for a year, like a hashed static file
    (the item's categories come from the prefetch every list makes for the categories it shows)."""
    return f"{reverse('catalog:cover', kwargs={'pk': item.pk})}?v={cover_facts(item).etag}"


@register.simple_tag
def item_cover(item, size: str = "card") -> str:
    """The cover as a decorative <img> (the title is beside it): sized, lazy, never blocking the page."""
    width, height = COVER_SIZES[size]
    return format_html(
        '<img class="cover cover-{}" src="{}" alt="" width="{}" height="{}" loading="lazy" decoding="async">',
        size,
        cover_url(item),
        width,
        height,
    )
