from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from catalog.forms import CatalogueFilterForm
from catalog.models import Category, Item
from catalog.selectors import category_list, cover_render, item_cover_facts, item_list

YEAR = 365 * 24 * 3600
COVER_UNVERSIONED_MAX_AGE = 3600  # /covers/<pk>.svg without its ?v=: revalidated by ETag after an hour
FAVICON_MAX_AGE = 24 * 3600


class ItemListView(ListView):
    """The catalogue: active items, filtered by ?category=<slug> and ?q=<title words>."""

    template_name = "catalog/item_list.html"
    context_object_name = "items"
    paginate_by = 24

    def get(self, request, *args, **kwargs):
        self.filters = CatalogueFilterForm(request.GET)
        if not self.filters.is_valid():
            self.category, self.search, self.object_list = None, "", Item.objects.none()
            return self.render_to_response(self.get_context_data(filter_errors=self.filters.errors), status=400)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        slug = self.filters.cleaned_data["category"]
        self.category = get_object_or_404(Category, slug=slug) if slug else None
        self.search = self.filters.cleaned_data["q"]
        return item_list(category=self.category, search=self.search)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, categories=category_list(), category=self.category, search=self.search
        )


@require_safe
def item_cover(request, pk: int) -> HttpResponse:
    """/covers/<pk>.svg: the item's drawn cover. Served like a static file: with ?v=<its ETag> (the
    `cover_url` tag) for a year and immutable, else for an hour; either way a 304 to If-None-Match."""
    facts = item_cover_facts(item_id=pk)
    etag = quote_etag(facts.etag)
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        cover_render(facts), content_type="image/svg+xml"
    )
    response["ETag"] = etag
    if request.GET.get("v") == facts.etag:
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=COVER_UNVERSIONED_MAX_AGE)
    return response


@require_safe
def favicon(request) -> FileResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin, the API docs); the
    site's pages name static/favicon.svg."""
    path = finders.find("favicon.ico")
    if path is None:
        raise Http404("No favicon.")
    response = FileResponse(open(path, "rb"), content_type="image/x-icon")  # noqa: SIM115  (closed by Django)
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response
