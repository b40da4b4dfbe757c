"""The live API the generated clients are tested against (tests/recsite/test_client_*.py)."""

from pathlib import Path

import pytest
from django.core.management import call_command

from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train


@pytest.fixture(scope="session")
def openapi_schema(tmp_path_factory) -> Path:
    """The API's OpenAPI schema as JSON, as /api/schema/ serves it (validated, no generator warning)."""
    path = tmp_path_factory.mktemp("openapi") / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--validate", "--fail-on-warn", "--file", str(path))
    return path


@pytest.fixture
def mobile_api(settings, live_server, taste_world, tiny_generator, clean_cache):
    """taste_world behind a live server, with a trained model and item vectors. Reasons are written in
    process right after the request that asked for one (which answers 202), by the tiny generator, whose
    text the guard refuses, so the template reason is served."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    model_train()
    item_embeddings_refresh()
    return {"url": live_server.url, **taste_world}
