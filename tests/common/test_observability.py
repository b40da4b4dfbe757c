"""One structured log line per request and per task, as the production JSON formatter writes them."""

import json
import logging

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from recommendations.tasks.refresh import model_refresh_sweep_task

pytestmark = pytest.mark.django_db


def as_json(record: logging.LogRecord) -> dict:
    """The record as the production handler writes it (settings.LOGGING's json formatter)."""
    options = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(options.pop("()"))(**options)
    return json.loads(formatter.format(record))


def test_each_request_is_one_json_line_with_status_and_duration(client, caplog, clean_cache):
    with caplog.at_level(logging.INFO, logger="recsite.request"):
        client.get("/health/")
        client.get("/items/?q=%00")

    lines = [as_json(record) for record in caplog.records if record.name == "recsite.request"]
    assert [(line["path"], line["status"]) for line in lines] == [("/health/", 200), ("/items/", 400)]
    assert lines[0]["level"] == "INFO"
    assert lines[0]["logger"] == "recsite.request"
    assert lines[0]["method"] == "GET"
    assert isinstance(lines[0]["duration_ms"], float)
    assert "time" in lines[0]


def test_each_task_is_one_json_line_with_its_id_and_duration(caplog):
    with caplog.at_level(logging.INFO, logger="recsite.task"):
        result = model_refresh_sweep_task.apply()

    [line] = [as_json(record) for record in caplog.records if record.name == "recsite.task"]
    assert line["task"] == "recommendations.tasks.refresh.model_refresh_sweep_task"
    assert line["task_id"] == result.id
    assert line["state"] == "SUCCESS"
    assert line["duration_ms"] >= 0
