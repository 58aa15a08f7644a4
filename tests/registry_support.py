"""A small agency registry for the rule tests of agencies and routing: a relay (Europol), an
agency reached through it (Sweden) and a direct one (Germany)."""

from __future__ import annotations

import datetime as dt

from tipline.agencies.rules import AgencyEntry

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
EUROPOL = AgencyEntry("EUROPOL", "relay", (), "direct", None, "webhook",
                      "https://relay.example.org/hook")
SE = AgencyEntry("SE-NOA", "se", ("SE",), "europol", "EUROPOL", "pull")
DE = AgencyEntry("DE-BKA", "de", ("DE",), "direct", None, "pull")
REGISTRY = {a.code: a for a in (EUROPOL, SE, DE)}
