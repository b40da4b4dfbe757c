"""What the recommender tells the floors above it (explanations), which connect in their AppConfig.ready()."""

from django.dispatch import Signal

# A newly trained version became the active one (sent in the training process, before its commit).
# Arguments: version (ModelVersion).
model_version_activated = Signal()
