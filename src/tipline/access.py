"""Who may see and do what: the one place that answers it, for every API, the CLI and pages.

An actor is a `Viewer`: a reporter organisation, or a staff user with a role, organisation
and jurisdiction (an agency user also carries the active agency whose code is its
organisation, resolved once per request by `staff_viewer`).

- Centre staff (analyst, supervisor, admin, hotline_analyst) see every case, cluster, report
  and file. Reviews are theirs (CASE_ROLES); legal authority is recorded by AUTHORITY_ROLES
  and only for the recorder's own jurisdiction; administrators manage the agency registry and
  retention windows.
- An agency user sees only the cases with a route (active or superseded) to its agency,
  those cases' reports, the files of those reports and the clusters holding such a file
  (inside a cluster, only those members), and its own routes, deliveries, alerts, watches
  and forecast. It never streams evidence content (that is the centre's work).
- A reporter sees only its own reports. A staff user of role `reporter` (a reporter
  organisation's staff, in the reporter portal) is that organisation's reporter viewer: its
  `organisation` is the reporter's API username, resolved once per request by `staff_viewer`
  (no active reporter under it: a viewer that sees nothing). It never sees cases, clusters,
  other organisations' reports or media.
- Casework (take, assign, release, status, notes, split, unlink, merge) is the centre's: an
  agency user may see a case routed to it (403 when it tries to work it), any other case is
  a 404 (`casework_case`). Assigning a case to someone, and releasing a case someone else
  holds, are a supervisor's or an administrator's (`check_supervise`); only an active member
  of the centre's staff may be given a case (`check_assignee`).

Use cases put the `visible_*` predicates into their queries, so a list never holds what its
reader may not see, and fetch single things through `case`, `cluster`, `report` and `file`.
Anything the actor may not know exists is `NotFound` (404); `Forbidden` (403) is only for a
thing it may see but not act on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from tipline.agencies.models import Agency
from tipline.alerts.models import Alert
from tipline.cases import store as cases_store
from tipline.cases.models import Case, CaseReport
from tipline.clusters import store as clusters_store
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.deconfliction.models import Watch
from tipline.delivery.models import Delivery
from tipline.errors import Forbidden, NotFound
from tipline.reporters.models import Reporter
from tipline.reports.models import Report, ReportFile
from tipline.routing.models import Route
from tipline.users.models import User
from tipline.users.rules import AUTHORITY_ROLES, CASE_ROLES
from tipline.users.service import StaffUser

IdColumn = ColumnElement[Any] | InstrumentedAttribute[Any]  # a column holding ids
CENTRE_ROLES = CASE_ROLES  # the centre's own staff: they see everything the centre holds
ADMIN_ROLES = ("admin",)
T = TypeVar("T")
SUPERVISOR_ROLES = AUTHORITY_ROLES  # assign cases, release another's, override
REPORTER_ROLE = "reporter"  # a reporter organisation's staff (the reporter portal)


@dataclass(frozen=True)
class Viewer:
    """The actor behind a request, as access rules need it (detached from any session)."""

    kind: str  # "staff" | "reporter"
    id: int  # the user's or the reporter's id
    role: str = ""
    organisation: str = ""
    jurisdiction: str = ""
    username: str = ""
    agency_id: int | None = None  # role "agency": its active agency, if there is one

    @property
    def is_centre(self) -> bool:
        return self.kind == "staff" and self.role in CENTRE_ROLES

    @property
    def is_agency(self) -> bool:
        return self.kind == "staff" and self.role == "agency"

    @property
    def is_reporter(self) -> bool:
        return self.kind == "reporter"


def reporter_viewer(reporter_id: int) -> Viewer:
    return Viewer("reporter", reporter_id)


def staff_viewer(session: Session, user: StaffUser) -> Viewer:
    """The staff user as a viewer; an agency user's agency is looked up here, once, and a
    reporter user is its organisation's reporter viewer."""
    if user.role == REPORTER_ROLE:
        return _reporter_user(session, user)
    agency_id = None
    if user.role == "agency":
        agency_id = session.scalar(select(Agency.id).where(
            Agency.code == user.organisation, Agency.active.is_(True)))
    return Viewer("staff", user.id, user.role, user.organisation, user.jurisdiction,
                  user.username, agency_id)


