"""Text generators: the seam (`TextGenerator`: a batch of prompts in, one line of text each out) and the
in-process backend, a causal language model from a local folder, greedy, one line per prompt.

The default model (SmolLM2-135M-Instruct, a GGUF file fetched by `recommendations.generation`) is
dequantised by transformers on load (about 30 s on a CPU), so the first load saves a float32 copy that
later loads read in about a second. Only torch and transformers here: this runs on a bare GPU host too.
"""

import os
import shutil
import tempfile
from pathlib import Path
from typing import Protocol

from language.constrain import GroundedWords


class GeneratorError(Exception):
    pass


class TextGenerator(Protocol):
    """What the reason writer asks of a generator backend."""

    name: str  # the backend and its model: part of every reason's cache key, so a change never serves old text

    def generate(
        self, prompts: list[str], *, max_new_tokens: int = 48, vocabularies: list[set[str]] | None = None
    ) -> list[str]:
        """The first line each prompt continues with, stripped; one per prompt, in order. `vocabularies`
        (one per prompt): the words each continuation may use; a backend that cannot steer its decoding
        ignores it (the guard checks every word either way)."""


class TransformersGenerator:
    """The in-process backend (a TextGenerator): greedy completion of few-shot prompts, cut at the first
    newline, in batches.

    `path` is a model folder (transformers format), or a GGUF file, whose float32 conversion is saved
    beside it (`<name>.f32/`) on first load. CUDA with half precision when there is one, else the CPU.
    `adapter`: a LoRA adapter's folder (peft's format, language.tuning), merged into the weights on load.
    """

    def __init__(self, path: Path, *, device: str | None = None, name: str | None = None, adapter: Path | None = None):
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        path = Path(path)
        if not path.exists():
            raise GeneratorError(f"{path} does not exist")
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.name = name or path.stem
        folder = _converted(path) if path.suffix == ".gguf" else path
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        # bandit B615 asks for a pinned hub revision; these are local folders (local_files_only, hub off).
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)  # nosec B615
        self.tokenizer.padding_side = "left"  # generation continues from the right end of every row
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, dtype=dtype)  # nosec B615
        if adapter is not None:
            from peft import PeftModel

            if not (Path(adapter) / "adapter_config.json").is_file():
                raise GeneratorError(f"{adapter} holds no adapter (adapter_config.json)")
            self.model = PeftModel.from_pretrained(self.model, adapter).merge_and_unload()
        self.model.to(self.device).eval()
        self._torch = torch

    def generate(
        self, prompts: list[str], *, max_new_tokens: int = 48, vocabularies: list[set[str]] | None = None
    ) -> list[str]:
        """The first line each prompt continues with, stripped. With `vocabularies`, row i is steered to
        the words of vocabularies[i] as it is written (language.constrain) and stops at its line's end."""
        if not prompts:
            return []
        from transformers import LogitsProcessorList

        batch = self.tokenizer(prompts, return_tensors="pt", padding=True).to(self.device)
        steer = LogitsProcessorList([GroundedWords(self.tokenizer, vocabularies)]) if vocabularies else None
        with self._torch.inference_mode():
            output = self.model.generate(
                **batch,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id,
                logits_processor=steer,
            )
        continuations = self.tokenizer.batch_decode(output[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
        return [text.strip().split("\n", 1)[0].strip() for text in continuations]


def _converted(gguf: Path) -> Path:
    """A float32 transformers copy of a GGUF model beside it, made once (dequantising is slow)."""
    folder = gguf.with_name(gguf.stem + ".f32")
    if (folder / "config.json").is_file():
        return folder
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # Local files only (nosec B615: no hub revision to pin).
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)  # nosec B615
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, local_files_only=True)  # nosec B615
    # save_pretrained refuses a model that still carries its GGUF quantizer (models.md).
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=gguf.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
