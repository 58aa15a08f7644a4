"""Domain errors: what use cases raise when a request cannot be done.

Each error knows its HTTP status and its CyberTipline response code, so one place
(`tipline.web_errors`) answers it in the dialect of the API that was called: an XML
`reportResponse` under `/ispws`, JSON `{"error": {...}}` under `/api`, an HTML page for the web
UI. Use cases never build responses, and handlers never catch domain errors one by one. Every
`kind` (the JSON error's `type`) is snake_case and listed in docs/errors.md (tested).
"""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be done; the message says why and what to fix."""

    code = 4000  # CyberTipline responseCode
    http_status = 400
    kind = "invalid_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # where the request is at fault (a JSON path, `header.X`...)


class Invalid(DomainError):
    """The input breaks a rule of the domain (400)."""


class NotFound(DomainError):
    """The thing does not exist, or the actor may not know that it exists (404)."""

    code, http_status, kind = 5001, 404, "not_found"


class Forbidden(DomainError):
    """The actor may see the thing but not do this to it (403)."""

    code, http_status, kind = 3000, 403, "not_authorised"


class Conflict(DomainError):
    """The thing is in a state that does not allow this now (409)."""

    code, http_status, kind = 4000, 409, "conflict"
