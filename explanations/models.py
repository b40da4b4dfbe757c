from django.db import models


class Explanation(models.Model):
    """A reason for recommending an item, generated once per key and cached.

    The key covers what the text depends on: the item, the evidence items behind it (or the user when
    there are none), the request's summary, the model and the prompt version.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        READY = "ready"

    class Source(models.TextChoices):
        GENERATED = "generated"
        TEMPLATE = "template"

    key = models.CharField(max_length=64, unique=True)
    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="explanations")
    evidence_item_ids = models.JSONField(default=list)
    intent = models.CharField(max_length=500, blank=True, help_text="The request's summary, if any.")
    model_name = models.CharField(max_length=100)
    prompt_version = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    text = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    verdict = models.TextField(blank=True, help_text="Why the guard rejected generated text, if it did.")
    first_attempt = models.BooleanField(
        default=False, help_text="Generated, and accepted from the first round of candidates (no retry)."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        # The admission's count of pending reasons and the stale-reason sweep.
        indexes = [models.Index(fields=["status", "updated"], name="explanation_status_updated_idx")]

    def __str__(self) -> str:
        return f"reason for {self.item_id} ({self.status})"
