"""The OpenAPI document the README points users to is served, lists every API, and is
complete: every route documents its body (with an example), its answers and its security."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import httpx
from fastapi import FastAPI
from pydantic import TypeAdapter

from tipline import openapi, web_errors
from tipline.app import create_app
from tipline.ncmec.schema import load_schema
from tipline.settings import Settings

from support import LiveServer

ROOT = Path(__file__).parents[1]


def test_openapi_lists_every_api(server: LiveServer, http: httpx.Client) -> None:
    spec = http.get(f"{server.url}/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for expected in ("/ispws/submit", "/ispws/upload", "/api/v1/reports",
                     "/api/v1/match/media", "/api/v1/worklist", "/api/v1/cases/{case_id}",
                     "/api/v1/agencies/me/queue"):
        assert expected in paths, expected
    assert http.get(f"{server.url}/docs").status_code == 200


# --- completeness: every route documents its body, answers, examples and security ------------

def _app() -> FastAPI:
    return create_app(Settings(data_dir=Path(tempfile.mkdtemp())))


def test_every_route_documents_its_body_answers_example_and_security() -> None:
    app = _app()
    spec = app.openapi()
    missing = []
    for path, method, _route in openapi.api_routes(app):
        operation = spec["paths"][path][method]
        where = f"{method.upper()} {path}"
        answers = operation["responses"]
        ok = [s for s in answers if s.startswith("2")]
        if not ok or any(s != "204" and not answers[s].get("content") for s in ok):
            missing.append(f"{where}: no documented success answer")
        if "422" in answers or "400" not in answers:
            missing.append(f"{where}: errors are 400 (web_errors), documented")
        body = operation.get("requestBody")
        if method in ("post", "put", "patch") and body is None and (
                method, path) not in openapi.NO_BODY:
            missing.append(f"{where}: no documented request body")
        for media_type, media in (body or {}).get("content", {}).items():
            if "example" not in media and "examples" not in media:
                missing.append(f"{where}: {media_type} body without an example")
        if path not in openapi.UNAUTHENTICATED and path != "/healthz" and (
                "security" not in operation or "401" not in answers):
            missing.append(f"{where}: no security scheme")
    assert not missing, "\n".join(missing)
    assert set(spec["components"]["securitySchemes"]) == {"reporter", "staff"}


def test_json_body_examples_are_valid_for_their_models() -> None:
    """Every example is accepted by the model the route validates its body with."""
    app = _app()
    checked = set()
    for _path, _method, route in openapi.api_routes(app):
        if route.body_field is None:
            continue
        schema = route.body_field.field_info.annotation
        name = openapi.model_name(app.openapi()["paths"][_path][_method]["requestBody"][
            "content"]["application/json"]["schema"])
        TypeAdapter(schema).validate_python(openapi.EXAMPLES[name])
        checked.add(name)
    assert checked == set(openapi.EXAMPLES), set(openapi.EXAMPLES) - checked


def test_report_schemas_come_from_the_xsd_and_their_examples_validate() -> None:
    spec = _app().openapi()
    schemas = spec["components"]["schemas"]
    schema = load_schema()
    report = schemas[openapi.REPORT]
    assert set(report["properties"]) == set(schema.roots["report"].children)
    person = report["properties"]["personOrUserReported"]
    assert person["type"] == "array"  # repeatable in the XSD
    assert "estimatedLocation" in person["items"]["properties"]
    schema.from_json(report["example"], "report")  # raises if the example drifted
    details = schemas[openapi.FILE_DETAILS]
    schema.from_json({"reportId": 1, "fileId": "f", **details["example"]}, "fileDetails")
    readme_example = json.loads((ROOT / "examples" / "report.json").read_text())
    assert readme_example == report["example"]
    create = spec["paths"]["/api/v1/reports"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CyberTiplineReport"}
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header"
               for p in create["parameters"])
    upload = spec["paths"]["/api/v1/reports/{report_id}/files"]["post"]["requestBody"]
    assert upload["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    assert set(schemas[openapi.ERROR]["properties"]["error"]["properties"]["type"]["enum"]) == (
        web_errors.OWN_TYPES | web_errors.domain_types())


def test_the_intake_answers_have_valid_examples() -> None:
    """What an integrator's code reads first (submitted, uploaded, finished) has an example,
    accepted by the model the route answers with."""
    app = _app()
    spec = app.openapi()
    shown = set()
    for path, method, route in openapi.api_routes(app):
        for status, answer in spec["paths"][path][method]["responses"].items():
            media = answer.get("content", {}).get("application/json", {})
            if status.startswith("2") and "example" in media:
                assert route.response_model is not None, path
                TypeAdapter(route.response_model).validate_python(media["example"])
                shown.add(openapi.model_name(media["schema"]))
    assert shown == set(openapi.ANSWER_EXAMPLES)
    create = spec["paths"]["/api/v1/reports"]["post"]["responses"]["201"]
    assert create["content"]["application/json"]["example"]["report_id"] == 1
