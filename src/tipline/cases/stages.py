"""The case linking stage: every report joins a case with the earlier reports it shares a key
with (account, email, phone, device, a cluster of new material, an IP address in time)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tipline.cases.service import LinkPolicy, link_report


def link(policy: LinkPolicy, session: Session, report_id: int, _prepared: object) -> None:
    """linking (apply): decide under the case lock, so concurrent workers link one report
    after another and a report bridging two cases always sees both."""
    link_report(session, report_id, policy)
