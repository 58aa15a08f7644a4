"""API shapes of outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

PACKAGE_FORMAT = "tipline.outcome-package/1"


class OutcomeBody(BaseModel):
    case_id: int = Field(description="A case routed to your agency.")
    report_id: int | None = Field(None, description="One report of the case; none: the case.")
    outcome: str = Field(description="A code of the vocabulary (GET /api/v1/outcomes/"
                                     "vocabulary), e.g. under_investigation.")
    reason: str | None = Field(None, description="Required with not_actionable.")
    note: str | None = Field(None, max_length=2000, description="For the centre only.")
    held_until: dt.datetime | None = Field(
        None, description="Confidential until this time: reporters, scorecards and hash-list "
                          "feedback see the outcome only from then on.")
    reference: str | None = Field(None, max_length=100,
                                  description="Your key for this outcome: sending it again "
                                              "records it once.")


class OutcomePackage(BaseModel):
    format: Literal["tipline.outcome-package/1"]
    agency: str = Field(max_length=50)
    outcomes: list[OutcomeBody] = Field(min_length=1, max_length=1000)


class WebhookIn(BaseModel):
    url: str = Field(max_length=500, description="https URL receiving signed notices.")
    secret: str = Field(min_length=16, max_length=200, description="HMAC key (write-only).")
    active: bool = True
