"""The OpenAPI document, complete: what FastAPI derives from the routes, plus what it cannot
see. The JSON report and fileDetails schemas are derived from the CyberTipline XSD (the same
element tree that validates every report, `ncmec.schema`), so they cannot drift from it; bodies
read by hand (XML, multipart, raw files) are declared; every JSON body has an example; the
`Idempotency-Key` header, the error answers (`web_errors`, in docs/errors.md) and the two HTTP
basic security schemes (reporter accounts, staff users) are declared, so `/docs` can authorise.
`tests/test_openapi.py` fails when a route lacks a documented body, response or example.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from tipline.http import current_reporter
from tipline.ncmec.schema import ElementSpec, load_schema
from tipline.users.auth import current_user
from tipline.web_errors import OWN_TYPES, domain_types

REPORT, FILE_DETAILS, ERROR = "CyberTiplineReport", "CyberTiplineFileDetails", "Error"
REF = "#/components/schemas/"
SCALARS = {"bool": "boolean", "int": "integer", "float": "number", "str": "string"}
XML = "application/xml"
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"


def example_report() -> dict[str, Any]:
    """A small valid report (the README's examples/report.json, shipped in the package)."""
    text = resources.files("tipline.ncmec").joinpath("example_report.json").read_text()
    found: dict[str, Any] = json.loads(text)
    return found


EXAMPLE_FILE_DETAILS = {"originalFileName": "image.png", "fileViewedByEsp": True,
                        "publiclyAvailable": False,
                        "ipCaptureEvent": {"ipAddress": "198.51.100.23",
                                           "eventName": "Upload",
                                           "dateTime": "2026-11-20T09:58:00Z"}}


# --- the CyberTipline content as JSON Schema -----------------------------------------------

def element_schema(spec: ElementSpec, seen: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The JSON form of one element (as `ncmec.schema.from_json` reads it): a complex element
    is an object of its children (a repeatable child a list) and `@attributes`; a simple one
    its scalar, or `{"value": scalar, "@attr": ...}` when it has attributes."""
    attrs = {f"@{name}": {"type": SCALARS.get(kind, "string")} for name, kind in spec.attrs.items()}
    if spec.kind != "complex":
        scalar = {"type": SCALARS.get(spec.kind, "string")}
        if not attrs:
            return scalar
        return {"anyOf": [scalar, {"type": "object", "additionalProperties": False,
                                   "properties": {"value": scalar, **attrs}}]}
    if id(spec.children) in seen:  # a recursive type: its inner levels stay open
        return {"type": "object"}
    inner = seen | {id(spec.children)}
    properties: dict[str, Any] = dict(attrs)
    for name, child in spec.children.items():
        one = element_schema(child, inner)
        properties[name] = {"type": "array", "items": one} if child.multi else one
    return {"type": "object", "additionalProperties": False, "properties": properties}


def content_schemas() -> dict[str, Any]:
    roots = load_schema().roots
    report = {**element_schema(roots["report"]), "example": example_report(),
              "description": "A CyberTipline report in JSON form: element names of the XSD "
                             "(`/ispws/xsd`) as keys, repeatable elements as lists, attributes "
                             "as `@name` beside `value`. Derived from the XSD; validated "
                             "against it."}
    details = {**element_schema(roots["fileDetails"]), "example": EXAMPLE_FILE_DETAILS,
               "description": "What the reporter knows about one uploaded file (the XSD's "
                              "fileDetails; `reportId` and `fileId` come from the URL)."}
    error = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "type", "message", "field"], "properties": {
            "code": {"type": "integer", "description": "CyberTipline responseCode"},
            "type": {"type": "string", "enum": sorted(OWN_TYPES | domain_types()),
                     "description": "Stable; see docs/errors.md"},
            "message": {"type": "string", "description": "What to fix, for a person"},
            "field": {"type": ["string", "null"],
                      "description": "Where the request is at fault: a JSON path into the "
                                     "body (`$.a.b[0]`), `query.X`, `path.X` or `header.X`"}}}},
        "example": {"error": {"code": 4100, "type": "validation_failed",
                              "message": "the document does not follow the CyberTipline "
                                         "schema: $.incidentSummary.incidentType: ...",
                              "field": "$.incidentSummary.incidentType"}}}
    return {REPORT: report, FILE_DETAILS: details, ERROR: error}


# --- bodies FastAPI cannot see (read from the request by hand) --------------------------------

def _xml_body(root: str, example: str) -> dict[str, Any]:
    return {"required": True, "content": {XML: {
        "schema": {"type": "string", "description": f"A CyberTipline <{root}> document, "
                   "validated against /ispws/xsd (no DTD, no entities)."},
        "example": example}}}


def _multipart(fields: dict[str, Any], required: list[str], example: dict[str, Any]
               ) -> dict[str, Any]:
    return {"required": True, "content": {MULTIPART: {
        "schema": {"type": "object", "required": required, "properties": fields},
        "example": example}}}


BINARY = {"type": "string", "format": "binary"}
REPORT_ID_FIELD = {"type": "string", "description": "The report id `submit` returned."}
ID_FORM = {"required": True, "content": {FORM: {
    "schema": {"type": "object", "required": ["id"], "properties": {"id": REPORT_ID_FIELD}},
    "example": {"id": "1"}}}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "Your own key for this report (e.g. your ticket id). Sending the same "
                   "document again with the same key returns the same report (`created: "
                   "false`) instead of a second one; a different document with a used key is "
                   "refused (409 `idempotency_conflict`).",
    "example": "ticket-4711"}


def _hand_read_bodies() -> dict[tuple[str, str], dict[str, Any]]:
    """Request bodies of routes that read the request themselves, by (method, path)."""
    report_xml = "<?xml version='1.0' encoding='UTF-8'?>\n<report>...</report>"
    file_example = {"file": "(the file's bytes)"}
    return {
        ("post", "/ispws/submit"): _xml_body("report", report_xml),
        ("post", "/ispws/upload"): _multipart({"id": REPORT_ID_FIELD, "file": BINARY},
                                              ["id", "file"], {"id": "1", **file_example}),
        ("post", "/ispws/fileinfo"): _xml_body(
            "fileDetails", "<fileDetails><reportId>1</reportId><fileId>FILE_ID</fileId>"
                           "<originalFileName>image.png</originalFileName></fileDetails>"),
        ("post", "/ispws/finish"): ID_FORM,
        ("post", "/ispws/retract"): ID_FORM,
        ("post", "/api/v1/reports"): {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF + REPORT}, "example": example_report()}}},
        ("put", "/api/v1/reports/{report_id}/files/{file_id}"): {
            "required": True, "content": {"application/json": {
                "schema": {"$ref": REF + FILE_DETAILS}, "example": EXAMPLE_FILE_DETAILS}}},
        ("post", "/api/v1/reports/{report_id}/files"): _multipart(
            {"file": BINARY}, ["file"], file_example),
        ("post", "/api/v1/match/media"): _multipart(
            {"file": {"type": "array", "items": BINARY,
                      "description": "One or more files, each as a field named 'file'."}},
            ["file"], file_example),
        ("post", "/api/v1/agencies/{code}/outcomes/package"): {"required": True, "content": {
            "application/json": {
                "schema": {"type": "object", "description": "tipline.outcome-package/1, "
                           "signed in X-Tipline-Signature (docs/feedback.md)"},
                "example": {"format": "tipline.outcome-package/1", "agency": "DE-BKA",
                            "outcomes": [{"case_id": 12, "outcome": "arrest",
                                          "reference": "BKA-2026-77"}]}}}},
        ("post", "/api/v1/banks/{name}/import"): {"required": True, "content": {
            "application/octet-stream": {
                "schema": {**BINARY, "description": "A hash list: VICS 2.0 JSON, NCMEC XML, "
                           "HMA signal list or CSV (`format=auto` tells them apart)."},
                "example": "type,value,contributor\nmd5,0123456789abcdef0123456789abcdef,"
                           "Hotline\n"}}},
    }


# Examples of the JSON bodies FastAPI derives from pydantic models, by model name
# (`tests/test_openapi.py` validates each against its model).
EXAMPLES: dict[str, Any] = {
    "MatchRequest": {"hashes": [{"type": "md5", "value": "0123456789abcdef0123456789abcdef"}]},
    "BankCreate": {"name": "hotline-known", "description": "Known material from the hotline",
                   "kind": "positive", "pdq_threshold": 31},
    "EntryIn": {"type": "md5", "value": "0123456789abcdef0123456789abcdef",
                "classifications": {"interpol": "baseline"}, "jurisdictions": ["GB"],
                "contributor": "Hotline", "source_list": "weekly-2026-48"},
    "EntryRef": {"type": "md5", "value": "0123456789abcdef0123456789abcdef"},
    "FactIn": {"age_band": "prepubescent", "activity": "lascivious", "nature": "real"},
    "AuthorityIn": {"reference": "warrant 2026/118", "jurisdiction": "DE"},
    "AssignIn": {"user_id": 3},
    "StatusIn": {"status": "closed", "closing_reason": "referred_acknowledged",
                 "reason": "sent to the agency"},
    "NoteIn": {"text": "Same account as case 12; asked the platform for subscriber data."},
    "SplitIn": {"report_id": 41, "reason": "a different person with the same screen name"},
    "UnlinkIn": {"report_id": 41, "other_report_id": 40, "reason": "a shared hotel IP"},
    "MergeIn": {"other_case_id": 17, "reason": "the same device id"},
    "TakeNextIn": {"level": "P1"},
    "AgencyIn": {"code": "FI-KRP", "name": "Finnish national desk", "countries": ["FI"],
                 "channel": "europol", "via_code": "EUROPOL", "delivery_method": "pull",
                 "contact": "desk@fi.example.org"},
    "AgencyPatch": {"contact": "new-desk@fi.example.org"},
    "RetentionIn": {"days": 180, "source": "Data retention act, section 4"},
    "WatchIn": {"kind": "account", "value": "shadow_fox", "service": "ExampleChat",
                "reference": "OP-BLUE-7"},
    "Detail": {"received_by": "duty desk", "reference": "INC-2026-0042"},
    "JurisdictionRuleIn": {"unviewed_requires_authority": "yes",
                           "source": "Code of criminal procedure, section 100a"},
    "OutcomeBody": {"case_id": 12, "outcome": "under_investigation",
                    "reference": "INC-2026-0042-1"},
    "WebhookIn": {"url": "https://platform.example.org/tipline/outcomes",
                  "secret": "a-long-random-shared-secret", "active": True},
    "AssessmentIn": {"assessment": "baseline"},
    "ProviderIn": {"name": "Example Hosting", "country": "NL", "ranges": ["192.0.2.0/24"],
                   "domains": ["example-hosting.test"], "channel": "email",
                   "contact": "abuse@example-hosting.test"},
    "HotlineIn": {"country": "DE", "name": "German hotline", "channel": "email",
                  "contact": "reports@hotline.example.de"},
}

# Examples of the JSON intake API's answers, by model name (validated against their models by
# `tests/test_openapi.py`): what an integrator's code reads first.
ANSWER_EXAMPLES: dict[str, Any] = {
    "SubmittedOut": {"report_id": 1, "status": "open", "created": True},
    "UploadedOut": {"report_id": 1, "file_id": "8f14e45fceea167a5a36dedd4bea2543",
                    "size": 48213, "md5": "3e700a97fab87c6b3482503cf8bf9d60",
                    "sha1": "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
                    "sha256": "0839a20734f4eca445cb52d348ce2cc6489ec9745732951dccdea1b8f144d147"},
    "FinishedOut": {"report_id": 1, "status": "finished",
                    "files": ["8f14e45fceea167a5a36dedd4bea2543"],
                    "quality": {"score": 92, "issues": [{
                        "code": "file_viewed_unknown", "severity": "warning",
                        "path": "file[8f14e45fceea167a5a36dedd4bea2543].fileViewedByEsp",
                        "message": "say whether a person at your organisation viewed the "
                                   "file"}]}},
}


# --- security and answers --------------------------------------------------------------------

SECURITY_SCHEMES = {
    "reporter": {"type": "http", "scheme": "basic",
                 "description": "A reporter organisation's API account (`tipline reporters "
                                "add`): /ispws and /api/v1/reports, /api/v1/match."},
    "staff": {"type": "http", "scheme": "basic",
              "description": "A staff user (`tipline users add`): analysts, supervisors, "
                             "administrators, agency users; each route says which roles."},
}
# /ispws handlers authenticate by hand (no dependency, on the intake hot path).
# Public, or (an outcome package) authenticated by its HMAC signature rather than a login.
UNAUTHENTICATED = {"/ispws/xsd", "/healthz", "/openapi.json", "/api/v1/outcomes/vocabulary",
                   "/api/v1/agencies/{code}/outcomes/package"}


def _calls(dependant: Dependant) -> set[Any]:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def _scheme_of(path: str, route: APIRoute) -> str | None:
    calls = _calls(route.dependant)
    if current_user in calls:
        return "staff"
    if current_reporter in calls or (path.startswith("/ispws") and path not in UNAUTHENTICATED):
        return "reporter"
    return None


ISPWS_ANSWER = {"description": "A CyberTipline reportResponse (reportDoneResponse for "
                               "/ispws/finish), as NCMEC's API answers", "content": {XML: {
    "schema": {"type": "string"},
    "example": "<?xml version='1.0' encoding='UTF-8'?>\n<reportResponse><responseCode>0"
               "</responseCode><responseDescription>Success</responseDescription><reportId>1"
               "</reportId></reportResponse>"}}}
XSD_ANSWER = {"description": "The CyberTipline XSD every report is validated against",
              "content": {"text/xml": {"schema": {"type": "string"}}}}
# Routes that take no body: the URL says everything (`tests/test_openapi.py` fails on any other
# POST, PUT or PATCH route without a documented body).
NO_BODY = {("post", "/api/v1/reports/{report_id}/finish"),
           ("post", "/api/v1/reports/{report_id}/retract"),
           ("post", "/api/v1/banks/{name}/enabled/{enabled}"),
           ("post", "/api/v1/cases/{case_id}/take"),
           ("post", "/api/v1/cases/{case_id}/release")}


def _error(description: str, xml: bool) -> dict[str, Any]:
    if xml:
        return {"description": description + " (a CyberTipline reportResponse; "
                "reportDoneResponse for /ispws/finish)", "content": {XML: {
                    "schema": {"type": "string"}}}}
    return {"description": description + " (docs/errors.md)",
            "content": {"application/json": {"schema": {"$ref": REF + ERROR}}}}


def _answers(path: str, scheme: str | None, method: str) -> dict[str, Any]:
    xml = path.startswith("/ispws")
    answers = {"400": _error("Bad request: the message says what to fix", xml),
               "500": _error("A fault on the server's side; nothing was stored", xml)}
    if scheme is not None:
        answers["401"] = _error("No credentials, or wrong ones", xml)
    if scheme == "staff":
        answers["403"] = _error("Your role may not do this", xml)
    if "{" in path or xml:
        answers["404"] = _error("Not found, or not yours to know", xml)
    if method in ("post", "put", "patch"):
        answers["409"] = _error("Not possible in the current state", xml)
        answers["413"] = _error("The body is too large", xml)
    return answers


def model_name(schema: dict[str, Any]) -> str:
    """The model a body schema names: its `$ref`, the `$ref` of an optional body, or its
    title (an inline body such as a free-form `detail`)."""
    refs = [schema, *schema.get("anyOf", [])]
    found = next((r["$ref"] for r in refs if "$ref" in r), "")
    return str(found.rsplit("/", 1)[-1] or schema.get("title", ""))


def _complete(operation: dict[str, Any], path: str, route: APIRoute, method: str,
              bodies: dict[tuple[str, str], dict[str, Any]]) -> None:
    scheme = _scheme_of(path, route)
    if scheme is not None:
        operation["security"] = [{scheme: []}]
    if (method, path) in bodies:
        operation["requestBody"] = bodies[(method, path)]
    if (method, path) in (("post", "/api/v1/reports"), ("post", "/ispws/submit")):
        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    for media in operation.get("requestBody", {}).get("content", {}).values():
        name = model_name(media.get("schema", {}))
        if "example" not in media and name in EXAMPLES:
            media["example"] = EXAMPLES[name]
    responses = operation.setdefault("responses", {})
    if path.startswith("/ispws"):
        responses["200"] = ISPWS_ANSWER if path != "/ispws/xsd" else XSD_ANSWER
    responses.pop("422", None)  # FastAPI's default; tipline answers 400 (web_errors)
    for answer in responses.values():
        for media in answer.get("content", {}).values():
            name = model_name(media.get("schema", {}))
            if "example" not in media and name in ANSWER_EXAMPLES:
                media["example"] = ANSWER_EXAMPLES[name]
    for status, answer in _answers(path, scheme, method).items():
        responses.setdefault(status, answer)


def api_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(full path, method, route) of every documented route, through included routers."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path_format
        if isinstance(route, APIRoute) and route.include_in_schema and path:
            found += [(path, m.lower(), route) for m in sorted(route.methods or ())]
    return found


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The whole document, built once per application."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description,
                       routes=app.routes, tags=app.openapi_tags)
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {}).update(content_schemas())
    components["securitySchemes"] = SECURITY_SCHEMES
    bodies = _hand_read_bodies()
    for path, method, route in api_routes(app):
        operation = spec["paths"].get(path, {}).get(method)
        if operation is not None:
            _complete(operation, path, route, method, bodies)
    app.openapi_schema = spec
    return spec


def install(app: FastAPI) -> None:
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
