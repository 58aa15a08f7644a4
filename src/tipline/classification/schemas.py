from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from tipline.classification.rules import ACTIVITIES, AGE_BANDS, NATURES


class FactIn(BaseModel):
    age_band: str = Field("unknown", description=" | ".join(AGE_BANDS))
    activity: str = Field("unknown", description=" | ".join(ACTIVITIES))
    nature: str = Field("unknown", description=" | ".join(NATURES))
    note: str | None = Field(None, max_length=2000)


class FactOut(BaseModel):
    id: int
    file_id: str | None
    cluster_id: int | None
    source: str
    source_ref: str
    age_band: str
    activity: str
    nature: str
    note: str | None
    recorded_at: dt.datetime


class DisagreementOut(BaseModel):
    dimension: str
    said: dict[str, list[str]]


class EffectiveOut(BaseModel):
    age_band: str
    activity: str
    nature: str
    basis: dict[str, str]
    disagreements: list[DisagreementOut]


class VerdictOut(BaseModel):
    jurisdiction: str
    status: str
    reasons: list[str]


class ClassificationOut(BaseModel):
    file_id: str
    cluster_id: int | None
    facts: list[FactOut]
    effective: EffectiveOut
    baseline: str
    baseline_reason: str
    verdicts: list[VerdictOut]


class AuthorityIn(BaseModel):
    reference: str = Field(min_length=3, max_length=200, description="e.g. the warrant number")
    jurisdiction: str | None = Field(None, min_length=2, max_length=2,
                                     description="default: the recording user's")


class GateOut(BaseModel):
    file_id: str
    allowed: bool
    reason: str


class AuthorityOut(BaseModel):
    id: int
    file_id: str
    jurisdiction: str
    reference: str
    recorded_by: str
    recorded_at: dt.datetime


class JurisdictionRuleIn(BaseModel):
    unviewed_requires_authority: Literal["yes", "no"] = Field(
        description="Whether opening a file its reporter did not view needs legal authority.")
    source: str = Field(min_length=5, max_length=2000,
                        description="The statute, section or case the rule is read from.")


class JurisdictionRuleOut(BaseModel):
    code: str
    unviewed_requires_authority: str
    source: str
    recorded: bool
