"""Route planning rules without a database: evidence, deadlines, the fallback agency, the
risk margin, and the offline IP-to-country default."""

from __future__ import annotations

import datetime as dt

from registry_support import REGISTRY, T0
from tipline.agencies.rules import Retention
from tipline.routing import geo, rules
from tipline.routing.rules import Evidence


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
