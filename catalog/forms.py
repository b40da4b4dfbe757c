from django import forms

from catalog.models import Category


class CatalogueFilterForm(forms.Form):
    """The catalogue's query string: what no title or slug can hold (a NUL byte, over-long text) is a
    field error, never a database error."""

    q = forms.CharField(required=False, max_length=200)
    category = forms.SlugField(required=False, max_length=Category._meta.get_field("slug").max_length)
