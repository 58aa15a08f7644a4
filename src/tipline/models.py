"""Every table, imported in one place so migrations and tests see the whole schema."""

from tipline.audit.models import AuditEvent
from tipline.banks.models import (
    Bank,
    BankEntry,
    BankSignal,
    IndexChange,
    Provenance,
    SignalVariant,
)
from tipline.db import Base
from tipline.matching.models import FileMatch
from tipline.pipeline.models import PipelineJob, StageRun
from tipline.reporters.models import Reporter
from tipline.reports.models import FileSignal, Identifier, IpEvent, RawDocument, Report, ReportFile

__all__ = [
    "AuditEvent", "Bank", "BankEntry", "BankSignal", "FileMatch", "IndexChange", "Provenance",
    "SignalVariant", "Base", "FileSignal", "Identifier", "IpEvent", "PipelineJob", "RawDocument",
    "Report", "ReportFile", "Reporter", "StageRun",
]
