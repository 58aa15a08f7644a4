"""`tipline.access` on its own: the predicates on a small data set written straight to the
database, the lookups by id, and the rules for acting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from delivery_support import add_agency, add_case, route_and_enqueue
from sqlalchemy import select
from sqlalchemy.orm import Session

from tipline import access
from tipline.alerts.models import Alert
from tipline.cases.models import Case, CaseReport
from tipline.clusters.models import ClusterMember, MediaCluster
from tipline.deconfliction.models import Watch
from tipline.delivery.models import Delivery
from tipline.errors import Forbidden, NotFound
from tipline.reports.models import Report, ReportFile
from tipline.routing.models import Route
from tipline.state import AppState

from support import add_reporter


@dataclass(frozen=True)
class Data:
    reporters: tuple[int, int]
    cases: tuple[int, int]  # routed to A, routed to B
    unrouted: int
    merged: int  # merged into the case routed to A
    reports: tuple[int, int, int]  # of the three cases
    files: tuple[str, str, str]
    clusters: tuple[int, int]  # A's file and B's file; B's file only
    agencies: tuple[int, int]
    deliveries: tuple[int, int]


def _ids(session: Session, column: Any, rule: Any) -> set[Any]:
    return set(session.scalars(select(column).where(rule)))


@pytest.fixture
def data(state: AppState) -> Data:
    add_reporter(state, "platform-a")
    add_reporter(state, "platform-b")
    cases = [add_case(state, name, [f"{name} file".encode()])
             for name in ("platform-a", "platform-b", "platform-b")]
    agencies = (add_agency(state, "AG-A", method="pull"), add_agency(state, "AG-B", method="pull"))
    deliveries = (route_and_enqueue(state, cases[0], agencies[0]),
                  route_and_enqueue(state, cases[1], agencies[1]))
    with state.db.transaction() as session:
        rows = session.execute(select(CaseReport.case_id, Report.id, Report.reporter_id,
                                      ReportFile.id)
                               .join(Report, Report.id == CaseReport.report_id)
                               .join(ReportFile, ReportFile.report_id == Report.id)
                               .order_by(CaseReport.case_id)).all()
        merged = Case(status="merged", merged_into_id=cases[0], summary={})
        shared, only_b = MediaCluster(kind="image"), MediaCluster(kind="image")
        session.add_all([merged, shared, only_b])
        session.flush()
        session.add_all([
            ClusterMember(file_id=rows[0][3], cluster_id=shared.id, report_id=rows[0][1],
                          joined_by="new"),
            ClusterMember(file_id=rows[1][3], cluster_id=shared.id, report_id=rows[1][1],
                          joined_by="sha256"),
            ClusterMember(file_id=rows[2][3], cluster_id=only_b.id, report_id=rows[2][1],
                          joined_by="new"),
            Alert(kind="deadline_risk", case_id=cases[0], agency_id=agencies[0], message="x"),
            Watch(agency_id=agencies[1], kind="email", value="x@example.test")])
        reporters = sorted({r[2] for r in rows})
        data = Data((reporters[0], reporters[1]), (cases[0], cases[1]), cases[2], merged.id,
                    (rows[0][1], rows[1][1], rows[2][1]), (rows[0][3], rows[1][3], rows[2][3]),
                    (shared.id, only_b.id), agencies, (deliveries[0] or 0, deliveries[1] or 0))
    # The third case is routed nowhere: its cluster (clusters[1]) is seen by no agency.
    return data


def _agency(data: Data, which: int) -> access.Viewer:
    return access.Viewer("staff", 10 + which, "agency", f"AG-{'AB'[which]}", "SE",
                         agency_id=data.agencies[which])


def test_an_agency_sees_only_what_was_routed_to_it(state: AppState, data: Data) -> None:
    with state.db.sessions() as s:
        a = _agency(data, 0)
        assert _ids(s, Case.id, access.visible_cases(a)) == {data.cases[0]}
        assert _ids(s, Report.id, access.visible_reports(a)) == {data.reports[0]}
        assert _ids(s, ReportFile.id, access.visible_files(a)) == {data.files[0]}
        assert _ids(s, MediaCluster.id, access.visible_clusters(a)) == {data.clusters[0]}
        assert _ids(s, ClusterMember.file_id, access.visible_reports(
            a, ClusterMember.report_id)) == {data.files[0]}
        assert {r.agency_id for r in s.scalars(select(Route).where(
            access.visible_routes(a)))} == {data.agencies[0]}
        assert _ids(s, Delivery.id, access.visible_deliveries(a)) == {data.deliveries[0]}
        assert len(_ids(s, Alert.id, access.visible_alerts(a))) == 1
        assert _ids(s, Watch.id, access.visible_watches(a)) == set()
        b = _agency(data, 1)
        assert _ids(s, Case.id, access.visible_cases(b)) == {data.cases[1]}
        assert _ids(s, MediaCluster.id, access.visible_clusters(b)) == {data.clusters[0]}
        assert _ids(s, Alert.id, access.visible_alerts(b)) == set()
        assert len(_ids(s, Watch.id, access.visible_watches(b))) == 1


def test_the_centre_sees_everything_and_a_reporter_its_own_reports(
        state: AppState, data: Data) -> None:
    with state.db.sessions() as s:
        centre = access.Viewer("staff", 1, "hotline_analyst", "Hotline", "US")
        assert _ids(s, Case.id, access.visible_cases(centre)) == {
            *data.cases, data.unrouted, data.merged}
        assert _ids(s, ReportFile.id, access.visible_files(centre)) == set(data.files)
        assert _ids(s, MediaCluster.id, access.visible_clusters(centre)) == set(data.clusters)
        assert _ids(s, Watch.id, access.visible_watches(centre)) == set()  # agencies' own
        reporter = access.reporter_viewer(data.reporters[1])
        assert _ids(s, Report.id, access.visible_reports(reporter)) == set(data.reports[1:])
        assert _ids(s, ReportFile.id, access.visible_files(reporter)) == set(data.files[1:])
        assert _ids(s, Case.id, access.visible_cases(reporter)) == set()
        assert _ids(s, MediaCluster.id, access.visible_clusters(reporter)) == set()
        homeless = access.Viewer("staff", 9, "agency", "XX-NONE", "SE")  # no active agency
        assert _ids(s, Case.id, access.visible_cases(homeless)) == set()
        assert _ids(s, Report.id, access.visible_reports(homeless)) == set()


def test_lookups_by_id_are_404_for_what_the_viewer_may_not_know(
        state: AppState, data: Data) -> None:
    with state.db.sessions() as s:
        a, b = _agency(data, 0), _agency(data, 1)
        assert access.case(s, a, data.cases[0]).id == data.cases[0]
        assert access.case(s, a, data.merged).id == data.cases[0]  # resolves to its survivor
        assert access.report(s, a, data.reports[0]).id == data.reports[0]
        assert access.file(s, b, data.files[1]).id == data.files[1]
        assert access.cluster(s, b, data.clusters[0]).id == data.clusters[0]
        for lookup, key in ((access.case, data.cases[0]), (access.case, data.merged),
                            (access.case, 999_999), (access.report, data.reports[0]),
                            (access.file, data.files[0]), (access.cluster, data.clusters[1])):
            with pytest.raises(NotFound):
                lookup(s, b, key)  # type: ignore[operator]
        with pytest.raises(NotFound):
            access.cluster(s, a, data.clusters[1])
        assert access.own_agency(s, b).code == "AG-B"
        with pytest.raises(NotFound):
            access.own_agency(s, access.Viewer("staff", 9, "agency", "XX-NONE", "SE"))
        with pytest.raises(Forbidden):
            access.own_agency(s, access.Viewer("staff", 1, "analyst", "Hotline", "US"))


def test_staff_viewer_resolves_the_active_agency_once(state: AppState, data: Data) -> None:
    from tipline.users.service import StaffUser

    with state.db.sessions() as s:
        viewer = access.staff_viewer(s, StaffUser(7, "desk", "agency", "AG-B", "SE"))
        assert viewer.agency_id == data.agencies[1] and viewer.is_agency
        analyst = access.staff_viewer(s, StaffUser(8, "ana", "analyst", "AG-B", "US"))
        assert analyst.agency_id is None and analyst.is_centre


def test_rules_for_acting() -> None:
    supervisor = access.Viewer("staff", 1, "supervisor", "Hotline", "US")
    assert access.authority_jurisdiction(supervisor, None) == "US"
    assert access.authority_jurisdiction(supervisor, "us") == "US"
    with pytest.raises(Forbidden, match="act in US"):
        access.authority_jurisdiction(supervisor, "DE")
    for role in ("analyst", "hotline_analyst", "agency"):
        with pytest.raises(Forbidden):
            access.authority_jurisdiction(access.Viewer("staff", 2, role, "x", "US"), None)
    agency = access.Viewer("staff", 3, "agency", "AG-A", "SE", agency_id=1)
    with pytest.raises(Forbidden):
        access.check_open_content(agency)
    with pytest.raises(Forbidden):
        access.check_review(agency)
    with pytest.raises(Forbidden):
        access.check_administer(supervisor)
    access.check_administer(access.Viewer("staff", 4, "admin", "Hotline", "US"))
    access.check_worklist(agency)
    with pytest.raises(Forbidden):
        access.check_worklist(access.Viewer("staff", 5, "agency", "XX", "SE"))
    with pytest.raises(Forbidden):
        access.check_banks(access.reporter_viewer(1))
