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
    "AuditEvent",
    "Bank",
    "BankEntry",
    "BankSignal",
    "Base",
    "FileMatch",
    "FileSignal",
    "Identifier",
    "IndexChange",
    "IpEvent",
    "PipelineJob",
    "Provenance",
    "RawDocument",
    "Report",
    "ReportFile",
    "Reporter",
    "SignalVariant",
    "StageRun",
]
