"""Agency registry rules without a database: registry checks, chains, retention windows and
forecast arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest

from registry_support import REGISTRY, T0
from tipline.agencies import rules
from tipline.agencies.rules import AgencyEntry, RegistryError, Retention


def test_registry_refuses_bad_entries_with_clear_errors() -> None:
    with pytest.raises(RegistryError, match=r"unknown country code.*XX"):
        rules.check_agency(AgencyEntry("X-1", "x", ("XX",), "direct", None, "pull"), REGISTRY)
    with pytest.raises(RegistryError, match="intermediary NOPE is not in the registry"):
        rules.check_agency(AgencyEntry("X-1", "x", ("SE",), "europol", "NOPE", "pull"),
                           REGISTRY)
    with pytest.raises(RegistryError, match="needs the code of the intermediary"):
        rules.check_agency(AgencyEntry("X-1", "x", ("SE",), "interpol", None, "pull"), REGISTRY)
    with pytest.raises(RegistryError, match="webhook needs an endpoint"):
        rules.check_agency(AgencyEntry("X-1", "x", ("SE",), "direct", None, "webhook"),
                           REGISTRY)
    cyclic = AgencyEntry("EUROPOL", "relay", (), "hotline", "SE-NOA", "pull")
    with pytest.raises(RegistryError, match="cycle"):
        rules.check_agency(cyclic, REGISTRY)
    with pytest.raises(RegistryError, match="must not be negative"):
        rules.check_retention("SE", -1)
    with pytest.raises(RegistryError, match="unknown country code"):
        rules.check_retention("QQ", 10)
    ok = rules.check_agency(AgencyEntry("fi-krp", " Finland ", ("fi",), "europol", "europol",
                                        "pull"), REGISTRY)
    assert (ok.code, ok.countries, ok.via_code, ok.name) == ("FI-KRP", ("FI",), "EUROPOL",
                                                             "Finland")


def test_chain_runs_through_intermediaries() -> None:
    assert rules.chain(REGISTRY, "SE-NOA") == ["EUROPOL", "SE-NOA"]
    assert rules.chain(REGISTRY, "DE-BKA") == ["DE-BKA"]
    assert rules.dependants(REGISTRY, "EUROPOL") == ["SE-NOA"]


def test_unknown_retention_uses_default_flagged_assumed() -> None:
    table = rules.retention_for("SE", None, None, "", 7)
    assert table == Retention(7, table.source, "default", True)
    assert rules.retention_for("FR", None, 365, "CPCE", 7).origin == "jurisdictions.csv"
    assert rules.retention_for("FR", (10, "order"), 365, "CPCE", 7).days == 10
    # An administrator declaring the window unknown beats the table: the default applies.
    assert rules.retention_for("FR", (None, ""), 365, "CPCE", 7).assumed


def test_forecast_arithmetic() -> None:
    now = T0
    routed = [now - dt.timedelta(hours=h) for h in (1, 30, 100, 167)] + [
        now - dt.timedelta(days=8)]
    deadlines = [now - dt.timedelta(hours=1), now + dt.timedelta(hours=3),
                 now + dt.timedelta(days=3), now + dt.timedelta(days=30)]
    result = rules.forecast(routed, deadlines, {"pending": 2, "dead": 1}, now)
    assert result["queued_now"] == 2 and result["recent_cases"] == 4
    assert result["expected_next_24h"] == round(4 / 7, 1)
    assert (result["deadlines_passed"], result["deadlines_next_24h"],
            result["deadlines_next_7d"]) == (1, 1, 2)