def _reporter_user(session: Session, user: StaffUser) -> Viewer:
    reporter_id = session.scalar(select(Reporter.id).where(
        Reporter.username == user.organisation, Reporter.active.is_(True)))
    # Without an active organisation the user is a staff viewer of no centre role and no
    # agency: every `visible_*` predicate is false for it.
    kind = "reporter" if reporter_id is not None else "staff"
    return Viewer(kind, reporter_id if reporter_id is not None else user.id, REPORTER_ROLE,
                  user.organisation, user.jurisdiction, user.username)


# --- what a viewer may see, as SQL ----------------------------------------------------------

def routed_case_ids(viewer: Viewer) -> Select[Any]:
    """Ids of the cases routed (now or before) to the viewer's agency."""
    return select(Route.case_id).where(Route.agency_id == viewer.agency_id)


def visible_cases(viewer: Viewer, case_id: IdColumn | None = None
                  ) -> ColumnElement[bool]:
    """True for the rows whose case (`case_id`, default `Case.id`) the viewer may see."""
    column = Case.id if case_id is None else case_id
    if viewer.is_centre:
        return true()
    if viewer.is_agency and viewer.agency_id is not None:
        return column.in_(routed_case_ids(viewer))
    return false()


def visible_reports(viewer: Viewer, report_id: IdColumn | None = None
                    ) -> ColumnElement[bool]:
    column = Report.id if report_id is None else report_id
    if viewer.is_centre:
        return true()
    if viewer.is_reporter:
        return column.in_(select(Report.id).where(Report.reporter_id == viewer.id))
    if viewer.is_agency and viewer.agency_id is not None:
        return column.in_(select(CaseReport.report_id).where(
            CaseReport.case_id.in_(routed_case_ids(viewer))))
    return false()


def visible_files(viewer: Viewer, file_id: IdColumn | None = None
                  ) -> ColumnElement[bool]:
    column = ReportFile.id if file_id is None else file_id
    if viewer.is_centre:
        return true()
    return column.in_(select(ReportFile.id).where(visible_reports(viewer,
                                                                  ReportFile.report_id)))


def visible_clusters(viewer: Viewer, cluster_id: IdColumn | None = None
                     ) -> ColumnElement[bool]:
    """Clusters holding at least one file of a report the viewer may see."""
    column = MediaCluster.id if cluster_id is None else cluster_id
    if viewer.is_centre:
        return true()
    if viewer.is_reporter:
        return false()  # clusters are the centre's analysis, not a reporter's
    return column.in_(select(ClusterMember.cluster_id).where(
        visible_reports(viewer, ClusterMember.report_id)))


def _agency_rows(viewer: Viewer, agency_id: IdColumn, centre: bool
                 ) -> ColumnElement[bool]:
    if viewer.is_centre and centre:
        return true()
    if viewer.is_agency and viewer.agency_id is not None:
        return agency_id == viewer.agency_id
    return false()


def visible_routes(viewer: Viewer) -> ColumnElement[bool]:
    """The centre sees every route; an agency only its own (not the other agencies' of a
    case it shares)."""
    return _agency_rows(viewer, Route.agency_id, centre=True)


def visible_deliveries(viewer: Viewer) -> ColumnElement[bool]:
    return _agency_rows(viewer, Delivery.agency_id, centre=True)


def visible_alerts(viewer: Viewer) -> ColumnElement[bool]:
    return _agency_rows(viewer, Alert.agency_id, centre=True)


def visible_watches(viewer: Viewer) -> ColumnElement[bool]:
    """A watch names another agency's active investigation: only its agency sees it."""
    return _agency_rows(viewer, Watch.agency_id, centre=False)


# --- one thing by id: NotFound when the viewer may not know it -------------------------------

def _seen(session: Session, row_id: ColumnElement[bool], rule: ColumnElement[bool]) -> bool:
    return session.scalar(select(true()).where(row_id, rule).limit(1)) is not None


def _known(session: Session, viewer: Viewer, found: T | None,
           where: Callable[[T], ColumnElement[bool]], rule: ColumnElement[bool], what: str) -> T:
    """`found` when it exists and the viewer may see it; otherwise NotFound, the same answer
    as for a thing that does not exist (so ids cannot be probed)."""
    if found is None or not (viewer.is_centre or _seen(session, where(found), rule)):
        raise NotFound(f"{what} does not exist")
    return found


