from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class HashIn(BaseModel):
    type: str = Field(description="md5, sha1, sha256, pdq, photodna, ...")
    value: str


class MatchRequest(BaseModel):
    hashes: list[HashIn] = Field(min_length=1, max_length=1000)


class MatchOut(BaseModel):
    bank: str
    bank_kind: str
    entry_id: int
    signal_type: str
    distance: int
    matched_by: str = Field(description="which hash of the input matched (e.g. rot90)")
    suppressed_by: str | None
    provenance: list[dict[str, Any]]


class HashResult(BaseModel):
    type: str
    value: str
    matches: list[MatchOut]


class MediaResult(BaseModel):
    name: str
    kind: str
    md5: str
    sha256: str
    pdq: str | None
    pdq_quality: int | None
    error: str | None
    matches: list[MatchOut]
