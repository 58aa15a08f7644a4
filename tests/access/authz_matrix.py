"""The authorisation matrix: who may reach each route of the app (API and pages).

One line per route: `"METHOD /path": allowed principals`. `test_authorisation_matrix.py`
generates its calls from the app's route table, calls every route as every principal below
and fails on a route missing here, on a route listed here that the app no longer has, on any
access by a principal not listed, and on a gate that refuses a listed principal.

"Allowed" means the route's gate lets the principal through (the answer may still be 400, 404
for an id it may not see, 409 or 422); "not allowed" means the answer is 401, 403, 404 or, for
a page, the way back to the login page. Principals (`*_other` act for another organisation
than the one that owns the world's case, report and deliveries):

anonymous; analyst, supervisor, admin, hotline (hotline_analyst); agency, agency_other (agency
users); reporter_user, reporter_user_other (the reporter portal's staff users); reporter_api,
reporter_api_other (HTTP basic); reporter_key (an API key with scopes report and match).
"""

from __future__ import annotations

ANALYSTS = frozenset({"analyst", "supervisor", "admin", "hotline"})
SUPERVISORS = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})
AGENCY = frozenset({"agency", "agency_other"})  # each reaches only its own agency's things
PORTAL = frozenset({"reporter_user", "reporter_user_other"})
REPORTER_API = frozenset({"reporter_api", "reporter_api_other", "reporter_key"})
STAFF = ANALYSTS | AGENCY | PORTAL
EVERYONE = STAFF | REPORTER_API | {"anonymous"}
OWN_AGENCY = frozenset({"agency"})  # a thing of the world's agency, by id
OWN_PORTAL = frozenset({"reporter_user"})  # a report of the world's reporter, by id

PRINCIPALS = tuple(sorted(EVERYONE))