def case(session: Session, viewer: Viewer, case_id: int) -> Case:
    """The case (a merged case's id resolves to its survivor), if the viewer may see it."""
    return _known(session, viewer, cases_store.resolve(session, case_id),
                  lambda c: Case.id == c.id, visible_cases(viewer), f"case {case_id}")


def cluster(session: Session, viewer: Viewer, cluster_id: int) -> MediaCluster:
    """The cluster (a merged cluster's id resolves to its survivor), if the viewer may see it."""
    return _known(session, viewer, clusters_store.resolve(session, cluster_id),
                  lambda c: MediaCluster.id == c.id, visible_clusters(viewer),
                  f"cluster {cluster_id}")


def report(session: Session, viewer: Viewer, report_id: int) -> Report:
    return _known(session, viewer, session.get(Report, report_id),
                  lambda r: Report.id == r.id, visible_reports(viewer), f"report {report_id}")


def file(session: Session, viewer: Viewer, file_id: str) -> ReportFile:
    return _known(session, viewer, session.get(ReportFile, file_id),
                  lambda f: Report.id == f.report_id, visible_reports(viewer),
                  f"file {file_id}")


def own_agency(session: Session, viewer: Viewer) -> Agency:
    """The agency of an agency user (its "me"); none active under its organisation is a 404."""
    if not viewer.is_agency:
        raise Forbidden(f"role {viewer.role!r} may not do this; needs one of agency")
    found = session.get(Agency, viewer.agency_id) if viewer.agency_id is not None else None
    if found is None:
        raise NotFound(f"no active agency {viewer.organisation!r} (a user's organisation "
                       "must be its agency code)")
    return found


# --- what a viewer may do: Forbidden for a thing it may see ---------------------------------

def _needs(viewer: Viewer, roles: tuple[str, ...], what: str) -> None:
    if viewer.kind != "staff" or viewer.role not in roles:
        raise Forbidden(f"role {viewer.role or viewer.kind!r} may not {what}; needs one of "
                        f"{', '.join(sorted(roles))}")


def check_review(viewer: Viewer) -> None:
    """Recording a classification review is centre casework."""
    _needs(viewer, CASE_ROLES, "review files")


def check_exposure_override(viewer: Viewer) -> None:
    """Granting a reviewer more exposure than their budget for a day is a supervisory
    decision, never the reviewer's own."""
    _needs(viewer, AUTHORITY_ROLES, "grant more exposure to a reviewer")


def check_open_content(viewer: Viewer) -> None:
    """Streaming evidence content is centre work (the legal gate decides further); an agency
    receives evidence only through its encrypted delivery bundles."""
    _needs(viewer, CENTRE_ROLES, "open evidence content")


def authority_jurisdiction(viewer: Viewer, requested: str | None) -> str:
    """The jurisdiction a viewer records legal authority for: only its own, and only as a
    supervisor or administrator. A different jurisdiction asked for is refused."""
    _needs(viewer, AUTHORITY_ROLES, "record legal authority")
    own = viewer.jurisdiction.upper()
    if requested is not None and requested.strip().upper() != own:
        raise Forbidden(f"you act in {own}: legal authority for {requested.strip().upper()} "
                        "must be recorded by a supervisor acting there")
    return own


def check_administer(viewer: Viewer) -> None:
    """The agency registry and retention windows are the administrators'."""
    _needs(viewer, ADMIN_ROLES, "manage the agency registry")


def check_worklist(viewer: Viewer) -> None:
    """The worklist is the centre's, and an agency's (filtered to its cases) once its
    organisation is an active agency."""
    if not (viewer.is_centre or (viewer.is_agency and viewer.agency_id is not None)):
        raise Forbidden(f"role {viewer.role or viewer.kind!r} may not read the worklist"
                        + (f": {viewer.organisation!r} is not an active agency's code"
                           if viewer.is_agency else ""))


def own_reporter(viewer: Viewer) -> int:
    """The reporter organisation of a reporter viewer (its portal); an inactive or unknown
    organisation is a 404, any other viewer may not use the portal (403)."""
    if viewer.role != REPORTER_ROLE:
        raise Forbidden(f"role {viewer.role or viewer.kind!r} may not do this; needs one of "
                        f"{REPORTER_ROLE}")
    if not viewer.is_reporter:
        raise NotFound(f"no active reporter {viewer.organisation!r} (a reporter user's "
                       "organisation must be its reporter's username)")
    return viewer.id


