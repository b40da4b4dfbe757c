from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from catalog.models import Category
from catalog.selectors import category_list, item_get_active, item_list
from feedback.models import RATING_VALUES
from feedback.selectors import rating_value_for
from recommendations.selectors import similar_items


class ItemListView(ListView):
    """The catalogue: active items, filtered by ?category=<slug> and ?q=<title words>."""

    template_name = "catalog/item_list.html"
    context_object_name = "items"
    paginate_by = 24

    def get_queryset(self):
        slug = self.request.GET.get("category", "")
        self.category = get_object_or_404(Category, slug=slug) if slug else None
        self.search = self.request.GET.get("q", "").strip()[:200]
        return item_list(category=self.category, search=self.search)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, categories=category_list(), category=self.category, search=self.search
        )


class ItemDetailView(DetailView):
    template_name = "catalog/item_detail.html"
    context_object_name = "item"

    def get_object(self, queryset=None):
        return item_get_active(item_id=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rating_values=RATING_VALUES,
            user_rating=rating_value_for(user=self.request.user, item=self.object),
            similar=similar_items(item=self.object, n=6),
            **kwargs,
        )
