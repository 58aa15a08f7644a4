"""Every table, imported in one place so migrations and tests see the whole schema."""

from tipline.audit.models import AuditEvent
from tipline.db import Base
from tipline.pipeline.models import PipelineJob, StageRun
from tipline.reporters.models import Reporter
from tipline.reports.models import FileSignal, Identifier, IpEvent, RawDocument, Report, ReportFile

__all__ = [
    "AuditEvent", "Base", "FileSignal", "Identifier", "IpEvent", "PipelineJob", "RawDocument",
    "Report", "ReportFile", "Reporter", "StageRun",
]
