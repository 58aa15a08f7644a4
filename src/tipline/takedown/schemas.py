"""API shapes of notice and takedown (also what pages and the CLI read)."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tipline.errors import Invalid

M = TypeVar("M", bound=BaseModel)


class UrlRow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    host: str
    status: str
    assessment: str | None
    country: str | None
    refusal: str | None
    first_seen_at: dt.datetime
    noticed_at: dt.datetime | None
    removed_at: dt.datetime | None
    provider: str | None = None
    known_content: bool = False


class Sighting(BaseModel):
    report_id: int | None
    public_receipt: str | None
    given: str
    at: dt.datetime


class HistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    kind: str
    detail: str
    actor: str


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    party: str
    recipient: str
    channel: str
    level: int
    status: str
    attempts: int
    created_at: dt.datetime
    sent_at: dt.datetime | None
    last_error: str | None


class UrlDetail(UrlRow):
    notes: list[str]
    addresses: list[str]
    jurisdiction: str | None
    assessed_by: str | None
    last_seen_status: str | None
    level: int
    cases: list[int]
    sightings: list[Sighting]
    history: list[HistoryEntry]
    notices: list[NoticeOut]
    # The viewer's jurisdiction's row of the verdict table (classification/jurisdictions.csv),
    # what a "national" assessment rests on.
    verdict_table: dict[str, str] | None = None


class AssessmentIn(BaseModel):
    assessment: str = Field(description="baseline | national | not_illegal")


class ProviderIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    country: str | None = Field(None, min_length=2, max_length=2)
    ranges: list[str] = Field(default_factory=list, max_length=1000)
    domains: list[str] = Field(default_factory=list, max_length=1000)
    channel: str = Field("email", pattern="^(email|webhook)$")
    contact: str = Field(min_length=3, max_length=500)
    upstream: str | None = Field(None, description="name of the upstream provider")


class ProviderOut(ProviderIn):
    id: int


class HotlineIn(BaseModel):
    country: str = Field(min_length=2, max_length=2)
    name: str = Field(min_length=1, max_length=200)
    channel: str = Field("email", pattern="^(email|webhook)$")
    contact: str = Field(min_length=3, max_length=500)


class HotlineOut(HotlineIn):
    id: int


class PublicReportIn(BaseModel):
    urls: str = Field(description="one URL per line")
    description: str = ""
    contact: str | None = Field(None, max_length=200)


class PublicReceipt(BaseModel):
    receipt: str
    secret: str


class PublicStatus(BaseModel):
    receipt: str
    received_at: dt.datetime
    urls: list[tuple[str, str]]


class RemovalGroup(BaseModel):
    key: str
    noticed: int
    removed: int
    p50_hours: float | None
    p90_hours: float | None
    within_24h: float | None
    within_72h: float | None
    within_168h: float | None


class RemovalFigures(BaseModel):
    since: dt.datetime
    until: dt.datetime
    overall: RemovalGroup
    by_provider: list[RemovalGroup]
    by_country: list[RemovalGroup]
    by_channel: list[RemovalGroup]


def checked(model: type[M], **values: object) -> M:
    """A form's values as `model`, or Invalid naming the first field that is wrong."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "form"
        raise Invalid(f"{where}: {first['msg']}") from exc
