"""Use cases of deconfliction: watch an identifier, end a watch, check a routed case against
every active watch. Never commits: the caller's transaction does."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from tipline.agencies.models import Agency
from tipline.alerts.service import raise_alert
from tipline.audit.service import Actor, record
from tipline.deconfliction import rules, store
from tipline.deconfliction.models import Watch, WatchHit
from tipline.errors import NotFound


def deconflict(session: Session, case_id: int, routed_to: Sequence[int]) -> list[WatchHit]:
    """Match the case against every active watch; for each hit tell the watching agency and
    every agency the case is routed to (`routed_to`: their ids), once each. Each learns the
    other's interest, the shared identifier and the other's contact, never the other's case
    details."""
    keys = store.case_keys(session, case_id)
    hits: list[WatchHit] = []
    routed = [session.get(Agency, agency_id) for agency_id in routed_to]
    for watch in store.watches_matching(session, list(keys)):
        watcher = session.get(Agency, watch.agency_id)
        if watcher is None:
            continue
        found = store.hit(session, watch.id, case_id)
        if found is None:
            found = WatchHit(watch_id=watch.id, case_id=case_id, notified=[])
            session.add(found)
        told = list(found.notified or [])
        if watcher.code not in told and not routed:
            raise_alert(session, "deconfliction", case_id, watcher.id,
                        f"case {case_id} (not routed yet) touches your watched {watch.kind} "
                        f"{watch.value} (your reference {watch.reference or '-'})")
            told.append(watcher.code)
        for agency in routed:
            if agency is None or (agency.code in told and watcher.code in told):
                continue
            _notify_pair(session, case_id, watch, watcher, agency)
            told += [code for code in (watcher.code, agency.code) if code not in told]
        found.notified = told
        hits.append(found)
    return hits


def _notify_pair(session: Session, case_id: int, watch: Watch, watcher: Agency,
                 routed: Agency) -> None:
    shared = f"{watch.kind} {watch.value}"
    if watcher.id == routed.id:
        raise_alert(session, "deconfliction", case_id, watcher.id,
                    f"case {case_id}, routed to you, touches your watched {shared} "
                    f"(your reference {watch.reference or '-'})")
        return
    raise_alert(session, "deconfliction", case_id, watcher.id,
                f"case {case_id} touches your watched {shared} (your reference "
                f"{watch.reference or '-'}); it is routed to {routed.code} ({routed.name}), "
                f"contact: {routed.contact or '-'}")
    raise_alert(session, "deconfliction", case_id, routed.id,
                f"case {case_id}, routed to you, touches {shared}, which {watcher.code} "
                f"({watcher.name}) watches in an active investigation; contact: "
                f"{watcher.contact or '-'}")


def add_watch(session: Session, agency: Agency, kind: str, value: str, reference: str,
              actor: Actor, service: str | None = None, algorithm: str | None = None) -> Watch:
    normalised = rules.normalise_watch(kind, value, service, algorithm)
    watch = Watch(agency_id=agency.id, kind=kind, value=normalised, reference=reference.strip(),
                  active=True)
    session.add(watch)
    session.flush()
    record(session, actor, "watch.add", "watch", watch.id, agency=agency.code, kind=kind)
    return watch


def end_watch(session: Session, agency: Agency, watch_id: int, actor: Actor) -> None:
    """End one of the agency's watches (another agency's watch does not exist for it)."""
    watch = session.get(Watch, watch_id)
    if watch is None or watch.agency_id != agency.id or not watch.active:
        raise NotFound(f"watch {watch_id} does not exist")
    watch.active = False
    record(session, actor, "watch.end", "watch", watch.id, agency=agency.code)
