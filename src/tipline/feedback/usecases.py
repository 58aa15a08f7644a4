"""Hash-list feedback use cases: export per contributor, and the disputed entries of the
banks' consistency report. The centre's (`access.check_banks`)."""

from __future__ import annotations

from tipline import access
from tipline.db import Database, utcnow
from tipline.errors import Invalid
from tipline.feedback import exports, service
from tipline.feedback.service import Disputed
from tipline.users.service import StaffUser


def export(db: Database, user: StaffUser | None, contributor: str | None, fmt: str,
           reason_guid: str | None = None) -> bytes:
    """Feedback on a contributor's entries in `fmt` (ncmec, threatexchange, csv). `user`
    None is the CLI (the operator)."""
    if fmt not in exports.FORMATS:
        raise Invalid(f"unknown feedback format {fmt!r}; one of {', '.join(exports.FORMATS)}")
    with db.sessions() as session:
        if user is not None:
            access.check_banks(access.staff_viewer(session, user))
        return exports.write(fmt, service.for_contributor(session, utcnow(), contributor),
                             reason_guid)


def disputed(db: Database, user: StaffUser | None) -> list[Disputed]:
    with db.sessions() as session:
        if user is not None:
            access.check_banks(access.staff_viewer(session, user))
        return service.disputed(session, utcnow())
