"""The item page: the item, the user's rating of it, and its similar items in the active model."""

from django.views.generic import DetailView

from catalog.selectors import item_get_active
from feedback.models import RATING_VALUES
from feedback.selectors import rating_value_for
from recommendations.selectors import similar_items


class ItemDetailView(DetailView):
    template_name = "recommendations/item_detail.html"
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
