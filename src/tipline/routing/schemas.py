"""API shapes of the routing domain."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class RouteOut(BaseModel):
    id: int
    case_id: int
    agency: str | None
    channel_chain: list[str]
    reasons: list[dict[str, Any]]
    deadline: str | None
    deadline_basis: dict[str, Any]
    at_risk: bool
    status: str
    computed_at: str
