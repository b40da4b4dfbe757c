"""The process's sentence encoder and the text each item is embedded from."""

import hashlib
import threading
from pathlib import Path

from django.conf import settings

from catalog.models import Item
from recommendations.llm.encoder import PACKAGED_WEIGHTS_SHA256, SentenceEncoder, packaged_model_path

# Bumped in the shared cache whenever item vectors are written, so serving processes reload theirs.
EMBEDDINGS_VERSION_KEY = "recommendations:embeddings-version"

_encoder: SentenceEncoder | None = None
_lock = threading.Lock()


def encoder() -> SentenceEncoder:
    """Loaded on first use, once per process (about a second on a CPU), from RECSITE_ENCODER_PATH or
    the packaged all-MiniLM-L6-v2 (whose weights' hash is checked). Never from a hub."""
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                if settings.RECSITE_ENCODER_PATH:
                    _encoder = SentenceEncoder(Path(settings.RECSITE_ENCODER_PATH))
                else:
                    _encoder = SentenceEncoder(
                        packaged_model_path(), name="all-MiniLM-L6-v2", expected_sha256=PACKAGED_WEIGHTS_SHA256
                    )
    return _encoder


def item_text(item: Item, category_names: list[str]) -> str:
    """What an item is embedded from: title, year, categories, tags and description."""
    parts = [f"{item.title} ({item.year})" if item.year else item.title]
    if category_names:
        parts.append(", ".join(category_names))
    if item.keywords:
        parts.append(item.keywords)
    if item.description:
        parts.append(item.description)
    return ". ".join(parts)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
