"""Routing rules without a database: evidence, registry checks, chains, deadlines, watches,
forecast arithmetic, and the offline IP-to-country default."""

from __future__ import annotations

import datetime as dt

import pytest

from tipline.routing import geo, rules
from tipline.routing.rules import AgencyEntry, Evidence, RegistryError, Retention

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
EUROPOL = AgencyEntry("EUROPOL", "relay", (), "direct", None, "webhook",
                      "https://relay.example.org/hook")
SE = AgencyEntry("SE-NOA", "se", ("SE",), "europol", "EUROPOL", "pull")
DE = AgencyEntry("DE-BKA", "de", ("DE",), "direct", None, "pull")
REGISTRY = {a.code: a for a in (EUROPOL, SE, DE)}


def known(country: str) -> Retention:
    days = {"DE": 7, "SE": 30}.get(country)
    return Retention(days or 5, "test", "test", days is None)


def test_document_evidence_reads_stated_locations() -> None:
    doc = {"personOrUserReported": [{"estimatedLocation": {"countryCode": "se"},
                                     "personOrUserReportedPerson": {
                                         "address": [{"country": "Narnia"}]}}],
           "victim": [{"victimPerson": {"address": [{"country": "FR"}]},
                       "estimatedLocation": {"countryCode": "EU"}}]}
    found = rules.document_evidence(7, doc)
    assert [(e.kind, e.country) for e in found] == [("reported_location", "SE"),
                                                    ("victim_location", "FR")]


def test_secondary_evidence_counts_only_without_primary() -> None:
    ip = Evidence("ip", 1, "192.0.2.1", "DE", T0)
    host = Evidence("url_host", 1, "https://x.example -> 1.2.3.4", "NL")
    reporter = Evidence("reporter", 1, "reporters.country", "US")
    proxy = Evidence("ip", 1, "192.0.2.2", "JP", T0, proxy=True)
    assert list(rules.routing_countries([ip, host, reporter, proxy])) == ["DE"]
    assert list(rules.routing_countries([host, reporter, proxy])) == ["NL", "US"]


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


def test_deadline_is_earliest_capture_in_the_country_plus_its_window() -> None:
    evidence = [Evidence("ip", 1, "a", "SE", T0 + dt.timedelta(days=2)),
                Evidence("ip", 2, "b", "SE", T0),
                Evidence("ip", 3, "c", "DE", T0 + dt.timedelta(days=20)),
                Evidence("ip", 4, "d", "DE", T0 - dt.timedelta(days=90), proxy=True),
                Evidence("reported_location", 5, "loc", "DE")]
    plan = rules.plan_routes(evidence, REGISTRY, known, None)
    by_agency = {r.agency: r for r in plan.routes}
    assert by_agency["SE-NOA"].chain == ["EUROPOL", "SE-NOA"]
    assert by_agency["SE-NOA"].deadline == T0 + dt.timedelta(days=30)
    assert by_agency["SE-NOA"].basis["report_id"] == 2
    assert by_agency["SE-NOA"].basis["leads"] == 2
    assert by_agency["DE-BKA"].deadline == T0 + dt.timedelta(days=27)  # the proxy is ignored
    reason = by_agency["DE-BKA"].reasons[0]
    assert reason["country"] == "DE" and reason["evidence_kinds"] == ["ip",
                                                                      "reported_location"]


def test_unknown_retention_uses_default_flagged_assumed() -> None:
    table = rules.retention_for("SE", None, None, "", 7)
    assert table == Retention(7, table.source, "default", True)
    assert rules.retention_for("FR", None, 365, "CPCE", 7).origin == "jurisdictions.csv"
    assert rules.retention_for("FR", (10, "order"), 365, "CPCE", 7).days == 10
    # An administrator declaring the window unknown beats the table: the default applies.
    assert rules.retention_for("FR", (None, ""), 365, "CPCE", 7).assumed
    evidence = [Evidence("ip", 1, "a", "JP", T0)]
    plan = rules.plan_routes(evidence, REGISTRY, known, "EUROPOL")
    [route] = plan.routes
    assert route.agency == "EUROPOL" and route.reasons[0]["fallback"]
    assert route.basis["assumed"] and route.deadline == T0 + dt.timedelta(days=5)
    assert rules.plan_routes(evidence, REGISTRY, known, None).unrouted == {
        "JP": "no active agency serves this country and no fallback is set"}


def test_at_risk_only_while_reachable() -> None:
    margin = dt.timedelta(hours=48)
    assert rules.at_risk(T0 + dt.timedelta(hours=47), T0, margin)
    assert not rules.at_risk(T0 + dt.timedelta(hours=49), T0, margin)
    assert not rules.at_risk(T0 - dt.timedelta(hours=1), T0, margin)
    assert not rules.at_risk(None, T0, margin)


def test_watch_values_are_normalised_like_reports() -> None:
    assert rules.normalise_watch("email", " Fox@Example.TEST ") == "fox@example.test"
    assert rules.normalise_watch("account", "user-1", service="ExampleChat") == \
        "examplechat|user-1"
    assert rules.normalise_watch("account", "ExampleChat|user-1") == "examplechat|user-1"
    assert rules.normalise_watch("ip", "::ffff:192.0.2.5") == "192.0.2.5"
    assert rules.normalise_watch("phone", "+46 70-123 45 67") == "+46701234567"
    assert rules.normalise_watch("hash", "MD5:" + "A" * 32) == "md5:" + "a" * 32
    assert rules.normalise_watch("hash", "b" * 64, algorithm="pdq") == "pdq:" + "b" * 64
    for kind, value in (("hash", "md5:abc"), ("ip", "not-an-ip"), ("account", "no-service"),
                        ("email", "  ")):
        with pytest.raises(RegistryError):
            rules.normalise_watch(kind, value)


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


def test_url_hosts_and_default_lookup_offline() -> None:
    assert rules.url_host("HTTPS://Files.Example.test./a?b") == "files.example.test"
    assert rules.url_host("files.example.test/x") == "files.example.test"
    assert geo.resolve_hosts(["http://192.0.2.7/x"], geo.NoResolver()) == {
        "192.0.2.7": ["192.0.2.7"]}
    lookup = geo.IptoccLookup()  # data compiled into the package: no network
    assert lookup.country("192.0.2.1") is None  # documentation range: no country
    assert lookup.country("127.0.0.1") is None and lookup.country("nonsense") is None
    assert lookup.country("8.8.8.8") == "US"
    table = geo.TableLookup({"192.0.2.1": "se"}, fallback=lookup)
    assert table.country("192.0.2.1") == "SE" and table.country("8.8.8.8") == "US"
