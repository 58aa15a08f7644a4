"""Errors of the report lifecycle, each with its CyberTipline response code and HTTP status."""

from __future__ import annotations

import re
from typing import Any

from tipline.errors import DomainError


class ReportError(DomainError):
    """An error of the report lifecycle; its `kind` (the JSON error's `type`) is its class
    name in snake_case, like every other error type (`ValidationFailed`:
    `validation_failed`)."""

    code = 4000
    http_status = 400
    kind = "invalid_request"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.kind = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


class InvalidRequest(ReportError):
    code, http_status = 4000, 400


class ValidationFailed(ReportError):
    code, http_status = 4100, 400


class MalformedFile(ReportError):
    code, http_status = 4200, 400


class PayloadTooLarge(ReportError):
    code, http_status = 4000, 413


class ReportNotFound(ReportError):
    code, http_status = 5001, 404


class FileNotFoundInReport(ReportError):
    code, http_status = 5002, 404


class AlreadyRetracted(ReportError):
    code, http_status = 5101, 409


class AlreadyFinished(ReportError):
    code, http_status = 5102, 409


class IdempotencyConflict(ReportError):
    code, http_status = 4000, 409
