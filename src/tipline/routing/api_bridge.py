"""The names `routing/api.py` calls, from the domains they moved to when routing was split
(agencies, deconfliction, alerts, delivery, routing). A bridge that keeps api.py's handlers
unchanged while they are rewritten into use cases; delete it then."""

from __future__ import annotations

from tipline.agencies.service import (
    agency_for_user,
    agency_views,
    retention_of,
    retention_view,
    save_agency,
    set_retention,
)
from tipline.alerts.store import alerts_for
from tipline.deconfliction.service import add_watch, end_watch
from tipline.deconfliction.store import watches
from tipline.delivery.service import forecast
from tipline.errors import NotFound
from tipline.routing.service import case_routes, routes_for

__all__ = [
    "NotFound",
    "add_watch",
    "agency_for_user",
    "agency_views",
    "alerts_for",
    "case_routes",
    "end_watch",
    "forecast",
    "retention_of",
    "retention_view",
    "routes_for",
    "save_agency",
    "set_retention",
    "watches",
]
