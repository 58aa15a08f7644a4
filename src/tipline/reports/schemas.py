"""API shapes of the JSON intake API.

Report and file documents themselves are the CyberTipline schema in JSON form (element names as
keys, repeatable elements as lists, attributes as `@name` next to `value`); they are validated
against the XSD, so they are not restated here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel


class QualityIssueOut(BaseModel):
    code: str
    severity: str
    path: str
    message: str


class QualityOut(BaseModel):
    score: int
    issues: list[QualityIssueOut]


class SubmittedOut(BaseModel):
    report_id: int
    status: str
    created: bool


class UploadedOut(BaseModel):
    report_id: int
    file_id: str
    size: int
    md5: str
    sha1: str
    sha256: str


class FinishedOut(BaseModel):
    report_id: int
    status: str
    files: list[str]
    quality: QualityOut


class FileStatusOut(BaseModel):
    file_id: str
    size: int
    md5: str
    sha256: str
    described: bool
    media_kind: str | None = None  # image | video | other, once hashed
    media_error: str | None = None  # why the file could not be decoded, if it could not
    content_warning: str | None = None  # the content is not what its name or type says


class PipelineOut(BaseModel):
    status: str
    next_stage: str | None
    stages_done: list[str]
    attempts: int
    last_error: str | None


class ReportStatusOut(BaseModel):
    report_id: int
    status: str
    source: str
    incident_type: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    retracted_at: dt.datetime | None
    files: list[FileStatusOut]
    quality: QualityOut | None
    pipeline: PipelineOut | None


class ErrorOut(BaseModel):
    code: int
    type: str
    message: str
    detail: Any = None
