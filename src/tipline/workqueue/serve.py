"""Running queue workers: until the queue is idle, or served in background threads.

A served worker sleeps while idle until woken (see `wake`) or until the poll interval passes;
the poll finds work queued by other processes, whose commits cannot wake this one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from tipline.workqueue.wake import subscribe, unsubscribe, wake

log = logging.getLogger(__name__)


class Worker(Protocol):
    """What the serving code needs of a queue's worker."""

    @property
    def channels(self) -> Sequence[str]:
        """The wake channels of the queues it works on."""
        ...

    def run_one(self) -> bool:
        """Do one unit of work; False when none was due."""
        ...


def run_until_idle(step: Callable[[], bool], max_steps: int = 1_000_000) -> int:
    steps = 0
    while steps < max_steps and step():
        steps += 1
    return steps


def serve(worker: Worker, stop: threading.Event, poll_seconds: float, what: str) -> None:
    """Run `worker` until `stop` is set; sleep while idle until woken or the poll interval
    passes."""
    waker = threading.Event()
    subscribe(worker.channels, waker)
    try:
        while not stop.is_set():
            try:
                worked = worker.run_one()
            except Exception:  # the database may be briefly unavailable: keep serving
                log.exception("%s error", what)
                worked = False
            if not worked:
                waker.wait(poll_seconds)
                waker.clear()
    finally:
        unsubscribe(worker.channels, waker)


class Background:
    """A worker served by threads of this process (the embedded default, `tipline deliver`)."""

    def __init__(self, worker: Worker, poll_seconds: float, threads: int, what: str) -> None:
        self.worker = worker
        self.stop_event = threading.Event()
        self.threads = [
            threading.Thread(target=serve, args=(worker, self.stop_event, poll_seconds, what),
                             name=f"{what}-{i}", daemon=True)
            for i in range(threads)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        """Work in hand finishes (its lease guards it); idle threads are woken to exit."""
        self.stop_event.set()
        wake(*self.worker.channels)
        for thread in self.threads:
            thread.join(timeout=30)
