"""What feedback tells the floors above it, without importing them: they connect in their AppConfig.ready().

Both are sent inside the transaction that wrote the change, so a receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

# A user's rating of these items was stored, changed or removed. Arguments: item_ids (list[int]).
ratings_changed = Signal()
# A reaction was recorded. Arguments: event (FeedbackEvent).
feedback_recorded = Signal()
