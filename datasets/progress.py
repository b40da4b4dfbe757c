"""Progress lines for long imports, as log records: they read the same on a terminal, in a pipe and in a log
file (a bar drawn with carriage returns does not). No Django here."""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger("datasets.import")


class Progress:
    """Says what an import is doing: a line when a step starts or ends, and one every `every` seconds
    while a counted step runs (count, rate, and where it is). Nothing in the first `after` seconds, so a
    small import (a test, the demo) prints its summary alone, and a refused one its error alone."""

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
        self.started = clock()
        self._say = say or logger.info

    def say(self, message: str) -> None:
        if self.enabled and self.clock() - self.started >= self.after:
            self._say(message)

    def counter(self, name: str, *, unit: str = "rows") -> "Counter":
        return Counter(self, name, unit)

    @contextmanager
    def timed(self, what: str) -> Iterator[None]:
        """One statement or step that cannot count its way: a line before, and one with its time after."""
        started = self.clock()
        self.say(f"{what} ...")
        yield
        self.say(f"{what}: done in {self.clock() - started:.1f} s")


class Counter:
    def __init__(self, progress: Progress, name: str, unit: str):
        self.progress, self.name, self.unit = progress, name, unit
        self.count = 0
        self.started = self.last = progress.clock()

    def advance(self, rows: int, where: str = "") -> None:
        self.count += rows
        now = self.progress.clock()
        if now - self.last >= self.progress.every:
            self.last = now
            self.progress.say(f"{self.name}: {self.count:,} {self.unit} ({self._rate(now)}){where}")

    def done(self) -> float:
        seconds = self.progress.clock() - self.started
        self.progress.say(f"{self.name}: {self.count:,} {self.unit} in {seconds:.1f} s ({self._rate()})")
        return seconds

    def _rate(self, now: float | None = None) -> str:
        seconds = (self.progress.clock() if now is None else now) - self.started
        return f"{self.count / seconds:,.0f} {self.unit}/s" if seconds > 0 else f"- {self.unit}/s"
