"""What the demo puts in the database before the server starts: hash banks seeded with some of
the stream's own (benign, generated) base images, a login for every role, and the demo
agencies.

Everything goes through the domains' services, as the CLI does; re-running the demo on the
same data folder updates what exists instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tipline.agencies.service import save_agency
from tipline.audit.service import Actor
from tipline.banks import service as banks
from tipline.banks.media import records_from_media
from tipline.banks.models import Bank
from tipline.banks.records import HashRecord
from tipline.banks.schemas import BankCreate
from tipline.banks.store import bank_by_name
from tipline.demo.agencies import AGENCIES, AgencyDesk, agency_data
from tipline.demo.stream import ReportSpec, links, original_image
from tipline.outbound import Destinations
from tipline.users.schemas import UserCreate
from tipline.users.service import create_user
from tipline.users.store import by_username

DEMO = Actor("demo")
KNOWN_BANK = "Demo known material"
BENIGN_BANK = "Demo known benign"
CONTRIBUTOR = "Demo Hotline"
LABELS = ("A1", "B2")  # industry labels, alternated over the known images


@dataclass(frozen=True)
class StaffLogin:
    username: str
    password: str
    role: str
    organisation: str
    jurisdiction: str


# Public on purpose, like the reporters' passwords; the runner refuses to run in production.
CENTRE = "tipline demo centre"
STAFF = StaffLogin("demo-supervisor", "demo-supervisor-pw", "supervisor", CENTRE, "NL")
HOTLINE = StaffLogin("demo-hotline-analyst", "demo-hotline-analyst-pw", "hotline_analyst",
                     CENTRE, "NL")
# One login for every role: the centre's staff, agency users of the Dutch desk (it works the
# stream's NL cases in the agency inbox, acknowledging each) and of the German desk (its
# packages go to its own server, which acknowledges them), and a reporter user of PhotoShare
# (its organisation is the reporter's API username).
LOGINS = (
    StaffLogin("demo-analyst", "demo-analyst-password", "analyst", CENTRE, "NL"),
    STAFF,
    StaffLogin("demo-admin", "demo-admin-password1", "admin", CENTRE, "NL"),
    HOTLINE,
    StaffLogin("demo-agency-nl", "demo-agency-nl-password", "agency", "DEMO-NL", "NL"),
    StaffLogin("demo-agency-de", "demo-agency-de-password", "agency", "DEMO-DE", "DE"),
    StaffLogin("demo-photoshare-staff", "demo-photoshare-staff-pw", "reporter",
               "demo-photoshare", "US"),
)


@dataclass(frozen=True)
class BankPlan:
    """Which base images of the stream stand in for material a bank already knows."""

    known: dict[int, str]  # image -> industry label, in the positive bank
    benign: int | None  # image in the negative bank (known benign)


def plan_banks(specs: list[ReportSpec]) -> BankPlan:
    """Every other re-posted image (most re-posted first) is known material, up to a quarter
    of them, so a stream of any length shows known and new material side by side; the next
    unknown one is known benign."""
    reused = links(specs).images
    ranked = sorted(reused, key=lambda image: (-len(reused[image]), image))
    known = ranked[0::2][: max(1, len(ranked) // 4)]
    rest = [image for image in ranked if image not in known]
    return BankPlan({image: LABELS[i % len(LABELS)] for i, image in enumerate(known)},
                    rest[-1] if rest else None)


def _bank(session: Session, name: str, kind: str, description: str) -> Bank:
    found = bank_by_name(session, name)
    if found is not None:
        return found
    return banks.create_bank(session, BankCreate(name=name, kind=kind, description=description),
                             DEMO)


def _add_image(session: Session, bank: Bank, image: bytes, template: HashRecord) -> None:
    # records_from_media adds the rotated, mirrored and cropped PDQ variants, so edited
    # copies of the image match too.
    records, variants = records_from_media(image, template)
    banks.add_records(session, bank, records, DEMO, variants=variants)


def seed_banks(session: Session, plan: BankPlan, seed: int) -> None:
    known = _bank(session, KNOWN_BANK, "positive",
                  "Demo: benign generated images standing in for known abuse material")
    for image, label in plan.known.items():
        _add_image(session, known, original_image(seed, image), HashRecord(
            signal_type="", value="", classifications={"industry": label},
            contributor=CONTRIBUTOR, source_list="demo list", item=f"demo-image-{image}"))
    if plan.benign is not None:
        benign = _bank(session, BENIGN_BANK, "negative",
                       "Demo: known benign images (their matches never count as known material)")
        _add_image(session, benign, original_image(seed, plan.benign), HashRecord(
            signal_type="", value="", contributor=CONTRIBUTOR, source_list="demo benign list",
            item=f"demo-image-{plan.benign}"))


def ensure_staff(session: Session) -> bool:
    """The demo's logins, one per role; True when the supervisor's was created now."""
    created = {login.username: _ensure_login(session, login) for login in LOGINS}
    return created[STAFF.username]


def _ensure_login(session: Session, login: StaffLogin) -> bool:
    if by_username(session, login.username) is not None:
        return False
    name = f"Demo {login.role.replace('_', ' ')}"
    create_user(session, UserCreate(username=login.username, name=name, role=login.role,
                                    organisation=login.organisation,
                                    jurisdiction=login.jurisdiction, password=login.password),
                DEMO)
    return True


def register_agencies(session: Session, desks: dict[str, AgencyDesk], inbox_key: str) -> None:
    """Create or update the demo agencies with this run's desk addresses and secrets
    (intermediaries first: an agency's `via` must exist when it is saved)."""
    for agency in sorted(AGENCIES, key=lambda a: a.via is not None):
        # The demo's desks listen on loopback (its runner allows that for delivery too).
        desk = desks[agency.desk] if agency.desk is not None else None
        save_agency(session, agency_data(agency, desk, inbox_key), DEMO,
                    destinations=Destinations(allow_loopback=True, allow_http=True))
