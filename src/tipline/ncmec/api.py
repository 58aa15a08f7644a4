"""`/ispws`: the CyberTipline reporting API, so existing integrations work by changing only
their base URL. Same paths, XML documents, response codes and HTTP basic authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from tipline.http import actor_for, check_declared_size, current_reporter, in_thread, read_body
from tipline.ncmec import responses
from tipline.reports import errors, usecases
from tipline.reports.service import Document
from tipline.state import AppState

router = APIRouter(prefix="/ispws", tags=["CyberTipline-compatible API"])
# Handlers authenticate by calling `current_reporter` rather than through `Depends`: FastAPI's
# dependency solving costs more CPU per request than the check itself, on the intake hot path.


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.tipline
    return state


def _report_id(value: object) -> int:
    text = value.strip() if isinstance(value, str) else ""
    # isascii: str.isdigit also accepts digits of other scripts, which int() would convert.
    if not (text.isascii() and text.isdigit()):
        raise errors.InvalidRequest("the form field 'id' must be the report id (a number)")
    return int(text)


async def _document(request: Request, root: str) -> Document:
    body = await read_body(request)
    state = _state(request)
    element = state.schema.parse(body, root)
    content_type = request.headers.get("content-type", "application/xml")
    return Document(state.schema.to_json(element), body, content_type)


@router.get("/status")
async def status(request: Request) -> Response:
    reporter = await current_reporter(request)
    return responses.report_response(0, f"Server is up; authenticated as {reporter.name}")


@router.get("/xsd")
async def xsd(request: Request) -> Response:
    return Response(_state(request).schema.xsd_bytes, media_type="text/xml; charset=utf-8")


@router.post("/submit")
async def submit(request: Request) -> Response:
    reporter = await current_reporter(request)
    doc = await _document(request, "report")
    key = request.headers.get("idempotency-key")
    result = await in_thread(usecases.submit, _state(request), reporter, doc, "ncmec_xml", key,
                             actor_for(reporter, request))
    return responses.report_response(0, report_id=result.report_id)


@router.post("/upload")
async def upload(request: Request) -> Response:
    reporter = await current_reporter(request)
    check_declared_size(request)
    async with request.form(max_files=1, max_fields=10) as form:
        report_id = _report_id(form.get("id"))
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise errors.InvalidRequest("send the file as the multipart form field 'file'")
        result = await in_thread(usecases.upload, _state(request), reporter, report_id,
                                 file.file, file.filename, file.content_type,
                                 actor_for(reporter, request))
    return responses.report_response(0, report_id=report_id, file_id=result.file_id,
                                     md5=result.evidence.md5)


@router.post("/fileinfo")
async def fileinfo(request: Request) -> Response:
    reporter = await current_reporter(request)
    doc = await _document(request, "fileDetails")
    report_id, file_id = int(doc.content["reportId"]), str(doc.content["fileId"])
    await in_thread(usecases.describe, _state(request), reporter, report_id, file_id, doc,
                    actor_for(reporter, request))
    return responses.report_response(0, report_id=report_id, file_id=file_id)


@router.post("/finish")
async def finish(request: Request) -> Response:
    reporter = await current_reporter(request)
    check_declared_size(request)
    form = await request.form(max_files=0, max_fields=10)
    report_id = _report_id(form.get("id"))
    request.state.report_id = report_id  # for an error's reportDoneResponse
    result = await in_thread(usecases.finish, _state(request), reporter, report_id,
                             actor_for(reporter, request))
    # The response document has no room for quality; headers carry it without breaking the
    # schema, and the JSON status endpoint has the full list.
    headers = {
        "X-Tipline-Quality-Score": str(result.quality.score),
        "X-Tipline-Quality-Issues": ",".join(i.code for i in result.quality.issues),
        "X-Tipline-Status": f"/api/v1/reports/{report_id}",
    }
    return responses.done_response(report_id, result.file_ids, headers)


@router.post("/retract")
async def retract(request: Request) -> Response:
    reporter = await current_reporter(request)
    check_declared_size(request)
    form = await request.form(max_files=0, max_fields=10)
    report_id = _report_id(form.get("id"))
    await in_thread(usecases.retract, _state(request), reporter, report_id,
                    actor_for(reporter, request))
    return responses.report_response(0, report_id=report_id)
