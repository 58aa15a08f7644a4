from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

Prepare = Callable[[int], Any]
Apply = Callable[[Session, int, Any], None]


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    `prepare(report_id)` does the slow part (decoding, hashing) outside any write transaction and
    must have no durable effects; `apply(session, report_id, prepared)` writes the results. The
    runner commits `apply`'s writes together with the advance to the next stage, so a stage's
    effects are committed exactly once however often it is retried.
    """

    name: str
    description: str
    apply: Apply
    prepare: Prepare | None = None
