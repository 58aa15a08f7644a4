"""API shapes of the agency registry, retention windows and alerts."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class AgencyIn(BaseModel):
    code: str = Field(..., description="Registry code, e.g. DE-BKA.")
    name: str
    countries: list[str] = Field(default_factory=list, description="ISO alpha-2 codes served.")
    channel: Literal["direct", "europol", "interpol", "hotline"]
    via_code: str | None = Field(None, description="Intermediary agency (not for direct).")
    delivery_method: Literal["webhook", "pull"]
    endpoint_url: str | None = None
    signing_secret: str | None = Field(None, description="HMAC key of webhooks (write-only).")
    public_key: str | None = Field(None, description="X25519 public key (base64) for bundles.")
    contact: str = ""
    active: bool = True


class AgencyPatch(BaseModel):
    name: str | None = None
    countries: list[str] | None = None
    channel: Literal["direct", "europol", "interpol", "hotline"] | None = None
    via_code: str | None = Field(None, description="\"\" clears it.")
    delivery_method: Literal["webhook", "pull"] | None = None
    endpoint_url: str | None = None
    signing_secret: str | None = None
    public_key: str | None = None
    contact: str | None = None
    active: bool | None = None


class AgencyOut(BaseModel):
    code: str
    name: str
    countries: list[str]
    channel: str
    via_code: str | None
    channel_chain: list[str]
    delivery_method: str
    endpoint_url: str | None
    has_signing_secret: bool
    public_key: str | None
    contact: str
    active: bool
    updated_at: dt.datetime


class RetentionIn(BaseModel):
    days: int | None = Field(..., description="Days; null declares the window unknown.")
    source: str = Field("", description="Statute or order the window is read from.")


class RetentionOut(BaseModel):
    country: str
    days: int
    source: str
    origin: str
    assumed: bool


class AlertOut(BaseModel):
    id: int
    kind: str
    case_id: int | None
    message: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
