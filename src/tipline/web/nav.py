"""The navigation (by role) and each role's home page: a helper adding a page adds its line."""

from __future__ import annotations

from dataclasses import dataclass

from tipline.access import CENTRE_ROLES

STAFF_ROLES = (*CENTRE_ROLES, "agency")


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    roles: tuple[str, ...]  # who sees the link (the page itself checks access again)


NAV: list[NavItem] = [
    NavItem("Worklist", "/worklist", STAFF_ROLES),
    NavItem("Review", "/review", CENTRE_ROLES),
    NavItem("Inbox", "/inbox", ("agency",)),
    NavItem("Our reports", "/portal", ("reporter",)),
    NavItem("Outcomes", "/portal/outcomes", ("reporter",)),
    NavItem("Dashboard", "/dashboard", CENTRE_ROLES),
    NavItem("Scorecards", "/scorecards", CENTRE_ROLES),
    NavItem("Transparency", "/transparency", CENTRE_ROLES),
    NavItem("Banks", "/banks", CENTRE_ROLES),
    NavItem("Takedown", "/takedown", CENTRE_ROLES),
    NavItem("Agencies", "/admin/agencies", ("admin",)),
    NavItem("Retention", "/admin/retention", ("admin",)),
    NavItem("Users", "/admin/users", ("admin",)),
    NavItem("API keys", "/admin/api-keys", ("admin",)),
    NavItem("API docs", "/docs", (*STAFF_ROLES, "reporter")),
]

# Where `/` sends a logged-in user.
HOME: dict[str, str] = {**{role: "/worklist" for role in STAFF_ROLES}, "reporter": "/portal"}
DEFAULT_HOME = "/worklist"


def items_for(role: str) -> list[NavItem]:
    return [item for item in NAV if role in item.roles]


def home_for(role: str) -> str:
    return HOME.get(role, DEFAULT_HOME)
