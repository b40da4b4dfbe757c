from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from catalog.forms import CatalogueFilterForm
from catalog.models import Category, Item
from catalog.selectors import category_list, item_list


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
