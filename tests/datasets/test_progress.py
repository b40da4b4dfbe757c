"""Progress lines for long steps: counted steps say their count, share and rate; steps that cannot count
say how long they have run, from another thread, so a single long call is not silent either."""

import threading

from datasets.progress import Progress


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_counter_with_a_total_says_how_far_it_is_with_its_rate():
    clock, lines = FakeClock(), []
    counter = Progress(every=5.0, clock=clock, say=lines.append).counter("ease fit", unit="items", total=1000)

    for _ in range(4):
        clock.now += 3.0
        counter.advance(200)
    counter.done()

    assert lines == [
        "ease fit: 400 of 1,000 items, 40% (67 items/s)",
        "ease fit: 800 of 1,000 items, 80% (67 items/s)",
        "ease fit: 800 items in 12.0 s (67 items/s)",
    ]


def test_a_timed_step_with_a_count_ends_with_its_rate():
    clock, lines = FakeClock(), []
    progress = Progress(clock=clock, say=lines.append)

    with progress.timed("ratings: 100,000 written", count=100_000, unit="ratings"):
        clock.now += 8.0

    assert lines == ["ratings: 100,000 written ...", "ratings: 100,000 written: done in 8.0 s (12,500 ratings/s)"]


def test_a_long_single_call_is_not_silent_while_it_runs():
    lines: list[str] = []
    spoke = threading.Event()

    def say(line: str) -> None:
        lines.append(line)
        if line.endswith("so far"):
            spoke.set()

    with Progress(every=0.05, say=say).timed("training ease"):
        assert spoke.wait(5.0)  # the step is "one long call": only the other thread can speak meanwhile

    assert lines[0] == "training ease ..."
    assert any(line.startswith("training ease: ") and line.endswith(" s so far") for line in lines[1:-1])
    assert lines[-1].startswith("training ease: done in ")


def test_a_quick_step_says_nothing_before_the_first_seconds():
    lines: list[str] = []

    with Progress(after=5.0, every=0.01, say=lines.append).timed("training ease"):
        pass

    assert lines == []
