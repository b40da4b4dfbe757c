"""Progress lines for long steps (imports, training, embedding), as log records: they read the same on a
terminal, in a pipe and in a log file (a bar drawn with carriage returns does not). No Django here."""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger("datasets.import")


class Progress:
    """Says what a long step is doing: a line when a step starts or ends, and one every `every` seconds
    while it runs (a counted step: count, rate, and where it is; any other: how long so far). Nothing in
    the first `after` seconds, so a small import (a test, the demo) prints its summary alone, and a refused
    one its error alone."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        every: float = 5.0,
        after: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        say: Callable[[str], None] | None = None,
    ):
        self.enabled, self.every, self.after, self.clock = enabled, every, after, clock
        self.started = self.said = clock()
        self._say = say or logger.info

    def say(self, message: str) -> None:
        if self.enabled and self.clock() - self.started >= self.after:
            self.said = self.clock()
            self._say(message)

    def counter(self, name: str, *, unit: str = "rows", total: int | None = None) -> "Counter":
        return Counter(self, name, unit, total)

    @contextmanager
    def timed(self, what: str, *, count: int | None = None, unit: str = "rows") -> Iterator[None]:
        """A step that cannot count its way: a line before, one every `every` seconds while it runs (from
        another thread: the step may be one long call), and one with its time after, and its rate when it
        says how many `count` it handles."""
        started = self.clock()
        self.say(f"{what} ...")
        finished = threading.Event()
        beat = threading.Thread(target=self._beat, args=(what, started, finished), daemon=True)
        if self.enabled:
            beat.start()
        try:
            yield
        finally:
            finished.set()
            if beat.is_alive():
                beat.join()
        seconds = self.clock() - started
        rate = f" ({_rate(count, seconds, unit)})" if count is not None else ""
        self.say(f"{what}: done in {seconds:.1f} s{rate}")

    def _beat(self, what: str, started: float, finished: threading.Event) -> None:
        while not finished.wait(self.every):
            if self.clock() - self.said >= self.every:  # a counter inside the step has not just spoken
                self.say(f"{what}: {self.clock() - started:.0f} s so far")


class Counter:
    def __init__(self, progress: Progress, name: str, unit: str, total: int | None = None):
        self.progress, self.name, self.unit, self.total = progress, name, unit, total
        self.count = 0
        self.started = self.last = progress.clock()

    def advance(self, rows: int, where: str = "") -> None:
        self.count += rows
        now = self.progress.clock()
        if now - self.last >= self.progress.every:
            self.last = now
            self.progress.say(f"{self.name}: {self._counted()} ({self._rate(now)}){where}")

    def done(self) -> float:
        seconds = self.progress.clock() - self.started
        self.progress.say(f"{self.name}: {self.count:,} {self.unit} in {seconds:.1f} s ({self._rate()})")
        return seconds

    def _counted(self) -> str:
        if not self.total:
            return f"{self.count:,} {self.unit}"
        return f"{self.count:,} of {self.total:,} {self.unit}, {100 * self.count / self.total:.0f}%"

    def _rate(self, now: float | None = None) -> str:
        return _rate(self.count, (self.progress.clock() if now is None else now) - self.started, self.unit)


def _rate(count: int, seconds: float, unit: str) -> str:
    return f"{count / seconds:,.0f} {unit}/s" if seconds > 0 else f"- {unit}/s"
