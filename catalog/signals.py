"""What the catalogue tells the floors above it, which connect in their AppConfig.ready()."""

from django.dispatch import Signal

# Items were created, or what describes them (title, year, description, keywords, categories) may have
# changed: sent in the writer's transaction by every write path (the admin and the API through the model's
# signals, bulk writes such as imports through `catalog.services.catalogue_changed`).
# Arguments: item_ids (list[int]).
items_changed = Signal()
