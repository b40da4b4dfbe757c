import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ModelVersion(models.Model):
    """One trained model: its algorithm's item lists (ItemNeighbor rows) and popularity order. Serving
    reads only the active version, and training writes a new version completely before activating it,
    so a half-written version is never served."""

    class Status(models.TextChoices):
        BUILDING = "building"
        ACTIVE = "active"
        RETIRED = "retired"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BUILDING)
    algorithm = models.CharField(
        max_length=32, default="item-knn", help_text="The recommender that built it (recengine.recommender)."
    )
    params = models.JSONField(help_text="Training parameters (neighbours k, mode, shrinkage, ...).")
    n_users = models.PositiveIntegerField()
    n_items = models.PositiveIntegerField()
    n_ratings = models.PositiveIntegerField()
    n_neighbors = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True, help_text="Fit time and offline metrics, when measured.")
    # Item pks with at least one rating, most popular first: the cold-start list and the serving index.
    popular_item_ids = models.JSONField(default=list)
    trained_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every in-place refresh of the neighbour lists, so serving processes know to reload.
    revision = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-trained_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="active"), name="model_version_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"model v{self.pk} ({self.status})"


class TrainingRun(models.Model):
    """A fit split into item ranges, run as a Celery chord: one task per range on any `default`
    worker, then one that writes and activates the version.

    The ratings are read once, into `snapshot`, so every range sees the same data however long the
    run takes and wherever its tasks run; the database is the one store every worker already shares.
    """

    class Status(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    algorithm = models.CharField(max_length=32, default="item-knn")
    params = models.JSONField()
    blocks = models.PositiveIntegerField(help_text="Item ranges computed apart.")
    n_users = models.PositiveIntegerField()
    n_items = models.PositiveIntegerField()
    n_ratings = models.PositiveIntegerField()
    # The training data (the algorithm's snapshot, e.g. recengine.model.TrainingData, as npz bytes) and the
    # item pk of each item index; emptied when the run ends.
    snapshot = models.BinaryField(blank=True)
    item_ids = models.JSONField(default=list)
    # The dirty markers read before the ratings: the new version covers them, so it clears them.
    dirty_marked = models.JSONField(default=list)
    version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"training run {self.pk} ({self.status})"


class ItemNeighbor(models.Model):
    """An item's neighbour in one model version, with their similarity; bulk written by training."""

    # The unique (version, item, neighbor) index serves every lookup, so the FKs get no indexes of their own.
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="neighbors", db_index=False)
    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="+", db_index=False)
    neighbor = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="+", db_index=False)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "item", "neighbor"], name="item_neighbor_unique"),
        ]
        # The refresh finds the lists a changed item is on.
        indexes = [models.Index(fields=["version", "neighbor"], name="item_neighbor_version_neighbor")]

    def __str__(self) -> str:
        return f"{self.item_id} ~ {self.neighbor_id}: {self.score:.3f}"


class ItemColumn(models.Model):
    """One rated item's column of ratings in a version, summed up, so that an in-place refresh computes only
    the changed items' rows (recommendations.services.refresh_change): the column's norm over
    its like-weighted ratings (cosine's denominator), its count and sum of ratings (the popularity order),
    and its list's floor (the lowest score kept when the list is full, else 0: a similarity below it
    cannot enter the list)."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="+", db_index=False)
    norm = models.FloatField()
    ratings = models.PositiveIntegerField()
    rating_sum = models.FloatField()
    floor = models.FloatField(default=0.0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "item"], name="item_column_unique")]

    def __str__(self) -> str:
        return f"item {self.item_id} in v{self.version_id}: {self.ratings} ratings"


class ModelRevision(models.Model):
    """The lists one in-place refresh rewrote: a serving process one revision behind reads only these."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    changed_item_ids = models.JSONField(default=list)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "revision"], name="model_revision_unique")]

    def __str__(self) -> str:
        return f"v{self.version_id} revision {self.revision}: {len(self.changed_item_ids)} lists"


class DirtyItem(models.Model):
    """An item whose ratings changed since the active version's neighbour lists were computed.

    Written in the same transaction as the rating, so it survives a broker that is down; the refresh
    clears exactly the markers it read (a marker touched again meanwhile stays for the next one).
    """

    item = models.OneToOneField("catalog.Item", on_delete=models.CASCADE, primary_key=True, related_name="+")
    marked = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"item {self.item_id} dirty since {self.marked:%Y-%m-%d %H:%M:%S}"


class ItemEmbedding(models.Model):
    """An item's text embedding under one encoder; `text_hash` tells when the item's text changed, and
    `updated` which rows a serving process has not read yet (recommendations.vector_index)."""

    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="embeddings")
    model_name = models.CharField(max_length=100)
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField(help_text="float32, L2-normalised")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_name", "item"], name="item_embedding_unique_model_item"),
        ]
        indexes = [models.Index(fields=["model_name", "updated"], name="item_embedding_updated_idx")]

    def __str__(self) -> str:
        return f"{self.item_id} under {self.model_name}"


class ItemToEmbed(models.Model):
    """An item created, or whose text (title, year, categories, keywords, description) may have changed,
    since it was last embedded. Written in the same transaction as the change, so a change is never lost
    to a broker that is down; the embedding task deletes the markers it took."""

    item = models.OneToOneField("catalog.Item", on_delete=models.CASCADE, primary_key=True, related_name="+")
    marked = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["marked"], name="item_to_embed_marked_idx")]

    def __str__(self) -> str:
        return f"item {self.item_id} to embed since {self.marked:%Y-%m-%d %H:%M:%S}"


class VectorIndexSnapshot(models.Model):
    """The approximate-search graph (usearch HNSW, serialised) over every item vector of one encoder.

    Built once on a worker (a minute at 62k items on 2 cores) and loaded by every serving process (about a
    second), which then adds what changed since `watermark` itself. In the database because every process
    already reaches it: there is no shared volume to run.
    """

    model_name = models.CharField(max_length=100, unique=True)
    items = models.PositiveIntegerField()
    watermark = models.DateTimeField(help_text="The newest `updated` of the item vectors it was built from.")
    built = models.DateTimeField(default=timezone.now)
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"vector index of {self.items} items under {self.model_name}"


class Conversation(models.Model):
    """A request and its follow-ups: the constraints the list is for now (a parsed request, as
    language.intent.ParsedIntent.as_dict writes it) and the items the last list showed, which a
    follow-up may name ("more like the second one"). Anonymous conversations have no user."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="conversations"
    )
    intent = models.JSONField()
    shown_item_ids = models.JSONField(default=list)
    turns = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["updated"], name="conversation_updated_idx")]

    def __str__(self) -> str:
        return f"{self.pk} ({self.turns} turns)"
