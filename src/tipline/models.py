"""Every table, imported in one place so migrations and tests see the whole schema."""

from tipline.agencies.models import Agency, RetentionWindow
from tipline.alerts.models import Alert
from tipline.audit.models import AuditEvent
from tipline.banks.models import (
    Bank,
    BankEntry,
    BankSignal,
    IndexChange,
    Provenance,
    SignalVariant,
)
from tipline.cases.models import (
    Case,
    CaseEvent,
    CaseLinkDecision,
    CaseNote,
    CasePriority,
    CaseReport,
)
from tipline.classification.models import JurisdictionRule, LegalAuthority, MediaFact
from tipline.clusters.models import ClusterEvent, ClusterMember, MediaCluster
from tipline.db import Base
from tipline.deconfliction.models import Watch, WatchHit
from tipline.delivery.models import Delivery
from tipline.matching.models import FileMatch
from tipline.outcomes.models import Outcome, ReporterWebhook
from tipline.pipeline.models import PipelineJob, StageRun
from tipline.reporters.models import ApiKey, Reporter
from tipline.reports.models import FileSignal, Identifier, IpEvent, RawDocument, Report, ReportFile
from tipline.retro.models import RetroCursor
from tipline.review.models import ExposureOverride, MediaReveal, ReviewerPreference
from tipline.routing.models import Route, RouteCountry
from tipline.takedown.models import (
    Hotline,
    Notice,
    Provider,
    PublicReport,
    TakedownUrl,
    UrlEvent,
    UrlSighting,
)
from tipline.users.models import StaffSession, User
from tipline.workqueue.models import WorkItem

__all__ = [
    "Agency",
    "Alert",
    "ApiKey",
    "AuditEvent",
    "Bank",
    "BankEntry",
    "BankSignal",
    "Base",
    "Case",
    "CaseEvent",
    "CaseLinkDecision",
    "CaseNote",
    "CasePriority",
    "CaseReport",
    "ClusterEvent",
    "ClusterMember",
    "Delivery",
    "ExposureOverride",
    "FileMatch",
    "FileSignal",
    "Hotline",
    "Identifier",
    "IndexChange",
    "IpEvent",
    "JurisdictionRule",
    "LegalAuthority",
    "MediaCluster",
    "MediaFact",
    "MediaReveal",
    "Notice",
    "Outcome",
    "PipelineJob",
    "Provenance",
    "Provider",
    "PublicReport",
    "RawDocument",
    "Report",
    "ReportFile",
    "Reporter",
    "ReporterWebhook",
    "RetentionWindow",
    "RetroCursor",
    "ReviewerPreference",
    "Route",
    "RouteCountry",
    "SignalVariant",
    "StaffSession",
    "StageRun",
    "TakedownUrl",
    "UrlEvent",
    "UrlSighting",
    "User",
    "Watch",
    "WatchHit",
    "WorkItem",
]