# A route naming one thing by id is called with the id of the world's thing, which belongs to
# the organisations of `agency`, `reporter_user` and `reporter_api`: their `*_other`
# counterparts must be refused (404, as if it did not exist).
MATRIX: dict[str, frozenset[str]] = {
    # --- operations and documentation: public, holding nothing personal
    "GET /healthz": EVERYONE,
    "GET /openapi.json": EVERYONE,
    "GET /docs": EVERYONE,
    "GET /ispws/xsd": EVERYONE,
    # --- logging in and out
    "GET /login": EVERYONE,
    "POST /login": STAFF,  # the principal's own credentials: only staff accounts log in
    "POST /logout": EVERYONE,
    "GET /": STAFF,
    # --- CyberTipline-compatible intake and the JSON reports API: reporters
    "POST /ispws/submit": REPORTER_API,
    "POST /ispws/upload": REPORTER_API,
    "POST /ispws/fileinfo": REPORTER_API,
    "POST /ispws/finish": REPORTER_API,
    "POST /ispws/retract": REPORTER_API,
    "GET /ispws/status": REPORTER_API,
    "GET /api/v1/reports": REPORTER_API,
    "POST /api/v1/reports": REPORTER_API,
    "GET /api/v1/reports/{report_id}": REPORTER_API - {"reporter_api_other"},
    "POST /api/v1/reports/{report_id}/files": REPORTER_API - {"reporter_api_other"},
    "PUT /api/v1/reports/{report_id}/files/{file_id}": REPORTER_API - {"reporter_api_other"},
    "POST /api/v1/reports/{report_id}/finish": REPORTER_API - {"reporter_api_other"},
    "POST /api/v1/reports/{report_id}/retract": REPORTER_API - {"reporter_api_other"},
    "POST /api/v1/match/hashes": REPORTER_API,
    "POST /api/v1/match/media": REPORTER_API,
    # --- the centre's API
    "GET /api/v1/worklist": ANALYSTS | AGENCY,
    "POST /api/v1/worklist/next": ANALYSTS,
    "GET /api/v1/cases/{case_id}": ANALYSTS | OWN_AGENCY,
    "GET /api/v1/cases/{case_id}/routes": ANALYSTS,
    "POST /api/v1/cases/{case_id}/assign": SUPERVISORS,
    "POST /api/v1/cases/{case_id}/merge": ANALYSTS,
    "POST /api/v1/cases/{case_id}/notes": ANALYSTS,
    "POST /api/v1/cases/{case_id}/release": ANALYSTS,
    "POST /api/v1/cases/{case_id}/split": ANALYSTS,
    "POST /api/v1/cases/{case_id}/status": ANALYSTS,
    "POST /api/v1/cases/{case_id}/take": ANALYSTS,
    "POST /api/v1/cases/{case_id}/unlink": ANALYSTS,
    "GET /api/v1/clusters/{cluster_id}": ANALYSTS | OWN_AGENCY,
    "POST /api/v1/clusters/{cluster_id}/facts": ANALYSTS,
    "GET /api/v1/files/{file_id}/access": ANALYSTS | OWN_AGENCY,
    "GET /api/v1/files/{file_id}/classification": ANALYSTS | OWN_AGENCY,
    "GET /api/v1/files/{file_id}/content": ANALYSTS,
    "POST /api/v1/files/{file_id}/facts": ANALYSTS,
    "POST /api/v1/files/{file_id}/authority": SUPERVISORS,
    "GET /api/v1/jurisdictions": ANALYSTS,
    "POST /api/v1/admin/jurisdictions/{code}": ADMIN,
    "GET /api/v1/deliveries/time-to-desk": ANALYSTS - {"hotline"},
    "GET /api/v1/alerts": ANALYSTS,  # the centre's alerts (unroutable cases, dead letters)
    "GET /api/v1/banks": ANALYSTS,  # hash banks are managed by all of the centre's staff
    "POST /api/v1/banks": ANALYSTS,
    "POST /api/v1/banks/{name}/enabled/{enabled}": ANALYSTS,
    "POST /api/v1/banks/{name}/entries": ANALYSTS,
    "POST /api/v1/banks/{name}/entries/enabled/{enabled}": ANALYSTS,
    "POST /api/v1/banks/{name}/import": ANALYSTS,
    "GET /api/v1/admin/agencies": ADMIN,
    "POST /api/v1/admin/agencies": ADMIN,
    "PATCH /api/v1/admin/agencies/{code}": ADMIN,
    "GET /api/v1/admin/retention": ADMIN,
    "PUT /api/v1/admin/retention/{country}": ADMIN,
    # --- an agency's own desk (API)
    "GET /api/v1/agencies/me/alerts": AGENCY,
    "GET /api/v1/agencies/me/forecast": AGENCY,
    "GET /api/v1/agencies/me/queue": AGENCY,
    "GET /api/v1/agencies/me/routes": AGENCY,
    "GET /api/v1/agencies/me/watches": AGENCY,
    "POST /api/v1/agencies/me/watches": AGENCY,
    "DELETE /api/v1/agencies/me/watches/{watch_id}": OWN_AGENCY,
    "GET /api/v1/agencies/me/deliveries/{delivery_id}/package.json": OWN_AGENCY,
    "GET /api/v1/agencies/me/deliveries/{delivery_id}/package.xml": OWN_AGENCY,
    "GET /api/v1/agencies/me/deliveries/{delivery_id}/bundle": OWN_AGENCY,
    "POST /api/v1/agencies/me/deliveries/{delivery_id}/ack": OWN_AGENCY,
    # --- pages of the centre
    "GET /worklist": ANALYSTS | AGENCY,
    "GET /worklist/counts": ANALYSTS | AGENCY,
    "POST /worklist/next": ANALYSTS,
    "GET /cases/{case_id}": ANALYSTS | OWN_AGENCY,
    "GET /cases/{case_id}/work": ANALYSTS | OWN_AGENCY,  # read-only for its agency
    "POST /cases/{case_id}/assign": SUPERVISORS,
    "POST /cases/{case_id}/merge": ANALYSTS,
    "POST /cases/{case_id}/notes": ANALYSTS,
    "POST /cases/{case_id}/release": ANALYSTS,
    "POST /cases/{case_id}/split": ANALYSTS,
    "POST /cases/{case_id}/status": ANALYSTS,
    "POST /cases/{case_id}/take": ANALYSTS,
    "POST /cases/{case_id}/unlink": ANALYSTS,
    "GET /reports/{report_id}": ANALYSTS | OWN_AGENCY,
    "GET /files/{file_id}/content": ANALYSTS,
    "GET /review": ANALYSTS,
    "GET /review/clusters/{cluster_id}": ANALYSTS,
    "POST /review/clusters/{cluster_id}/classify": ANALYSTS,
    "POST /review/files/{file_id}/reveal": ANALYSTS,
    "GET /review/files/{file_id}/safe": ANALYSTS,
    "GET /review/overrides": SUPERVISORS,
    "POST /review/overrides": SUPERVISORS,
    "POST /review/preferences": ANALYSTS,
    "POST /review/reveals/{reveal_id}/end": ANALYSTS,
    "GET /review/reveals/{reveal_id}/original": ANALYSTS,
    "GET /banks": ANALYSTS,
    "GET /banks/report": ANALYSTS,
    "GET /banks/{bank_id}": ANALYSTS,
    "POST /banks/{bank_id}/import": ANALYSTS,
    "GET /dashboard": ANALYSTS,
    "GET /admin/users": ADMIN,
    "POST /admin/users": ADMIN,
    "POST /admin/users/{user_id}/active": ADMIN,
    "GET /admin/agencies": ADMIN,
    "POST /admin/agencies": ADMIN,
    "GET /admin/agencies/{code}": ADMIN,
    "POST /admin/agencies/{code}": ADMIN,
    "GET /admin/retention": ADMIN,
    "POST /admin/retention": ADMIN,
    "GET /admin/api-keys": ADMIN,
    "POST /admin/api-keys": ADMIN,
    "POST /admin/api-keys/{key_id}/revoke": ADMIN,
    # --- an agency's inbox (pages)
    "GET /inbox": AGENCY,
    "GET /inbox/cases/{case_id}": OWN_AGENCY,
    "POST /inbox/deliveries/{delivery_id}/ack": OWN_AGENCY,
    "GET /inbox/deliveries/{delivery_id}/{what}": OWN_AGENCY,
    # --- the reporter portal
    "GET /portal": PORTAL,
    "GET /portal/reports/{report_id}": OWN_PORTAL,
    "GET /portal/outcomes": PORTAL,
    # --- media review: one reviewer per cluster
    "POST /review/next": ANALYSTS,
    "POST /review/clusters/{cluster_id}/leave": ANALYSTS,
    # --- outcomes, feedback to hash lists, scorecards and the transparency report
    "GET /api/v1/outcomes/vocabulary": EVERYONE,  # the published vocabulary
    "GET /api/v1/agencies/me/outcomes": AGENCY,
    "POST /api/v1/agencies/me/outcomes": AGENCY,
    "POST /inbox/cases/{case_id}/outcomes": OWN_AGENCY,
    # signed with the agency's secret, not a user's credentials: no principal gets through
    "POST /api/v1/agencies/{code}/outcomes/package": frozenset(),
    "GET /api/v1/reporters/me/outcomes": REPORTER_API,
    "GET /api/v1/reporters/me/reports/{report_id}/outcome-status":
        REPORTER_API - {"reporter_api_other"},
    "PUT /api/v1/reporters/me/outcome-webhook": REPORTER_API,
    "GET /api/v1/banks/feedback": ANALYSTS,
    "GET /api/v1/scorecards": ANALYSTS,
    "GET /api/v1/scorecards.csv": ANALYSTS,
    "GET /scorecards": ANALYSTS,
    "GET /scorecards.csv": ANALYSTS,
    "GET /transparency": ANALYSTS,
    "GET /transparency/report.{fmt}": ANALYSTS,
    # --- notice and takedown: the public form needs no account
    "GET /report": EVERYONE,
    "POST /report": EVERYONE,
    "GET /report/status": EVERYONE,
    "POST /report/status": EVERYONE,
    "GET /takedown": ANALYSTS,
    "GET /takedown/figures": ANALYSTS,
    "GET /takedown/urls/{url_id}": ANALYSTS,
    "POST /takedown/urls/{url_id}/assess": ANALYSTS,
    "POST /takedown/urls/{url_id}/release": SUPERVISORS,
    "GET /admin/providers": ANALYSTS,
    "POST /admin/providers": SUPERVISORS,
    "POST /admin/hotlines": SUPERVISORS,
    "GET /api/v1/takedown/urls": ANALYSTS,
    "GET /api/v1/takedown/urls/{url_id}": ANALYSTS,
    "POST /api/v1/takedown/urls/{url_id}/assessment": ANALYSTS,
    "GET /api/v1/takedown/providers": ANALYSTS,
    "POST /api/v1/takedown/providers": SUPERVISORS,
    "GET /api/v1/takedown/hotlines": ANALYSTS,
    "POST /api/v1/takedown/hotlines": SUPERVISORS,
    "GET /api/v1/takedown/figures": ANALYSTS,
}
