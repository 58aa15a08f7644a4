"""The transparency report in its three formats. Nothing here depends on the clock or the
machine: the same report gives the same bytes (the charts too, see `charts.py`)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from tipline.transparency import charts
from tipline.transparency.report import SUPPRESSED, Metric, Report, as_dict

FORMATS = ("html", "csv", "json")
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
               "json": "application/json"}
_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]), keep_trailing_newline=True)


def json_bytes(report: Report) -> bytes:
    return json.dumps(as_dict(report), indent=1, ensure_ascii=False).encode() + b"\n"


def csv_bytes(report: Report) -> bytes:
    """`record,metric,label,value`: first the report's own lines (period, digest), then each
    metric's definition, then its values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("record", "metric", "label", "value"))
    for key, value in (("from", report.start), ("to", report.end), ("as_of", report.as_of),
                       ("inputs_sha256", report.inputs_sha256)):
        writer.writerow(("report", "", key, value))
    for metric in report.metrics:
        writer.writerow(("definition", metric.id, metric.title, metric.definition))
        for label, figure in metric.rows:
            writer.writerow(("value", metric.id, label, "" if figure is None else figure))
    return out.getvalue().encode()


def chart_uri(metric: Metric) -> str | None:
    rows = [(label, value if isinstance(value, int) else None) for label, value in metric.rows
            if isinstance(value, int) or value == SUPPRESSED]
    if not metric.chart or not rows:
        return None
    return charts.data_uri(charts.bar_svg(metric.title, rows))


def html_body(report: Report) -> str:
    """The report's HTML without a page around it (the `/transparency` page embeds it)."""
    return _ENV.get_template("report_body.html").render(
        report=report, charts={m.id: chart_uri(m) for m in report.metrics})


def html_document(report: Report) -> bytes:
    return _ENV.get_template("report_document.html").render(
        report=report, body=html_body(report)).encode()


def render(report: Report, fmt: str) -> bytes:
    if fmt == "json":
        return json_bytes(report)
    if fmt == "csv":
        return csv_bytes(report)
    return html_document(report)
