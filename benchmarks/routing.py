"""Routing and delivery benchmark, with local test agencies (real HTTP servers on 127.0.0.1;
nothing leaves this machine).

1. `desk`: the embedded default (SQLite, pipeline and delivery inside the server process).
   Reports are submitted through the JSON API and finished; each has a German IP capture event
   (placed offline by iptocc), so the pipeline routes its case to the DE-BKA desk of the sample
   registry, whose webhook points at a local test agency. Time to desk = a report's finish to
   the agency's acknowledgement of the delivery that brought it; p50 and p95.
2. `week`: a simulated week of traffic with agency outages, time compressed: one simulated
   day lasts `--day-seconds` real seconds, and every duration (IP age, retention window,
   backoff base 30 s and cap 1 h, outages) is scaled by the same factor. Cases, routes and
   deliveries are written as routing writes them (`enqueue_for_route`); the real delivery
   worker (4 threads) pushes them to four real test agencies whose outages are scheduled:
   down (connection refused), 500s, hanging (timeouts), rejecting signatures. 10% of cases grow
   later (a new version). Reported: share of cases delivered before their deadline among those
   whose deadline was reachable (after arrival, with the agency up some time before it),
   duplicates applied at receivers (a case version applied twice), cases lost (never
   acknowledged and not a dead letter), dead letters.

    .venv/bin/python benchmarks/routing.py --reports 60 --cases 400 --day-seconds 4
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import random
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import select, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "delivery"))
sys.path.insert(0, str(ROOT / "tests"))

from agency_server import AgencyServer  # noqa: E402
from tipline.agencies import service as agencies_service  # noqa: E402
from tipline.agencies.models import Agency  # noqa: E402
from tipline.app import create_app  # noqa: E402
from tipline.audit.service import Actor  # noqa: E402
from tipline.cases.models import Case, CaseReport  # noqa: E402
from tipline.client import JsonClient  # noqa: E402
from tipline.db import utcnow  # noqa: E402
from tipline.delivery.models import Delivery  # noqa: E402
from tipline.delivery.rules import percentile  # noqa: E402
from tipline.delivery.service import enqueue_for_route, time_to_desk  # noqa: E402
from tipline.delivery.worker import build_worker  # noqa: E402
from tipline.migrate import upgrade  # noqa: E402
from tipline.reporters.models import Reporter  # noqa: E402
from tipline.reports.models import Report  # noqa: E402
from tipline.routing.models import Route  # noqa: E402
from tipline.settings import Settings  # noqa: E402
from tipline.state import AppState, build_state  # noqa: E402
from tipline.workqueue.serve import Background  # noqa: E402

from support import add_reporter, free_port  # noqa: E402

SECRET = "benchmark-agency-secret"
DAY = 86400.0


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test", "data_dir": data_dir,
        "evidence_key": base64.b64encode(secrets.token_bytes(32)).decode(),
        "secret_key": secrets.token_urlsafe(32), "outbound_allow_loopback": True,
        "run_pipeline_in_server": True, **overrides}
    return Settings(**values)


def report_doc(n: int) -> dict[str, Any]:
    at = (utcnow() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"incidentSummary": {"incidentType": "Child Pornography (possession, manufacture, "
                                "and distribution)", "incidentDateTime": at},
            "reporter": {"reportingPerson": {"email": ["safety@example.test"]}},
            "personOrUserReported": [{"espIdentifier": f"bench-user-{n}", "ipCaptureEvent": [
                {"ipAddress": "85.214.1.1", "eventName": "Upload", "dateTime": at}]}]}


def desk(reports: int) -> dict[str, Any]:
    agency = AgencyServer(SECRET).start()
    with tempfile.TemporaryDirectory() as tmp:
        state = build_state(settings_for(Path(tmp)))
        upgrade(state.db)
        with state.db.transaction() as session:
            agencies_service.import_registry(session, agencies_service.sample_registry_text(),
                                             Actor("benchmark"))
            session.execute(update(Agency).where(Agency.delivery_method == "webhook")
                            .values(endpoint_url=agency.url, signing_secret=SECRET))
        user, password = add_reporter(state, "bench-platform")
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(state=state), host="127.0.0.1",
                                               port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        client = JsonClient(f"http://127.0.0.1:{port}", user, password)
        started = time.monotonic()
        for n in range(reports):
            client.finish(client.submit(report_doc(n)))
            time.sleep(0.05)  # a steady stream, not one burst
        acked = _wait_acked(state, reports, timeout=120)
        wall = time.monotonic() - started
        with state.db.sessions() as session:
            rows = time_to_desk(session)
            samples = _desk_samples(session)
        server.should_exit = True
        thread.join(timeout=20)
        state.db.dispose()
    agency.stop()
    return {"reports": reports, "acknowledged_reports": acked, "wall_seconds": round(wall, 1),
            "p50_seconds": _r(percentile(samples, 50)), "p95_seconds": _r(percentile(samples, 95)),
            "max_seconds": _r(max(samples) if samples else None),
            "per_agency": {r.agency: r.count for r in rows},
            "receiver_duplicates": _duplicates([agency])}


def _desk_samples(session: Any) -> list[float]:
    from tipline.delivery.service import desk_seconds

    deliveries = session.scalars(select(Delivery).where(Delivery.acknowledged_at.is_not(None)))
    return [s for d in deliveries for s in desk_seconds(d)]


def _wait_acked(state: AppState, reports: int, timeout: float) -> int:
    end = time.monotonic() + timeout
    count = 0
    while time.monotonic() < end:
        with state.db.sessions() as session:
            count = len(_desk_samples(session))
        if count >= reports:
            break
        time.sleep(0.1)
    return count


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _duplicates(agencies: list[AgencyServer]) -> int:
    """A case version applied more than once at one receiver."""
    dup = 0
    for a in agencies:
        counts = Counter((r.case, r.version) for r in a.applied.values())
        dup += sum(n - 1 for n in counts.values() if n > 1)
    return dup


# -- the simulated week ----------------------------------------------------------------------

OUTAGES = {  # agency: [(mode, start day, end day)]
    "A": [("down", 2.0, 3.0)],
    "B": [("error500", 4.0, 4.5), ("reject_signature", 1.2, 1.4)],
    "C": [("hang", 5.0, 5.3)],
    "D": [("down", 1.0, 1.25), ("down", 3.5, 3.75)],
}
RETENTION_DAYS = [3, 7, 14]


def week(cases: int, day_seconds: float, seed: int) -> dict[str, Any]:
    scale = day_seconds / DAY  # real seconds per simulated second
    rng = random.Random(seed)
    agencies = {code: AgencyServer(SECRET, delay=2.0).start() for code in OUTAGES}
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(
            Path(tmp), delivery_backoff_base_seconds=30 * scale,
            delivery_backoff_max_seconds=3600 * scale, delivery_max_attempts=48,
            outbound_connect_timeout_seconds=0.5, outbound_read_timeout_seconds=0.5,
            outbound_total_timeout_seconds=1.0, delivery_lease_seconds=5.0)
        state = build_state(settings)
        upgrade(state.db)
        ids = _week_setup(state, agencies)
        worker = build_worker(state.db, settings)
        background = Background(worker, 0.02, 4, "delivery")
        background.start()
        t0 = time.monotonic()
        real0 = utcnow()

        def sim_now() -> float:  # simulated seconds since the week began
            return (time.monotonic() - t0) / scale

        plan = sorted(rng.uniform(0, 7 * DAY) for _ in range(cases))
        truth: dict[int, dict[str, Any]] = {}
        schedule = threading.Thread(target=_outage_driver,
                                    args=(agencies, sim_now, 7 * DAY), daemon=True)
        schedule.start()
        grow: list[tuple[float, int, int]] = []
        for arrival in plan:
            while sim_now() < arrival:
                time.sleep(min(0.01, (arrival - sim_now()) * scale))
            code = rng.choice(list(OUTAGES))
            ip_age = rng.uniform(0, 5 * DAY)
            deadline = arrival - ip_age + rng.choice(RETENTION_DAYS) * DAY
            case_id = _new_case(state, ids, code, real0 + dt.timedelta(seconds=deadline * scale))
            truth[case_id] = {"agency": code, "arrival": arrival, "deadline": deadline}
            if rng.random() < 0.1:
                grow.append((arrival + rng.uniform(0.1, 1.0) * DAY, case_id, ids[code]))
            for when, cid, agency_id in [g for g in grow if g[0] <= sim_now()]:
                _grow(state, ids, cid, agency_id)
                grow.remove((when, cid, agency_id))
        for _when, cid, agency_id in grow:
            _grow(state, ids, cid, agency_id)
        schedule.join()
        drain_end = time.monotonic() + 2 * day_seconds  # the outages are over: let retries land
        while time.monotonic() < drain_end and _open(state):
            time.sleep(0.1)
        background.stop()
        worker.close()
        result = _score(state, truth, agencies, real0, scale, day_seconds, cases)
        state.db.dispose()
    for a in agencies.values():
        a.stop()
    return result


def _week_setup(state: AppState, agencies: dict[str, AgencyServer]) -> dict[str, int]:
    ids = {}
    with state.db.transaction() as session:
        session.add(Reporter(name="Sim platform", kind="platform", country="US",
                             username="sim", password_hash="x"))
        for code, server in agencies.items():
            agency = Agency(code=code, name=f"Sim agency {code}", countries=[code],
                            channel="direct", delivery_method="webhook",
                            endpoint_url=server.url, signing_secret=SECRET)
            session.add(agency)
            session.flush()
            ids[code] = agency.id
    return ids


def _new_case(state: AppState, ids: dict[str, int], code: str, deadline: dt.datetime) -> int:
    with state.db.transaction() as session:
        reporter_id = session.scalar(select(Reporter.id))
        case = Case(status="open", summary={})
        session.add(case)
        session.flush()
        _add_report(session, reporter_id, case.id)
        route = Route(case_id=case.id, agency_id=ids[code], reasons=[f"ip in {code}"],
                      channel_chain=["direct"], deadline=deadline)
        session.add(route)
        session.flush()
        enqueue_for_route(session, route)
        return case.id


def _add_report(session: Any, reporter_id: int | None, case_id: int) -> None:
    report = Report(reporter_id=reporter_id, source="json", status="finished",
                    document_digest=secrets.token_hex(16), incident_type="Child Pornography",
                    document={"n": secrets.token_hex(4)}, finished_at=utcnow())
    session.add(report)
    session.flush()
    session.add(CaseReport(report_id=report.id, case_id=case_id, linked_by=[]))


def _grow(state: AppState, ids: dict[str, int], case_id: int, agency_id: int) -> None:
    with state.db.transaction() as session:
        reporter_id = session.scalar(select(Reporter.id))
        _add_report(session, reporter_id, case_id)
        session.flush()
        route = session.scalar(select(Route).where(Route.case_id == case_id))
        assert route is not None
        enqueue_for_route(session, route)


def _outage_driver(agencies: dict[str, AgencyServer], sim_now: Any, end: float) -> None:
    while sim_now() < end:
        now_day = sim_now() / DAY
        for code, windows in OUTAGES.items():
            server = agencies[code]
            mode = next((m for m, a, b in windows if a <= now_day < b), "ok")
            if mode == "down" and server.httpd is not None:
                server.stop()
            elif mode != "down" and server.httpd is None:
                server.start()
            server.mode = "ok" if mode == "down" else mode
        time.sleep(0.005)
    for server in agencies.values():
        server.mode = "ok"
        if server.httpd is None:
            server.start()


def _open(state: AppState) -> bool:
    with state.db.sessions() as session:
        return session.scalar(select(Delivery.id).where(Delivery.status == "pending")
                              .limit(1)) is not None


def _up_between(code: str, start_day: float, end_day: float) -> bool:
    """Was the agency reachable at some moment in [start, end)? (outage windows only)"""
    t, step = start_day, 0.01
    while t < end_day:
        if not any(a <= t < b for _m, a, b in OUTAGES[code]):
            return True
        t += step
    return False


def _score(state: AppState, truth: dict[int, dict[str, Any]],
           agencies: dict[str, AgencyServer], real0: dt.datetime, scale: float,
           day_seconds: float, cases: int) -> dict[str, Any]:
    with state.db.sessions() as session:
        rows = list(session.scalars(select(Delivery)))
    first_ack: dict[int, float] = {}
    statuses = Counter(d.status for d in rows)
    pending_cases = {d.case_id for d in rows if d.status == "pending"}
    dead_cases = {d.case_id for d in rows if d.status == "dead"}
    for d in rows:
        if d.acknowledged_at is not None:
            sim = (d.acknowledged_at - real0).total_seconds() / scale
            first_ack[d.case_id] = min(first_ack.get(d.case_id, sim), sim)
    reachable = [cid for cid, t in truth.items() if t["deadline"] > t["arrival"]
                 and _up_between(t["agency"], t["arrival"] / DAY, t["deadline"] / DAY)]
    on_time = [cid for cid in reachable if first_ack.get(cid, float("inf"))
               <= truth[cid]["deadline"]]
    lost = [cid for cid in truth if cid not in first_ack and cid not in dead_cases]
    delays = [first_ack[c] - truth[c]["arrival"] for c in first_ack]
    return {
        "cases": cases, "day_seconds": day_seconds,
        "scale_simulated_seconds_per_real_second": round(1 / scale),
        "deliveries_by_status": dict(statuses),
        "reachable_deadlines": len(reachable),
        "delivered_before_deadline": len(on_time),
        "share_before_deadline": round(len(on_time) / len(reachable), 4) if reachable else None,
        "unreachable_deadlines": cases - len(reachable),
        "duplicates_applied": _duplicates(list(agencies.values())),
        "cases_lost": len(lost), "still_pending": len(pending_cases),
        "dead_letters": statuses.get("dead", 0),
        "versions_applied": sum(len(a.applied) for a in agencies.values()),
        "attempts_received": sum(len(a.attempts) for a in agencies.values()),
        "p50_simulated_hours_to_ack": _r((percentile(delays, 50) or 0) / 3600),
        "p95_simulated_hours_to_ack": _r((percentile(delays, 95) or 0) / 3600),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--day-seconds", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--part", choices=["desk", "week", "both"], default="both")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    if args.part in ("desk", "both"):
        out["desk"] = desk(args.reports)
        print(json.dumps(out["desk"], indent=2), flush=True)
    if args.part in ("week", "both"):
        out["week"] = week(args.cases, args.day_seconds, args.seed)
        print(json.dumps(out["week"], indent=2), flush=True)
    target = ROOT / "benchmarks" / "out" / "routing.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
