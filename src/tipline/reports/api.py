"""`/api/v1/reports`: the JSON intake API, the same content as the CyberTipline XML."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile

from tipline.http import actor_for, check_declared_size, current_reporter, in_thread, read_body
from tipline.reporters.service import AuthenticatedReporter
from tipline.reports import errors, usecases
from tipline.reports.schemas import (
    FinishedOut,
    QualityOut,
    ReportStatusOut,
    SubmittedOut,
    UploadedOut,
)
from tipline.reports.service import Document
from tipline.state import AppState

router = APIRouter(prefix="/api/v1/reports", tags=["JSON intake API"])

DOC_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object",
    "description": "The CyberTipline report content in JSON form: element names as keys, "
                   "repeatable elements as lists, attributes as `@name` beside `value`. "
                   "Validated against the schema served at /ispws/xsd.",
}}}}}


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


async def _json_document(request: Request, root: str, fill: dict[str, Any]) -> Document:
    body = await read_body(request)
    try:
        content = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise errors.ValidationFailed(f"the body is not valid JSON: {exc}", "$") from exc
    except RecursionError as exc:  # thousands of nested arrays or objects
        raise errors.ValidationFailed("the body's JSON is nested too deeply", "$") from exc
    if isinstance(content, dict):
        for key, value in fill.items():
            if key in content and str(content[key]) != str(value):
                raise errors.ValidationFailed(f"{key} in the body ({content[key]}) does not "
                                              f"match the URL ({value})", f"$.{key}")
        content = {**fill, **content}
    state = _state(request)
    element = state.schema.from_json(content, root)
    # Keep the content as the schema reads it back, so XML and JSON reports look alike.
    return Document(state.schema.to_json(element), body, "application/json")


@router.post("", status_code=201, response_model=SubmittedOut, openapi_extra=DOC_BODY)
async def create_report(request: Request,
                        reporter: AuthenticatedReporter = Depends(current_reporter)
                        ) -> SubmittedOut:
    doc = await _json_document(request, "report", {})
    key = request.headers.get("idempotency-key")
    result = await in_thread(usecases.submit, _state(request), reporter, doc, "json", key,
                             actor_for(reporter, request))
    return SubmittedOut(report_id=result.report_id, status="open", created=result.created)


@router.get("", response_model=list[ReportStatusOut])
async def list_reports(request: Request, limit: int = Query(50, ge=1, le=500),
                       offset: int = Query(0, ge=0, le=2**31),
                       reporter: AuthenticatedReporter = Depends(current_reporter)
                       ) -> list[ReportStatusOut]:
    result: list[ReportStatusOut] = await in_thread(usecases.statuses, _state(request),
                                                    reporter, limit, offset)
    return result


@router.get("/{report_id}", response_model=ReportStatusOut)
async def get_report(request: Request, report_id: int,
                     reporter: AuthenticatedReporter = Depends(current_reporter)
                     ) -> ReportStatusOut:
    result: ReportStatusOut = await in_thread(usecases.status, _state(request), reporter,
                                              report_id)
    return result


@router.post("/{report_id}/files", status_code=201, response_model=UploadedOut)
async def upload_file(request: Request, report_id: int,
                      reporter: AuthenticatedReporter = Depends(current_reporter)
                      ) -> UploadedOut:
    check_declared_size(request)
    async with request.form(max_files=1, max_fields=5) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise errors.InvalidRequest("send the file as the multipart form field 'file'",
                                        "form.file")
        result = await in_thread(usecases.upload, _state(request), reporter, report_id,
                                 file.file, file.filename, file.content_type,
                                 actor_for(reporter, request))
    ev = result.evidence
    return UploadedOut(report_id=report_id, file_id=result.file_id, size=ev.size, md5=ev.md5,
                       sha1=ev.sha1, sha256=ev.sha256)


@router.put("/{report_id}/files/{file_id}", openapi_extra=DOC_BODY)
async def describe_file(request: Request, report_id: int, file_id: str,
                        reporter: AuthenticatedReporter = Depends(current_reporter)
                        ) -> dict[str, Any]:
    doc = await _json_document(request, "fileDetails",
                               {"reportId": report_id, "fileId": file_id})
    await in_thread(usecases.describe, _state(request), reporter, report_id, file_id, doc,
                    actor_for(reporter, request))
    return {"report_id": report_id, "file_id": file_id, "described": True}


@router.post("/{report_id}/finish", response_model=FinishedOut)
async def finish_report(request: Request, report_id: int,
                        reporter: AuthenticatedReporter = Depends(current_reporter)
                        ) -> FinishedOut:
    result = await in_thread(usecases.finish, _state(request), reporter, report_id,
                             actor_for(reporter, request))
    quality = QualityOut.model_validate(result.quality.as_json())
    return FinishedOut(report_id=report_id, status="finished", files=result.file_ids,
                       quality=quality)


@router.post("/{report_id}/retract")
async def retract_report(request: Request, report_id: int,
                         reporter: AuthenticatedReporter = Depends(current_reporter)
                         ) -> dict[str, Any]:
    await in_thread(usecases.retract, _state(request), reporter, report_id,
                    actor_for(reporter, request))
    return {"report_id": report_id, "status": "retracted"}
