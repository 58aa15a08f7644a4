from __future__ import annotations

from pydantic import BaseModel, Field

from tipline.reporters.rules import REPORTER_KINDS


class ReporterCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field("platform", description=f"one of {', '.join(REPORTER_KINDS)}")
    country: str | None = Field(None, min_length=2, max_length=2)
    username: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=12)


class ReporterOut(BaseModel):
    id: int
    name: str
    kind: str
    country: str | None
    username: str
