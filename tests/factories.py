"""Benign sample documents for tests: CyberTipline reports in JSON form, and their XML."""

from __future__ import annotations

import copy
import io
from typing import Any

from PIL import Image

from tipline.ncmec.schema import load_schema, to_xml_bytes

CP = "Child Pornography (possession, manufacture, and distribution)"


def report_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "incidentSummary": {
            "incidentType": CP,
            "platform": "ExampleChat",
            "reportAnnotations": {"sextortion": True},
            "incidentDateTime": "2026-11-20T10:00:00Z",
        },
        "internetDetails": [{"webPageIncident": {"url": ["https://files.example.test/a/1"]}}],
        "reporter": {
            "reportingPerson": {"firstName": "Trust", "lastName": "Safety",
                                "email": ["safety@example.test"]},
        },
        "personOrUserReported": [{
            "espIdentifier": "user-1001",
            "espService": "ExampleChat",
            "screenName": "shadow_fox",
            "personOrUserReportedPerson": {"email": ["Fox@Example.test"]},
            "ipCaptureEvent": [{"ipAddress": "198.51.100.23", "eventName": "Upload",
                                "dateTime": "2026-11-20T09:58:00Z", "port": 443}],
            "deviceId": [{"idType": "IDFA", "idValue": "ab-cd-ef"}],
        }],
    }
    merged = copy.deepcopy(doc)
    merged.update(overrides)
    return merged


def report_xml(doc: dict[str, Any] | None = None) -> bytes:
    return to_xml_bytes(load_schema().from_json(doc or report_doc(), "report"))


def file_doc(**fields: Any) -> dict[str, Any]:
    return {"fileName": "image.png", "fileViewedByEsp": True, "publiclyAvailable": False,
            "industryClassification": "B2", **fields}


def png_bytes(seed: int = 1, size: int = 64) -> bytes:
    """A small benign procedural image."""
    image = Image.new("RGB", (size, size))
    image.putdata([((x * seed) % 256, (y * 3 + seed) % 256, (x + y) % 256)
                   for y in range(size) for x in range(size)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
