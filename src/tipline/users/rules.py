"""Staff user rules: pure functions, no I/O."""

from __future__ import annotations

from tipline.users.models import ROLES

# Who may record legal authority to open a file its reporter did not view: a supervisory
# decision, never an analyst's own.
AUTHORITY_ROLES = ("supervisor", "admin")
# Staff who work cases; agency users get their own scoped views in a later issue.
CASE_ROLES = ("analyst", "supervisor", "admin", "hotline_analyst")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def check_jurisdiction(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValueError(f"jurisdiction {code!r} must be an ISO 3166 alpha-2 code such as US")
    return code


def check_new_password(password: str) -> None:
    # Staff see evidence, so their bar is higher than a reporter's.
    if len(password) < 14:
        raise ValueError("a staff password must have at least 14 characters")
