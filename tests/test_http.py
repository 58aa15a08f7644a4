"""`tipline.http.in_thread`: how every request hands its blocking work to a thread."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from tipline.http import in_thread

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def test_work_runs_off_the_event_loop_and_returns_its_result() -> None:
    async def main() -> tuple[int, bool]:
        loop_thread = threading.get_ident()
        result = await in_thread(lambda a, b: (a + b, threading.get_ident() != loop_thread),
                                 2, 3)
        return result  # type: ignore[no-any-return]

    assert asyncio.run(main()) == (5, True)


def test_errors_reach_the_caller() -> None:
    def fail() -> None:
        raise LookupError("no such report")

    async def main() -> None:
        await in_thread(fail)

    with pytest.raises(LookupError, match="no such report"):
        asyncio.run(main())


def test_the_callers_context_is_visible_in_the_thread() -> None:
    async def main() -> str:
        REQUEST_ID.set("request-7")
        seen: str = await in_thread(REQUEST_ID.get)
        return seen

    assert asyncio.run(main()) == "request-7"


def test_a_cancelled_request_does_not_cut_its_work_short() -> None:
    """A client that goes away cancels the request; its unit of work still runs to its end
    (and commits or rolls back whole)."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def unit_of_work() -> None:
        started.set()
        release.wait(120)  # still working when the request is cancelled
        finished.set()

    async def main() -> None:
        task = asyncio.ensure_future(in_thread(unit_of_work))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not finished.is_set()
        release.set()

    asyncio.run(main())
    assert finished.wait(120)
