"""CyberTipline response documents (`reportResponse`, `reportDoneResponse`)."""

from __future__ import annotations

from lxml import etree
from starlette.responses import Response

XML = "application/xml; charset=utf-8"
DESCRIPTIONS = {
    0: "Success",
    1000: "Server error",
    2000: "Authentication required",
    3000: "Not authorized",
    4000: "Invalid request",
    4100: "Validation failed",
    4110: "Malformed XML",
    4200: "Malformed file",
    5001: "Report does not exist",
    5002: "File does not exist",
    5101: "Report already retracted",
    5102: "Report already finished",
}


def _xml(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element, xml_declaration=True, encoding="UTF-8"))


def report_response(code: int, description: str | None = None, *, report_id: int | None = None,
                    file_id: str | None = None, md5: str | None = None,
                    status: int = 200, headers: dict[str, str] | None = None) -> Response:
    root = etree.Element("reportResponse")
    etree.SubElement(root, "responseCode").text = str(code)
    etree.SubElement(root, "responseDescription").text = description or DESCRIPTIONS.get(
        code, "Error")
    if report_id is not None:
        etree.SubElement(root, "reportId").text = str(report_id)
    if file_id is not None:
        etree.SubElement(root, "fileId").text = file_id
    if md5 is not None:
        etree.SubElement(root, "hash").text = md5
    return Response(_xml(root), status_code=status, media_type=XML, headers=headers)


def done_response(report_id: int, file_ids: list[str], headers: dict[str, str] | None = None,
                  code: int = 0, status: int = 200) -> Response:
    root = etree.Element("reportDoneResponse")
    etree.SubElement(root, "responseCode").text = str(code)
    etree.SubElement(root, "reportId").text = str(report_id)
    files = etree.SubElement(root, "files")
    for file_id in file_ids:
        etree.SubElement(files, "fileId").text = file_id
    return Response(_xml(root), status_code=status, media_type=XML, headers=headers)
