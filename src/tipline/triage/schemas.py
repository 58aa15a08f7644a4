from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel


class WorklistItem(BaseModel):
    case_id: int
    level: str | None
    label: str | None = None  # the level's label, justified by the reasons
    score: int | None
    reasons: list[dict[str, Any]]
    deadline: dt.datetime | None
    reports: int
    last_seen: dt.datetime | None