def check_manage_users(viewer: Viewer) -> None:
    """Staff accounts and their roles are the administrators'."""
    _needs(viewer, ADMIN_ROLES, "manage staff users")


def check_centre(viewer: Viewer, what: str) -> None:
    _needs(viewer, CENTRE_ROLES, what)


def check_banks(viewer: Viewer) -> None:
    """Hash banks are managed by the centre's staff."""
    _needs(viewer, CENTRE_ROLES, "manage hash banks")


def check_casework(viewer: Viewer) -> None:
    """Working cases is the centre's: an agency user reads the cases routed to it but does
    not take, assign, close, annotate, split or merge them."""
    _needs(viewer, CENTRE_ROLES, "work cases (take, assign, release, status, notes, split, "
           "unlink, merge)")


def casework_case(session: Session, viewer: Viewer, case_id: int) -> Case:
    """The case to work on: `NotFound` unless the viewer may see it, then `Forbidden` unless
    it may work it."""
    found = case(session, viewer, case_id)
    check_casework(viewer)
    return found


def check_supervise(viewer: Viewer, what: str) -> None:
    _needs(viewer, SUPERVISOR_ROLES, what)


def is_supervisor(viewer: Viewer) -> bool:
    return viewer.kind == "staff" and viewer.role in SUPERVISOR_ROLES


def check_assignee(user: User | None, user_id: int) -> User:
    """Only an active member of the centre's staff may be given a case."""
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    if not user.active or user.role not in CENTRE_ROLES:
        raise Forbidden(f"user {user.username!r} ({user.role}) may not work cases; give it to "
                        f"one of {', '.join(CENTRE_ROLES)}")
    return user


# --- outcomes, scorecards and transparency (issue 14) ---------------------------------------
# An agency records outcomes only of the cases routed to it: a case it was never sent is a
# 404, as any case it may not see. A signed outcome package speaks for its agency as the
# agency's users do. Reporters read the outcomes of their own reports (`own_reporter`) once no
# longer held; scorecards, hash-list feedback and the transparency report are the centre's
# (`check_centre`).

def outcome_case(session: Session, viewer: Viewer, case_id: int) -> tuple[Agency, Case]:
    """The viewer's agency and a case routed to it; 403 for a non-agency viewer."""
    agency = own_agency(session, viewer)
    return agency, case(session, viewer, case_id)


def agency_viewer(agency: Agency) -> Viewer:
    """The viewer a signed package of `agency` acts as (the package channel has no user)."""
    return Viewer("staff", 0, "agency", agency.code, agency_id=agency.id)


# === notice and takedown (tipline.takedown) ===================================================
# URLs, their hosting and notices are the centre's; assessing a URL is a hotline analyst's
# (or any case role's); releasing a police hold and the provider and hotline registries are
# a supervisor's or an administrator's. The public form and its status page need no viewer.

def check_takedown(viewer: Viewer, what: str = "see reported URLs") -> None:
    _needs(viewer, CENTRE_ROLES, what)


def check_takedown_registry(viewer: Viewer) -> None:
    _needs(viewer, SUPERVISOR_ROLES, "manage the provider and hotline registries or "
           "release a police hold")
# === end of notice and takedown ===============================================================


# === Accounts and access (issue 15, security programme) ======================================
# Rules added with the authorisation matrix (tests/access/authz_matrix.py); keep them here.

def check_classification(viewer: Viewer) -> None:
    """A file's classification and its legal gate (with any warrant's reference) are the
    centre's assessment, shared with the agencies a case is routed to; a reporter (its portal
    user) learns its reports' status, never the centre's legal reading of them."""
    if not (viewer.is_centre or viewer.is_agency):
        raise Forbidden(f"role {viewer.role or viewer.kind!r} may not read classifications")


def check_jurisdiction_rules(viewer: Viewer) -> None:
    """Recording whether a jurisdiction requires legal authority (with its source) opens or
    closes the legal gate for everyone acting there: an administrator's decision."""
    _needs(viewer, ADMIN_ROLES, "record a jurisdiction's rule")
