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
    adapter = models.ForeignKey(
        "explanations.GeneratorAdapter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="explanations",
        help_text="The tuned adapter on the generator that writes (wrote) it; none: the model as shipped.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        # The admission's count of pending reasons and the stale-reason sweep.
        indexes = [models.Index(fields=["status", "updated"], name="explanation_status_updated_idx")]

    def __str__(self) -> str:
        return f"reason for {self.item_id} ({self.status})"


class TuningSet(models.Model):
    """One version of the generator's training set: the reasons the guard accepted, as they stood when it
    was assembled (explanations.tuning.tuning_set_build)."""

    version = models.PositiveIntegerField(unique=True)
    prompt_version = models.CharField(max_length=32)
    examples = models.PositiveIntegerField(default=0)
    last_explanation_id = models.BigIntegerField(default=0, help_text="The newest reason it could take.")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"tuning set {self.version} ({self.examples} examples)"


class TuningExample(models.Model):
    """A reason the guard accepted and no reader found unhelpful, as the plain prompt's target; helpful
    votes weigh it up."""

    tuning_set = models.ForeignKey(TuningSet, on_delete=models.CASCADE, related_name="rows")
    explanation = models.ForeignKey(Explanation, on_delete=models.SET_NULL, null=True, related_name="+")
    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="+")
    prompt = models.TextField()
    target = models.TextField()
    weight = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tuning_set", "explanation"], name="tuning_example_unique_explanation")
        ]

    def __str__(self) -> str:
        return f"example {self.pk} of set {self.tuning_set_id}"


class GeneratorAdapter(models.Model):
    """A LoRA adapter tuned for the generator (beside the prompt version), measured against the model
    without it; one is active at a time, and one may be on trial with a share of the users."""

    class Status(models.TextChoices):
        CANDIDATE = "candidate"  # measured, not serving
        TRIAL = "trial"  # serving RECSITE_ADAPTER_SPLIT of the users
        ACTIVE = "active"
        RETIRED = "retired"

    version = models.CharField(max_length=64, unique=True)
    base_model = models.CharField(max_length=100, help_text="The generator it was tuned on (backend/model).")
    prompt_version = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CANDIDATE)
    path = models.CharField(max_length=500, help_text="The folder of its files (peft's adapter format).")
    tuning_set = models.ForeignKey(TuningSet, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    examples = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    promoted = models.BooleanField(default=False, help_text="Whether its measure beat the model without it.")
    created = models.DateTimeField(auto_now_add=True)
    activated = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="active"), name="adapter_one_active"),
            models.UniqueConstraint(fields=["status"], condition=models.Q(status="trial"), name="adapter_one_trial"),
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.status})"
