"""API shapes of deconfliction watches."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class WatchIn(BaseModel):
    kind: Literal["account", "email", "phone", "hash", "ip"]
    value: str = Field(..., max_length=400)
    service: str | None = Field(None, description="For accounts: the service they belong to.")
    algorithm: Literal["md5", "sha1", "sha256", "pdq"] | None = Field(
        None, description="For hashes (or give the value as algorithm:hex).")
    reference: str = Field("", max_length=200, description="Your own investigation reference.")


class WatchOut(BaseModel):
    id: int
    kind: str
    value: str
    reference: str
    created_at: dt.datetime
