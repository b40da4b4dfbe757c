"""The recsite Celery app for a test worker whose first model refresh stalls inside its transaction.

`celery -A tests.stalling_worker worker` with RECSITE_TEST_STALL_FILE set: the first time a pool process
reads the ratings for a refresh (the model's active version row is locked by then), it writes its pid to
that file and sleeps, so the test can SIGKILL it mid-task. Once the file exists, refreshes run normally.
"""

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from recsite.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _stall_the_first_refresh(**kwargs) -> None:
    from recommendations.services import refresh_change

    marker = Path(os.environ["RECSITE_TEST_STALL_FILE"])
    read = refresh_change.ratings_in_memory

    def stalling_read():
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(120)
        return read()

    refresh_change.ratings_in_memory = stalling_read
