"""A fixed data set for the transparency report: every time and every row is fixed, so the
report over it is always the same (tests compare it with a stored expected output)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from staff_support import add_report
from tipline.agencies.models import Agency
from tipline.banks.models import Bank, BankEntry, BankSignal
from tipline.cases.models import Case, CaseReport
from tipline.delivery.models import Delivery
from tipline.matching.models import FileMatch
from tipline.outcomes.models import Outcome
from tipline.reporters.models import Reporter
from tipline.reports.models import Report, ReportFile
from tipline.routing.models import Route, RouteCountry
from tipline.state import AppState

from support import add_reporter

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
FIRST, LAST = "2026-03-01", "2026-03-31"
ENTICEMENT = "Online Enticement of Children for Sexual Acts"


def _reporters(state: AppState) -> None:
    for username, name, kind in (("platform-a", "Platform A", "platform"),
                                 ("hotline-b", "Hotline B", "hotline"),
                                 ("tiny-c", "Tiny C", "platform")):
        add_reporter(state, username, name=name)
        with state.db.transaction() as session:
            session.execute(update(Reporter).where(Reporter.username == username)
                            .values(kind=kind))


def _report(state: AppState, reporter: str, n: int, lag_hours: int,
            incident_type: str | None = None) -> int:
    finished = T0 + dt.timedelta(hours=n)
    fields = {"incident_type": incident_type} if incident_type else {}
    report_id, _ = add_report(state, reporter, finished_at=finished,
                              incident_at=finished - dt.timedelta(hours=lag_hours),
                              quality_score=60 + n % 40, created_at=finished,
                              files=[{"content": f"benign fixed file {n}".encode()}], **fields)
    return report_id


def build(state: AppState) -> None:
    """27 reports in March 2026 (and two that do not count), 18 cases routed to one agency,
    12 of them acknowledged, 12 known files, 15 shared outcomes and one held."""
    _reporters(state)
    groups: list[list[int]] = []
    a = [_report(state, "platform-a", i, 24) for i in range(14)]
    groups += [a[i:i + 2] for i in range(0, 14, 2)]
    b = [_report(state, "hotline-b", 20 + i, 72, ENTICEMENT if i < 2 else None)
         for i in range(10)]
    groups += [[r] for r in b]
    groups.append([_report(state, "tiny-c", 40 + i, 5) for i in range(3)])
    _report(state, "platform-a", 24 * 40, 1)  # finished in April: outside the period
    retracted = _report(state, "platform-a", 50, 1)
    with state.db.transaction() as session:
        session.execute(update(Report).where(Report.id == retracted).values(
            status="retracted"))
        agency = Agency(code="DE-BKA", name="BKA", countries=["DE"], channel="direct",
                        delivery_method="pull")
        bank = Bank(name="fixed-bank")
        session.add_all([agency, bank])
        session.flush()
        for index, members in enumerate(groups):
            _case(session, index, members, agency.id, bank.id)


def _case(session: Session, index: int, members: list[int], agency_id: int,
          bank_id: int) -> None:
    case = Case(status="open", summary={})
    session.add(case)
    session.flush()
    for report_id in members:
        session.add(CaseReport(report_id=report_id, case_id=case.id, linked_by=[]))
    finished = T0 + dt.timedelta(hours=index)
    route = Route(case_id=case.id, agency_id=agency_id, reasons=[{"country": "DE"}],
                  channel_chain=["direct" if index % 3 else "via-europol"],
                  deadline=finished + dt.timedelta(days=7 if index % 4 else 1),
                  computed_at=finished)
    session.add(route)
    session.flush()
    session.add(RouteCountry(route_id=route.id, country="DE" if index % 5 else "FR",
                             case_id=case.id))
    if index < 12:
        session.add(Delivery(route_id=route.id, case_id=case.id, agency_id=agency_id,
                             case_version=f"v{index}", idempotency_key=f"fixed-{index}",
                             status="acknowledged", created_at=finished,
                             acknowledged_at=T0 + dt.timedelta(hours=60 + 3 * index)))
        file_id = session.query(ReportFile.id).filter(
            ReportFile.report_id == members[0]).scalar()
        signal = BankSignal(signal_type="md5", value=f"{index:032x}")
        session.add(signal)
        session.flush()
        entry = BankEntry(bank_id=bank_id, signal_id=signal.id)
        session.add(entry)
        session.flush()
        session.add(FileMatch(report_id=members[0], file_id=file_id, bank_id=bank_id,
                              entry_id=entry.id, signal_type="md5", query_label="original",
                              distance=0))
    recorded = dt.datetime(2026, 3, 20, tzinfo=dt.UTC) + dt.timedelta(minutes=index)
    code, reason, held = (("under_investigation", None, None) if index < 12 else
                          ("not_actionable", "insufficient_information", None) if index < 15
                          else ("arrest", None, dt.datetime(2027, 1, 1, tzinfo=dt.UTC)))
    session.add(Outcome(agency_id=agency_id, case_id=case.id, code=code, reason=reason,
                        held_until=held, via="api", recorded_at=recorded, recorded_by="t"))
